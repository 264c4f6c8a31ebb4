"""How often a template is drawn, for the tests that check that regions are drawn once per
state rather than once per person."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.test.signals import template_rendered


@contextmanager
def drawings(template_name: str) -> Iterator[list[Any]]:
    """The contexts `template_name` is rendered with inside the block, in order."""
    drawn: list[Any] = []

    def count(sender: Any, template: Any, context: Any, **kwargs: Any) -> None:
        if template.name == template_name:
            drawn.append(context)

    template_rendered.connect(count)
    try:
        yield drawn
    finally:
        template_rendered.disconnect(count)

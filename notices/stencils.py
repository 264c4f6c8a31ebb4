"""Drawing the same template for many notices at the cost of one: the template is rendered
once with markers where the notices differ, and each notice fills the markers with its own
values, escaped as the template would escape them. A batch of reminders (hundreds of people,
a different task each) thus costs one rendering per language instead of one per notice.

The markers are characters of Unicode's private use area and a number no notice reaches, which
escaping leaves as they are and no rendered text contains. The values are put in one pass, so
that a value that happened to hold a marker is left as it is."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.html import conditional_escape

# A notice number far beyond any real one, so that its digits occur nowhere else.
PK_MARK = 987_654_321_987_654_321
TEXT_MARK = "\ue000text\ue000"
NAME_MARK = "\ue000name\ue000"
URL_MARK = "\ue000url\ue000"


class Stencil:
    """Rendered text with holes, each named by the marker that stood in for its value."""

    def __init__(self, rendered: str, holes: dict[str, str]) -> None:
        """`holes`: marker -> the name of the value that fills it."""
        pattern = "(" + "|".join(re.escape(marker) for marker in holes) + ")"
        # re.split with a group: the text between the markers at even places, markers at odd.
        self.parts = [
            holes[part] if index % 2 else part
            for index, part in enumerate(re.split(pattern, rendered))
        ]

    def fill(self, values: dict[str, str]) -> str:
        return "".join(values[part] if index % 2 else part for index, part in enumerate(self.parts))


@dataclass(frozen=True)
class _StandIn:
    """What notices/_notice.html reads of a notice."""

    pk: int
    read_at: datetime.datetime | None
    created_at: datetime.datetime


class NoticeStencil:
    """A notice's item in the inbox list (notices/_notice.html, without a form token), for the
    notices that share a read state and a time, in the language active when it is made."""

    def __init__(self, *, read: bool, created_at: datetime.datetime) -> None:
        notice = _StandIn(pk=PK_MARK, read_at=created_at if read else None, created_at=created_at)
        self.stencil = Stencil(
            render_to_string("notices/_notice.html", {"notice": notice, "text": TEXT_MARK}),
            {str(PK_MARK): "pk", TEXT_MARK: "text"},
        )

    def fill(self, *, pk: int, text: str) -> str:
        return self.stencil.fill({"pk": str(pk), "text": str(conditional_escape(text))})


class EmailStencil:
    """A notice's e-mail body (notices/email.txt, plain text), for those whose e-mail has a
    link or has none, in the language active when it is made."""

    def __init__(self, *, with_url: bool) -> None:
        self.stencil = Stencil(
            render_to_string(
                "notices/email.txt",
                {"name": NAME_MARK, "text": TEXT_MARK, "url": URL_MARK if with_url else ""},
            ),
            {NAME_MARK: "name", TEXT_MARK: "text", URL_MARK: "url"},
        )

    def fill(self, *, name: str, text: str, url: str) -> str:
        return self.stencil.fill({"name": name, "text": text, "url": url})

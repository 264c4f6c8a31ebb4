"""Text that goes into one-line places: e-mail headers, calendar lines, file names."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import ServiceError


def require_one_line(value: str, *, field: str) -> None:
    """Refuse a line break (CR, LF or any other) in text that must stay on one line: in an
    e-mail's Subject it would end the header (Django then refuses to send), or start another."""
    if "".join(value.splitlines()) != value:
        raise ServiceError(_("Write this on one line."), field=field)


def header_safe(value: str) -> str:
    """The text on one line, its runs of white space (line breaks included) made one space:
    for headers built from text saved before line breaks were refused."""
    return " ".join(value.split())

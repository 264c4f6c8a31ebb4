"""The per-reader stamp on every page of a confidential copy: who it was made for, when, and
the copy's id, which the access log traces back to its reader."""

from __future__ import annotations

import datetime
import io
import uuid
from collections.abc import Sequence

import pikepdf
from reportlab.pdfgen import canvas

from documents.fonts import FONT, register_fonts

STAMP_WIDTH = 420.0
STAMP_LINE_HEIGHT = 14.0


def watermark_lines(*, reader: str, at: datetime.datetime, copy_id: uuid.UUID) -> list[str]:
    return [
        f"{reader}",
        f"{at.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"{copy_id}",
    ]


def _overlay(lines: Sequence[str]) -> pikepdf.Pdf:
    register_fonts()
    height = STAMP_LINE_HEIGHT * (len(lines) + 1)
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(STAMP_WIDTH, height))
    page.setFillColorRGB(0.8, 0.1, 0.1, alpha=0.55)
    page.setFont(FONT, 10)
    for index, line in enumerate(lines):
        page.drawCentredString(STAMP_WIDTH / 2, height - STAMP_LINE_HEIGHT * (index + 1), line)
    page.save()
    return pikepdf.open(io.BytesIO(buffer.getvalue()))


def stamp(pdf: pikepdf.Pdf, lines: Sequence[str]) -> None:
    """Stamp every page of `pdf` in place, across the top of the page."""
    overlay = _overlay(lines)
    source = overlay.pages[0]
    height = STAMP_LINE_HEIGHT * (len(lines) + 1)
    for page in pdf.pages:
        box = page.mediabox
        left, bottom, right, top = (float(value) for value in box)
        centre = (left + right) / 2
        page.add_overlay(
            source,
            pikepdf.Rectangle(
                centre - STAMP_WIDTH / 2, top - height - 6, centre + STAMP_WIDTH / 2, top - 6
            ),
        )

"""The reader's stamp on every page of a confidential copy: who, when, and which copy.

A copy that leaks can be traced: the copy id printed on each page is recorded with the reader
and the version in `Access`. The layout (`watermark_lines`) is a plain function; `stamp` draws
the lines once per distinct page size with ReportLab and places that overlay on each page with
pikepdf, so a long document costs one small drawing and a cheap placement per page.
"""

from __future__ import annotations

import datetime
import io
import math
import uuid
from collections.abc import Iterable, Sequence
from typing import cast

import pikepdf
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.colors import Color
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from documents.fonts import FONT, register_fonts

FOOTER_SIZE = 7.0
DIAGONAL_SIZE = 28.0
MARGIN = 14.0
# Light enough to read the page through, dark enough to survive a photocopy.
DIAGONAL_COLOUR = Color(0.55, 0.0, 0.0, alpha=0.18)
FOOTER_COLOUR = Color(0.45, 0.0, 0.0, alpha=0.85)


def watermark_lines(*, reader: str, at: datetime.datetime, copy_id: uuid.UUID) -> list[str]:
    """The stamp's lines: the reader's full name, the local time of the copy, its id."""
    local = timezone.localtime(at) if timezone.is_aware(at) else at
    return [
        reader,
        local.strftime("%Y-%m-%d %H:%M (UTC%z)"),
        _("Copy %(copy_id)s") % {"copy_id": copy_id},
    ]


def _overlay_pdf(width: float, height: float, lines: Sequence[str]) -> bytes:
    """One page of the given (upright) size carrying the stamp: the lines across the middle,
    diagonally, and again in one line along the foot of the page, where text extraction and
    a reader's eye both find it."""
    register_fonts()
    font = FONT
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    drawing.setTitle("")

    longest = max((pdfmetrics.stringWidth(line, font, DIAGONAL_SIZE) for line in lines), default=1)
    diagonal = (width**2 + height**2) ** 0.5
    size = min(DIAGONAL_SIZE, DIAGONAL_SIZE * 0.8 * diagonal / max(longest, 1.0))
    drawing.saveState()
    drawing.setFillColor(DIAGONAL_COLOUR)
    drawing.setFont(font, size)
    drawing.translate(width / 2, height / 2)
    drawing.rotate(_degrees(height, width))
    for index, line in enumerate(lines):
        offset = (len(lines) / 2 - index - 0.5) * size * 1.3
        drawing.drawCentredString(0, offset, line)
    drawing.restoreState()

    footer = " · ".join(lines)
    footer_size = FOOTER_SIZE
    available = width - 2 * MARGIN
    footer_width = pdfmetrics.stringWidth(footer, font, footer_size)
    if footer_width > available:
        footer_size = max(3.0, footer_size * available / footer_width)
    drawing.setFillColor(FOOTER_COLOUR)
    drawing.setFont(font, footer_size)
    drawing.drawCentredString(width / 2, MARGIN / 2, footer)
    drawing.showPage()
    drawing.save()
    return buffer.getvalue()


def _degrees(rise: float, run: float) -> float:
    return math.degrees(math.atan2(rise, run))


def _upright_size(page: pikepdf.Page) -> tuple[float, float, int]:
    """The page's visible width and height as the reader sees it, and its rotation."""
    box = page.trimbox
    width = abs(float(box[2]) - float(box[0]))
    height = abs(float(box[3]) - float(box[1]))
    rotate = int(page.obj.get(pikepdf.Name.Rotate, 0)) % 360
    if rotate in (90, 270):
        width, height = height, width
    return round(width, 2), round(height, 2), rotate


def _overlay_form(
    pdf: pikepdf.Pdf, width: float, height: float, lines: Sequence[str]
) -> pikepdf.Object:
    """The overlay as a form XObject owned by `pdf`."""
    with pikepdf.Pdf.open(io.BytesIO(_overlay_pdf(width, height, lines))) as source:
        form = pdf.copy_foreign(source.pages[0].as_form_xobject())
        # Copied streams still read their data from the source file until the target is
        # saved; give them their own bytes so the source can close now.
        _own_stream_data(form, set())
    return form


def _own_stream_data(obj: object, seen: set[tuple[int, int]]) -> None:
    if not isinstance(obj, pikepdf.Object):
        return
    if obj.is_indirect:
        if obj.objgen in seen:
            return
        seen.add(obj.objgen)
    if isinstance(obj, pikepdf.Stream):
        obj.write(
            obj.read_raw_bytes(),
            filter=cast("pikepdf.Name | pikepdf.Array | None", obj.get(pikepdf.Name.Filter)),
            decode_parms=cast(
                "pikepdf.Dictionary | pikepdf.Array | None", obj.get(pikepdf.Name.DecodeParms)
            ),
        )
    if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        for key in list(obj.keys()):
            _own_stream_data(obj[key], seen)
    elif isinstance(obj, pikepdf.Array):
        for item in obj:
            _own_stream_data(item, seen)


def stamp(
    pdf: pikepdf.Pdf, lines: Sequence[str], *, pages: Iterable[pikepdf.Page] | None = None
) -> None:
    """Stamp every page of an open PDF (or only `pages`, pages of that PDF) in place with the
    lines.

    The overlay is drawn upright at the size the reader sees (a rotated page shows it upright;
    pikepdf undoes the page's /Rotate when placing it) and placed in the page's trim box,
    wherever its origin lies.
    """
    overlays: dict[tuple[float, float], pikepdf.Object] = {}
    for page in pdf.pages if pages is None else pages:
        width, height, _rotate = _upright_size(page)
        overlay = overlays.get((width, height))
        if overlay is None:
            overlay = _overlay_form(pdf, width, height, lines)
            overlays[(width, height)] = overlay
        place_over(pdf, page, overlay, pikepdf.Rectangle(page.trimbox))


def place_over(
    pdf: pikepdf.Pdf, page: pikepdf.Page, form: pikepdf.Object, rect: pikepdf.Rectangle
) -> None:
    """Lay a form XObject of `pdf` over one of its pages, fitted into `rect`.

    The page's own content streams stay as they are: they are put between a saved and a
    restored graphics state by two small streams of their own. pikepdf's `Page.add_overlay`
    would join them into one stream, which decodes every one of them and makes the save compress
    the page's content again.
    """
    name = page.add_resource(form, pikepdf.Name.XObject, prefix="Fx")
    placement = page.calc_form_xobject_placement(
        form, name, rect, invert_transformations=True, allow_shrink=True, allow_expand=True
    )
    page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
    page.contents_add(pdf.make_stream(b"\nQ\n" + placement), prepend=False)

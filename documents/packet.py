"""The meeting packet as one PDF: a cover, a table of contents, then every paper the reader may
take away, in agenda order, with bookmarks and "page x of y" on every page.

Plain data in, a PDF out: the caller decides what goes in (documents/services.py). Memory stays
bounded by the generated pages, not by the papers: each paper's pages are taken as they are,
never rasterised, and their streams (text, scanned pictures) are read from the source files one
at a time while the packet is written and copied through without being decoded. ReportLab draws
only what is new: the cover, the contents and the page numbers, in DejaVu Sans so that
Vietnamese survives.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO, cast

import pikepdf
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

from documents import watermark
from documents.fonts import FONT, FONT_BOLD, register_fonts

MARGIN = 56.0
LINE_HEIGHT = 16.0
TOC_FONT_SIZE = 10.0
# The contents' first line sits below its heading.
TOC_TOP = A4[1] - MARGIN - 40.0
TOC_LINES_PER_PAGE = int((TOC_TOP - MARGIN) // LINE_HEIGHT)
PAGE_NUMBER_BOX = (220.0, 18.0)
PAGE_NUMBER_SIZE = 8.0
PAGE_COLUMN = 60.0


@dataclass(frozen=True)
class Paper:
    """One document as this reader gets it. `path` is None for a paper listed in the contents
    but not included (read in the browser only, or beyond the packet's page budget); `stamp`
    holds the lines of a confidential copy's watermark."""

    title: str
    path: str | None
    stamp: Sequence[str] = ()
    # Left out because the packet would exceed its page budget (DOCUMENTS_PACKET_MAX_PAGES).
    too_long: bool = False


@dataclass(frozen=True)
class Section:
    """An agenda item (or, with no number, the papers about the whole meeting)."""

    number: str
    title: str
    papers: Sequence[Paper]

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}" if self.number else self.title


@dataclass(frozen=True)
class Cover:
    body: str
    title: str
    when: str
    place: str
    reader: str


@dataclass(frozen=True)
class _TocLine:
    text: str
    indent: float
    bold: bool
    page: str


def _toc_lines(
    sections: Sequence[Section], first_pages: dict[tuple[int, int], int]
) -> list[_TocLine]:
    width = A4[0] - 2 * MARGIN - PAGE_COLUMN
    lines: list[_TocLine] = []
    for s, section in enumerate(sections):
        for text in simpleSplit(section.heading, FONT_BOLD, TOC_FONT_SIZE, width):
            lines.append(_TocLine(text, 0.0, True, ""))
        for p, paper in enumerate(section.papers):
            if paper.path is not None:
                label = str(first_pages[(s, p)])
            elif paper.too_long:
                label = _("not in this packet, which would be too long: open it on its own")
            else:
                label = _("read in the browser only")
            text = paper.title if paper.path is not None else f"{paper.title} ({label})"
            wrapped = simpleSplit(text, FONT, TOC_FONT_SIZE, width - 16)
            for k, part in enumerate(wrapped):
                last = k == len(wrapped) - 1
                page = label if last and paper.path is not None else ""
                lines.append(_TocLine(part, 16.0, False, page))
    return lines


def _toc_page_count(sections: Sequence[Section]) -> int:
    # The page numbers do not change how many lines the contents take: count with dummies.
    dummy = {(s, p): 0 for s, section in enumerate(sections) for p in range(len(section.papers))}
    return max(1, -(-len(_toc_lines(sections, dummy)) // TOC_LINES_PER_PAGE))


def _front_matter(cover: Cover, lines: list[_TocLine]) -> bytes:
    """The cover and the contents, drawn by ReportLab."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(cover.title)
    width, height = A4
    pdf.setFont(FONT, 14)
    pdf.drawCentredString(width / 2, height - 180, cover.body)
    y = height - 230
    pdf.setFont(FONT_BOLD, 20)
    for part in simpleSplit(cover.title, FONT_BOLD, 20, width - 2 * MARGIN):
        pdf.drawCentredString(width / 2, y, part)
        y -= 26
    pdf.setFont(FONT, 12)
    y -= 20
    for text in (cover.when, cover.place):
        if text:
            pdf.drawCentredString(width / 2, y, text)
            y -= 18
    pdf.setFont(FONT, 11)
    pdf.drawCentredString(
        width / 2, MARGIN + 80, _("Prepared for %(reader)s") % {"reader": cover.reader}
    )
    pdf.showPage()

    for start in range(0, max(len(lines), 1), TOC_LINES_PER_PAGE):
        pdf.setFont(FONT_BOLD, 16)
        pdf.drawString(MARGIN, A4[1] - MARGIN - 10, _("Contents"))
        y = TOC_TOP
        for line in lines[start : start + TOC_LINES_PER_PAGE]:
            pdf.setFont(FONT_BOLD if line.bold else FONT, TOC_FONT_SIZE)
            pdf.drawString(MARGIN + line.indent, y, line.text)
            if line.page:
                pdf.drawRightString(width - MARGIN, y, line.page)
            y -= LINE_HEIGHT
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _page_numbers(total: int) -> pikepdf.Pdf:
    """One small page per packet page with its "page x of y", laid over the page's foot."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=PAGE_NUMBER_BOX, pageCompression=1)
    for number in range(1, total + 1):
        pdf.setFont(FONT, PAGE_NUMBER_SIZE)
        pdf.drawCentredString(
            PAGE_NUMBER_BOX[0] / 2,
            5,
            _("page %(page)d of %(total)d") % {"page": number, "total": total},
        )
        pdf.showPage()
    pdf.save()
    return pikepdf.open(io.BytesIO(buffer.getvalue()))


def _joined(paths: Sequence[str]) -> pikepdf.Pdf:
    """The papers' pages, one after the other, with their streams left in the source files.

    qpdf's page selection (a `qpdf --empty --pages ...` job) opens the sources itself and copies
    each page's objects with a reference to where its streams lie in its file: nothing is read
    until the packet is written, and then stream by stream. Pages copied through pikepdf's
    `pages.extend` would instead hold every stream's bytes in memory until the save, because
    pikepdf asks qpdf to copy from the PDFs it opens immediately.
    """
    if not paths:
        return pikepdf.new()
    job = pikepdf.Job(
        json.dumps(
            {
                "empty": "",
                "pages": [{"file": path} for path in paths],
                # Leave the pages' resources as they are: finding unused ones means decoding
                # every content stream.
                "removeUnreferencedResources": "no",
                # Required by the job's syntax; create_pdf() builds the PDF and writes nothing.
                "outputFile": os.devnull,
            }
        )
    )
    return job.create_pdf()


def write_packet(*, cover: Cover, sections: Sequence[Section], out: BinaryIO) -> int:
    """Write the packet to `out`; returns its number of pages."""
    register_fonts()
    included = [
        ((s, p), paper)
        for s, section in enumerate(sections)
        for p, paper in enumerate(section.papers)
        if paper.path is not None
    ]
    front_pages = 1 + _toc_page_count(sections)
    first_pages: dict[tuple[int, int], int] = {}
    page_counts: dict[tuple[int, int], int] = {}
    next_page = front_pages + 1
    for key, paper in included:
        # Opening a PDF reads its cross-reference table and page tree, not its pages.
        with pikepdf.open(cast("str", paper.path)) as source:
            page_counts[key] = len(source.pages)
        first_pages[key] = next_page
        next_page += page_counts[key]
    total = next_page - 1
    with contextlib.ExitStack() as opened:
        packet = opened.enter_context(
            _joined([cast("str", paper.path) for _key, paper in included])
        )
        front = opened.enter_context(
            pikepdf.open(io.BytesIO(_front_matter(cover, _toc_lines(sections, first_pages))))
        )
        for index, page in enumerate(front.pages):
            packet.pages.insert(index, page)
        for key, paper in included:
            if paper.stamp:
                start = first_pages[key] - 1
                pages = packet.pages[start : start + page_counts[key]]
                watermark.stamp(packet, paper.stamp, pages=pages)
        with packet.open_outline() as outline:
            outline.root.append(pikepdf.OutlineItem(_("Contents"), 1))
            for s, section in enumerate(sections):
                entry: pikepdf.OutlineItem | None = None
                for p, paper in enumerate(section.papers):
                    if paper.path is None:
                        continue
                    page_index = first_pages[(s, p)] - 1
                    if entry is None:
                        entry = pikepdf.OutlineItem(section.heading, page_index)
                        outline.root.append(entry)
                    entry.children.append(pikepdf.OutlineItem(paper.title, page_index))
        numbers = opened.enter_context(_page_numbers(total))
        for index, page in enumerate(packet.pages):
            left, bottom, right, _top = (float(value) for value in page.mediabox)
            centre = (left + right) / 2
            watermark.place_over(
                packet,
                page,
                packet.copy_foreign(numbers.pages[index].as_form_xobject()),
                pikepdf.Rectangle(
                    centre - PAGE_NUMBER_BOX[0] / 2,
                    bottom + 10,
                    centre + PAGE_NUMBER_BOX[0] / 2,
                    bottom + 10 + PAGE_NUMBER_BOX[1],
                ),
            )
        packet.docinfo["/Title"] = cover.title
        # The papers' streams go out as they came in: qpdf's defaults would decode every stream
        # it can (ASCII85, LZW, a Flate stream under another filter) and compress it again,
        # which for a packet of scans is most of the time spent, for a file hardly smaller.
        packet.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return total

"""The meeting packet as one PDF: a cover, a table of contents, then every paper the reader may
take away, in agenda order, with bookmarks and "page x of y" on every page.

Plain data in, a PDF out: the caller decides what goes in (documents/services.py). Memory stays
bounded by the generated pages, not by the papers: each paper's pages are appended through
pikepdf as they are, never rasterised, and their content streams are read from the source files
only when the packet is written. ReportLab draws only what is new: the cover, the contents and
the page numbers, in DejaVu Sans so that Vietnamese survives.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

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
    """One document as this reader gets it. `path` is None for a paper read in the browser
    only (listed in the contents, not included); `stamp` holds the lines of a confidential
    copy's watermark."""

    title: str
    path: str | None
    stamp: Sequence[str] = ()


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
            label = (
                str(first_pages[(s, p)])
                if paper.path is not None
                else _("read in the browser only")
            )
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


def write_packet(*, cover: Cover, sections: Sequence[Section], out: BinaryIO) -> int:
    """Write the packet to `out`; returns its number of pages."""
    register_fonts()
    with contextlib.ExitStack() as sources:
        # Opening a PDF reads its page tree, not its pages: the page counts come from the files
        # themselves, and the pages appended later keep reading their streams from these
        # sources until the save, so they stay open until then.
        opened: dict[tuple[int, int], pikepdf.Pdf] = {
            (s, p): sources.enter_context(pikepdf.open(paper.path))
            for s, section in enumerate(sections)
            for p, paper in enumerate(section.papers)
            if paper.path is not None
        }
        front_pages = 1 + _toc_page_count(sections)
        first_pages: dict[tuple[int, int], int] = {}
        next_page = front_pages + 1
        for key, source in opened.items():
            first_pages[key] = next_page
            next_page += len(source.pages)
        total = next_page - 1
        packet = sources.enter_context(
            pikepdf.open(io.BytesIO(_front_matter(cover, _toc_lines(sections, first_pages))))
        )
        with packet.open_outline() as outline:
            outline.root.append(pikepdf.OutlineItem(_("Contents"), 1))
            for s, section in enumerate(sections):
                entry: pikepdf.OutlineItem | None = None
                for p, paper in enumerate(section.papers):
                    if paper.path is None:
                        continue
                    source = opened[(s, p)]
                    if paper.stamp:
                        watermark.stamp(source, paper.stamp)
                    packet.pages.extend(source.pages)
                    page_index = first_pages[(s, p)] - 1
                    if entry is None:
                        entry = pikepdf.OutlineItem(section.heading, page_index)
                        outline.root.append(entry)
                    entry.children.append(pikepdf.OutlineItem(paper.title, page_index))
        numbers = sources.enter_context(_page_numbers(total))
        for index, page in enumerate(packet.pages):
            left, bottom, right, _top = (float(value) for value in page.mediabox)
            centre = (left + right) / 2
            page.add_overlay(
                numbers.pages[index],
                pikepdf.Rectangle(
                    centre - PAGE_NUMBER_BOX[0] / 2,
                    bottom + 10,
                    centre + PAGE_NUMBER_BOX[0] / 2,
                    bottom + 10 + PAGE_NUMBER_BOX[1],
                ),
            )
        packet.docinfo["/Title"] = cover.title
        packet.save(out)
    return total

"""The packet's layout as plain functions over plain data, without a database: contents that
run over several pages, long titles, papers of different page sizes, and which pages changed
between two versions."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pikepdf
from reportlab.lib.pagesizes import A4, landscape

from documents import packet, selectors
from tests.documents.reading.conftest import make_pdf

COVER = packet.Cover("Chính phủ", "Phiên họp thường kỳ", "1 December 2026", "Hà Nội", "Lê Văn Tám")


def text(path: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_long_contents_push_the_papers_back_and_their_page_numbers_with_them(
    tmp_path: Path,
) -> None:
    source = tmp_path / "paper.pdf"
    source.write_bytes(make_pdf(["Only page"]))
    long_title = "Báo cáo tình hình kinh tế - xã hội " * 6
    sections = [
        packet.Section(str(n), f"Item {n}", [packet.Paper(f"{long_title}{n}", str(source))])
        for n in range(1, 41)
    ]
    out = tmp_path / "packet.pdf"
    with out.open("wb") as target:
        total = packet.write_packet(cover=COVER, sections=sections, out=target)
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == total
    contents_pages = [
        n for n in range(2, total + 1) if text(out, n).lstrip().startswith("Contents")
    ]
    assert contents_pages == list(range(2, 2 + len(contents_pages)))
    # 40 headings and 40 titles on three lines each do not fit on one page.
    assert len(contents_pages) > 1
    first = 2 + len(contents_pages)
    assert total == first + 39
    listed = [
        (int(match[1]), int(match[2]))
        for page in contents_pages
        for line in text(out, page).splitlines()
        if (match := re.search(r"hội (\d+)\s+(\d+)$", line.strip()))
    ]
    assert listed == [(n, first + n - 1) for n in range(1, 41)]
    assert "Only page" in text(out, first) and "Contents" not in text(out, first)
    assert f"page {first} of {total}" in text(out, first)
    assert f"page 2 of {total}" in text(out, 2)


def test_every_page_is_numbered_whatever_its_size(tmp_path: Path) -> None:
    wide = tmp_path / "wide.pdf"
    wide.write_bytes(make_pdf(["Wide table"], pagesize=landscape(A4)))
    small = tmp_path / "small.pdf"
    small.write_bytes(make_pdf(["Small card"], pagesize=(300, 200)))
    sections = [
        packet.Section("1", "Tables", [packet.Paper("Wide", str(wide))]),
        packet.Section("", "Cards", [packet.Paper("Small", str(small))]),
    ]
    buffer = io.BytesIO()
    assert packet.write_packet(cover=COVER, sections=sections, out=buffer) == 4
    path = tmp_path / "packet.pdf"
    path.write_bytes(buffer.getvalue())
    assert "page 3 of 4" in text(path, 3) and "Wide table" in text(path, 3)
    assert "page 4 of 4" in text(path, 4) and "Small card" in text(path, 4)
    with pikepdf.open(path) as pdf:
        assert [round(float(pdf.pages[i].mediabox[2])) for i in (2, 3)] == [842, 300]


def test_changed_pages_name_the_pages_that_differ_or_went() -> None:
    assert selectors.changed_pages(["a", "b", "c"], ["a", "B", "c"]) == [2]
    assert selectors.changed_pages(["a", "b"], ["a", "b", "c"]) == [3]
    assert selectors.changed_pages(["a", "b", "c"], ["a"]) == [2, 3]
    assert selectors.changed_pages([], ["a"]) == [1]
    assert selectors.changed_pages(["a"], ["a"]) == []

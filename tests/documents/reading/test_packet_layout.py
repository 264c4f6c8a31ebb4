"""The packet's layout as plain functions over plain data, without a database: contents that
run over several pages, long titles, papers of different page sizes, and which pages changed
between two versions."""

from __future__ import annotations

import base64
import io
import re
import subprocess
import zlib
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


def test_the_papers_streams_go_into_the_packet_byte_for_byte(tmp_path: Path) -> None:
    """A scanned picture is neither decoded nor compressed again: not a JPEG, and not Flate under
    ASCII85 either (as ReportLab writes pictures), which qpdf would otherwise inflate, deflate
    and strip of its ASCII85 on every packet."""
    source = tmp_path / "scan.pdf"
    pictures = {
        "/DCTDecode": bytes(range(256)) * 8,  # stands in for JPEG data: copied, never read
        "/ASCII85Decode /FlateDecode": base64.a85encode(zlib.compress(b"\x80" * 3 * 64 * 64))
        + b"~>",
    }
    with pikepdf.open(io.BytesIO(make_pdf(["Scanned letter"]))) as pdf:
        page = pdf.pages[0]
        for index, (filters, data) in enumerate(pictures.items()):
            picture = pdf.make_stream(
                data,
                Type=pikepdf.Name.XObject,
                Subtype=pikepdf.Name.Image,
                ColorSpace=pikepdf.Name.DeviceRGB,
                BitsPerComponent=8,
                Width=64,
                Height=64,
                Filter=pikepdf.Array([pikepdf.Name(name) for name in filters.split()])
                if " " in filters
                else pikepdf.Name(filters),
            )
            page.add_resource(picture, pikepdf.Name.XObject, pikepdf.Name(f"/Scan{index}"))
            page.contents_add(pdf.make_stream(f"q 64 0 0 64 0 0 cm /Scan{index} Do Q\n".encode()))
        pdf.save(source, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    sections = [packet.Section("1", "Letters", [packet.Paper("Letter", str(source))])]
    out = tmp_path / "packet.pdf"
    with out.open("wb") as target:
        packet.write_packet(cover=COVER, sections=sections, out=target)
    with pikepdf.open(out) as pdf:
        found = {
            str(image.Filter)
            if isinstance(image.Filter, pikepdf.Name)
            else " ".join(str(name) for name in image.Filter): image.read_raw_bytes()
            for image in pdf.pages[2].resources.XObject.values()
            if image.get(pikepdf.Name.Subtype) == pikepdf.Name.Image
        }
    assert found == pictures

"""Documents benchmarks: stamping a confidential copy, and building one reader's packet.

    python bench/documents.py watermark [--pages 100] [--rounds 50]
    python bench/documents.py packet [--documents 50] [--pages 10] [--confidential 5] [--runs 3]
                                     [--images [jpeg|flate|reportlab]]

`watermark`: a paper of N pages (text in DejaVu Sans on every page, drawn with ReportLab, with
some pages landscape and some rotated) is opened, stamped on every page with one reader's name,
the time and a copy id, and saved, as a confidential download does; p50 and p99 over the rounds.
In the same run, the baseline: opening and saving the same paper with pikepdf, unstamped.
No database is needed.

`packet`: N documents of P pages each (text on every page, as ReportLab draws it), every
k-th one confidential, built into one packet PDF by `documents.packet.write_packet`: cover,
contents, bookmarks, "page x of y" on every page, confidential documents stamped for the
reader. The baseline, in the same run and on the same files, is pikepdf only concatenating
them, saving the streams as they are, as the packet does. Each build runs in a process of its
own, so that its peak memory (the growth of its resident set, which includes what qpdf
allocates outside Python) is its own. Reports the median
time of the runs, the peak memory, the output size, and the ratio to the baseline. With
`--images`, every page also carries a 270 KiB picture that does not compress, as a scan would:
JPEG by default, as scanners write them; `--images flate` a lossless one; `--images reportlab`
the picture as ReportLab draws it (Flate under ASCII85). A second baseline saves the same
concatenation with qpdf's defaults, which decode and compress again the streams they can.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def paper(pages: int) -> bytes:
    """A realistic paper: a page of running text on each page, a few landscape tables."""
    from reportlab.pdfgen import canvas

    from documents.fonts import register_fonts

    register_fonts()
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer)
    line = "Dự thảo Nghị quyết về dự toán ngân sách nhà nước năm 2027, phân bổ và điều hành. "
    for number in range(1, pages + 1):
        landscape = number % 10 == 0
        width, height = (842, 595) if landscape else (595, 842)
        drawing.setPageSize((width, height))
        drawing.setFont("DejaVuSans", 10)
        y = height - 60
        while y > 60:
            drawing.drawString(50, y, line[: int((width - 100) / 5.2)])
            y -= 14
        drawing.drawString(width / 2, 30, str(number))
        drawing.showPage()
    drawing.save()
    import pikepdf

    # Some papers arrive scanned sideways: a few pages carry /Rotate.
    with pikepdf.open(io.BytesIO(buffer.getvalue())) as pdf:
        for index in range(4, len(pdf.pages), 25):
            pdf.pages[index].obj.Rotate = 90
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def timed(rounds: int, work: Callable[[], object]) -> list[float]:
    work()  # untimed: imports, font loading
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return times


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def watermark(pages: int, rounds: int) -> None:
    import django

    django.setup()
    import datetime

    import pikepdf
    from django.utils import timezone

    from documents.watermark import stamp, watermark_lines

    content = paper(pages)

    def stamped() -> bytes:
        with pikepdf.open(io.BytesIO(content)) as pdf:
            lines = watermark_lines(
                reader="Nguyễn Thị Lan", at=timezone.now(), copy_id=uuid.uuid4()
            )
            stamp(pdf, lines)
            out = io.BytesIO()
            pdf.save(out)
            return out.getvalue()

    def baseline() -> bytes:
        with pikepdf.open(io.BytesIO(content)) as pdf:
            out = io.BytesIO()
            pdf.save(out)
            return out.getvalue()

    ours = timed(rounds, stamped)
    base = timed(rounds, baseline)
    print(
        f"watermark: {pages} pages ({len(content) // 1024} KiB), {rounds} rounds, "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"  stamp and save: p50 {p(ours, 50):.0f} ms, p99 {p(ours, 99):.0f} ms")
    print(f"  baseline (open and save): p50 {p(base, 50):.0f} ms, p99 {p(base, 99):.0f} ms")
    print(f"  p50 stamped / p50 baseline: {p(ours, 50) / p(base, 50):.1f}x")
    print(f"  stamped size: {len(stamped()) // 1024} KiB")


@dataclass(frozen=True)
class Figures:
    seconds: float
    peak_kib: int
    pages: int
    size: int


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _scan(noise: object, page: int, kind: str) -> tuple[bytes, dict[str, object]]:
    """A 270 KiB picture, as a scanner would put it in a PDF: JPEG (DCTDecode), or lossless
    (FlateDecode), each page a different one."""
    import zlib

    from PIL import Image

    assert isinstance(noise, Image.Image)
    left = (page * 37) % 600
    picture = noise.crop((left, 0, left + 600, 600))
    if kind == "jpeg":
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=85)
        return buffer.getvalue(), {"Width": 600, "Height": 600, "Filter": "/DCTDecode"}
    small = picture.resize((300, 300))
    return zlib.compress(small.tobytes(), 1), {
        "Width": 300,
        "Height": 300,
        "Filter": "/FlateDecode",
    }


def write_sources(directory: Path, documents: int, pages: int, *, images: str | None) -> list[Path]:
    """The papers: 40 lines of text on each page; with `images`, a picture on each page too.

    `jpeg` and `flate` put the picture in the page's resources as scanners do, the compressed
    bytes as they are; `reportlab` draws it with ReportLab's drawImage, which wraps the Flate
    data in ASCII85 (the sources of the runs before 2026-11-23)."""
    import pikepdf
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from documents.fonts import FONT, register_fonts

    register_fonts()
    noise = Image.frombytes("RGB", (1200, 600), os.urandom(1200 * 600 * 3))
    paths = []
    for number in range(documents):
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer)
        for page in range(1, pages + 1):
            if images == "reportlab":
                # Noise does not compress: each page carries a 270 KiB picture, like a scan.
                picture = Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3))
                pdf.drawImage(ImageReader(picture), 60, 60, width=480, height=480)
            pdf.setFont(FONT, 12)
            for line in range(40):
                pdf.drawString(
                    60, 780 - 18 * line, f"Tài liệu {number + 1}, trang {page}, dòng {line + 1}"
                )
            pdf.showPage()
        pdf.save()
        path = directory / f"paper-{number + 1}.pdf"
        if images in ("jpeg", "flate"):
            with pikepdf.open(io.BytesIO(buffer.getvalue())) as document:
                for index, sheet in enumerate(document.pages):
                    data, fields = _scan(noise, number * pages + index, images)
                    picture = document.make_stream(
                        data,
                        Type=pikepdf.Name.XObject,
                        Subtype=pikepdf.Name.Image,
                        ColorSpace=pikepdf.Name.DeviceRGB,
                        BitsPerComponent=8,
                        Width=fields["Width"],
                        Height=fields["Height"],
                        Filter=pikepdf.Name(str(fields["Filter"])),
                    )
                    sheet.add_resource(picture, pikepdf.Name.XObject, pikepdf.Name.Scan)
                    sheet.contents_add(
                        document.make_stream(b"q 480 0 0 480 60 60 cm /Scan Do Q\n"), prepend=True
                    )
                document.save(path)
        else:
            path.write_bytes(buffer.getvalue())
        paths.append(path)
    return paths


def _prepare() -> None:
    """Import and set up before measuring: both builds are measured from the same start."""
    import django

    django.setup()
    from documents.fonts import register_fonts

    register_fonts()


def _ours(paths: list[str], pages: int, confidential: int, out: str) -> tuple[int, float]:
    from django.utils import timezone

    from documents import packet, watermark

    started = time.perf_counter()
    sections = []
    for index, path in enumerate(paths):
        stamp: list[str] = []
        if confidential and index % confidential == 0:
            stamp = watermark.watermark_lines(
                reader="Nguyễn Thị Hoa", at=timezone.now(), copy_id=uuid.uuid4()
            )
        sections.append(
            packet.Section(
                str(index + 1),
                f"Mục {index + 1} của chương trình",
                [packet.Paper(f"Tài liệu {index + 1}", path, stamp)],
            )
        )
    cover = packet.Cover(
        "Chính phủ", "Phiên họp Chính phủ thường kỳ", "1 tháng 12 2026, 08:00", "Hà Nội", "Hoa"
    )
    with open(out, "wb") as target:
        total = packet.write_packet(cover=cover, sections=sections, out=target)
    return total, time.perf_counter() - started


def _baseline(paths: list[str], out: str, *, as_they_are: bool) -> tuple[int, float]:
    import pikepdf

    started = time.perf_counter()
    sources = [pikepdf.open(path) for path in paths]
    joined = pikepdf.new()
    for source in sources:
        joined.pages.extend(source.pages)
    if as_they_are:
        # As the packet writes them: streams copied through, never decoded or compressed.
        joined.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    else:
        joined.save(out)
    total = len(joined.pages)
    for source in sources:
        source.close()
    return total, time.perf_counter() - started


def _measure(kind: str, paths: list[str], pages: int, confidential: int, queue: object) -> None:
    _prepare()
    start_rss = _rss_kib()
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as scratch:
        out = scratch.name
    if kind == "ours":
        total, seconds = _ours(paths, pages, confidential, out)
    else:
        total, seconds = _baseline(paths, out, as_they_are=kind == "baseline")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start_rss
    size = os.path.getsize(out)
    os.unlink(out)
    queue.put(Figures(seconds, peak, total, size))  # type: ignore[attr-defined]


def run(kind: str, paths: list[str], pages: int, confidential: int) -> Figures:
    # Spawned, not forked: the child starts small and its peak is its own.
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_measure, args=(kind, paths, pages, confidential, queue))
    process.start()
    figures: Figures = queue.get()
    process.join()
    return figures


def packet_benchmark(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as directory:
        paths = [
            str(p)
            for p in write_sources(Path(directory), args.documents, args.pages, images=args.images)
        ]
        source_bytes = sum(os.path.getsize(path) for path in paths)
        ours = [run("ours", paths, args.pages, args.confidential) for _ in range(args.runs)]
        base = [run("baseline", paths, args.pages, args.confidential) for _ in range(args.runs)]
        default = [
            run("baseline-defaults", paths, args.pages, args.confidential) for _ in range(args.runs)
        ]
    stamped = len(range(0, args.documents, args.confidential)) if args.confidential else 0
    ours_s = statistics.median(f.seconds for f in ours)
    base_s = statistics.median(f.seconds for f in base)
    default_s = statistics.median(f.seconds for f in default)
    pictures = f" with a {args.images} picture on each" if args.images else ""
    print(
        f"packet: {args.documents} documents x {args.pages} pages{pictures} "
        f"({source_bytes / 1024:.0f} KiB), {stamped} confidential (stamped), {args.runs} runs"
    )
    print(
        f"  ours: {ours[0].pages} pages in {ours_s:.2f} s (median; "
        f"{', '.join(f'{f.seconds:.2f}' for f in ours)}), peak memory "
        f"+{max(f.peak_kib for f in ours) / 1024:.1f} MiB, {ours[0].size / 1024:.0f} KiB"
    )
    print(
        f"  baseline (pikepdf concatenation, streams as they are): {base[0].pages} pages in "
        f"{base_s:.2f} s (median; {', '.join(f'{f.seconds:.2f}' for f in base)}), peak memory "
        f"+{max(f.peak_kib for f in base) / 1024:.1f} MiB, {base[0].size / 1024:.0f} KiB"
    )
    print(
        f"  old baseline (the same, saved with qpdf's defaults): {default[0].pages} pages in "
        f"{default_s:.2f} s (median; {', '.join(f'{f.seconds:.2f}' for f in default)}), peak "
        f"memory +{max(f.peak_kib for f in default) / 1024:.1f} MiB, "
        f"{default[0].size / 1024:.0f} KiB"
    )
    print(f"  ours / baseline: {ours_s / base_s:.1f}x the time")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    stamp = sub.add_parser("watermark")
    stamp.add_argument("--pages", type=int, default=100)
    stamp.add_argument("--rounds", type=int, default=50)
    build = sub.add_parser("packet")
    build.add_argument("--documents", type=int, default=50)
    build.add_argument("--pages", type=int, default=10)
    build.add_argument("--confidential", type=int, default=5, help="every k-th is confidential")
    build.add_argument("--runs", type=int, default=3)
    build.add_argument(
        "--images",
        nargs="?",
        const="jpeg",
        choices=["jpeg", "flate", "reportlab"],
        help="a 270 KiB picture of noise on every page (default: jpeg)",
    )
    args = parser.parse_args()
    if args.command == "watermark":
        watermark(args.pages, args.rounds)
    else:
        packet_benchmark(args)


if __name__ == "__main__":
    main()

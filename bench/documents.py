"""Documents benchmarks: building one reader's meeting packet.

    python bench/documents.py packet [--documents 50] [--pages 10] [--confidential 5] [--runs 3]
                                     [--images]

`packet`: N documents of P pages each (text on every page, as ReportLab draws it), every
k-th one confidential, built into one packet PDF by `documents.packet.write_packet`: cover,
contents, bookmarks, "page x of y" on every page, confidential documents stamped for the
reader. The baseline, in the same run and on the same files, is pikepdf only concatenating
them. Each build runs in a process of its own, so that its peak memory (the growth of its
resident set, which includes what qpdf allocates outside Python) is its own. Reports the median
time of the runs, the peak memory, the output size, and the ratio to the baseline. With
`--images`, every page also carries a picture that does not compress, as a scan would.
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
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


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


def write_sources(directory: Path, documents: int, pages: int, *, images: bool) -> list[Path]:
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from documents.fonts import FONT, register_fonts

    register_fonts()
    paths = []
    for number in range(documents):
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer)
        for page in range(1, pages + 1):
            if images:
                # Noise does not compress: each page carries a 270 KiB picture, like a scan.
                noise = Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3))
                pdf.drawImage(ImageReader(noise), 60, 60, width=480, height=480)
            pdf.setFont(FONT, 12)
            for line in range(40):
                pdf.drawString(
                    60, 780 - 18 * line, f"Tài liệu {number + 1}, trang {page}, dòng {line + 1}"
                )
            pdf.showPage()
        pdf.save()
        path = directory / f"paper-{number + 1}.pdf"
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


def _baseline(paths: list[str], pages: int, confidential: int, out: str) -> tuple[int, float]:
    import pikepdf

    started = time.perf_counter()
    sources = [pikepdf.open(path) for path in paths]
    joined = pikepdf.new()
    for source in sources:
        joined.pages.extend(source.pages)
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
    build = _ours if kind == "ours" else _baseline
    total, seconds = build(paths, pages, confidential, out)
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
    stamped = len(range(0, args.documents, args.confidential)) if args.confidential else 0
    ours_s = statistics.median(f.seconds for f in ours)
    base_s = statistics.median(f.seconds for f in base)
    print(
        f"packet: {args.documents} documents x {args.pages} pages"
        f"{' with a picture on each' if args.images else ''} "
        f"({source_bytes / 1024:.0f} KiB), {stamped} confidential (stamped), {args.runs} runs"
    )
    print(
        f"  ours: {ours[0].pages} pages in {ours_s:.2f} s (median; "
        f"{', '.join(f'{f.seconds:.2f}' for f in ours)}), peak memory "
        f"+{max(f.peak_kib for f in ours) / 1024:.1f} MiB, {ours[0].size / 1024:.0f} KiB"
    )
    print(
        f"  baseline (pikepdf concatenation): {base[0].pages} pages in {base_s:.2f} s "
        f"(median), peak memory +{max(f.peak_kib for f in base) / 1024:.1f} MiB, "
        f"{base[0].size / 1024:.0f} KiB"
    )
    print(f"  ours / baseline: {ours_s / base_s:.1f}x the time")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("mode", choices=["packet"])
    parser.add_argument("--documents", type=int, default=50)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--confidential", type=int, default=5, help="every k-th is confidential")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--images", action="store_true", help="a 300x300 picture of noise on every page"
    )
    args = parser.parse_args()
    packet_benchmark(args)


if __name__ == "__main__":
    main()

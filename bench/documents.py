"""Documents benchmark: stamping a confidential copy for one reader.

    python bench/documents.py watermark [--pages 100] [--rounds 50]

`watermark`: a paper of N pages (text in DejaVu Sans on every page, drawn with ReportLab, with
some pages landscape and some rotated) is opened, stamped on every page with one reader's name,
the time and a copy id, and saved, as a confidential download does; p50 and p99 over the rounds.
In the same run, the baseline: opening and saving the same paper with pikepdf, unstamped.
No database is needed.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def paper(pages: int) -> bytes:
    """A realistic paper: a page of running text on each page, a few landscape tables."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVuSans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("watermark")
    bench.add_argument("--pages", type=int, default=100)
    bench.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    watermark(args.pages, args.rounds)


if __name__ == "__main__":
    main()

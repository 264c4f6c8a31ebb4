"""The font every generated page uses: DejaVu Sans draws Vietnamese; ReportLab's Helvetica
cannot."""

from __future__ import annotations

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_DIR = "/usr/share/fonts/truetype/dejavu"


FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}


def register_fonts() -> None:
    registered = pdfmetrics.getRegisteredFontNames()
    for name, filename in FILES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, f"{FONT_DIR}/{filename}"))

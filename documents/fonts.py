"""The font every generated page uses: DejaVu Sans, shipped with the project in fonts/ (the
PDF_FONT_DIR setting), draws Vietnamese; ReportLab's Helvetica cannot."""

from __future__ import annotations

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"


FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}


def register_fonts() -> None:
    registered = pdfmetrics.getRegisteredFontNames()
    for name, filename in FILES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(settings.PDF_FONT_DIR / filename)))

"""Papers that do not embed their fonts: a letter typed in Helvetica with its boxes ticked in
ZapfDingbats, as ReportLab and many office programs leave them, and a page of Chinese set with
a predefined CMap and no font at all. pdf.js draws them with its own font data and character
maps (for Helvetica the browser's own sans-serif will do; for the dingbats and the symbols it
always takes its font data), which the reader points it to and the server serves with the other
static files. Without them pdf.js still draws something, with the wrong glyphs, and says so in
the console: the test listens for those warnings."""

from __future__ import annotations

import io

import pikepdf
import pytest
from playwright.sync_api import ConsoleMessage, Response, expect
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from documents import services
from documents.models import Document
from meetings.models import Meeting
from tests.browser.chromium import TABLET, chromium
from tests.browser.test_live_session import PASSWORD, log_in
from tests.conftest import Personas
from tests.documents.reading.conftest import add_version, build_papers, media_root  # noqa: F401
from tests.server import RunningServer, set_server_password

# What pdf.js 4.10 says when it has to do without its font data or character maps.
WARNINGS = ("standardFontDataUrl", "Unable to load font data", "cMapUrl", "CMap")


def paper_without_embedded_fonts() -> bytes:
    """Page 1 in Helvetica and ZapfDingbats, page 2 in STSong-Light (UniGB-UCS2-H): none is
    embedded."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFont("Helvetica", 18)
    pdf.drawString(72, 760, "Letter from the Ministry of Finance")
    pdf.drawString(96, 720, "Budget annex received")
    pdf.setFont("ZapfDingbats", 18)
    pdf.drawString(72, 720, "4")  # a tick
    pdf.showPage()
    pdf.setFont("STSong-Light", 18)
    pdf.drawString(72, 760, "财政部来函")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_the_paper_uses_fonts_that_are_not_embedded() -> None:
    with pikepdf.open(io.BytesIO(paper_without_embedded_fonts())) as pdf:
        fonts = {
            str(font.BaseFont): font for page in pdf.pages for font in page.resources.Font.values()
        }
        assert set(fonts) == {"/Helvetica", "/ZapfDingbats", "/STSong-Light"}
        for font in fonts.values():
            described = [font, *font.get(pikepdf.Name.DescendantFonts, [])]
            assert not any(
                key in part.get(pikepdf.Name.FontDescriptor, {})
                for part in described
                for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )


@pytest.mark.usefixtures("media_root")
@pytest.mark.browser
def test_the_reader_draws_a_paper_whose_fonts_are_not_embedded(
    government: Personas, meeting: Meeting, running_server: RunningServer
) -> None:
    build_papers(government, meeting)
    letter = Document.objects.create(
        meeting=meeting, title="Letter from the ministry", classification="internal"
    )
    add_version(letter, [], data=paper_without_embedded_fonts())
    services.packet_publish(actor=government.secretary, meeting=meeting)
    member = government.members[0]
    set_server_password(member, PASSWORD)

    console: list[str] = []
    font_data: list[tuple[str, int]] = []

    def listen(message: ConsoleMessage) -> None:
        console.append(message.text)

    def fetched(response: Response) -> None:
        if "/static/vendor/pdfjs/" in response.url and "/pdf." not in response.url:
            font_data.append((response.url.rsplit("/", 1)[1], response.status))

    with chromium() as browser:
        context = browser.new_context(viewport=TABLET)
        context.on("console", listen)
        context.on("response", fetched)
        tablet = context.new_page()
        log_in(tablet, running_server.url, member.username, f"/documents/{letter.pk}/read/")
        drawing = tablet.locator("#reader canvas")
        expect(drawing).to_have_attribute("data-rendered-page", "1", timeout=15_000)
        tablet.get_by_role("button", name="Next page").click()
        expect(drawing).to_have_attribute("data-rendered-page", "2", timeout=15_000)
        expect(tablet.locator("#reader .error-box")).to_have_count(0)

    warnings = [text for text in console if any(word in text for word in WARNINGS)]
    assert warnings == [], console
    # The font data and the character map came from the static files.
    assert ("FoxitDingbats.pfb", 200) in font_data
    assert ("UniGB-UCS2-H.bcmap", 200) in font_data

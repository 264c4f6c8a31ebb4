"""A member reads the meeting papers on a tablet: the secretariat publishes the packet and the
member's page shows it without a reload; the member opens a document in the reader (pdf.js
draws it on a canvas), turns the page and writes a note on it; the secretariat's read receipts
then show that the member opened the document."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from documents.models import Access, Note
from meetings.models import Meeting
from tests.browser.chromium import TABLET, chromium
from tests.browser.test_live_session import PASSWORD, log_in
from tests.conftest import Personas
from tests.documents.reading.conftest import build_papers, media_root  # noqa: F401  (fixture)
from tests.server import RunningServer, set_server_password


# The uploads' directory is set before the server process starts, so that it reads them too.
@pytest.mark.usefixtures("media_root")
@pytest.mark.browser
def test_a_member_reads_a_paper_writes_a_note_and_the_secretariat_sees_it_opened(
    government: Personas,
    meeting: Meeting,
    running_server: RunningServer,
    screenshot_dir: Path | None,
) -> None:
    papers = build_papers(government, meeting)
    member = government.members[0]
    set_server_password(member, PASSWORD)
    set_server_password(government.secretary, PASSWORD)
    name = member.get_full_name()

    with chromium() as browser:
        tablet = browser.new_context(viewport=TABLET).new_page()
        log_in(tablet, running_server.url, member.username, f"/meetings/{meeting.pk}/")
        tablet.get_by_role("link", name="Meeting papers").click()
        expect(tablet.locator("h1")).to_have_text("Meeting papers")
        expect(
            tablet.get_by_text("The papers for this meeting are not published yet.")
        ).to_be_visible()
        tablet.evaluate("window.notReloaded = true")

        office = browser.new_context(viewport=TABLET).new_page()
        log_in(
            office,
            running_server.url,
            government.secretary.username,
            f"/meetings/{meeting.pk}/packet/",
        )
        office.get_by_role("button", name="Publish the packet").click()
        expect(office.get_by_role("status").first).to_contain_text("The packet is published")

        # The member's page follows without a reload.
        expect(tablet.locator(f"#document-{papers.budget_report.pk}")).to_contain_text(
            "New", timeout=5_000
        )
        assert tablet.evaluate("window.notReloaded") is True
        tablet.get_by_role("link", name="Budget report").click()

        canvas = tablet.locator("#reader canvas")
        expect(canvas).to_have_attribute("data-rendered-page", "1", timeout=15_000)
        size = canvas.evaluate("c => [c.width, c.height]")
        assert size[0] > 100 and size[1] > 100
        # Something was drawn: not every pixel is the same.
        drawn = canvas.evaluate(
            """c => {
                const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                for (let i = 4; i < data.length; i += 4) {
                    if (data[i] !== data[0] || data[i + 1] !== data[1]) return true;
                }
                return false;
            }"""
        )
        assert drawn
        tablet.get_by_role("button", name="Next page").click()
        expect(canvas).to_have_attribute("data-rendered-page", "2")
        expect(tablet.locator(".reader-position")).to_have_text("Page 2 of 3")
        expect(tablet.get_by_text("Note on page 2")).to_be_visible()
        tablet.get_by_label("Note on page 2").fill("Ask the minister about the deficit")
        tablet.get_by_role("button", name="Add note").click()

        note = tablet.locator(".note-list .note").first
        expect(note).to_contain_text("Ask the minister about the deficit")
        expect(note).to_contain_text("Page 2")
        expect(canvas).to_have_attribute("data-rendered-page", "2", timeout=15_000)
        if screenshot_dir is not None:
            tablet.screenshot(path=str(screenshot_dir / "member-reader.png"), full_page=True)

        office.goto(f"{running_server.url}/meetings/{meeting.pk}/packet/receipts/")
        row = office.locator(f"#reader-{member.pk}")
        expect(row).to_contain_text(name)
        expect(row.locator("td").first).to_contain_text("Opened")
        other = office.locator(f"#reader-{government.members[1].pk}")
        expect(other).to_contain_text("Has not opened the papers")
        if screenshot_dir is not None:
            row.scroll_into_view_if_needed()
            office.screenshot(path=str(screenshot_dir / "secretariat-receipts.png"))

    assert Note.objects.get(user=member).page == 2
    assert Access.objects.filter(
        user=member, version__document=papers.budget_report, action=Access.Action.VIEW
    ).exists()

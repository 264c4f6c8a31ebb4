"""Follow the presenter: the chair shows the room a page of a paper from the reader; a member's
tablet that follows goes to it and marks it, without a reload; the member leaves following and
stays where they are, rejoins and goes to the page shown now, and follows the chair to another
paper."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from documents import services
from meetings import services as meeting_services
from meetings.models import Meeting
from tests.browser.chromium import TABLET, chromium
from tests.browser.test_live_session import PASSWORD, log_in
from tests.conftest import Personas, check_in
from tests.documents.reading.conftest import build_papers, media_root  # noqa: F401  (fixture)
from tests.server import RunningServer, set_server_password


def rendered(page: Page, number: int) -> None:
    expect(page.locator("#reader canvas")).to_have_attribute(
        "data-rendered-page", str(number), timeout=15_000
    )


@pytest.mark.usefixtures("media_root")
@pytest.mark.browser
def test_a_tablet_follows_the_pages_the_chair_shows(
    government: Personas,
    meeting: Meeting,
    running_server: RunningServer,
    screenshot_dir: Path | None,
) -> None:
    papers = build_papers(government, meeting)
    services.packet_publish(actor=government.secretary, meeting=meeting)
    check_in(meeting, government.voters[:20])
    meeting_services.meeting_start(actor=government.chair, meeting=meeting)
    member = government.members[0]
    for person in (government.chair, member):
        set_server_password(person, PASSWORD)
    draft = f"/documents/{papers.decree_draft.pk}/read/"

    with chromium() as browser:
        chair = browser.new_context(viewport=TABLET).new_page()
        log_in(chair, running_server.url, government.chair.username, draft)
        rendered(chair, 1)
        tablet = browser.new_context(viewport=TABLET).new_page()
        log_in(tablet, running_server.url, member.username, draft)
        rendered(tablet, 1)
        expect(tablet.get_by_role("button", name="Show this page to the room")).to_have_count(0)
        follow = tablet.locator("[data-follow]")
        follow.click()
        expect(follow).to_have_attribute("aria-pressed", "true")
        tablet.evaluate("window.notReloaded = true")

        def show(number: int) -> None:
            chair.get_by_role("button", name="Next page").click()
            rendered(chair, number)
            chair.get_by_role("button", name="Show this page to the room").click()
            rendered(chair, number)

        show(2)
        rendered(tablet, 2)
        expect(tablet.locator("#reader")).to_have_class("card reader is-presented")
        expect(tablet.get_by_text("The page the presenter is showing")).to_be_visible()
        assert tablet.evaluate("window.notReloaded") is True
        if screenshot_dir is not None:
            tablet.screenshot(path=str(screenshot_dir / "member-follows-presenter.png"))

        # Leaving: the tablet stays where it is.
        follow.click()
        expect(follow).to_have_attribute("aria-pressed", "false")
        show(3)
        expect(tablet.locator("#presenting")).to_have_attribute("data-page", "3", timeout=5_000)
        rendered(tablet, 2)
        expect(tablet.get_by_text("The page the presenter is showing")).to_be_hidden()

        # Rejoining goes to the page shown now.
        follow.click()
        rendered(tablet, 3)
        expect(tablet.get_by_text("The page the presenter is showing")).to_be_visible()
        assert tablet.evaluate("window.notReloaded") is True

        # Another paper: the tablet opens it at the page shown.
        chair.goto(f"{running_server.url}/documents/{papers.budget_report.pk}/read/")
        rendered(chair, 1)
        show(2)
        expect(tablet).to_have_url(
            f"{running_server.url}/documents/{papers.budget_report.pk}/read/?page=2",
            timeout=5_000,
        )
        rendered(tablet, 2)
        expect(tablet.get_by_text("The page the presenter is showing")).to_be_visible()

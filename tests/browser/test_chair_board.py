"""The chair's board on a tablet follows the meeting live: a member checks in on their own tablet
and the chair sees them arrive and the quorum reached, without touching or reloading the board."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from meetings.models import Meeting
from tests.browser.chromium import TABLET, chromium
from tests.conftest import Personas, check_in
from tests.server import RunningServer, set_server_password

PASSWORD = "correct horse battery staple"


def log_in(page: Page, base_url: str, username: str, next_path: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.browser
def test_the_board_shows_a_new_arrival_by_itself(
    government: Personas,
    meeting: Meeting,
    running_server: RunningServer,
    screenshot_dir: Path | None,
) -> None:
    member = government.members[0]
    check_in(meeting, [government.chair, *government.vice_chairs, *government.members[1:13]])
    set_server_password(government.chair, PASSWORD)
    set_server_password(member, PASSWORD)
    member_name = member.get_full_name()
    board_path = f"/meetings/{meeting.pk}/board/"

    with chromium() as browser:
        chair = browser.new_context(viewport=TABLET).new_page()
        log_in(chair, running_server.url, government.chair.username, board_path)
        present = chair.locator(".board-present li:visible")
        expect(chair.locator("#board-live")).to_contain_text("No quorum: 17 of 27")
        expect(present.filter(has_text=member_name)).to_have_count(0)
        expect(chair.get_by_role("button", name="Open the session")).to_be_visible()
        chair.evaluate("window.notReloaded = true")

        tablet = browser.new_context(viewport=TABLET).new_page()
        log_in(tablet, running_server.url, member.username, f"/meetings/{meeting.pk}/")
        tablet.locator("#my-attendance").get_by_role("button", name="Check in").click()
        expect(tablet.locator("#my-attendance")).to_contain_text("Present")

        # Pushed over the socket: the server's log tick is a minute long, far beyond this wait.
        expect(present.filter(has_text=member_name)).to_have_count(1, timeout=5_000)
        expect(chair.locator(".board-quorum")).to_have_class(re.compile(r"\bquorum-met\b"))
        expect(chair.locator("#board-live")).to_contain_text("Quorum met: 18 of 27")
        expect(chair).to_have_url(re.compile(re.escape(board_path) + "$"))
        assert chair.evaluate("window.notReloaded") is True

        if screenshot_dir is not None:
            chair.screenshot(path=str(screenshot_dir / "chair-board.png"))

        chair.get_by_role("button", name="Open the session").click()
        expect(chair.get_by_role("status")).to_contain_text("The session is open.")
        expect(chair.locator("#board-live")).to_contain_text("In session")

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.IN_SESSION

"""A member on a tablet logs in, opens the meeting and checks in: the page shows them present
and the quorum reached, and the database says so too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from meetings.models import Attendance, Meeting
from tests.browser.chromium import TABLET, chromium
from tests.conftest import Personas, check_in
from tests.server import RunningServer, set_server_password

PASSWORD = "correct horse battery staple"


@pytest.mark.browser
def test_member_checks_in_and_sees_the_quorum_met(
    government: Personas,
    meeting: Meeting,
    running_server: RunningServer,
    screenshot_dir: Path | None,
) -> None:
    member = government.members[0]
    # 17 of 27 are in the room: the member's check-in makes the quorum of two thirds (18).
    check_in(meeting, [government.chair, *government.vice_chairs, *government.members[1:13]])
    set_server_password(member, PASSWORD)
    member_name = member.get_full_name()

    with chromium() as browser:
        context = browser.new_context(viewport=TABLET)
        page = context.new_page()
        page.goto(f"{running_server.url}/meetings/{meeting.pk}/")

        expect(page).to_have_url(re.compile(r"/accounts/login/"))
        page.get_by_label("Username").fill(member.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()

        expect(page.get_by_role("heading", level=1)).to_have_text(meeting.title)
        quorum = page.locator("#quorum")
        expect(quorum).to_contain_text("No quorum: 17 of 27 members present")
        expect(quorum).to_have_class(re.compile(r"\bquorum-not-met\b"))
        own = page.locator("#my-attendance")
        expect(own).to_contain_text("Invited")

        own.get_by_role("button", name="Check in").click()

        expect(page.get_by_role("status")).to_contain_text("You are checked in.")
        expect(own).to_contain_text("Present")
        expect(own.get_by_role("button", name="Check out")).to_be_visible()
        expect(quorum).to_contain_text("Quorum met: 18 of 27 members present")
        expect(quorum).to_have_class(re.compile(r"\bquorum-met\b"))
        expect(page.locator("#attendance tr", has_text=member_name)).to_contain_text("Present")

        if screenshot_dir is not None:
            page.screenshot(path=str(screenshot_dir / "member-meeting.png"))
        context.close()

    attendance = Attendance.objects.get(meeting=meeting, user=member)
    assert attendance.status == Attendance.Status.PRESENT
    assert attendance.checked_in_at is not None

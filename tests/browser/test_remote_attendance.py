"""A member attends from outside the room: signed in on their tablet a while ago, they press
"Check in remotely", confirm their password on the "Confirm who you are" page, come back to the
meeting and press it again; the chair's board shows them arrive, marked remote, and the quorum
reached, without a reload; once the meeting closes, the minutes and their PDF say they attended
remotely."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from meetings.models import Attendance, Body, Meeting
from tests.browser.chromium import TABLET, chromium
from tests.browser.test_chair_board import PASSWORD, log_in
from tests.conftest import Personas, check_in, signed_in_long_ago
from tests.server import RunningServer, set_server_password


@pytest.mark.browser
def test_a_remote_check_in_shows_on_the_board_and_in_the_minutes(
    government: Personas,
    meeting: Meeting,
    running_server: RunningServer,
    tmp_path: Path,
    screenshot_dir: Path | None,
) -> None:
    Body.objects.filter(pk=government.body.pk).update(
        remote_attendance_allowed=True, remote_counts_for_quorum=True
    )
    member = government.members[0]
    check_in(meeting, [government.chair, *government.vice_chairs, *government.members[1:13]])
    for person in (government.chair, member, government.secretary):
        set_server_password(person, PASSWORD)
    member_name = member.get_full_name()
    board_path = f"/meetings/{meeting.pk}/board/"
    # Signed in longer ago than REAUTHENTICATION_MINUTES: the check-in asks who is there.
    session = signed_in_long_ago(Client(), member).cookies[settings.SESSION_COOKIE_NAME]

    with chromium() as browser:
        chair = browser.new_context(viewport=TABLET).new_page()
        log_in(chair, running_server.url, government.chair.username, board_path)
        present = chair.locator(".board-present li:visible")
        expect(chair.locator("#board-live")).to_contain_text("No quorum: 17 of 27")
        chair.evaluate("window.notReloaded = true")

        context = browser.new_context(viewport=TABLET)
        context.add_cookies(
            [{"name": session.key, "value": session.value, "url": running_server.url}]
        )
        tablet = context.new_page()
        meeting_url = f"{running_server.url}/meetings/{meeting.pk}/"
        tablet.goto(meeting_url)
        own = tablet.locator("#my-attendance")
        expect(own.get_by_role("link", name="Join the video room")).to_have_attribute(
            "href", re.compile(r"^https://meet\.jit\.si/.{20,}")
        )
        remote = own.get_by_role("form", name="Attending from outside the room")
        expect(remote.locator("input[type=password]")).to_have_count(0)
        if screenshot_dir is not None:
            remote.scroll_into_view_if_needed()
            tablet.screenshot(path=str(screenshot_dir / "member-remote-check-in.png"))
        remote.get_by_role("button", name="Check in remotely").click()
        expect(tablet.locator(".messages")).to_contain_text(
            "Confirm who you are again to check in remotely."
        )
        tablet.get_by_label("Password").fill(PASSWORD)
        tablet.get_by_role("button", name="Confirm").click()
        expect(tablet).to_have_url(meeting_url)
        expect(own).to_contain_text("Invited")  # confirmed, but not checked in yet
        remote.get_by_role("button", name="Check in remotely").click()
        expect(tablet.locator(".messages")).to_contain_text("You are checked in remotely.")
        expect(own).to_contain_text("Remote")

        arrived = present.filter(has_text=member_name)
        expect(arrived).to_have_count(1, timeout=5_000)
        expect(arrived).to_contain_text("Remote")
        expect(chair.locator("#board-live")).to_contain_text("Quorum met: 18 of 27")
        assert chair.evaluate("window.notReloaded") is True

        if screenshot_dir is not None:
            arrived.scroll_into_view_if_needed()
            chair.screenshot(path=str(screenshot_dir / "chair-board-remote.png"))

        chair.get_by_role("button", name="Open the session").click()
        expect(chair.locator(".messages")).to_contain_text("The session is open.")
        chair.get_by_role("button", name="Adjourn").click()
        expect(chair.locator(".messages")).to_contain_text("The session is adjourned.")

        writer = browser.new_context(viewport=TABLET).new_page()
        log_in(
            writer, running_server.url, government.secretary.username, f"/meetings/{meeting.pk}/"
        )
        writer.get_by_role("button", name="Close the meeting").click()
        expect(writer.locator(".messages")).to_contain_text("The meeting is closed.")
        writer.get_by_role("link", name="Open the minutes").click()
        editor = writer.get_by_role("region", name="Edit the minutes")
        expect(editor.get_by_label("Attendance", exact=True)).to_have_value(
            re.compile(rf"Attended remotely: {re.escape(member_name)}\.")
        )
        preview = writer.get_by_role("link", name="Preview the PDF")
        href = preview.get_attribute("href")
        assert href is not None
        # The preview opens in the browser's PDF viewer: read it with the page's own session.
        response = writer.context.request.get(f"{running_server.url}{href}")
        assert response.ok and response.headers["content-type"] == "application/pdf"
        pdf = tmp_path / "minutes.pdf"
        pdf.write_bytes(response.body())

    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    noted = [line.split() for line in text.splitlines() if line.rstrip().endswith(" remote")]
    assert len(noted) == 1 and " ".join(noted[0]).startswith(member_name)
    row = Attendance.objects.get(meeting=meeting, user=member)
    assert row.status == Attendance.Status.PRESENT and row.remote

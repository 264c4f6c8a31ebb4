"""Printing in Chromium: the sign-in sheet, the meeting page (agenda and attendance) and an
item's page (its vote's result and speakers' list) come out as documents (no site chrome, no
buttons or forms), the Print button opens the browser's printing, and no page asks
for anything it does not have (the icon included)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import BrowserContext, Page

from agendas import services as agenda_services
from meetings.models import Meeting
from tests.agendas.conftest import decree_under_discussion
from tests.browser.chromium import TABLET, chromium
from tests.conftest import Personas
from tests.server import RunningServer, session_cookie
from voting import services as voting_services


def signed_in(context: BrowserContext, server: RunningServer, cookie: dict[str, str]) -> Page:
    ((name, value),) = cookie.items()
    context.add_cookies([{"name": name, "value": value, "url": server.url}])
    return context.new_page()


def printed_text(page: Page, tmp_path: Path) -> str:
    """The page as Chromium prints it, read back from the PDF."""
    pdf = tmp_path / "printed.pdf"
    pdf.write_bytes(page.pdf(format="A4"))
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.browser
def test_the_sign_in_sheet_and_the_meeting_page_print_as_documents(
    government: Personas,
    meeting: Meeting,
    secretariat: User,
    running_server: RunningServer,
    tmp_path: Path,
) -> None:
    minister = government.members[0].get_full_name()
    cookie = session_cookie(secretariat)
    failed: list[str] = []

    with chromium() as browser:
        page = signed_in(browser.new_context(viewport=TABLET), running_server, cookie)
        page.on(
            "response",
            lambda response: (
                failed.append(f"{response.status} {response.url}")
                if response.status >= 400
                else None
            ),
        )
        page.goto(f"{running_server.url}/meetings/{meeting.pk}/sign-in-sheet/")
        page.wait_for_load_state("networkidle")
        sheet = printed_text(page, tmp_path)

        # The Print button hands the page to the browser's printing.
        page.evaluate("window.print = () => { window.printed = true; }")
        page.get_by_role("button", name="Print").click()
        assert page.evaluate("window.printed") is True

        page.goto(f"{running_server.url}/meetings/{meeting.pk}/")
        page.wait_for_load_state("networkidle")
        meeting_page = printed_text(page, tmp_path)

    assert "SIGN-IN SHEET" in sheet and meeting.title in sheet
    assert minister in sheet and "SIGNATURE" in sheet
    assert "Attendance" in meeting_page and minister in meeting_page
    for chrome in ("My meetings", "Log out", "Print", "Secretariat", "Record attendance"):
        assert chrome not in sheet, chrome
        assert chrome not in meeting_page, chrome
    assert failed == []


@pytest.mark.browser
def test_an_items_vote_result_and_speakers_list_print_without_the_controls(
    government: Personas,
    meeting: Meeting,
    running_server: RunningServer,
    tmp_path: Path,
) -> None:
    plan = decree_under_discussion(government, meeting)
    speaker = government.members[1]
    agenda_services.speaker_request(actor=speaker, item=plan.decree)
    poll = voting_services.poll_create(
        actor=government.chair, item=plan.decree, question="Adopt the decree?"
    )
    voting_services.poll_open(actor=government.chair, poll=poll)
    for voter in government.voters[:15]:
        voting_services.ballot_cast(actor=voter, poll=poll, answer="yes")
    voting_services.poll_close(actor=government.chair, poll=poll)
    cookie = session_cookie(government.members[0])
    speaker_name = speaker.get_full_name()

    with chromium() as browser:
        page = signed_in(browser.new_context(viewport=TABLET), running_server, cookie)
        page.goto(f"{running_server.url}/meetings/{meeting.pk}/items/{plan.decree.pk}/")
        page.wait_for_load_state("networkidle")
        printed = printed_text(page, tmp_path)

    assert "Adopt the decree?" in printed and "Adopted" in printed
    assert speaker_name in printed
    for control in ("Ask for the floor", "Post", "Back to the session", "Print", "Log out"):
        assert control not in printed, control

"""A vote in headless Chromium: the chair opens it on the console, two members vote on their
tablets, the turnout moves on the chair's screen, and when the chair closes the vote every
screen shows the result and why, without a reload."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Page, expect

from meetings.models import Meeting
from tests.agendas.conftest import decree_under_discussion
from tests.browser.chromium import TABLET, chromium
from tests.conftest import Personas
from tests.server import RunningServer, set_server_password
from voting import services
from voting.models import Ballot, Poll

PASSWORD = "correct horse battery staple"
T = TypeVar("T")


def log_in(page: Page, base_url: str, username: str, next_path: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.browser
def test_a_vote_on_the_console_and_two_tablets(
    government: Personas,
    meeting: Meeting,
    running_server: RunningServer,
    screenshot_dir: Path | None,
) -> None:
    plan = decree_under_discussion(government, meeting)
    services.poll_create(actor=government.chair, item=plan.decree, question="Adopt the decree?")
    first, second = government.members[:2]
    for person in (government.chair, first, second):
        set_server_password(person, PASSWORD)
    session_path = f"/meetings/{meeting.pk}/session/"

    with chromium() as browser:
        chair = browser.new_context(viewport=TABLET).new_page()
        log_in(
            chair, running_server.url, government.chair.username, f"/meetings/{meeting.pk}/console/"
        )
        tablets = []
        for member in (first, second):
            tablet = browser.new_context(viewport=TABLET).new_page()
            log_in(tablet, running_server.url, member.username, session_path)
            expect(tablet.locator("#current-item")).to_contain_text("Draft decree on e-government")
            tablets.append(tablet)

        chair.get_by_role("button", name="Open the vote").click()
        expect(chair.locator(".turnout")).to_contain_text(re.compile(r"0\s*/\s*20 have voted"))
        for tablet in tablets:
            tablet.evaluate("window.notReloaded = true")
            expect(tablet.locator(".poll-question")).to_have_text(
                "Adopt the decree?", timeout=5_000
            )

        tablets[0].get_by_role("button", name="Yes", exact=True).click()
        expect(tablets[0].locator(".voted")).to_contain_text("You voted: Yes.")
        tablets[1].get_by_role("button", name="No", exact=True).click()
        expect(tablets[1].locator(".voted")).to_contain_text("You voted: No.")
        # Written in place on the chair's screen from the ballots' events.
        expect(chair.locator(".turnout")).to_contain_text(
            re.compile(r"2\s*/\s*20 have voted"), timeout=5_000
        )
        for tablet in tablets:
            tablet.evaluate("window.notReloaded = true")

        chair.get_by_role("button", name="Close the vote").click()
        expect(chair.locator(".poll-outcome")).to_contain_text("Not adopted")
        for tablet in tablets:
            expect(tablet.locator(".poll-outcome")).to_contain_text("Not adopted", timeout=5_000)
            expect(tablet.locator(".poll-explanation")).to_contain_text(
                "Failed: 1 of 27 members voted yes; more than half of all members (14) required"
            )
            assert tablet.evaluate("window.notReloaded") is True

        if screenshot_dir is not None:
            tablets[0].screenshot(path=str(screenshot_dir / "member-vote-result.png"))

    assert Poll.objects.get().status == Poll.Status.CLOSED


def in_thread(function: Callable[[], T]) -> T:
    """The database from outside Playwright's event loop, where Django refuses it."""

    def run() -> T:
        try:
            return function()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


@pytest.mark.browser
def test_a_ballot_after_the_closing_time_is_refused_in_its_box(
    government: Personas,
    meeting: Meeting,
    running_server: RunningServer,
) -> None:
    """The vote's time has passed but the minute's close has not run yet: the member's ballot is
    refused with the reason in the ballot box, the page is not drawn again, and it goes on
    following the meeting: the close then shows the result."""
    plan = decree_under_discussion(government, meeting)
    poll = services.poll_create(
        actor=government.chair,
        item=plan.decree,
        question="Adopt the decree?",
        closes_at=timezone.now() + datetime.timedelta(minutes=5),
    )
    member = government.members[0]
    set_server_password(member, PASSWORD)
    with chromium() as browser:
        tablet = browser.new_context(viewport=TABLET).new_page()
        log_in(tablet, running_server.url, member.username, f"/meetings/{meeting.pk}/session/")
        expect(tablet.locator("[data-meeting-socket]")).to_have_attribute("data-state", "live")
        tablet.evaluate("window.notReloaded = true")
        # Opened while the page is open: the ballot box arrives in the vote's live region.
        in_thread(lambda: services.poll_open(actor=government.chair, poll=poll))
        expect(tablet.locator(".poll-question")).to_have_text("Adopt the decree?", timeout=5_000)
        in_thread(lambda: Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now()))

        tablet.get_by_role("button", name="Yes", exact=True).click()
        expect(tablet.locator(f"#ballot-{poll.pk} [role=alert]")).to_have_text(
            "This vote closed at its set time; no more votes are accepted."
        )
        assert tablet.evaluate("window.notReloaded") is True

        assert in_thread(services.polls_close_due) == 1
        expect(tablet.locator(".poll-outcome")).to_contain_text("Not adopted", timeout=5_000)
        assert tablet.evaluate("window.notReloaded") is True
    assert not Ballot.objects.exists()


def test_a_ballot_the_server_never_took_says_so_in_its_box(
    government: Personas,
    meeting: Meeting,
    running_server: RunningServer,
) -> None:
    """A stale form token (here: the cookie gone) gets a 403 that htmx would drop in silence:
    the box says the ballot was not sent, and the member can vote again after a reload."""
    plan = decree_under_discussion(government, meeting)
    poll = services.poll_create(actor=government.chair, item=plan.decree, question="Adopt it?")
    services.poll_open(actor=government.chair, poll=poll)
    member = government.members[0]
    set_server_password(member, PASSWORD)
    with chromium() as browser:
        context = browser.new_context(viewport=TABLET)
        tablet = context.new_page()
        log_in(tablet, running_server.url, member.username, f"/meetings/{meeting.pk}/session/")
        expect(tablet.locator("[data-meeting-socket]")).to_have_attribute("data-state", "live")
        context.clear_cookies(name="csrftoken")
        tablet.get_by_role("button", name="Yes", exact=True).click()
        expect(tablet.locator(f"#ballot-{poll.pk} [role=alert]")).to_have_text(
            "Your ballot could not be sent. Reload the page and vote again."
        )
        assert in_thread(Ballot.objects.exists) is False

        tablet.reload()
        tablet.get_by_role("button", name="Yes", exact=True).click()
        expect(tablet.locator(f"#ballot-{poll.pk} .voted")).to_have_text("You voted: Yes.")
    assert Ballot.objects.count() == 1

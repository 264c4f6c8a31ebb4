"""The room display on the big screen: opened with its token alone, it follows an item start,
the floor, a vote's turnout and its result without a reload and without asking the server for
anything; revoking its token stops it."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import connection
from playwright.sync_api import Request, expect

from agendas import services as agenda_services
from meetings import services
from meetings.models import Meeting
from tests.agendas.conftest import build_agenda
from tests.browser.chromium import chromium
from tests.conftest import Personas, check_in
from tests.server import RunningServer
from voting import services as voting_services

SCREEN = {"width": 1600, "height": 900}
T = TypeVar("T")


def act(function: Callable[..., T], **arguments: Any) -> T:
    """A service, run as the chair's console would run it: elsewhere than the browser's thread,
    whose event loop the ORM refuses to run on."""

    def run() -> T:
        try:
            return function(**arguments)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


@pytest.mark.browser
def test_the_projector_follows_the_session_and_stops_when_revoked(
    government: Personas,
    meeting: Meeting,
    running_server: RunningServer,
    screenshot_dir: Path | None,
) -> None:
    plan = build_agenda(government, meeting)
    agenda_services.agenda_publish(actor=government.secretary, meeting=meeting)
    check_in(meeting, government.voters[:20])
    services.meeting_start(actor=government.chair, meeting=meeting)
    display, token = services.display_create(
        actor=government.secretary, meeting=meeting, label="Main hall"
    )
    chair, speaker = government.chair, government.members[0]

    with chromium() as browser:
        page = browser.new_context(viewport=SCREEN).new_page()
        page.goto(f"{running_server.url}/display/{token}/")
        current = page.locator("#current-item")
        expect(current).to_contain_text("No item is being discussed right now.")
        expect(page.locator("[data-meeting-socket]")).to_have_attribute("data-state", "live")
        page.evaluate("window.notReloaded = true")
        asked: list[str] = []

        def record(request: Request) -> None:
            asked.append(request.url)

        page.on("request", record)

        act(agenda_services.agenda_item_start, actor=chair, item=plan.decree)
        expect(current).to_contain_text("Draft decree on e-government", timeout=5_000)

        request = act(agenda_services.speaker_request, actor=speaker, item=plan.decree)
        expect(page.locator(".queue")).to_contain_text(speaker.get_full_name(), timeout=5_000)
        act(agenda_services.floor_give, actor=chair, speaker=request, limit_seconds=180)
        floor = page.locator(".floor")
        expect(floor).to_contain_text(speaker.get_full_name(), timeout=5_000)
        expect(floor.locator(".clock")).to_have_text(re.compile(r"^0:0[1-9]$"), timeout=5_000)
        # Nothing that is for someone to press: the speaker's own "I have finished".
        expect(floor.get_by_role("button")).to_have_count(0)

        poll = act(voting_services.poll_create, actor=chair, item=plan.decree, question="Adopt it?")
        act(voting_services.poll_open, actor=chair, poll=poll)
        turnout = page.locator(".turnout")
        expect(turnout).to_contain_text(re.compile(r"0\s*/\s*20 have voted"), timeout=5_000)
        act(voting_services.ballot_cast, actor=speaker, poll=poll, answer="yes")
        expect(turnout).to_contain_text(re.compile(r"1\s*/\s*20 have voted"), timeout=5_000)
        if screenshot_dir is not None:
            page.screenshot(path=str(screenshot_dir / "projector.png"))
        act(voting_services.poll_close, actor=chair, poll=poll)
        expect(page.locator(".poll-outcome")).to_contain_text("Not adopted", timeout=5_000)
        # A named vote: its roll call is the members', never drawn on the big screen; nor is
        # any form (not even hidden by the style sheet).
        expect(page.locator(".roll-call")).to_have_count(0)
        expect(page.locator("#main form")).to_have_count(0)
        assert speaker.get_full_name() not in page.locator(".votes").inner_text()

        assert page.evaluate("window.notReloaded") is True
        assert asked == [], "the events made the projector ask the server"

        act(services.display_revoke, actor=government.secretary, display=display)
        expect(page.locator("[data-meeting-socket]")).to_have_attribute(
            "data-state", "revoked", timeout=5_000
        )
        act(agenda_services.agenda_item_end, actor=chair, item=plan.decree)
        page.wait_for_timeout(1_000)
        expect(current).to_contain_text("Draft decree on e-government")
        assert page.goto(f"{running_server.url}/display/{token}/").status == 404

"""The meeting's screens follow every change from the frames alone: the chair's board, two
members' tablets and the secretary's meeting page stay current without asking the server again,
and what someone is typing survives the changes around it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from playwright.sync_api import Page, Request, WebSocket, WebSocketRoute, expect

from agendas import services as agenda_services
from meetings import services
from meetings.models import Meeting
from realtime import regions
from tests.agendas.conftest import build_agenda
from tests.browser.chromium import TABLET, chromium
from tests.conftest import Personas, check_in
from tests.server import RunningServer, set_server_password

PASSWORD = "correct horse battery staple"


def in_thread(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a service while the browser's event loop runs in this thread (the ORM refuses to)."""

    def run() -> Any:
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


class Screen:
    """A logged-in page, counting the HTTP requests it makes after it has loaded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.requests: list[str] = []
        page.on("request", self._count)

    def _count(self, request: Request) -> None:
        if request.resource_type in ("document", "xhr", "fetch"):
            self.requests.append(f"{request.method} {request.url}")

    def open(self, base_url: str, user: User, path: str) -> Screen:
        self.page.goto(f"{base_url}/accounts/login/?next={path}")
        self.page.get_by_label("Username").fill(user.username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        expect(self.page.locator(".live-status")).to_have_attribute("data-state", "live")
        self.requests.clear()
        return self


@pytest.mark.browser
def test_every_screen_follows_the_meeting_without_fetching_it(
    government: Personas, meeting: Meeting, running_server: RunningServer
) -> None:
    first, second = government.members[0], government.members[1]
    others = [government.chair, *government.vice_chairs, *government.members[2:14]]
    for user in [government.chair, government.secretary, first, second]:
        set_server_password(user, PASSWORD)
    detail = f"/meetings/{meeting.pk}/"
    board_path = f"{detail}board/"
    url = running_server.url

    with chromium() as browser:

        def screen(user: User, path: str) -> Screen:
            return Screen(browser.new_context(viewport=TABLET).new_page()).open(url, user, path)

        board = screen(government.chair, board_path)
        tablet = screen(first, detail)
        other_tablet = screen(second, detail)
        secretary = screen(government.secretary, detail)

        # The secretary starts writing why the meeting might be cancelled, inside a region.
        secretary.page.locator("details.cancel summary").click()
        reason = secretary.page.get_by_label("Reason for the cancellation")
        reason.fill("Typhoon warning for Hà Nội")

        # A refused form: the board answers with the error and keeps following.
        board.page.get_by_role("button", name="Open the session").click()
        expect(board.page.locator(".error-box")).to_be_visible()
        expect(board.page).to_have_url(re.compile(re.escape(board_path) + "$"))
        board.requests.clear()

        tablet.page.locator("#my-attendance").get_by_role("button", name="Check in").click()
        expect(tablet.page.locator("#my-attendance")).to_contain_text("Present")
        tablet.requests.clear()

        arrived = board.page.locator(".board-present li:visible", has_text=first.get_full_name())
        expect(arrived).to_have_count(1)
        expect(other_tablet.page.locator("#quorum .quorum-present")).to_have_text("1")
        row = other_tablet.page.locator("#attendance tr", has_text=first.get_full_name())
        expect(row).to_contain_text("Present")

        # Ten more changes around the text being typed, and one to the region that holds it.
        for user in others[:10]:
            in_thread(check_in, meeting, [user])
        in_thread(
            services.meeting_update, actor=government.secretary, meeting=meeting, place="Room 2"
        )
        expect(secretary.page.locator("#quorum .quorum-present")).to_have_text("11")
        expect(reason).to_have_value("Typhoon warning for Hà Nội")
        expect(secretary.page.locator("details.cancel")).to_have_attribute("open", "")

        in_thread(check_in, meeting, others[10:])
        expect(board.page.locator("#board-live")).to_contain_text("Quorum met: 18 of 27")

        board.page.get_by_role("button", name="Open the session").click()
        for follower in (tablet, other_tablet, secretary):
            expect(follower.page.locator("#meeting-status")).to_contain_text("In session")
        # A meeting in session can no longer be cancelled; the chair may now adjourn.
        expect(secretary.page.locator("details.cancel")).to_have_count(0)
        expect(board.page.get_by_role("button", name="Adjourn")).to_be_visible()
        # The member who is present may now check out; the page was not loaded again.
        expect(tablet.page.locator("#my-attendance")).to_contain_text("Check out")

        for follower in (tablet, other_tablet, secretary):
            assert follower.requests == [], follower.requests
        # The board's own requests are the open-the-session form and its redirect.
        assert all(f"{board_path}" in r or "/lifecycle/" in r for r in board.requests)

    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.IN_SESSION


@pytest.mark.browser
def test_a_page_follows_a_region_that_a_change_brings_without_fetching_itself(
    government: Personas, meeting: Meeting, running_server: RunningServer
) -> None:
    agenda = build_agenda(government, meeting)
    agenda_services.agenda_publish(actor=government.secretary, meeting=meeting)
    check_in(meeting, government.voters[:20])
    services.meeting_start(actor=government.chair, meeting=meeting)
    member, speaker = government.members[0], government.members[1]
    set_server_password(member, PASSWORD)

    with chromium() as browser:
        tablet = Screen(browser.new_context(viewport=TABLET).new_page())
        sent: list[str] = []

        def record(socket: WebSocket) -> None:
            socket.on("framesent", lambda payload: sent.append(str(payload)))

        tablet.page.on("websocket", record)
        tablet.open(running_server.url, member, f"/meetings/{meeting.pk}/session/")
        current = tablet.page.locator("#current-item")
        expect(current).to_contain_text("No item is being discussed right now.")

        # The session page shows no item's speakers yet: starting one brings them.
        in_thread(agenda_services.agenda_item_start, actor=government.chair, item=agenda.decree)
        expect(current).to_contain_text("Draft decree on e-government")
        requested = in_thread(agenda_services.speaker_request, actor=speaker, item=agenda.decree)
        in_thread(agenda_services.floor_give, actor=government.chair, speaker=requested)

        floor = tablet.page.locator(".floor")
        expect(floor).to_contain_text(speaker.get_full_name())
        assert tablet.requests == [], tablet.requests
        follows = [json.loads(frame) for frame in sent if '"follow"' in frame]
        assert follows and "agenda-speakers" in follows[-1]["regions"]


@pytest.mark.browser
def test_own_regions_that_come_after_a_later_event_are_still_applied(
    government: Personas, meeting: Meeting, running_server: RunningServer
) -> None:
    """A person's own regions are drawn after everyone's frame, so the frame of a later event can
    reach their page first: the page applies them all the same, without fetching itself."""
    member, other = government.members[0], government.members[1]
    set_server_password(member, PASSWORD)

    with chromium() as browser:
        page = browser.new_context(viewport=TABLET).new_page()
        held_back: list[str] = []

        def reorder(route: WebSocketRoute) -> None:
            server = route.connect_to_server()

            def from_server(message: str | bytes) -> None:
                frame = json.loads(message)
                if frame["type"] == "regions":
                    held_back.append(str(message))  # until the next event's frame has gone
                    return
                route.send(message)
                if frame["type"] == "event":
                    for own in held_back:
                        route.send(own)
                    held_back.clear()

            server.on_message(from_server)

        page.route_web_socket(re.compile(r"/ws/meetings/"), reorder)
        tablet = Screen(page).open(running_server.url, member, f"/meetings/{meeting.pk}/")
        mine = page.locator("#my-attendance")
        expect(mine).to_contain_text("Invited")

        in_thread(check_in, meeting, [member])
        expect(page.locator("#attendance tr", has_text=member.get_full_name())).to_contain_text(
            "Present"
        )
        expect(mine).to_contain_text("Invited")  # their own box has not come yet

        in_thread(check_in, meeting, [other])
        expect(page.locator("#attendance tr", has_text=other.get_full_name())).to_contain_text(
            "Present"
        )
        expect(mine).to_contain_text("Present")
        expect(mine.get_by_role("button", name="Check out")).to_be_visible()
        assert tablet.requests == [], tablet.requests


@pytest.mark.browser
def test_own_regions_that_fail_to_draw_make_the_pages_fetch_themselves(
    government: Personas,
    meeting: Meeting,
    running_server: RunningServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    member = government.members[0]
    set_server_password(member, PASSWORD)

    def broken(*args: Any, **kwargs: Any) -> dict[str, dict[str, str]]:
        raise RuntimeError("a template error")

    monkeypatch.setattr(regions, "render_personal", broken)
    with chromium() as browser:
        tablet = Screen(browser.new_context(viewport=TABLET).new_page())
        tablet.open(running_server.url, member, f"/meetings/{meeting.pk}/")
        mine = tablet.page.locator("#my-attendance")
        expect(mine).to_contain_text("Invited")

        in_thread(check_in, meeting, [member])
        expect(mine).to_contain_text("Present")
        assert tablet.requests == [f"GET {running_server.url}/meetings/{meeting.pk}/"]

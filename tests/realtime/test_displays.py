"""A room display's socket: it follows the meeting with its token alone, as an audience of its
own (the big screen's regions, at most what a plain member sees, nobody's own); a wrong,
revoked or missing token is refused alike, and revoking a token closes the display's open
socket. Real clients against a real server."""

from __future__ import annotations

import asyncio
import datetime
import json
import re
from typing import Any

import pytest
import websockets

from agendas import services as agenda_services
from meetings import services
from meetings import services as meeting_services
from meetings.models import Meeting
from realtime.displays import display_of
from realtime.models import Presence
from realtime.selectors import stream_heads
from tests.agendas.conftest import build_agenda
from tests.conftest import Personas, check_in, plan_meeting
from tests.realtime.test_socket import WAIT, close_code, headers, in_thread, next_event
from tests.server import RunningServer
from voting import services as voting_services


def display_url(server: RunningServer, meeting: Meeting, token: str, since: int = 0) -> str:
    return f"{server.ws_url}/ws/meetings/{meeting.pk}/?since={since}&display={token}"


async def open_display(
    server: RunningServer, meeting: Meeting, token: str, since: int = 0
) -> websockets.ClientConnection:
    return await websockets.connect(
        display_url(server, meeting, token, since),
        additional_headers={"Origin": server.origin},
        open_timeout=WAIT,
    )


def new_display(personas: Personas, meeting: Meeting) -> str:
    _display, token = services.display_create(
        actor=personas.secretary, meeting=meeting, label="Main hall"
    )
    return token


@pytest.fixture
def in_session(government: Personas, meeting: Meeting) -> Meeting:
    build_agenda(government, meeting)
    agenda_services.agenda_publish(actor=government.secretary, meeting=meeting)
    check_in(meeting, government.voters[:20])
    return services.meeting_start(actor=government.chair, meeting=meeting)


def head(meeting: Meeting) -> int:
    return stream_heads([meeting.pk])[meeting.pk]


# What a display's frames may carry: the big screen's regions (realtime-protocol.md), and an
# item's votes and speakers inside the item under way.
DISPLAY_REGIONS = re.compile(
    r"current-item|chair-timer|vote-elsewhere|quorum-badge|meeting-status|votes-\d+|speakers-\d+"
)


def only_display_regions(frame: dict[str, Any]) -> bool:
    return all(DISPLAY_REGIONS.fullmatch(region) for region in frame["regions"])


def test_a_display_is_an_audience_of_its_own_with_the_big_screens_regions_alone(
    running_server: RunningServer, government: Personas, in_session: Meeting
) -> None:
    token = new_display(government, in_session)
    member = government.members[0]
    cookie = headers(running_server, member)
    decree = in_session.agenda_items.get(title="Draft decree on e-government")
    since = head(in_session)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]], Any]:
        async with (
            await open_display(running_server, in_session, token, since) as display,
            await websockets.connect(
                f"{running_server.ws_url}/ws/meetings/{in_session.pk}/?since={since}",
                additional_headers=cookie,
            ) as tablet,
        ):
            await in_thread(agenda_services.agenda_item_start, actor=government.chair, item=decree)
            on_display = await next_event(display)
            on_tablet = await next_event(tablet)
            # The member's own boxes follow their event frame; the display has none: the pong,
            # queued behind anything the socket was sent, comes next.
            own = [json.loads(await asyncio.wait_for(tablet.recv(), WAIT))]
            await display.send(json.dumps({"type": "ping"}))
            after = json.loads(await asyncio.wait_for(display.recv(), WAIT))
            return on_display, on_tablet, own, after

    on_display, on_tablet, own, after = asyncio.run(scenario())
    assert on_display["event"] == on_tablet["event"] == "agendas.item_started"
    assert on_display["seq"] == on_tablet["seq"]
    assert "Draft decree on e-government" in on_display["regions"]["current-item"]
    assert only_display_regions(on_display)
    # The member's frame has the agenda and the item's comments; the display's has neither,
    # nor any form, nor anyone's own box (not even as a placeholder), nor the payload.
    assert (
        "session-agenda" in on_tablet["regions"] and "session-agenda" not in on_display["regions"]
    )
    assert "comments-" in on_tablet["regions"]["current-item"]
    shown = json.dumps(on_display["regions"])
    assert "<form" not in shown and "data-personal" not in shown and "comments-" not in shown
    assert on_display["payload"] is None and on_tablet["payload"] is not None
    assert own[0]["type"] == "regions"
    assert after["type"] == "pong"
    # Nobody came online with the display: it is no one.
    assert not Presence.objects.filter(meeting=in_session).exclude(user=member).exists()


def test_a_display_never_receives_the_roll_call_a_comment_or_the_attendance(
    running_server: RunningServer, government: Personas, in_session: Meeting
) -> None:
    """A named vote from its opening to its result, a comment and an arrival: the member's
    frames carry the roll call, the comment and the attendance lists; the display's, the
    question, the turnout and the outcome alone."""
    token = new_display(government, in_session)
    member = government.members[0]
    voter, late = government.voters[1], government.voters[25]
    decree = in_session.agenda_items.get(title="Draft decree on e-government")
    agenda_services.agenda_item_start(actor=government.chair, item=decree)
    poll = voting_services.poll_create(
        actor=government.chair, item=decree, question="Adopt the decree?", secrecy="named"
    )
    since = head(in_session)
    cookie = headers(running_server, member)

    async def scenario() -> list[tuple[dict[str, Any], dict[str, Any]]]:
        async with (
            await open_display(running_server, in_session, token, since) as display,
            await websockets.connect(
                f"{running_server.ws_url}/ws/meetings/{in_session.pk}/?since={since}",
                additional_headers=cookie,
            ) as tablet,
        ):
            steps = [
                lambda: voting_services.poll_open(actor=government.chair, poll=poll),
                lambda: voting_services.ballot_cast(actor=voter, poll=poll, answer="yes"),
                lambda: voting_services.poll_close(actor=government.chair, poll=poll),
                lambda: agenda_services.comment_post(
                    actor=member, item=decree, text="A remark for members only"
                ),
                lambda: meeting_services.attendance_check_in(actor=late, meeting=in_session),
            ]
            frames = []
            for step in steps:
                await in_thread(step)
                frames.append((await next_event(display), await next_event(tablet)))
            return frames

    opened, cast, closed, commented, arrived = asyncio.run(scenario())
    for on_display, _on_tablet in (opened, cast, closed, commented, arrived):
        assert only_display_regions(on_display)
        assert "<form" not in json.dumps(on_display["regions"])

    on_display, on_tablet = opened
    assert "Adopt the decree?" in on_display["regions"][f"votes-{decree.pk}"]
    assert f'data-turnout="{poll.pk}"' in on_display["regions"][f"votes-{decree.pk}"]
    assert on_display["payload"] is None
    # A ballot: the turnout alone, in the payload the page writes in place.
    on_display, on_tablet = cast
    assert on_display["payload"] == {"poll": poll.pk, "turnout": 1} == on_tablet["payload"]
    assert on_display["regions"] == {}
    # The result: the outcome and the figures; the roll call reaches the member alone.
    on_display, on_tablet = closed
    assert "Roll call" in on_tablet["regions"][f"votes-{decree.pk}"]
    assert voter.get_full_name() in on_tablet["regions"][f"votes-{decree.pk}"]
    result = on_display["regions"][f"votes-{decree.pk}"]
    assert "poll-outcome" in result and "Roll call" not in result
    assert voter.get_full_name() not in json.dumps(on_display)
    # A comment: nothing at all for the display.
    on_display, on_tablet = commented
    assert "A remark for members only" in json.dumps(on_tablet)
    assert on_display["regions"] == {} and on_display["payload"] is None
    assert "A remark for members only" not in json.dumps(on_display)
    # An arrival: the quorum badge; neither the attendance lists nor who arrived.
    on_display, on_tablet = arrived
    assert on_tablet["payload"]["user"] == late.pk and "attendance-count" in on_tablet["regions"]
    assert set(on_display["regions"]) == {"quorum-badge"}
    assert on_display["payload"] is None
    assert late.get_full_name() not in json.dumps(on_display)


def test_a_display_catching_up_from_the_log_gets_numbers_alone_and_fetches_its_page(
    running_server: RunningServer, government: Personas, in_session: Meeting
) -> None:
    """The log keeps no regions: a display behind it is sent each event's number, as one it
    may not see, never a payload drawn for members; its page then fetches itself."""
    token = new_display(government, in_session)
    late = government.voters[25]
    since = head(in_session)
    meeting_services.attendance_check_in(actor=late, meeting=in_session)

    async def scenario() -> dict[str, Any]:
        async with await open_display(running_server, in_session, token, since) as display:
            return await next_event(display)

    frame = asyncio.run(scenario())
    assert frame["seq"] == since + 1
    assert frame["event"] is None and frame["payload"] is None and frame["fetch"] is True


def test_a_display_never_receives_what_members_may_not_see(
    running_server: RunningServer, government: Personas, in_session: Meeting
) -> None:
    token = new_display(government, in_session)
    decree = in_session.agenda_items.get(title="Draft decree on e-government")
    since = head(in_session)

    async def scenario() -> dict[str, Any]:
        async with await open_display(running_server, in_session, token, since) as display:
            # A vote being prepared is the chair's and the secretariat's alone.
            await in_thread(
                voting_services.poll_create,
                actor=government.chair,
                item=decree,
                question="Adopt the decree?",
            )
            return await next_event(display)

    frame = asyncio.run(scenario())
    assert frame["event"] is None and frame["payload"] is None and frame["restricted"] is True
    assert "Adopt the decree?" not in json.dumps(frame)


@pytest.mark.parametrize("case", ["missing", "wrong", "revoked", "other meeting", "empty"])
def test_a_wrong_or_revoked_token_is_refused_as_a_missing_one(
    running_server: RunningServer, government: Personas, meeting: Meeting, case: str
) -> None:
    token = new_display(government, meeting)
    if case == "revoked":
        display = display_of(token)
        assert display is not None
        services.display_revoke(actor=government.secretary, display=display)
    elif case == "wrong":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif case == "other meeting":
        other = services.meeting_schedule(
            actor=government.secretary,
            meeting=plan_meeting(government, starts_in=datetime.timedelta(hours=2)),
        )
        token = new_display(government, other)
    elif case == "empty":
        token = ""

    async def scenario() -> int | None:
        if case == "missing":
            url = f"{running_server.ws_url}/ws/meetings/{meeting.pk}/?since=0"
        else:
            url = display_url(running_server, meeting, token)
        async with websockets.connect(
            url, additional_headers={"Origin": running_server.origin}
        ) as socket_:
            return await close_code(socket_)

    assert asyncio.run(scenario()) == 4401


def test_a_wrong_token_is_refused_even_in_a_signed_in_browser(
    running_server: RunningServer, government: Personas, meeting: Meeting
) -> None:
    """A display socket is its token alone: a member's session does not open a wrong one."""
    cookie = headers(running_server, government.members[0])

    async def scenario() -> int | None:
        async with websockets.connect(
            display_url(running_server, meeting, "not-a-token"), additional_headers=cookie
        ) as socket_:
            return await close_code(socket_)

    assert asyncio.run(scenario()) == 4401


def test_revoking_a_token_closes_the_open_display_and_refuses_it_again(
    running_server: RunningServer, government: Personas, meeting: Meeting
) -> None:
    display, token = services.display_create(actor=government.secretary, meeting=meeting)

    async def scenario() -> tuple[int | None, int | None]:
        async with await open_display(running_server, meeting, token) as socket_:
            await in_thread(services.display_revoke, actor=government.secretary, display=display)
            first = await close_code(socket_)
        async with await open_display(running_server, meeting, token) as again:
            return first, await close_code(again)

    assert asyncio.run(scenario()) == (4403, 4401)

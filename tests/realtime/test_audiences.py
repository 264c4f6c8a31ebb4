"""Regions are rendered only for the audiences and people that have a socket on the meeting
(realtime.audiences): real server processes write which they hold in Redis, and the process
that publishes reads it. A socket whose audience was not rendered gets the frame that asks its
page to fetch itself, never another audience's regions."""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import threading
import time
from typing import Any

import pytest
import redis
import websockets
from django.conf import settings

from meetings import permissions, services
from meetings.models import Meeting
from realtime import audiences, events, regions
from realtime.models import MeetingEvent
from tests.conftest import Personas, check_in, plan_meeting, pushed_message
from tests.realtime.test_socket import WAIT, frames_until, headers, in_thread, next_event
from tests.server import RunningServer

VIEW, RUN = permissions.VIEW_MEETING, permissions.RUN_MEETING
MEMBER_EN = regions.audience_key("en", frozenset({VIEW}))
MEMBER_VI = regions.audience_key("vi", frozenset({VIEW}))
CHAIR_EN = regions.audience_key("en", frozenset({VIEW, RUN}))


def registry_redis() -> tuple[redis.Redis, str]:
    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    return redis.Redis.from_url(config["hosts"][0]["address"]), config["prefix"]


@pytest.fixture
def scheduled(government: Personas) -> Meeting:
    meeting = plan_meeting(government, starts_in=datetime.timedelta(hours=1))
    # What an earlier run left under the same meeting number must not count here.
    client, prefix = registry_redis()
    client.delete(
        audiences.audiences_key(prefix, meeting.pk), audiences.people_key(prefix, meeting.pk)
    )
    client.close()
    return services.meeting_schedule(actor=government.secretary, meeting=meeting)


def url(server: RunningServer, meeting: Meeting, language: str) -> str:
    return f"{server.ws_url}/ws/meetings/{meeting.pk}/?since=1&lang={language}"


async def follow(
    server: RunningServer, meeting: Meeting, language: str, cookie: dict[str, str]
) -> websockets.ClientConnection:
    """A tablet's meeting socket, opened as the page opens it, in the page's language."""
    return await websockets.connect(
        url(server, meeting, language), additional_headers=cookie, open_timeout=WAIT
    )


def pushed(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The messages the test process pushes, noted on their way to Redis."""
    messages: list[dict[str, Any]] = []
    push = events.push

    def noted(message: dict[str, Any]) -> None:
        messages.append(message)
        push(message)

    monkeypatch.setattr(events, "push", noted)
    return messages


def test_only_the_audiences_and_people_with_a_socket_are_rendered(
    running_server: RunningServer,
    government: Personas,
    scheduled: Meeting,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    member, arriving = government.members[0], government.members[1]
    member_cookie, arriving_cookie = (headers(running_server, u) for u in (member, arriving))
    messages = pushed(monkeypatch)

    async def scenario() -> list[dict[str, Any]]:
        async with (
            await follow(running_server, scheduled, "vi", member_cookie) as tablet,
            await follow(running_server, scheduled, "en", arriving_cookie) as own,
        ):
            await in_thread(check_in, scheduled, [arriving])
            mine = await frames_until(own, "regions")
            assert mine[-1]["seq"] == 2 and "my-attendance" in mine[-1]["regions"]
            return [await next_event(tablet)]

    (frame,) = asyncio.run(scenario())
    assert frame["seq"] == 2 and frame["fetch"] is False
    assert "Chưa đủ túc số" in frame["regions"]["quorum-badge"]
    message, own = messages
    # Two members' sockets, one in each language: neither the chair's audience nor the
    # secretariat's is rendered, and the arrival's own box only in the language they read.
    assert set(message["frames"]) == {MEMBER_EN, MEMBER_VI}
    assert set(own["personal"]) == {regions.personal_key(arriving.pk, "en")}


def test_everyones_frame_goes_out_before_the_own_regions_of_the_person_who_acted(
    running_server: RunningServer,
    government: Personas,
    scheduled: Meeting,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Drawing the arrival's own boxes (their check-in, their ballots, their request to speak)
    holds back no other screen: a tablet has the check-in while those are still being drawn,
    and the arrival's tablet gets them after the event's frame."""
    member, arriving = government.members[0], government.members[1]
    member_cookie, arriving_cookie = (headers(running_server, u) for u in (member, arriving))
    drawing = threading.Event()
    render_personal = regions.render_personal

    def held_back(*args: Any, **kwargs: Any) -> dict[str, dict[str, str]]:
        drawing.wait(3 * WAIT)  # longer than the tablet waits for its frame
        return render_personal(*args, **kwargs)

    monkeypatch.setattr(regions, "render_personal", held_back)

    async def scenario() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        async with (
            await follow(running_server, scheduled, "en", member_cookie) as tablet,
            await follow(running_server, scheduled, "en", arriving_cookie) as own,
        ):
            checking_in = asyncio.ensure_future(in_thread(check_in, scheduled, [arriving]))
            try:
                frame = await next_event(tablet)
            finally:
                drawing.set()
            mine = await frames_until(own, "regions")
            await checking_in
            return frame, mine

    frame, mine = asyncio.run(scenario())
    assert frame["seq"] == 2 and frame["fetch"] is False and "quorum" in frame["regions"]
    mine = [f for f in mine if f["type"] != "heartbeat"]
    assert [(f["type"], f["seq"]) for f in mine] == [("event", 2), ("regions", 2)]
    assert "Present" in mine[-1]["regions"]["my-attendance"]


def test_own_regions_that_fail_to_draw_make_every_page_of_the_meeting_fetch_itself(
    running_server: RunningServer,
    government: Personas,
    scheduled: Meeting,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    member, arriving = government.members[0], government.members[1]
    member_cookie, arriving_cookie = (headers(running_server, u) for u in (member, arriving))

    def broken(*args: Any, **kwargs: Any) -> dict[str, dict[str, str]]:
        raise RuntimeError("a template error")

    monkeypatch.setattr(regions, "render_personal", broken)

    async def scenario() -> list[list[dict[str, Any]]]:
        async with (
            await follow(running_server, scheduled, "en", member_cookie) as tablet,
            await follow(running_server, scheduled, "en", arriving_cookie) as own,
        ):
            await in_thread(check_in, scheduled, [arriving])
            return [await frames_until(socket, "regions") for socket in (tablet, own)]

    for frames in asyncio.run(scenario()):
        event, own_regions = [f for f in frames if f["type"] != "heartbeat"][-2:]
        assert event["type"] == "event" and event["fetch"] is False and event["regions"]
        assert own_regions == {"type": "regions", "seq": 2, "regions": {}, "fetch": True}


def test_nothing_is_rendered_for_a_meeting_nobody_follows(
    government: Personas,
    scheduled: Meeting,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    messages = pushed(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        check_in(scheduled, [government.members[0]])
    (message,) = messages  # and no message with anyone's own regions
    assert message["frames"] == {}
    frame = json.loads(message["full"])
    assert frame["fetch"] is True and frame["regions"] == {}


def test_a_socket_whose_audience_was_not_rendered_fetches_and_gets_no_other_audiences_regions(
    running_server: RunningServer,
    government: Personas,
    scheduled: Meeting,
) -> None:
    """A socket that connects while an event is being rendered is not in what the publisher
    read. Here the member's audience is taken out of the registry while the chair's stays: the
    member's tablet must fetch its page, and must not be given the chair's frame."""
    client, prefix = registry_redis()
    member_cookie = headers(running_server, government.members[0])
    chair_cookie = headers(running_server, government.chair)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        async with (
            await follow(running_server, scheduled, "en", member_cookie) as tablet,
            await follow(running_server, scheduled, "en", chair_cookie) as chairs,
        ):
            client.hdel(audiences.audiences_key(prefix, scheduled.pk), MEMBER_EN)
            await in_thread(check_in, scheduled, [government.members[1]])
            return await next_event(tablet), await next_event(chairs)

    try:
        member_frame, chair_frame = asyncio.run(scenario())
    finally:
        client.delete(audiences.audiences_key(prefix, scheduled.pk))
        client.delete(audiences.people_key(prefix, scheduled.pk))
        client.close()
    assert member_frame["seq"] == 2
    assert member_frame["fetch"] is True and member_frame["regions"] == {}
    assert chair_frame["fetch"] is False
    # Which tablets are online: the chair's board shows it, the member's frame never does.
    assert "tablet-online" in "".join(chair_frame["regions"].values())
    assert "tablet-online" not in json.dumps(member_frame)


def test_a_restricted_event_renders_nothing_for_a_held_audience_without_the_right(
    government: Personas, scheduled: Meeting
) -> None:
    """The registry decides what is rendered, never who may see it: an audience held on the
    meeting that lacks the event's right still gets no regions."""
    client, prefix = registry_redis()
    until = time.time() + 60
    client.hset(
        audiences.audiences_key(prefix, scheduled.pk),
        mapping={MEMBER_EN: until, CHAIR_EN: until},
    )
    try:
        check_in(scheduled, [government.members[0]])
        event = MeetingEvent.objects.filter(meeting=scheduled).latest("seq")
        event.restricted_to = RUN
        held = audiences.held(client, prefix, scheduled.pk)
        message = pushed_message(event, [], held=held)
    finally:
        client.delete(audiences.audiences_key(prefix, scheduled.pk))
        client.close()
    assert set(message["frames"]) == {MEMBER_EN, CHAIR_EN}
    member = json.loads(message["frames"][MEMBER_EN])
    assert member["regions"] == {} and member["payload"] is None and member["restricted"]
    assert json.loads(message["frames"][CHAIR_EN])["regions"]


def test_a_publisher_waits_for_the_registry_no_longer_than_a_push_would(
    government: Personas,
    scheduled: Meeting,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Redis not answering keeps the reads of who follows a meeting waiting, one behind
    another: past a push's timeout the event is drawn for every audience, as without Redis,
    instead of the change's frame waiting for the reads queued before its own."""
    messages = pushed(monkeypatch)
    monkeypatch.setattr(events, "PUSH_TIMEOUT", 0.2)
    stuck = threading.Event()
    for _ in range(32):  # more than the threads that read it: this event's read waits
        events._readers.submit(stuck.wait, WAIT)
    try:
        with (
            caplog.at_level(logging.WARNING, logger="realtime.events"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            check_in(scheduled, [government.members[0]])
    finally:
        stuck.set()
    message = messages[0]
    # Nobody follows the meeting: read in time, nothing would have been drawn.
    assert {MEMBER_EN, MEMBER_VI, CHAIR_EN} <= set(message["frames"])
    assert json.loads(message["frames"][MEMBER_EN])["fetch"] is False
    assert "not read in time" in caplog.text


def test_an_expired_key_is_not_rendered(government: Personas, scheduled: Meeting) -> None:
    """A process that died leaves its keys behind: they stop counting after three heartbeats."""
    client, prefix = registry_redis()
    client.hset(
        audiences.audiences_key(prefix, scheduled.pk),
        mapping={MEMBER_EN: time.time() - 1, MEMBER_VI: time.time() + 60},
    )
    try:
        held = audiences.held(client, prefix, scheduled.pk)
    finally:
        client.delete(audiences.audiences_key(prefix, scheduled.pk))
        client.close()
    assert held.audiences == {MEMBER_VI}


def test_the_quorum_explanation_is_in_each_audiences_language(
    government: Personas, scheduled: Meeting
) -> None:
    """The figures are read once per event; the sentence that explains them is written in each
    language as it renders."""
    check_in(scheduled, [government.members[0]])
    event = MeetingEvent.objects.filter(meeting=scheduled).latest("seq")
    message = pushed_message(event, [])
    english = json.loads(message["frames"][MEMBER_EN])["regions"]["quorum"]
    vietnamese = json.loads(message["frames"][MEMBER_VI])["regions"]["quorum"]
    assert "No quorum: 1 of 27 members present" in english
    assert "No quorum" not in vietnamese

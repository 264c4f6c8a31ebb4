"""The WebSocket endpoint, with real clients against real server processes and Redis.

Every test runs under each server the application is deployed with (tests.server.SERVER_KINDS):
the project's server, daphne and plain uvicorn. Services run in worker threads (the ORM refuses
to run on the event loop); each thread closes its database connection so that the test database
can be flushed afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import re
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
import websockets
from django.contrib.auth.models import User
from django.db import connection, transaction
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.typing import Origin
from websockets.uri import parse_uri

from config.settings import redis_channel_layer
from meetings import permissions, services
from meetings.models import Meeting, Membership
from realtime import events
from realtime.models import MeetingStream
from realtime.outbox import CLOSE_TOO_SLOW
from realtime.presence import online_user_ids
from tests.conftest import Personas, check_in, plan_meeting
from tests.server import SERVER_KINDS, RunningServer, ServerProcess, free_port, session_cookie

T = TypeVar("T")
WAIT = 10.0


@pytest.fixture(params=SERVER_KINDS)
def server_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    def run() -> T:
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    return await asyncio.to_thread(run)


def socket_url(server: RunningServer, meeting: Meeting, since: int | None = 0) -> str:
    query = "" if since is None else f"?since={since}"
    return f"{server.ws_url}/ws/meetings/{meeting.pk}/{query}"


def headers(server: RunningServer, user: User | None) -> dict[str, str]:
    result = {"Origin": server.origin}
    if user is not None:
        result["Cookie"] = "; ".join(f"{k}={v}" for k, v in session_cookie(user).items())
    return result


async def open_socket(
    server: RunningServer, meeting: Meeting, cookie: dict[str, str], since: int = 0
) -> websockets.ClientConnection:
    return await websockets.connect(
        socket_url(server, meeting, since), additional_headers=cookie, open_timeout=WAIT
    )


async def next_event(socket_: websockets.ClientConnection) -> dict[str, Any]:
    """The next event frame, skipping heartbeats."""
    while True:
        frame = json.loads(await asyncio.wait_for(socket_.recv(), WAIT))
        if frame["type"] == "event":
            return frame


async def events_until(socket_: websockets.ClientConnection, seq: int) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []
    while not received or received[-1]["seq"] < seq:
        received.append(await next_event(socket_))
    return received


async def close_code(socket_: websockets.ClientConnection) -> int | None:
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await asyncio.wait_for(socket_.recv(), WAIT)
    return socket_.close_code


@pytest.fixture
def scheduled(government: Personas) -> Meeting:
    meeting = plan_meeting(government, starts_in=datetime.timedelta(hours=1))
    return services.meeting_schedule(actor=government.secretary, meeting=meeting)


def test_an_anonymous_socket_is_closed_with_4401(
    running_server: RunningServer, scheduled: Meeting
) -> None:
    async def scenario() -> int | None:
        async with websockets.connect(
            socket_url(running_server, scheduled), additional_headers=headers(running_server, None)
        ) as socket_:
            return await close_code(socket_)

    assert asyncio.run(scenario()) == 4401


@pytest.mark.parametrize("who", ["outsider", "member of another body"])
def test_a_person_without_the_right_is_closed_with_4403(
    running_server: RunningServer,
    scheduled: Meeting,
    outsider: User,
    committee: Personas,
    who: str,
) -> None:
    user = outsider if who == "outsider" else committee.members[0]
    cookie = headers(running_server, user)

    async def scenario() -> int | None:
        async with websockets.connect(
            socket_url(running_server, scheduled), additional_headers=cookie
        ) as socket_:
            return await close_code(socket_)

    assert asyncio.run(scenario()) == 4403


def test_a_member_cannot_follow_a_draft(
    running_server: RunningServer, government: Personas
) -> None:
    draft = plan_meeting(government, starts_in=datetime.timedelta(hours=1))
    cookie = headers(running_server, government.members[0])

    async def scenario() -> int | None:
        async with await open_socket(running_server, draft, cookie) as socket_:
            return await close_code(socket_)

    assert asyncio.run(scenario()) == 4403


def test_a_foreign_origin_is_refused(
    running_server: RunningServer, government: Personas, scheduled: Meeting
) -> None:
    cookie = {**headers(running_server, government.members[0]), "Origin": "https://evil.example"}

    async def scenario() -> None:
        await websockets.connect(socket_url(running_server, scheduled), additional_headers=cookie)

    with pytest.raises(websockets.InvalidStatus) as refused:
        asyncio.run(scenario())
    assert refused.value.response.status_code == 403


def test_a_tablet_gets_what_it_missed_in_order_then_live_events(
    running_server: RunningServer, government: Personas, scheduled: Meeting
) -> None:
    check_in(scheduled, government.voters[:3])  # events 2, 3, 4 after "scheduled" (1)
    member = headers(running_server, government.members[0])

    async def scenario() -> tuple[list[int], list[int], dict[str, Any]]:
        async with (
            await open_socket(running_server, scheduled, member, since=0) as fresh,
            await open_socket(running_server, scheduled, member, since=2) as resumed,
        ):
            replayed = [e["seq"] for e in await events_until(fresh, 4)]
            resumed_seqs = [e["seq"] for e in await events_until(resumed, 4)]
            await in_thread(
                services.attendance_check_in, actor=government.members[5], meeting=scheduled
            )
            live = await next_event(fresh)
            assert (await next_event(resumed))["seq"] == 5
            return replayed, resumed_seqs, live

    replayed, resumed, live = asyncio.run(scenario())
    assert replayed == [1, 2, 3, 4]
    assert resumed == [3, 4]
    assert live["seq"] == 5
    assert live["event"] == "meetings.attendance_changed"
    assert live["payload"]["user"] == government.members[5].pk
    assert live["payload"]["quorum"]["present"] == 4


def test_bad_frames_get_an_error_and_the_socket_stays_open(
    running_server: RunningServer, government: Personas, scheduled: Meeting
) -> None:
    member = headers(running_server, government.members[0])

    async def scenario() -> list[dict[str, Any]]:
        replies = []
        async with await open_socket(running_server, scheduled, member, since=1) as socket_:
            for frame in ["not json", b"\x00\x01", "x" * 70_000, '{"type": "vote"}', "[1, 2]"]:
                await socket_.send(frame)
                replies.append(json.loads(await asyncio.wait_for(socket_.recv(), WAIT)))
            await socket_.send('{"type": "ping"}')
            replies.append(json.loads(await asyncio.wait_for(socket_.recv(), WAIT)))
        return replies

    replies = asyncio.run(scenario())
    assert [r["type"] for r in replies] == ["error"] * 5 + ["pong"]
    assert "not JSON" in replies[0]["message"]
    assert "text frames" in replies[1]["message"]
    assert "limited to 4096" in replies[2]["message"]
    assert "HTTP API" in replies[3]["message"]
    assert replies[5]["seq"] == 1
    assert running_server.process.poll() is None


def test_a_deeply_nested_frame_gets_an_error_and_leaves_no_presence_behind(
    running_server: RunningServer, government: Personas, scheduled: Meeting
) -> None:
    """Nesting within the size limit made the JSON parser raise RecursionError, which dropped
    the socket without a close frame and left its member online on the chair's board."""
    member = government.members[0]
    cookie = headers(running_server, member)

    async def scenario() -> list[dict[str, Any]]:
        replies = []
        async with await open_socket(running_server, scheduled, cookie, since=1) as socket_:
            await socket_.send("[" * 2000 + "]" * 2000)
            replies.append(json.loads(await asyncio.wait_for(socket_.recv(), WAIT)))
            await socket_.send('{"type": "ping"}')
            replies.append(json.loads(await asyncio.wait_for(socket_.recv(), WAIT)))
        return replies

    replies = asyncio.run(scenario())
    assert [r["type"] for r in replies] == ["error", "pong"]
    assert "not JSON" in replies[0]["message"]
    deadline = time.monotonic() + WAIT
    while member.pk in online_user_ids(scheduled.pk) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert member.pk not in online_user_ids(scheduled.pk)


@pytest.mark.parametrize("origin", ["other port", "other scheme"])
def test_an_origin_on_another_port_or_scheme_is_refused(
    running_server: RunningServer, government: Personas, scheduled: Meeting, origin: str
) -> None:
    """The host alone is not the origin: another site on the same host (another port) or the
    plain-http page of an https site must not open a member's socket with their cookie."""
    own = urlsplit(running_server.origin)
    foreign = (
        f"{own.scheme}://{own.hostname}:{free_port()}"
        if origin == "other port"
        else f"https://{own.netloc}"
    )
    cookie = {**headers(running_server, government.members[0]), "Origin": foreign}

    async def scenario() -> None:
        await websockets.connect(socket_url(running_server, scheduled), additional_headers=cookie)

    with pytest.raises(websockets.InvalidStatus) as refused:
        asyncio.run(scenario())
    assert refused.value.response.status_code == 403


def test_a_bad_since_is_refused(
    running_server: RunningServer, government: Personas, scheduled: Meeting
) -> None:
    member = headers(running_server, government.members[0])

    async def scenario() -> tuple[dict[str, Any], int | None]:
        url = socket_url(running_server, scheduled, since=None) + "?since=-3"
        async with websockets.connect(url, additional_headers=member) as socket_:
            error = json.loads(await asyncio.wait_for(socket_.recv(), WAIT))
            return error, await close_code(socket_)

    error, code = asyncio.run(scenario())
    assert code == 4400 and "since" in error["message"]


def test_restricted_payloads_reach_only_those_with_the_right(
    running_server: RunningServer, government: Personas, scheduled: Meeting
) -> None:
    def publish_restricted() -> None:
        with transaction.atomic():
            events.publish(
                meeting=scheduled,
                type="test.secretariat_note",
                payload={"note": "draft resolution 12 is late"},
                restricted_to=permissions.MANAGE_MEETING,
            )

    member_cookie = headers(running_server, government.members[0])
    secretary_cookie = headers(running_server, government.secretary)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        async with (
            await open_socket(running_server, scheduled, member_cookie, 1) as member,
            await open_socket(running_server, scheduled, secretary_cookie, 1) as secretary,
        ):
            await in_thread(publish_restricted)
            return await next_event(member), await next_event(secretary)

    seen_by_member, seen_by_secretary = asyncio.run(scenario())
    assert seen_by_member["seq"] == seen_by_secretary["seq"] == 2
    assert seen_by_member["payload"] is None and seen_by_member["restricted"] is True
    assert "draft resolution" not in json.dumps(seen_by_member)
    assert seen_by_secretary["payload"] == {"note": "draft resolution 12 is late"}


def test_a_removed_member_is_disconnected_and_cannot_reconnect(
    running_server: RunningServer, government: Personas, scheduled: Meeting
) -> None:
    leaving = government.members[0]
    cookie = headers(running_server, leaving)
    membership = Membership.objects.get(body=government.body, user=leaving)

    async def scenario() -> tuple[int | None, int | None]:
        async with await open_socket(running_server, scheduled, cookie, since=1) as socket_:
            await in_thread(
                services.membership_end, actor=government.secretary, membership=membership
            )
            first = await close_code(socket_)
        async with await open_socket(running_server, scheduled, cookie) as again:
            return first, await close_code(again)

    assert asyncio.run(scenario()) == (4403, 4403)


def test_two_server_processes_share_every_event(
    server_process: ServerProcess, server_kind: str, government: Personas, scheduled: Meeting
) -> None:
    first = server_process.start()
    other = ServerProcess(redis_url=server_process.environment["REDIS_URL"], kind=server_kind)
    second = other.start()
    chair, member = headers(first, government.chair), headers(second, government.members[0])
    try:

        async def scenario() -> tuple[int, int]:
            async with (
                await open_socket(first, scheduled, chair, 1) as a,
                await open_socket(second, scheduled, member, 1) as b,
            ):
                await in_thread(
                    services.attendance_check_in, actor=government.members[1], meeting=scheduled
                )
                return (await next_event(a))["seq"], (await next_event(b))["seq"]

        assert asyncio.run(scenario()) == (2, 2)
    finally:
        other.stop()
        other.stderr.close()


class PrivateRedis:
    """A Redis server of the test's own, so that stopping it disturbs nothing else."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail("the test's Redis did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=WAIT)
            self.process = None


@pytest.fixture
def private_redis(settings: Any) -> Iterator[PrivateRedis]:
    redis_server = PrivateRedis()
    redis_server.start()
    # The test process publishes too: point its channel layer at the same Redis.
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(redis_server.url)}
    try:
        yield redis_server
    finally:
        redis_server.stop()


def test_redis_restarted_mid_session_loses_no_update(
    transactional_db: None,
    django_db_serialized_rollback: None,
    private_redis: PrivateRedis,
    server_kind: str,
    government: Personas,
    scheduled: Meeting,
) -> None:
    server_process = ServerProcess(
        redis_url=private_redis.url, heartbeat_seconds=1, kind=server_kind
    )
    server = server_process.start()
    cookie = headers(server, government.members[0])
    try:

        async def scenario() -> list[int]:
            async with await open_socket(server, scheduled, cookie, since=1) as socket_:
                await in_thread(check_in, scheduled, [government.chair])
                assert (await next_event(socket_))["seq"] == 2
                private_redis.stop()
                # Writes still succeed while Redis is away; their pushes are lost.
                await in_thread(check_in, scheduled, government.vice_chairs[:2])
                private_redis.start()
                await in_thread(check_in, scheduled, government.vice_chairs[2:3])
                return [e["seq"] for e in await events_until(socket_, 5)]

        assert asyncio.run(scenario()) == [3, 4, 5]
        assert (
            Meeting.objects.get(pk=scheduled.pk).attendances.filter(status="present").count() == 4
        )
    finally:
        server_process.stop()
        server_process.stderr.close()


def test_a_restarted_server_lets_clients_resume_from_their_seq(
    server_process: ServerProcess, government: Personas, scheduled: Meeting
) -> None:
    server = server_process.start()
    cookie = headers(server, government.members[0])

    async def scenario() -> tuple[int | None, list[int]]:
        async with await open_socket(server, scheduled, cookie, since=0) as socket_:
            last = (await events_until(socket_, 1))[-1]["seq"]
            server_process.stop()
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(socket_.recv(), WAIT)
        await in_thread(check_in, scheduled, government.voters[:2])  # while the server is down
        server_process.start()
        async with await open_socket(server, scheduled, cookie, since=last) as socket_:
            missed = [e["seq"] for e in await events_until(socket_, 3)]
            await in_thread(check_in, scheduled, government.voters[2:3])
            missed.append((await next_event(socket_))["seq"])
        return last, missed

    assert asyncio.run(scenario()) == (1, [2, 3, 4])


def test_live_pushes_resume_after_redis_restarts(
    transactional_db: None,
    django_db_serialized_rollback: None,
    private_redis: PrivateRedis,
    server_kind: str,
    government: Personas,
    scheduled: Meeting,
) -> None:
    # A one-minute log tick: an event that arrives within WAIT came by the live push.
    server_process = ServerProcess(
        redis_url=private_redis.url, heartbeat_seconds=60, kind=server_kind
    )
    server = server_process.start()
    cookie = headers(server, government.members[0])
    try:

        async def scenario() -> int:
            async with await open_socket(server, scheduled, cookie, since=1) as socket_:
                private_redis.stop()
                private_redis.start()
                # redis-py reconnects a pub/sub connection when it next reads; give it a moment.
                await asyncio.sleep(2)
                await in_thread(check_in, scheduled, [government.chair])
                return (await next_event(socket_))["seq"]

        assert asyncio.run(scenario()) == 2
    finally:
        server_process.stop()
        server_process.stderr.close()


async def frames_until(
    socket_: websockets.ClientConnection, kind: str, count: int = 1
) -> list[dict[str, Any]]:
    """Frames up to and including the `count`th of type `kind`."""
    received: list[dict[str, Any]] = []
    while sum(frame["type"] == kind for frame in received) < count:
        received.append(json.loads(await asyncio.wait_for(socket_.recv(), WAIT)))
    return received


def board_html(user: User, meeting: Meeting) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.get(f"/meetings/{meeting.pk}/board/").content.decode()


def online_mark(html: str, user: User) -> str | None:
    """The board's online mark for a person: "shown", "hidden", or None when there is none."""
    match = re.search(rf'<span class="tablet-online" data-online="{user.pk}"[^>]*>', html)
    if match is None:
        return None
    return "hidden" if " hidden" in match.group(0) else "shown"


def test_the_chair_sees_which_tablets_are_online(
    running_server: RunningServer, government: Personas, scheduled: Meeting
) -> None:
    chair = headers(running_server, government.chair)
    tablet = headers(running_server, government.members[0])
    bystander = headers(running_server, government.members[1])
    member = government.members[0]

    async def scenario() -> tuple[str, str, str, list[dict[str, Any]], list[dict[str, Any]]]:
        async with (
            await open_socket(running_server, scheduled, chair, 1) as chair_socket,
            await open_socket(running_server, scheduled, bystander, 1) as bystander_socket,
        ):
            async with await open_socket(running_server, scheduled, tablet, 1):
                # The chair, the bystander and the tablet each came online: three announcements,
                # each sent after its presence was written.
                came = await frames_until(chair_socket, "presence", count=3)
                while_online = await in_thread(board_html, government.chair, scheduled)
                seen_by_member = await in_thread(board_html, government.members[1], scheduled)
            went = await frames_until(chair_socket, "presence")  # the tablet went offline
            after = await in_thread(board_html, government.chair, scheduled)
            await bystander_socket.send('{"type": "ping"}')
            bystander_frames = await frames_until(bystander_socket, "pong")
        return while_online, seen_by_member, after, came + went, bystander_frames

    while_online, seen_by_member, after, chair_frames, bystander_frames = asyncio.run(scenario())
    assert online_mark(while_online, member) == "shown"
    assert "tablet-online" not in seen_by_member
    assert online_mark(after, member) == "hidden"
    # The frames say who came and went, so the board marks them without asking the server.
    presence = [(f["user"], f["online"]) for f in chair_frames if f["type"] == "presence"]
    assert (member.pk, True) in presence and presence[-1] == (member.pk, False)
    assert [f["type"] for f in bystander_frames] == ["pong"]


def test_a_frame_carries_the_pages_regions_and_a_persons_own_go_to_them_alone(
    running_server: RunningServer, government: Personas, scheduled: Meeting
) -> None:
    member = government.members[0]
    member_cookie = headers(running_server, member)
    bystander_cookie = headers(running_server, government.members[1])

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        url = socket_url(running_server, scheduled, since=1) + "&lang=vi"
        async with (
            await websockets.connect(
                url, additional_headers=member_cookie, open_timeout=WAIT
            ) as tablet,
            await open_socket(running_server, scheduled, bystander_cookie, 1) as other,
        ):
            await in_thread(check_in, scheduled, [member])
            mine = await frames_until(tablet, "regions")
            await other.send('{"type": "ping"}')
            theirs = await frames_until(other, "pong")
        return mine, theirs

    mine, theirs = asyncio.run(scenario())
    event = next(f for f in mine if f["type"] == "event")
    assert event["seq"] == 2 and event["fetch"] is False
    assert "1/27" in event["regions"]["quorum-badge"]
    assert "Chưa đủ túc số" in event["regions"]["quorum-badge"]  # the tablet reads Vietnamese
    assert mine[-1]["seq"] == 2 and "Rời phiên họp" in mine[-1]["regions"]["my-attendance"]
    their_event = next(f for f in theirs if f["type"] == "event")
    assert "No quorum" in their_event["regions"]["quorum-badge"]
    assert [f["type"] for f in theirs if f["type"] not in ("heartbeat",)] == ["event", "pong"]


def test_a_frame_carries_only_the_regions_its_page_shows(
    running_server: RunningServer, government: Personas, scheduled: Meeting
) -> None:
    cookie = headers(running_server, government.members[1])
    url = socket_url(running_server, scheduled, since=1)

    async def scenario() -> list[dict[str, Any]]:
        async with contextlib.AsyncExitStack() as stack:
            tablets = [
                await stack.enter_async_context(
                    await websockets.connect(
                        url + query, additional_headers=cookie, open_timeout=WAIT
                    )
                )
                for query in ("&regions=quorum", "&regions=", "&regions=quorum,no-such", "")
            ]
            await in_thread(check_in, scheduled, [government.members[0]])
            return [await next_event(tablet) for tablet in tablets]

    quorum_only, no_region, unknown, unnamed = asyncio.run(scenario())
    assert set(quorum_only["regions"]) == {"quorum", "quorum-badge"}
    assert no_region["regions"] == {}
    assert not quorum_only["fetch"] and not no_region["fetch"]
    assert no_region["payload"]["quorum"]["present"] == 1
    # A page that names a region this site does not have (another version) gets them all.
    assert "board-top" in unknown["regions"]
    assert unknown["regions"] == unnamed["regions"]


def test_a_page_that_comes_to_show_a_region_follows_it_on_the_same_socket(
    running_server: RunningServer, government: Personas, scheduled: Meeting
) -> None:
    cookie = headers(running_server, government.members[1])
    url = socket_url(running_server, scheduled, since=1) + "&regions=quorum"

    async def scenario() -> list[dict[str, Any]]:
        async with await websockets.connect(
            url, additional_headers=cookie, open_timeout=WAIT
        ) as tablet:

            async def follow(regions: list[str], seq: Any) -> dict[str, Any]:
                await tablet.send(json.dumps({"type": "follow", "regions": regions, "seq": seq}))
                while True:
                    frame = json.loads(await asyncio.wait_for(tablet.recv(), WAIT))
                    if frame["type"] in ("error", "following"):
                        return frame

            replies = [
                await follow(["quorum", ["attendance"]], 1),
                await follow(["quorum", "no-such"], 1),
                await follow(["quorum", "attendance"], "1"),
                await follow(["quorum", "attendance"], 1),
            ]
            await in_thread(check_in, scheduled, [government.members[0]])
            replies.append(await next_event(tablet))
            # Behind: the page says it applied none of the events sent since it connected.
            replies.append(await follow(["quorum"], 1))
        return replies

    not_a_name, unknown, bad_seq, followed, event, behind = asyncio.run(scenario())
    assert not_a_name["type"] == "error" and "names of the live regions" in not_a_name["message"]
    assert unknown["type"] == "error" and "names of the live regions" in unknown["message"]
    assert bad_seq["type"] == "error" and "'seq'" in bad_seq["message"]
    assert followed == {"type": "following", "fetch": False}
    assert {"quorum", "quorum-badge", "attendance-count"} <= set(event["regions"])
    assert not any(key.startswith("board") for key in event["regions"])
    assert behind == {"type": "following", "fetch": True}


def test_a_heartbeat_carries_the_meetings_last_number(
    server_process: ServerProcess, government: Personas, scheduled: Meeting
) -> None:
    server_process.configure({"REALTIME_HEARTBEAT_SECONDS": "1"})
    server = server_process.start()
    check_in(scheduled, government.voters[:1])  # event 2
    member = headers(server, government.members[0])

    async def scenario() -> list[dict[str, Any]]:
        async with await open_socket(server, scheduled, member, since=1) as socket_:
            return await frames_until(socket_, "heartbeat")

    frames = asyncio.run(scenario())
    assert [f["seq"] for f in frames if f["type"] == "event"] == [2]
    assert frames[-1] == {"type": "heartbeat", "seq": 2}


def test_an_event_whose_push_is_on_its_way_is_not_replayed_from_the_log(
    server_process: ServerProcess,
    government: Personas,
    scheduled: Meeting,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An event's regions are rendered after its commit, so its push follows the log by a
    moment, longer on a busy server. A tick that reads the log meanwhile must neither replay
    the event without its regions nor announce it in a heartbeat: either would make every
    page fetch itself."""
    server_process.configure({"REALTIME_HEARTBEAT_SECONDS": "1"})
    server = server_process.start()
    member = headers(server, government.members[0])
    held: list[dict[str, Any]] = []

    async def scenario() -> list[dict[str, Any]]:
        async with await open_socket(server, scheduled, member, since=1) as socket_:
            await in_thread(check_in, scheduled, government.voters[:1])  # event 2
            assert (await next_event(socket_))["seq"] == 2  # the socket follows live now
            with monkeypatch.context() as patch:
                patch.setattr(events, "push", held.append)
                await in_thread(check_in, scheduled, government.voters[1:2])  # event 3
            await asyncio.sleep(0.9)  # the server's tick reads the log meanwhile
            await in_thread(events.push, held[0])
            return await frames_until(socket_, "event")

    frames = asyncio.run(scenario())
    assert frames[-1]["seq"] == 3
    assert frames[-1]["fetch"] is False and frames[-1]["regions"]
    assert [f for f in frames if f["type"] == "heartbeat" and f["seq"] >= 3] == []


def test_an_event_whose_push_a_later_one_overtook_arrives_complete(
    server_process: ServerProcess,
    government: Personas,
    scheduled: Meeting,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under a burst (ballots) each push follows its own commit by the time its regions take
    to render, so a later event's push can arrive first. The tablet must still get the earlier
    event complete, then the later one, in order: reading the earlier one from the log would
    make every page fetch itself in the middle of the burst."""
    server = server_process.start()
    member = headers(server, government.members[0])
    held: list[dict[str, Any]] = []

    async def scenario() -> list[dict[str, Any]]:
        async with await open_socket(server, scheduled, member, since=1) as socket_:
            await in_thread(check_in, scheduled, government.voters[:1])  # event 2
            assert (await next_event(socket_))["seq"] == 2  # the socket follows live now
            with monkeypatch.context() as patch:
                patch.setattr(events, "push", held.append)
                await in_thread(check_in, scheduled, government.voters[1:2])  # event 3
            await in_thread(check_in, scheduled, government.voters[2:3])  # event 4, pushed
            await asyncio.sleep(0.5)  # the server has had event 4 for a while
            await in_thread(events.push, held[0])
            return await events_until(socket_, 4)

    frames = asyncio.run(scenario())
    assert [f["seq"] for f in frames] == [3, 4]
    for frame in frames:
        assert frame["fetch"] is False
        # Each with its own regions, drawn right after its own commit.
        present = frame["payload"]["quorum"]["present"]
        assert f"{present}/27" in frame["regions"]["quorum-badge"]
    assert (
        frames[1]["payload"]["quorum"]["present"] == frames[0]["payload"]["quorum"]["present"] + 1
    )


# Sockets that stop reading: a small bound keeps the tests short.
MAX_QUEUED_BYTES = 256 * 1024
# About 17 KB of UTF-8 per event.
NOTE = "Phiên họp thường kỳ. " * 700
# Daphne's send never waits, so the application cannot see what Twisted holds for a socket:
# daphne's own ping timeout is what cuts off a client that stopped reading.
DAPHNE_PINGS = ["--ping-interval", "1", "--ping-timeout", "2"]
CUT_OFF_LIMIT = 90.0
REPLAY_EVENTS = 300
# Notes published per round while waiting for a cut-off: the kernel's buffers (up to 4 MB) fill
# before the server's queue does, and smaller rounds spend most of the test's time filling them.
NOTES_PER_ROUND = 24
TCP_CLOSE = 7  # tcp_info.tcpi_state of a connection the peer has reset


def last_seq(meeting: Meeting) -> int:
    return MeetingStream.objects.get(meeting=meeting).last_seq


def publish_notes(meeting: Meeting, count: int) -> None:
    with transaction.atomic():
        for _ in range(count):
            events.publish(meeting=meeting, type="test.secretariat_note", payload={"note": NOTE})


class StalledTablet:
    """A WebSocket client over a plain socket with a small receive buffer, which completes the
    handshake and then reads nothing until told to."""

    def __init__(
        self, server: RunningServer, meeting: Meeting, cookie: dict[str, str], since: int
    ) -> None:
        self.seqs: list[int] = []
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Set before connecting, so that the window the client announces stays small.
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.socket.settimeout(WAIT)
        self.socket.connect((server.host, server.port))
        self.protocol = ClientProtocol(
            parse_uri(socket_url(server, meeting, since)), origin=Origin(server.origin)
        )
        request = self.protocol.connect()
        request.headers["Cookie"] = cookie["Cookie"]
        self.protocol.send_request(request)
        self._send()
        while self.protocol.state is State.CONNECTING:
            self.protocol.receive_data(self.socket.recv(4096))
            self._take_frames()
        if self.protocol.handshake_exc is not None:
            raise self.protocol.handshake_exc

    def was_reset(self) -> bool:
        """Whether the server dropped the connection, seen without reading from it."""
        info = self.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
        return info[0] == TCP_CLOSE

    def read_to_end(self) -> bool:
        """Read what the server sent, answering as a client does, until the connection ends;
        True if it was reset (the data the socket had received may still be read after)."""
        reset = self.was_reset()
        try:
            while data := self.socket.recv(65536):
                self.protocol.receive_data(data)
                self._take_frames()
                self._send()
        except ConnectionResetError:
            reset = True
        finally:
            self.socket.close()
        return reset

    @property
    def close_code(self) -> int | None:
        received = self.protocol.close_rcvd
        return None if received is None else received.code

    def _take_frames(self) -> None:
        for frame in self.protocol.events_received():
            if isinstance(frame, Frame) and frame.opcode is Opcode.TEXT:
                message = json.loads(frame.data)
                if message["type"] == "event":
                    self.seqs.append(message["seq"])

    def _send(self) -> None:
        with contextlib.suppress(OSError):  # the server may have dropped the connection
            self.socket.sendall(b"".join(self.protocol.data_to_send()))


async def collect_events(socket_: websockets.ClientConnection, seqs: list[int]) -> None:
    async for text in socket_:
        frame = json.loads(text)
        if frame["type"] == "event":
            seqs.append(frame["seq"])


async def cut_off(
    tablet: StalledTablet, server: ServerProcess, meeting: Meeting, *, publish: bool
) -> bool:
    """Wait (publishing events, if asked) until the server cuts the tablet off; then read what
    reached it. True if the connection was reset rather than closed."""
    deadline = time.monotonic() + CUT_OFF_LIMIT
    while not (tablet.was_reset() or "that stopped reading" in server.log()):
        assert time.monotonic() < deadline, f"the tablet is still connected:\n{server.log()}"
        if publish:
            await in_thread(publish_notes, meeting, NOTES_PER_ROUND)
        await asyncio.sleep(0.2)
    return await asyncio.to_thread(tablet.read_to_end)


async def wait_for(seqs: list[int], seq: int) -> None:
    deadline = time.monotonic() + WAIT
    while not seqs or seqs[-1] < seq:
        assert time.monotonic() < deadline, f"event {seq} did not arrive"
        await asyncio.sleep(0.05)


def assert_served_after_a_cut_off(
    server: RunningServer, government: Personas, meeting: Meeting, reader_seqs: list[int]
) -> None:
    """Another tablet on the same process received every event, and a new one follows live."""
    last = last_seq(meeting)
    assert reader_seqs == list(range(reader_seqs[0], last + 1))
    cookie = headers(server, government.members[2])

    async def scenario() -> int:
        async with await open_socket(server, meeting, cookie, since=last) as socket_:
            await in_thread(check_in, meeting, [government.chair])
            return int((await next_event(socket_))["seq"])

    assert asyncio.run(scenario()) == last + 1
    assert server.process.poll() is None


def test_a_tablet_that_stops_reading_live_events_is_cut_off(
    server_process: ServerProcess, server_kind: str, government: Personas, scheduled: Meeting
) -> None:
    # A long send timeout: here the bound on queued bytes cuts the tablet off.
    server_process.configure(
        {"REALTIME_MAX_QUEUED_BYTES": str(MAX_QUEUED_BYTES), "REALTIME_SEND_TIMEOUT_SECONDS": "60"},
        DAPHNE_PINGS if server_kind == "daphne" else (),
    )
    server = server_process.start()
    member = headers(server, government.members[0])
    tablet_cookie = headers(server, government.members[1])

    async def scenario() -> tuple[StalledTablet, bool, list[int]]:
        reader_seqs: list[int] = []
        async with await open_socket(server, scheduled, member, since=1) as reader:
            reading = asyncio.ensure_future(collect_events(reader, reader_seqs))
            tablet = await asyncio.to_thread(
                StalledTablet, server, scheduled, tablet_cookie, since=1
            )
            reset = await cut_off(tablet, server_process, scheduled, publish=True)
            await in_thread(publish_notes, scheduled, 1)
            await wait_for(reader_seqs, await in_thread(last_seq, scheduled))
            reading.cancel()
        return tablet, reset, reader_seqs

    tablet, reset, reader_seqs = asyncio.run(scenario())
    # Closed with 4408 if the tablet read again in time, else dropped; what it got was in order.
    assert tablet.close_code == CLOSE_TOO_SLOW or reset
    assert tablet.seqs == list(range(2, 2 + len(tablet.seqs)))
    if server_kind != "daphne":
        assert f"more than {MAX_QUEUED_BYTES}" in server_process.log()
    assert_served_after_a_cut_off(server, government, scheduled, reader_seqs)


def test_a_tablet_that_stops_reading_its_replay_is_cut_off_after_the_send_timeout(
    server_process: ServerProcess, server_kind: str, government: Personas, scheduled: Meeting
) -> None:
    server_process.configure(
        {"REALTIME_MAX_QUEUED_BYTES": str(MAX_QUEUED_BYTES), "REALTIME_SEND_TIMEOUT_SECONDS": "2"},
        DAPHNE_PINGS if server_kind == "daphne" else (),
    )
    server = server_process.start()
    # About 5 MB: more than the kernel's socket buffers take (up to 4 MB here), so that the rest
    # waits in the server, and twenty times the bound.
    publish_notes(scheduled, REPLAY_EVENTS)
    member = headers(server, government.members[0])
    tablet_cookie = headers(server, government.members[1])

    async def scenario() -> tuple[StalledTablet, bool, list[int]]:
        reader_seqs: list[int] = []
        async with await open_socket(server, scheduled, member, since=0) as reader:
            reading = asyncio.ensure_future(collect_events(reader, reader_seqs))
            tablet = await asyncio.to_thread(
                StalledTablet, server, scheduled, tablet_cookie, since=0
            )
            reset = await cut_off(tablet, server_process, scheduled, publish=False)
            await wait_for(reader_seqs, REPLAY_EVENTS + 1)
            reading.cancel()
        return tablet, reset, reader_seqs

    tablet, reset, reader_seqs = asyncio.run(scenario())
    assert tablet.close_code == CLOSE_TOO_SLOW or reset
    assert tablet.seqs == list(range(1, 1 + len(tablet.seqs)))
    if server_kind != "daphne":
        assert "queued for 2 s" in server_process.log()
    # The replay to a tablet that reads went at its pace: longer than the bound, never cut off.
    assert reader_seqs[0] == 1
    assert_served_after_a_cut_off(server, government, scheduled, reader_seqs)

"""A notice reaches every page its recipient has open, over the person's own socket, with real
WebSocket clients against a running server and Redis; nobody else's socket hears of it."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import re
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

import websockets
from channels.layers import get_channel_layer
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from notices import kinds, services
from notices.models import Notice
from realtime.events import GROUP
from tests.factories import UserFactory
from tests.server import RunningServer, session_cookie

T = TypeVar("T")
WAIT = 10.0
# Long enough for a frame already on its way; nothing is expected in it.
QUIET = 1.5


async def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    def run() -> T:
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    return await asyncio.to_thread(run)


async def open_personal(
    server: RunningServer, user: User | None, lang: str = "en", since: str | None = None
) -> websockets.ClientConnection:
    headers = {"Origin": server.origin}
    if user is not None:
        cookie = await in_thread(session_cookie, user)
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookie.items())
    query = f"lang={lang}" + (f"&since={since}" if since is not None else "")
    socket = await websockets.connect(
        f"{server.ws_url}/ws/me/?{query}", additional_headers=headers, open_timeout=WAIT
    )
    if since is not None:
        return socket  # what it replays comes first
    # A ping answered: the server has registered the socket, so a push now reaches it.
    await socket.send(json.dumps({"type": "ping"}))
    assert json.loads(await asyncio.wait_for(socket.recv(), WAIT)) == {"type": "pong"}
    return socket


def remind(*people: User, key: str = "consultation-1-reminder-72h") -> None:
    with transaction.atomic():
        services.notices_send(
            recipient_ids=[person.pk for person in people],
            notice=services.Outgoing(
                kind=kinds.CONSULTATION_REMINDER,
                params={"subject": "Ngân sách 2027", "deadline": "20/12/2026 17:00"},
                link="/bodies/1/consultations/1/answer/",
                key=key,
            ),
        )


async def next_frame(socket: websockets.ClientConnection) -> dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(socket.recv(), WAIT)))


def test_a_notice_updates_the_bell_and_inbox_on_every_page_of_its_recipient(
    running_server: RunningServer,
) -> None:
    member = UserFactory(username="member")
    Notice.objects.create(recipient=member, kind=kinds.CONSULTATION_CLOSED, key="old", params={})

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        english = await open_personal(running_server, member, "en")
        vietnamese = await open_personal(running_server, member, "vi")
        try:
            await in_thread(remind, member)
            return await next_frame(english), await next_frame(vietnamese)
        finally:
            await english.close()
            await vietnamese.close()

    english, vietnamese = asyncio.run(scenario())

    notice = Notice.objects.get(recipient=member, key="consultation-1-reminder-72h")
    assert english["type"] == "notices"
    assert 'id="notices-bell"' in english["regions"]["notices-bell"]
    assert "Notices: 2 unread" in english["regions"]["notices-bell"]
    (added,) = english["notices"]
    assert added["id"] == f"notice-{notice.pk}"
    assert "Ngân sách 2027" in added["html"]
    assert "You have not yet answered" in added["html"]
    # each page in its own language
    assert "chưa trả lời" in vietnamese["notices"][0]["html"]
    assert "csrfmiddlewaretoken" not in added["html"]


def test_another_members_socket_receives_nothing(running_server: RunningServer) -> None:
    member = UserFactory(username="member")
    colleague = UserFactory(username="colleague")

    async def scenario() -> tuple[dict[str, Any], list[str]]:
        theirs = await open_personal(running_server, member)
        mine = await open_personal(running_server, colleague)
        try:
            await in_thread(remind, member)
            received = await next_frame(theirs)
            heard: list[str] = []
            with contextlib.suppress(TimeoutError):
                heard.append(str(await asyncio.wait_for(mine.recv(), QUIET)))
            return received, heard
        finally:
            await theirs.close()
            await mine.close()

    received, heard = asyncio.run(scenario())

    assert received["type"] == "notices"  # the push went out
    assert heard == []


def test_marking_read_updates_the_bell_on_the_readers_other_pages(
    running_server: RunningServer,
) -> None:
    member = UserFactory(username="member")
    remind(member)

    async def scenario() -> dict[str, Any]:
        page = await open_personal(running_server, member)
        try:
            await in_thread(services.notices_mark_all_read, actor=member)
            return await next_frame(page)
        finally:
            await page.close()

    frame = asyncio.run(scenario())

    assert "notices-count" not in frame["regions"]["notices-bell"]
    assert frame["notices"] == []


def test_a_visitor_who_is_not_signed_in_is_refused(running_server: RunningServer) -> None:
    async def scenario() -> int | None:
        socket = await websockets.connect(
            f"{running_server.ws_url}/ws/me/",
            additional_headers={"Origin": running_server.origin},
            open_timeout=WAIT,
        )
        try:
            await socket.recv()
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        return None

    assert asyncio.run(scenario()) == 4401


def load_page(server: RunningServer, user: User, path: str = "/notices/") -> str:
    """The page as the browser gets it, from the running server."""
    cookie = session_cookie(user)
    request = urllib.request.Request(  # noqa: S310  (the test server's http URL)
        server.url + path, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookie.items())}
    )
    with urllib.request.urlopen(request, timeout=WAIT) as response:  # noqa: S310
        return str(response.read().decode())


def page_since(page: str) -> str:
    found = re.search(r'data-notices-since="([^"]+)"', page)
    assert found, "the page gives its socket no point to replay from"
    return found.group(1)


def test_a_notice_sent_between_the_page_and_its_socket_is_replayed(
    running_server: RunningServer,
) -> None:
    member = UserFactory(username="member")
    Notice.objects.create(
        recipient=member,
        kind=kinds.CONSULTATION_CLOSED,
        key="old",
        params={"subject": "Ngân sách 2026"},
        created_at=timezone.now() - datetime.timedelta(hours=1),
    )
    page = load_page(running_server, member)
    assert "Ngân sách 2026" in page
    # Written after the page was drawn, before its socket opened: no push can reach it.
    remind(member)

    async def scenario() -> dict[str, Any]:
        socket = await open_personal(running_server, member, "vi", since=page_since(page))
        try:
            return await next_frame(socket)
        finally:
            await socket.close()

    frame = asyncio.run(scenario())

    notice = Notice.objects.get(recipient=member, key="consultation-1-reminder-72h")
    assert frame["type"] == "notices"
    # The old notice is on the page already; the new one is not, and the bell counts both.
    assert [added["id"] for added in frame["notices"]] == [f"notice-{notice.pk}"]
    assert "chưa trả lời" in frame["notices"][0]["html"]  # in the page's language
    assert 'class="notices-count" aria-hidden="true">2<' in frame["regions"]["notices-bell"]


def first_frame_after_a_ping(server: RunningServer, user: User, since: str) -> dict[str, Any]:
    """The person's socket opened as the page opens it, then pinged: the first frame it sends,
    a `pong` when it had nothing to replay."""

    async def scenario() -> dict[str, Any]:
        socket = await open_personal(server, user, since=since)
        try:
            await socket.send(json.dumps({"type": "ping"}))
            return await next_frame(socket)
        finally:
            await socket.close()

    return asyncio.run(scenario())


def test_a_socket_opened_with_nothing_missed_replays_nothing(
    running_server: RunningServer,
) -> None:
    member = UserFactory(username="member")
    page = load_page(running_server, member)
    assert first_frame_after_a_ping(running_server, member, page_since(page)) == {"type": "pong"}


def test_a_replay_carries_only_the_readers_own_notices(running_server: RunningServer) -> None:
    member = UserFactory(username="member")
    colleague = UserFactory(username="colleague")
    page = load_page(running_server, colleague)
    remind(member)
    assert first_frame_after_a_ping(running_server, colleague, page_since(page)) == {"type": "pong"}


def test_a_since_that_is_not_a_time_is_refused(running_server: RunningServer) -> None:
    member = UserFactory(username="member")

    async def scenario() -> tuple[dict[str, Any], int | None]:
        socket = await open_personal(running_server, member, since="yesterday")
        error = await next_frame(socket)
        try:
            await asyncio.wait_for(socket.recv(), WAIT)
        except websockets.ConnectionClosed as closed:
            return error, closed.rcvd.code if closed.rcvd else None
        return error, None

    error, code = asyncio.run(scenario())

    assert error["type"] == "error"
    assert "since" in error["message"]
    assert code == 4400


def test_a_message_the_server_cannot_read_does_not_stop_the_pushes(
    running_server: RunningServer,
) -> None:
    # As from a process of another version during an upgrade: a type this one does not know.
    member = UserFactory(username="member")

    async def scenario() -> dict[str, Any]:
        page = await open_personal(running_server, member)
        try:
            layer = get_channel_layer()
            assert layer is not None
            await layer.group_send(GROUP, {"type": "unknown"})
            await in_thread(remind, member)
            return await next_frame(page)
        finally:
            await page.close()

    assert asyncio.run(scenario())["type"] == "notices"

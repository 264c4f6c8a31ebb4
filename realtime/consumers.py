"""The WebSocket endpoints: /ws/meetings/<id>/?since=<seq> follows a meeting (push, heartbeat,
nothing else); /ws/me/?lang=<code>&since=<ms> carries what concerns the signed-in person
wherever they are (their notices), on every page, from what the page missed.

A person follows with their session; a room display with its token (`display=<token>`),
without a session, as the audience of its own that realtime.displays describes.

Writes never travel over the socket; they go through the HTTP API and its services.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from realtime.access import subscriber_rights
from realtime.displays import display_of, display_rights
from realtime.fanout import PersonSocket, Subscriber, broadcaster
from realtime.outbox import AsgiOutbox, FrameOutbox, Outbox
from realtime.personal import personal_replay
from realtime.presence import presence_join, presence_leave
from realtime.regions import audience_key, personal_key, region_names
from realtime.server import FRAME_WRITER, text_frame

logger = logging.getLogger(__name__)

MAX_CLIENT_FRAME = 4096

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_REQUEST = 4400
# A display's socket belongs to no person: no event names it, no personal region is its own.
NOBODY = 0


def parse_since(query_string: bytes) -> int | None:
    values = parse_qs(query_string.decode("latin-1")).get("since", ["0"])
    try:
        since = int(values[-1])
    except ValueError:
        return None
    return since if since >= 0 else None


def parse_cursor(query_string: bytes) -> tuple[bool, datetime.datetime | None]:
    """The person's socket's `since`: the time (milliseconds since 1970, UTC) its page was drawn
    or last heard from the server. (False, None) when it is not such a number; (True, None)
    when the page gave none (it asks for no replay)."""
    values = parse_qs(query_string.decode("latin-1")).get("since")
    if not values:
        return True, None
    try:
        milliseconds = int(values[-1])
        return True, datetime.datetime.fromtimestamp(milliseconds / 1000, tz=datetime.UTC)
    except (ValueError, OverflowError, OSError):
        return False, None


def parse_display(query_string: bytes) -> str | None:
    """The room display's token, when the socket is a display's; None for a person's."""
    values = parse_qs(query_string.decode("latin-1"), keep_blank_values=True).get("display")
    return values[-1] if values else None


def _display_rights(token: str, meeting_id: int) -> tuple[int, frozenset[str]] | None:
    display = display_of(token, meeting_id)
    if display is None:
        return None
    rights = display_rights(display.pk, meeting_id)
    return (display.pk, rights) if rights else None


def parse_language(query_string: bytes) -> str:
    """The language the page is shown in (`lang`), for the regions its frames carry; the site's
    default when it names none that the site speaks."""
    values = parse_qs(query_string.decode("latin-1")).get("lang", [""])
    spoken = {code for code, _name in settings.LANGUAGES}
    return values[-1] if values[-1] in spoken else settings.LANGUAGE_CODE


def parse_shows(query_string: bytes) -> frozenset[str] | None:
    """The shared regions the page shows (`regions`, names separated by commas), whose frames
    then carry those alone; None (every region) when it names none, or a region this site does
    not have (a page from another version of it)."""
    values = parse_qs(query_string.decode("latin-1"), keep_blank_values=True).get("regions")
    if not values:
        return None
    names = frozenset(filter(None, values[-1].split(",")))
    return names if names <= region_names() else None


class MeetingConsumer(AsyncWebsocketConsumer):
    # Events reach the socket through the process's broadcaster, so a socket needs no channel
    # of its own: no per-socket channel-layer subscription and no per-event database cleanup.
    channel_layer_alias = "no-channel-per-socket"

    subscriber: Subscriber | None = None
    outbox: Outbox | None = None
    # Letting go of a socket cut off for not reading, which runs outside the consumer's loop.
    release: asyncio.Future[None] | None = None

    async def connect(self) -> None:
        meeting_id = int(self.scope["url_route"]["kwargs"]["meeting_id"])
        token = parse_display(self.scope["query_string"])
        user = self.scope["user"]
        display: tuple[int, frozenset[str]] | None = None
        if token is not None:
            # A display is its token alone, whoever's session the browser holds. A wrong or
            # revoked token is refused as a missing session is: it tells nothing.
            display = await database_sync_to_async(_display_rights)(token, meeting_id)
            if display is None:
                await self._refuse(CLOSE_UNAUTHENTICATED)
                return
        elif not user.is_authenticated:
            await self._refuse(CLOSE_UNAUTHENTICATED)
            return
        since = parse_since(self.scope["query_string"])
        if since is None:
            await self._refuse(CLOSE_BAD_REQUEST, "'since' must be a whole number of zero or more.")
            return
        if display is not None:
            display_id, rights = display
            user_id = NOBODY
        else:
            display_id, user_id = None, user.pk
            found = await database_sync_to_async(subscriber_rights)(user.pk, meeting_id)
            if found is None:
                await self._refuse(CLOSE_FORBIDDEN)
                return
            rights = found
        language = parse_language(self.scope["query_string"])
        shows = parse_shows(self.scope["query_string"])
        person = personal_key(user_id, language) if display is None else None
        await broadcaster().hold(meeting_id, audience_key(language, rights, shows), person)
        await self.accept()
        # The project's server offers to write frames encoded once; any server takes ASGI sends.
        writer = self.scope.get("extensions", {}).get(FRAME_WRITER)
        outbox: Outbox = (
            FrameOutbox(writer, on_stall=self._stalled)
            if writer is not None
            else AsgiOutbox(self.base_send, on_stall=self._stalled)
        )
        self.outbox = outbox
        self.subscriber = Subscriber(
            meeting_id=meeting_id,
            user_id=user_id,
            rights=rights,
            last_seq=since,
            write=outbox.write,
            close=outbox.close,
            drained=outbox.drained,
            language=language,
            shows=shows,
            display=display_id,
        )
        await broadcaster().join(self.subscriber)
        if display_id is None and await database_sync_to_async(presence_join)(meeting_id, user_id):
            await broadcaster().announce_presence(meeting_id, user_id, online=True)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # However the socket ends (a disconnect, a handler's exception that the server
            # answers with 1011 and no disconnect message, the server cancelling the task), its
            # presence must go with it, or the chair's board shows a tablet that is not there.
            if self.outbox is not None:
                self.outbox.discard()
            await self._leave()

    async def _refuse(self, code: int, message: str | None = None) -> None:
        # A close code reaches the client only on an accepted socket.
        await self.accept()
        if message:
            await self._error(message)
        await self.close(code=code)

    def _stalled(self, reason: str) -> None:
        """The outbox cut the socket off: the client stopped reading."""
        if self.subscriber is not None:
            logger.warning(
                "Closed a socket of meeting %s (user %s) that stopped reading: %s.",
                self.subscriber.meeting_id,
                self.subscriber.user_id,
                reason,
            )
        # Now, not at the disconnect: under plain uvicorn that waits for the peer to read.
        self.release = asyncio.ensure_future(self._leave())

    async def _leave(self) -> None:
        subscriber, self.subscriber = self.subscriber, None
        if subscriber is None:
            return
        broadcaster().leave(subscriber)
        if subscriber.display is not None:
            return  # a display is nobody: it was never online
        if await database_sync_to_async(presence_leave)(subscriber.meeting_id, subscriber.user_id):
            await broadcaster().announce_presence(
                subscriber.meeting_id, subscriber.user_id, online=False
            )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self._error("Send text frames with JSON.")
            return
        if len(text_data) > MAX_CLIENT_FRAME:
            await self._error(f"Frames are limited to {MAX_CLIENT_FRAME} characters.")
            return
        try:
            frame: Any = json.loads(text_data)
        except (ValueError, RecursionError):
            # Deep nesting ("[" * 2000) exhausts the parser's recursion within the size limit.
            await self._error("This frame is not JSON.")
            return
        kind = frame.get("type") if isinstance(frame, dict) else None
        if kind == "ping" and self.subscriber is not None:
            head = broadcaster().head(self.subscriber.meeting_id)
            await self._send_text(json.dumps({"type": "pong", "seq": head}))
        elif kind == "follow" and self.subscriber is not None:
            await self._follow(frame.get("regions"), frame.get("seq"))
        else:
            await self._error(
                'Unknown frame. The socket only answers {"type": "ping"} and {"type": "follow"}; '
                "changes go through the HTTP API."
            )

    async def _follow(self, names: Any, seq: Any) -> None:
        """The page now shows these regions (a change brought elements of one it did not name),
        having applied the events up to `seq`: the frames written from now on are its new
        audience's. The answer says whether frames written since `seq` went out without those
        regions, in which case the page fetches itself once."""
        subscriber = self.subscriber
        assert subscriber is not None
        known = region_names()
        if not isinstance(names, list) or not all(isinstance(n, str) and n in known for n in names):
            await self._error("'regions' must be a list of the names of the live regions.")
            return
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            await self._error("'seq' must be the number of the last event the page applied.")
            return
        subscriber.show(frozenset(names))
        missed = subscriber.last_seq > seq
        person = subscriber.person if subscriber.display is None else None
        await broadcaster().hold(subscriber.meeting_id, subscriber.audience, person)
        await self._send_text(json.dumps({"type": "following", "fetch": missed}))

    async def _error(self, message: str) -> None:
        await self._send_text(json.dumps({"type": "error", "message": message}))

    async def _send_text(self, text: str) -> None:
        if self.outbox is not None:
            # Behind the events already queued, so that a pong's seq never overtakes them.
            self.outbox.write(text_frame(text))
        else:
            await self.base_send({"type": "websocket.send", "text": text})


class PersonConsumer(AsyncWebsocketConsumer):
    """The person's own socket: frames pushed to them alone (realtime.events.publish_personal).
    Opened with `since` (the time its page was drawn), it first sends what the page missed
    since then (realtime.personal), then what is pushed."""

    channel_layer_alias = "no-channel-per-socket"

    socket: PersonSocket | None = None
    outbox: Outbox | None = None

    async def connect(self) -> None:
        user = self.scope["user"]
        await self.accept()
        if not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        valid, since = parse_cursor(self.scope["query_string"])
        if not valid:
            await self.send(
                text_data=json.dumps(
                    {
                        "type": "error",
                        "message": "'since' must be a time in milliseconds since 1970 (UTC).",
                    }
                )
            )
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        await broadcaster().start()
        writer = self.scope.get("extensions", {}).get(FRAME_WRITER)
        self.outbox = (
            FrameOutbox(writer, on_stall=self._leave)
            if writer is not None
            else AsgiOutbox(self.base_send, on_stall=self._leave)
        )
        language = parse_language(self.scope["query_string"])
        self.socket = PersonSocket(user_id=user.pk, language=language, write=self.outbox.write)
        # Pushed frames reach the socket from now on; the replay, read afterwards, covers what
        # came before. A notice in both is shown once: the page skips an id it has.
        broadcaster().join_person(self.socket)
        if since is not None:
            for frame in await database_sync_to_async(personal_replay)(user.pk, language, since):
                self.outbox.write(text_frame(json.dumps(frame, ensure_ascii=False)))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.outbox is not None:
                self.outbox.discard()
            self._leave()

    def _leave(self, reason: str = "") -> None:
        """Push nothing more to this socket: it closed, or its outbox cut it off because the
        client stopped reading (`reason`); the page reconnects."""
        socket, self.socket = self.socket, None
        if socket is not None:
            broadcaster().leave_person(socket)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        frame: Any = None
        if text_data is not None and len(text_data) <= MAX_CLIENT_FRAME:
            with contextlib.suppress(ValueError, RecursionError):
                frame = json.loads(text_data)
        if isinstance(frame, dict) and frame.get("type") == "ping":
            reply = {"type": "pong"}
        else:
            reply = {"type": "error", "message": 'The socket only answers {"type": "ping"}.'}
        if self.outbox is not None:
            self.outbox.write(text_frame(json.dumps(reply)))

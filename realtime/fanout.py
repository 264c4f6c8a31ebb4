"""Fan-out inside one server process.

Each process has one Broadcaster (per event loop). It subscribes once to the channel layer,
turns each event (encoded once by the publisher) into WebSocket frames once, and hands them to
every local socket of the meeting through the socket's outbox (realtime.outbox): on the
project's server the frame's bytes go straight to the transport (realtime.server), elsewhere its
text goes to ASGI's `websocket.send`. No channel-layer message and no database work per
recipient.

Every subscriber receives its meeting's events in order, each exactly once: a frame is written
only when its number follows the last one sent to that socket. A socket that is behind (it has
just connected with `since`, or a push was lost while Redis was down) is brought up to date from
recent frames kept in memory, then from the database, before it takes live frames again. A tick
re-reads each meeting's last number from the database, so a lost push is noticed even when no
further event comes.

Pushes can arrive out of order: each event's regions are rendered after its own commit, on the
thread and process that made it, so under a burst (ballots) a later event's push often overtakes
an earlier one's. The later event then waits in memory for the earlier push, for up to
PUSH_GRACE_SECONDS, and both go out complete; only a push still missing after that is read from
the log, whose frames ask the page to fetch. Reading the log at once, as a lost push needs, would
send the overtaken event without its regions and make every screen fetch its page in the middle
of the burst.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from realtime import audiences, selectors
from realtime.access import meeting_access, subscriber_rights
from realtime.displays import display_rights
from realtime.events import EVERYONE, GROUP, visible_to
from realtime.presence import presence_refresh
from realtime.regions import audience_key, personal_key
from realtime.server import TextFrame, text_frame

logger = logging.getLogger(__name__)

# Recent events kept per meeting for sockets that fall behind: at most this many, and at most
# this many bytes of frames (an event carries its regions for every audience). Older ones are
# replayed from the log, and those frames ask the page to fetch.
RECENT_FRAMES_PER_MEETING = 2000
RECENT_BYTES_PER_MEETING = 32 * 1024 * 1024
CATCH_UP_BATCH = 500
# How long a later event's push waits for an earlier one that it overtook (see above) before
# the earlier event is read from the log. On a process overloaded by a burst, rendering an
# event's regions after its commit has taken over 3 s (docs/PERFORMANCE.md, voting); a push
# lost while Redis was away still arrives at the next ticks.
PUSH_GRACE_SECONDS = 10.0
# Heartbeats are written this many sockets at a time, letting an event that arrives during a
# tick go out between two batches instead of after the whole tick.
HEARTBEAT_BATCH = 200


@dataclass(frozen=True)
class Event:
    """An event as this process writes it: frames ready for any socket.

    `frames` are complete frames, with the live regions rendered for each audience key;
    `personal` the regions frames of the people whose own regions changed, which come in a
    message of their own after the event's (realtime.events `rendered_messages`). A socket whose
    audience has no frame (an event replayed from the log) gets `full` or `redacted`, which ask
    the page to fetch."""

    seq: int
    full: TextFrame
    redacted: TextFrame
    restricted_to: str
    users: tuple[int, ...]
    frames: dict[str, TextFrame]
    personal: dict[str, TextFrame] = field(default_factory=dict)

    @property
    def size(self) -> int:
        frames = [self.full, self.redacted, *self.frames.values(), *self.personal.values()]
        return sum(len(frame.data) + len(frame.text) for frame in frames)

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> Event:
        return cls(
            seq=message["seq"],
            full=text_frame(message["full"]),
            redacted=text_frame(message["redacted"]),
            restricted_to=message["restricted_to"],
            users=tuple(message["users"]),
            frames={key: text_frame(frame) for key, frame in message["frames"].items()},
        )


@dataclass(eq=False)
class Subscriber:
    """One socket following one meeting."""

    meeting_id: int
    user_id: int
    rights: frozenset[str]
    last_seq: int
    # Queues a frame without waiting (realtime.outbox); False once the socket is closing.
    write: Callable[[TextFrame], bool]
    close: Callable[[int], Awaitable[None]]
    # Waits until the socket has taken most of what was written: a replay goes at its pace.
    drained: Callable[[], Awaitable[None]]
    # The language the person reads the meeting pages in, for the regions of their frames.
    language: str = "en"
    # The shared regions the page shows (realtime.regions); None for all of them.
    shows: frozenset[str] | None = None
    # The room display (realtime.displays) whose socket this is, or None for a person's.
    display: int | None = None
    catching_up: bool = field(default=False)
    # Which of an event's frames this socket takes; worked out once, not per event. An event
    # rendered without knowing which audiences are held has frames with every region alone.
    audience: str = field(init=False)
    every_region: str = field(init=False)
    person: str = field(init=False)

    def __post_init__(self) -> None:
        self.set_rights(self.rights)

    def set_rights(self, rights: frozenset[str]) -> None:
        self.rights = rights
        self.audience = audience_key(self.language, rights, self.shows)
        self.every_region = audience_key(self.language, rights)
        self.person = personal_key(self.user_id, self.language)

    def show(self, shows: frozenset[str]) -> None:
        self.shows = shows
        self.set_rights(self.rights)

    def may_see(self, event: Event) -> bool:
        """Whether the socket may take the event's complete frame when its audience has no
        frame of its own (an event replayed from the log). A room display never does: its
        audience's frames are the only ones drawn for it, and otherwise it takes the event's
        number alone, and its page fetches itself."""
        if self.display is not None:
            return False
        return visible_to(
            restricted_to=event.restricted_to,
            users=event.users,
            user_id=self.user_id,
            rights=self.rights,
        )


@dataclass(eq=False)
class PersonSocket:
    """One socket of one person, for what concerns them wherever they are (their notices)."""

    user_id: int
    language: str
    write: Callable[[TextFrame], bool]


class Broadcaster:
    def __init__(self) -> None:
        self.subscribers: dict[int, set[Subscriber]] = defaultdict(set)
        self.people: dict[int, set[PersonSocket]] = defaultdict(set)
        self.latest: dict[int, int] = {}
        # The log's last numbers at the previous tick (see _check_heads).
        self.logged: dict[int, int] = {}
        self.recent: dict[int, OrderedDict[int, Event]] = defaultdict(OrderedDict)
        self.recent_bytes: dict[int, int] = defaultdict(int)
        self.channel: str | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        # Per meeting with a gap in its pushes: set when the next push arrives (_await_gap).
        self.arrivals: dict[int, asyncio.Event] = {}
        self.gaps: set[int] = set()
        # One read of a meeting's log at a time: sockets behind together need it once.
        self.log_reads: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        # Sockets connecting at once all call start(); only the first may subscribe.
        self.starting = asyncio.Lock()
        # Where this process tells publishers which audiences it holds (realtime.audiences).
        self.registry: audiences.Registry | None = None

    async def join(self, subscriber: Subscriber) -> None:
        """Start following a meeting: replay what the subscriber missed, then go live."""
        await self.start()
        meeting_id = subscriber.meeting_id
        self.subscribers[meeting_id].add(subscriber)
        heads = await database_sync_to_async(selectors.stream_heads)([meeting_id])
        self._advance(meeting_id, heads.get(meeting_id, 0))
        await self._catch_up(subscriber)

    def leave(self, subscriber: Subscriber) -> None:
        meeting_id = subscriber.meeting_id
        self.subscribers[meeting_id].discard(subscriber)
        if not self.subscribers[meeting_id]:
            del self.subscribers[meeting_id]
            self.latest.pop(meeting_id, None)
            self.recent.pop(meeting_id, None)
            self.recent_bytes.pop(meeting_id, None)
            self.log_reads.pop(meeting_id, None)
            self.arrivals.pop(meeting_id, None)

    def join_person(self, socket: PersonSocket) -> None:
        self.people[socket.user_id].add(socket)

    def leave_person(self, socket: PersonSocket) -> None:
        sockets = self.people.get(socket.user_id)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self.people[socket.user_id]

    def head(self, meeting_id: int) -> int:
        return self.latest.get(meeting_id, 0)

    async def start(self) -> None:
        """Subscribe this process to meeting events (once). A socket is accepted only after
        this, so that no push sent after a client's handshake can miss its process."""
        async with self.starting:
            if self.channel is not None:
                return
            layer = get_channel_layer()
            assert layer is not None, "CHANNEL_LAYERS must be configured"
            channel = await layer.new_channel()
            self.registry = audiences.registry()
            self.channel = channel
            await self._subscribe()
            self._spawn(self._listen())
            self._spawn(self._tick())

    async def _subscribe(self) -> None:
        """(Re)join the group; Redis forgets groups when it restarts, so this is repeated."""
        layer = get_channel_layer()
        assert layer is not None and self.channel is not None
        try:
            await layer.group_add(GROUP, self.channel)
        except Exception:  # noqa: BLE001  (Redis down: retried on the next tick)
            logger.warning("Cannot subscribe to meeting events; retrying.", exc_info=True)

    async def _listen(self) -> None:
        layer = get_channel_layer()
        assert layer is not None and self.channel is not None
        while True:
            try:
                message = await layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001  (Redis down: the tick catches up from the log)
                logger.warning("Meeting events interrupted; reconnecting.", exc_info=True)
                await asyncio.sleep(1)
                continue
            try:
                await self.dispatch(message)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001  (one bad message must not stop the others)
                logger.exception("Could not hand out a message of type %r.", message.get("type"))

    async def announce_presence(self, meeting_id: int, user_id: int, online: bool) -> None:
        """Tell every process that someone came online or went offline in the meeting."""
        layer = get_channel_layer()
        assert layer is not None
        message = {
            "type": "meeting.presence",
            "meeting": meeting_id,
            "user": user_id,
            "online": online,
        }
        try:
            await layer.group_send(GROUP, message)
        except Exception:  # noqa: BLE001  (the board shows it on its next refresh instead)
            logger.warning("Could not announce a presence change.", exc_info=True)

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") == "meeting.recheck":
            await self._recheck(
                message["meeting"], set(message["users"]), set(message.get("displays", ()))
            )
            return
        if message.get("type") == "people.frames":
            for user_id, frames in message["people"]:
                self._deliver_personal(user_id, frames)
            return
        if message.get("type") == "meeting.presence":
            frame = text_frame(
                json.dumps(
                    {"type": "presence", "user": message["user"], "online": message["online"]}
                )
            )
            # Those who run or prepare the session: the board marks who is online.
            presence_rights = meeting_access().presence_rights
            for subscriber in list(self.subscribers.get(message["meeting"], ())):
                if subscriber.rights & presence_rights:
                    self._write(subscriber, frame)
            return
        if message.get("type") == "meeting.personal":
            self._deliver_own(message["meeting"], message["seq"], message["personal"])
            return
        meeting_id = message["meeting"]
        subscribers = self.subscribers.get(meeting_id)
        if not subscribers:
            return
        event = self._remember(meeting_id, Event.from_message(message))
        self._advance(meeting_id, event.seq)
        arrival = self.arrivals.pop(meeting_id, None)
        if arrival is not None:
            arrival.set()
        recent = self.recent[meeting_id]
        gap = False
        # No await in this loop: every local socket has the event before anything else runs.
        for subscriber in list(subscribers):
            if subscriber.catching_up or event.seq <= subscriber.last_seq:
                continue
            if event.seq == subscriber.last_seq + 1:
                self._deliver(subscriber, event)
                # Then the events whose pushes overtook this one.
                while (held := recent.get(subscriber.last_seq + 1)) is not None:
                    self._deliver(subscriber, held)
            else:
                gap = True
        if gap and meeting_id not in self.gaps:
            self.gaps.add(meeting_id)
            self._spawn(self._await_gap(meeting_id))

    async def _await_gap(self, meeting_id: int) -> None:
        """Some sockets of the meeting miss an event whose push a later one overtook: give
        the missing pushes PUSH_GRACE_SECONDS to arrive (dispatch then delivers them, and what
        was held after them), then bring the sockets still behind up to date from the log."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PUSH_GRACE_SECONDS
        try:
            while True:
                head = self.head(meeting_id)
                behind = [
                    s
                    for s in self.subscribers.get(meeting_id, ())
                    if not s.catching_up and s.last_seq < head
                ]
                if not behind:
                    return
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                arrival = self.arrivals.setdefault(meeting_id, asyncio.Event())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(arrival.wait(), remaining)
        finally:
            self.gaps.discard(meeting_id)
        for subscriber in behind:
            self._spawn(self._catch_up(subscriber))

    def _deliver_own(self, meeting_id: int, seq: int, texts: dict[str, str]) -> None:
        """The own regions an event changed, which follow its frames: to the sockets that have
        the event already, now; the others take them with the event, as they catch up."""
        subscribers = self.subscribers.get(meeting_id)
        if not subscribers:
            return
        personal = {key: text_frame(text) for key, text in texts.items()}
        recent = self.recent[meeting_id]
        event = recent.get(seq)
        if event is not None:
            recent[seq] = replace(event, personal=personal)
            self.recent_bytes[meeting_id] += recent[seq].size - event.size
        for subscriber in list(subscribers):
            if subscriber.last_seq >= seq:
                self._write_own(subscriber, personal)

    def _deliver_personal(self, user_id: int, texts: dict[str, str]) -> None:
        """A person's frame, in each socket's language, to that person's sockets alone."""
        sockets = self.people.get(user_id)
        if not sockets:
            return
        frames = {language: text_frame(text) for language, text in texts.items()}
        fallback = frames.get(settings.LANGUAGE_CODE) or next(iter(frames.values()))
        for socket in list(sockets):
            if not socket.write(frames.get(socket.language, fallback)):
                self.leave_person(socket)

    async def _tick(self) -> None:
        interval = settings.REALTIME_HEARTBEAT_SECONDS
        while True:
            await asyncio.sleep(interval)
            try:
                await self._subscribe()
                await self._check_heads()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001  (database briefly away: try on the next tick)
                logger.warning("Realtime tick failed.", exc_info=True)

    async def _check_heads(self) -> None:
        """Catch up sockets behind the log, send each a heartbeat with the last number, and
        mark this process's sockets as still online."""
        meeting_ids = list(self.subscribers)
        if not meeting_ids:
            return
        # Both queries run on the database thread; the event loop keeps serving events.
        heads = await database_sync_to_async(selectors.stream_heads)(meeting_ids)
        await database_sync_to_async(presence_refresh)(meeting_ids)
        if self.registry is not None:
            await self.registry.refresh(
                {
                    meeting_id: (
                        {s.audience for s in subscribers},
                        {s.person for s in subscribers if s.display is None},
                    )
                    for meeting_id, subscribers in self.subscribers.items()
                }
            )
        # An event's push follows its commit by the time its regions take to render. Only an
        # event that was in the log at the previous tick has surely lost its push: replaying
        # (or announcing) a newer one from the log would send it without its regions, and
        # every page would fetch itself.
        settled, self.logged = self.logged, heads
        for meeting_id in meeting_ids:
            lost = settled.get(meeting_id, 0)
            self._advance(meeting_id, lost)
            subscribers = list(self.subscribers.get(meeting_id, ()))
            for start in range(0, len(subscribers), HEARTBEAT_BATCH):
                if start:
                    await asyncio.sleep(0)  # let a waiting event go first
                # Built per batch: an event written meanwhile has raised the head.
                head = self.head(meeting_id)
                heartbeat = text_frame(json.dumps({"type": "heartbeat", "seq": head}))
                for subscriber in subscribers[start : start + HEARTBEAT_BATCH]:
                    if subscriber.last_seq < lost:
                        self._spawn(self._catch_up(subscriber))
                    elif subscriber.last_seq >= head:
                        self._write(subscriber, heartbeat)
                    # Else it waits for a push overtaken by a later one (_await_gap), or is
                    # catching up already: neither a replay nor a heartbeat ahead of it now.

    async def _catch_up(self, subscriber: Subscriber) -> None:
        if subscriber.catching_up:
            return
        subscriber.catching_up = True
        try:
            meeting_id = subscriber.meeting_id
            while subscriber.last_seq < self.head(meeting_id):
                # A long replay written at once would exceed the socket's bound.
                await subscriber.drained()
                if subscriber not in self.subscribers.get(meeting_id, ()):
                    break  # the socket went away
                event = self.recent[meeting_id].get(subscriber.last_seq + 1)
                if event is None:
                    if not await self._read_log(meeting_id, subscriber.last_seq):
                        break  # the log is behind what was announced; the next tick retries
                    continue
                self._deliver(subscriber, event)
        finally:
            # No await between the last check and this line: a live frame that arrived during
            # the catch-up raised the head and was caught by the loop above.
            subscriber.catching_up = False

    async def _read_log(self, meeting_id: int, after: int) -> bool:
        """Keep the meeting's logged events after `after` among the recent ones; False if
        the log has none. Sockets behind together wait for one read, not one each."""
        async with self.log_reads[meeting_id]:
            if after + 1 in self.recent.get(meeting_id, {}):
                return True  # read meanwhile, for another socket
            missed = await database_sync_to_async(selectors.event_messages_after)(
                meeting_id, after, CATCH_UP_BATCH
            )
        for message in missed:
            self._remember(meeting_id, Event.from_message(message))
        return bool(missed)

    async def _recheck(self, meeting_id: int, user_ids: set[int], display_ids: set[int]) -> None:
        """Close the sockets of people and displays that lost the right to follow the meeting."""
        for subscriber in list(self.subscribers.get(meeting_id, ())):
            if subscriber.display is not None:
                if subscriber.display not in display_ids:
                    continue
                rights = await database_sync_to_async(display_rights)(
                    subscriber.display, meeting_id
                )
            elif subscriber.user_id in user_ids:
                rights = await database_sync_to_async(subscriber_rights)(
                    subscriber.user_id, meeting_id
                )
            else:
                continue
            if rights is None:
                self.leave(subscriber)
                await subscriber.close(4403)
            else:
                subscriber.set_rights(rights)
                person = subscriber.person if subscriber.display is None else None
                await self.hold(meeting_id, subscriber.audience, person)

    async def hold(self, meeting_id: int, audience: str, person: str | None) -> None:
        """Tell publishers that this process holds a socket of this audience (and person) on
        the meeting (realtime.audiences). A socket is accepted after this, so that every event
        published once its handshake is done carries its audience's regions."""
        await self.start()
        if self.registry is not None:
            await self.registry.hold(meeting_id, [audience], [person] if person else [])

    def _deliver(self, subscriber: Subscriber, event: Event) -> None:
        subscriber.last_seq = event.seq
        frame = event.frames.get(subscriber.audience) or event.frames.get(subscriber.every_region)
        if frame is None:
            frame = event.full if subscriber.may_see(event) else event.redacted
        self._write(subscriber, frame)
        self._write_own(subscriber, event.personal)

    def _write_own(self, subscriber: Subscriber, personal: dict[str, TextFrame]) -> None:
        frame = personal.get(subscriber.person) or personal.get(EVERYONE)
        if frame is not None:
            self._write(subscriber, frame)

    def _write(self, subscriber: Subscriber, frame: TextFrame) -> None:
        if not subscriber.write(frame):
            self.leave(subscriber)  # the socket is closing; its disconnect will follow

    def _remember(self, meeting_id: int, event: Event) -> Event:
        recent = self.recent[meeting_id]
        kept = recent.get(event.seq)
        if kept is not None:
            if kept.frames or not event.frames:
                return kept  # keep the live one, with its regions
            # The live push came after the log was read: sockets not yet given the event
            # take it complete.
            self.recent_bytes[meeting_id] -= kept.size
        recent[event.seq] = event
        self.recent_bytes[meeting_id] += event.size
        while len(recent) > 1 and (
            len(recent) > RECENT_FRAMES_PER_MEETING
            or self.recent_bytes[meeting_id] > RECENT_BYTES_PER_MEETING
        ):
            _seq, oldest = recent.popitem(last=False)
            self.recent_bytes[meeting_id] -= oldest.size
        return event

    def _advance(self, meeting_id: int, seq: int) -> None:
        if seq > self.latest.get(meeting_id, 0):
            self.latest[meeting_id] = seq

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


_broadcasters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Broadcaster] = (
    weakref.WeakKeyDictionary()
)


def broadcaster() -> Broadcaster:
    """This process's broadcaster (one per event loop: uvicorn runs one)."""
    loop = asyncio.get_running_loop()
    if loop not in _broadcasters:
        _broadcasters[loop] = Broadcaster()
    return _broadcasters[loop]

"""The one way to publish a meeting event: append it to the log and push it after commit.

Services call `publish` inside their transaction. The event gets the meeting's next sequence
number; after the commit the live regions it changes are rendered once per audience
(realtime.regions), and one message carries the already-encoded frames to every server
process's broadcaster (realtime.fanout), which listens on the channel layer group `GROUP`; the
own regions of the people it concerns follow in a second message. With Redis each message is
one synchronous PUBLISH, on a connection pooled per process, to the group's pub/sub channel,
encoded as the channel layer encodes it: no event loop and no new connection per push. If the
push fails the write still stands: clients and processes catch up from the log.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import redis
from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from channels_redis.utils import _consistent_hash, decode_hosts
from django.conf import settings
from django.db import connection, models, transaction
from redis.backoff import NoBackoff
from redis.retry import Retry

from realtime import audiences, regions
from realtime.access import meeting_access
from realtime.models import MeetingEvent

logger = logging.getLogger(__name__)

# Every server process's broadcaster listens on this group: one message per process per event.
GROUP = "realtime.meeting-events"
# The key of a `meeting.personal` frame meant for every socket of the meeting, not one person's.
EVERYONE = "*"


def publish(
    *,
    meeting: models.Model,
    type: str,
    payload: dict[str, Any] | Callable[[], dict[str, Any]],
    restricted_to: str = "",
    users: Sequence[int] = (),
    people: Sequence[int] = (),
) -> MeetingEvent:
    """Append an event to the meeting's log; push it to connected clients after commit.

    Must run inside the calling service's transaction, so that the event exists exactly when
    the change it describes does. A callable payload is built after the event's number is taken:
    that lock waits for the meeting's earlier events to commit, so totals it reads (such as the
    quorum) include every earlier change. `restricted_to` (a permission) and `users` limit who
    sees the payload; see MeetingEvent. `people` are those whose personal regions (their own
    check-in, their request to speak) the event changes.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("publish() must run inside the service's transaction.atomic().")
    # Who follows the meeting is read from Redis while the transaction goes on and commits: a
    # round trip that every screen's frame would otherwise wait for after the commit.
    held = _readers.submit(_held, meeting.pk, people)
    seq = _next_seq(meeting.pk)
    event = MeetingEvent.objects.create(
        meeting_id=meeting.pk,
        seq=seq,
        type=type,
        payload=payload() if callable(payload) else payload,
        restricted_to=restricted_to,
        users=list(users),
    )
    transaction.on_commit(lambda: _push_rendered(event, people, held))
    return event


def _push_rendered(
    event: MeetingEvent, people: Sequence[int], held: Future[audiences.Held | None]
) -> None:
    for message in rendered_messages(event, people, held=_result(held)):
        push(message)


# Threads that read who follows a meeting (_held), for publishers of every thread.
_readers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="realtime-held")


def _held(meeting_id: int, people: Sequence[int]) -> audiences.Held | None:
    """The audiences and people with a socket on the meeting (realtime.audiences), or None to
    render for all: without Redis, or when Redis does not answer."""
    layer = get_channel_layer()
    if layer is None:
        return None
    try:
        publisher = _publisher(layer)
        if publisher is None:
            return None
        keys = [regions.personal_key(u, lang) for u in people for lang in regions.languages()]
        return audiences.held(publisher.client, publisher.prefix, meeting_id, keys)
    except Exception:  # noqa: BLE001  (the push will tell whether Redis is away)
        logger.warning("Could not read who follows meeting %s.", meeting_id, exc_info=True)
        return None


def _result(held: Future[audiences.Held | None]) -> audiences.Held | None:
    """The read's answer; None (render for all) if it is not there within a push's timeout,
    as when Redis does not answer: reads queued behind a stuck one must not add up."""
    try:
        return held.result(timeout=PUSH_TIMEOUT)
    except TimeoutError:
        logger.warning("Who follows the meeting was not read in time; rendering for all.")
        return None


def _next_seq(meeting_id: int) -> int:
    """Take the meeting's next number; the row stays locked until commit, so concurrent
    publishers to one meeting are numbered in commit order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO realtime_meetingstream (meeting_id, last_seq) VALUES (%s, 1) "
            "ON CONFLICT (meeting_id) DO UPDATE "
            "SET last_seq = realtime_meetingstream.last_seq + 1 RETURNING last_seq",
            [meeting_id],
        )
        row = cursor.fetchone()
    return int(row[0])


def visible_to(
    *, restricted_to: str, users: Sequence[int], user_id: int, rights: frozenset[str]
) -> bool:
    """Whether a person with these rights on the meeting may see an event's payload."""
    if users and user_id not in users:
        return False
    return not restricted_to or restricted_to in rights


def event_frame(
    event: MeetingEvent,
    *,
    visible: bool,
    regions: dict[str, str] | None = None,
    with_payload: bool = True,
) -> dict[str, Any]:
    """An event as clients receive it; for those who may not see it, only its number: neither
    its payload nor its type, which alone can tell that something exists (a paper, a prepared
    vote) that they may not know of.

    With `regions` (region id -> HTML) the frame is complete: the page applies them and needs
    nothing else. Without, the frame says `fetch`: the page must fetch itself once to be current.
    Without `with_payload` (a room display, for most events) the payload is null: the regions
    say all that the screen shows.
    """
    frame = {
        "type": "event",
        "seq": event.seq,
        "event": event.type if visible else None,
        "payload": event.payload if visible and with_payload else None,
        "at": event.created_at.isoformat(),
        "regions": regions or {},
        "fetch": regions is None,
    }
    if not visible:
        frame["restricted"] = True
    return frame


def _encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False)


def broadcast_message(event: MeetingEvent) -> dict[str, Any]:
    """The event without rendered regions, as replayed from the log: its frames ask to fetch."""
    return {
        "type": "meeting.event",
        "meeting": event.meeting_id,
        "seq": event.seq,
        "full": _encode(event_frame(event, visible=True)),
        "redacted": _encode(event_frame(event, visible=False)),
        "restricted_to": event.restricted_to,
        "users": event.users,
        "frames": {},
    }


def rendered_messages(
    event: MeetingEvent, people: Sequence[int], held: audiences.Held | None = None
) -> Iterator[dict[str, Any]]:
    """The messages that carry the event after its commit, rendered then so that they show the
    committed state: first the event with a complete frame per audience key (realtime.regions),
    then, if the event changed anyone's own regions, a `meeting.personal` message with a
    `regions` frame per person. The shared frames go out before the own regions are drawn, so
    that no screen waits for the boxes of the person who acted. With `held`, each is rendered
    for the audiences and people that have a socket on the meeting alone (the others' sockets
    get the frame that asks to fetch).

    If rendering fails the frames fall back to asking the page to fetch: the event's frame, or,
    when the own regions fail, a `regions` frame for every socket of the meeting (`EVERYONE`)."""
    message = broadcast_message(event)
    if event.users:
        yield message  # a payload for named people only: no audience shares its frame
        return
    try:
        meeting = meeting_access().meeting(event.meeting_id)
        shared = regions.render_shared(
            meeting, event.type, event.payload, restricted_to=event.restricted_to, held=held
        )
    except Exception:  # noqa: BLE001  (a template error must not lose the push)
        logger.exception("Could not render the regions of %s; pages will fetch.", event)
        yield message
        return
    message["frames"] = {
        audience.key: _encode(
            event_frame(
                event,
                visible=not event.restricted_to or event.restricted_to in audience.rights,
                regions=html,
                with_payload=regions.payload_shown(audience.rights, event.type),
            )
        )
        for audience, html in shared.items()
    }
    yield message
    try:
        personal = regions.render_personal(meeting, event.type, people, event.payload, held=held)
        frames = {
            key: {"type": "regions", "seq": event.seq, "regions": html}
            for key, html in personal.items()
        }
    except Exception:  # noqa: BLE001  (a template error must not lose the change)
        logger.exception("Could not render the own regions of %s; pages will fetch.", event)
        frames = {EVERYONE: {"type": "regions", "seq": event.seq, "regions": {}, "fetch": True}}
    if frames:
        yield {
            "type": "meeting.personal",
            "meeting": event.meeting_id,
            "seq": event.seq,
            "personal": {key: _encode(frame) for key, frame in frames.items()},
        }


def push(message: dict[str, Any]) -> None:
    _send_to_processes(
        message,
        failure=f"Could not push event {message['seq']} of meeting {message['meeting']}; "
        "clients will catch up from the log.",
    )


# People whose frames travel in one message: a batch of reminders costs a few publishes, not one
# per person, while a message stays small enough (a few hundred KiB) for every process to read.
PEOPLE_PER_MESSAGE = 100


def publish_personal(*, render: Callable[[], dict[int, dict[str, dict[str, Any]]]]) -> None:
    """After commit, push frames to the personal sockets of some people (realtime.consumers
    `PersonConsumer`, open on every page), whatever meeting they follow or none.

    `render` runs after the commit, so that what it draws is committed; it returns, per user
    id, the frame for each language their pages may be shown in. Each person's frames go to
    that person's sockets alone; the frames of up to PEOPLE_PER_MESSAGE people share a message
    to the processes. Nothing is logged here: a page that connects later asks for what it
    missed (`personal_replay`). A failure to render or push is logged, never raised: the
    change has committed.
    """

    def send() -> None:
        try:
            frames = render()
        except Exception:  # noqa: BLE001  (a template error must not undo the change)
            logger.exception("Could not render personal frames; pages show them when loaded.")
            return
        people = [
            [user_id, {language: _encode(frame) for language, frame in by_language.items()}]
            for user_id, by_language in frames.items()
        ]
        for start in range(0, len(people), PEOPLE_PER_MESSAGE):
            some = people[start : start + PEOPLE_PER_MESSAGE]
            _send_to_processes(
                {"type": "people.frames", "people": some},
                failure=f"Could not push to {len(some)} people.",
            )

    transaction.on_commit(send, robust=True)


def recheck_access(
    *, meeting_ids: Sequence[int], user_ids: Sequence[int], display_ids: Sequence[int] = ()
) -> None:
    """After commit, ask every process to re-check these people's (and room displays') open
    sockets on these meetings and close those that lost the right (a membership ended, a
    substitute replaced, a display's token revoked)."""
    messages = [
        {
            "type": "meeting.recheck",
            "meeting": meeting_id,
            "users": list(user_ids),
            "displays": list(display_ids),
        }
        for meeting_id in meeting_ids
    ]

    def send() -> None:
        for message in messages:
            # If it is lost, the socket stays open until it reconnects and is refused.
            _send_to_processes(message, failure="Could not ask to re-check access.")

    transaction.on_commit(send)


def _send_to_processes(message: dict[str, Any], *, failure: str) -> None:
    """One message to every server process. A transport failure is logged, not raised: the
    change it follows has already committed."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        publisher = _publisher(layer)
        if publisher is None:
            # The in-memory layer of the single-process demo: no Redis to publish to.
            async_to_sync(layer.group_send)(GROUP, message)
        else:
            publisher.client.publish(publisher.channel, publisher.layer.serialize(message))
    except Exception:  # noqa: BLE001  (any transport failure)
        logger.warning(failure, exc_info=True)


@dataclass(frozen=True)
class _Publisher:
    """Where this process publishes the group's messages, for one channel layer instance."""

    layer: RedisPubSubChannelLayer
    client: redis.Redis
    channel: str
    # The layer's prefix, which the audience registry's keys share (realtime.audiences).
    prefix: str


_current: _Publisher | None = None
_current_lock = threading.Lock()
# A push waits at most this long for Redis (seconds); past it the push is lost and clients
# catch up from the log, as when Redis is down.
PUSH_TIMEOUT = 2.0


def _publisher(layer: BaseChannelLayer) -> _Publisher | None:
    """This process's synchronous client for the Redis pub/sub layer, made again only when
    the channel layer is (its settings changed, as in tests).

    It publishes exactly what `RedisPubSubChannelLayer.group_send` would: the channel is the
    layer's prefix, `__group__` and the group (on the shard the layer would choose), and the
    data is the layer's own serialisation (msgpack) of the message. Its pool keeps connections
    across requests and threads; one immediate retry replaces a connection that Redis closed by
    restarting, and a Redis that is down costs a refused connection, not a wait.
    """
    global _current
    if not isinstance(layer, RedisPubSubChannelLayer):
        return None
    publisher = _current
    if publisher is not None and publisher.layer is layer:
        return publisher
    with _current_lock:
        if _current is not None and _current.layer is layer:
            return _current
        config = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
        hosts = decode_hosts(config.get("hosts"))
        prefix = config.get("prefix", "asgi")
        channel = f"{prefix}__group__{GROUP}"
        host = dict(hosts[_consistent_hash(channel, len(hosts))])
        if "address" not in host:
            return None  # Sentinel: left to the channel layer
        options = {
            **host,
            "socket_connect_timeout": PUSH_TIMEOUT,
            "socket_timeout": PUSH_TIMEOUT,
            "retry": Retry(NoBackoff(), 1),
        }
        pool = redis.ConnectionPool.from_url(options.pop("address"), **options)
        stale, _current = (
            _current,
            _Publisher(layer, redis.Redis(connection_pool=pool), channel, prefix),
        )
        if stale is not None:
            stale.client.close()
        return _current

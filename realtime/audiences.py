"""Which audiences and people have a socket open on a meeting, so that an event's regions are
rendered for them alone.

Every server process writes, in Redis, the audience keys (language and rights) and the person
keys (user and language) of the sockets it holds on each meeting: when a socket brings a key
the process has not written lately, and for all of them on each heartbeat tick. Each key is
written with the time it stays valid (three heartbeats); nothing is removed when a socket
leaves, so a process that dies costs a few renderings for nobody until its keys expire.

The process that publishes an event reads the meeting's audience keys and the person keys of
the people the event names (one round trip, made while the event's transaction commits), and
renders for those alone after the commit (realtime.events). A socket whose key was not there
yet (it connected a moment before) gets a frame without its regions, which asks the page to
fetch itself: delivery never depends on this registry, only the cost of rendering does.
Without Redis (the in-memory channel layer of the single-process demo) there is no registry, and
every audience is rendered.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import redis
import redis.asyncio
from django.conf import settings

logger = logging.getLogger(__name__)


def _validity() -> float:
    return 3 * settings.REALTIME_HEARTBEAT_SECONDS


def audiences_key(prefix: str, meeting_id: int) -> str:
    return f"{prefix}:realtime:audiences:{meeting_id}"


def people_key(prefix: str, meeting_id: int) -> str:
    return f"{prefix}:realtime:people:{meeting_id}"


def _fresh(values: Iterable[bytes | str | None], now: float) -> list[bool]:
    fresh = []
    for value in values:
        try:
            fresh.append(value is not None and float(value) >= now)
        except ValueError:
            fresh.append(False)
    return fresh


@dataclass
class Held:
    """What a meeting's sockets hold, as the publisher reads it for one event."""

    audiences: frozenset[str]
    client: redis.Redis | None = None
    prefix: str = ""
    meeting_id: int = 0
    # Person keys already looked up, and whether they are held.
    _people: dict[str, bool] = field(default_factory=dict)

    def people(self, keys: Iterable[str]) -> set[str]:
        """Which of these person keys have a socket on the meeting (one HMGET)."""
        keys = list(keys)
        wanted = [key for key in dict.fromkeys(keys) if key not in self._people]
        if wanted and self.client is not None:
            values = self.client.hmget(people_key(self.prefix, self.meeting_id), wanted)
            for key, fresh in zip(wanted, _fresh(values, time.time()), strict=True):
                self._people[key] = fresh
        return {key for key in keys if self._people.get(key)}


def held(client: redis.Redis, prefix: str, meeting_id: int, people: Iterable[str] = ()) -> Held:
    """The meeting's audiences held now, and whether these person keys are (the people the
    event names), in one round trip; other people are looked up when asked for."""
    people = list(dict.fromkeys(people))
    with client.pipeline(transaction=False) as pipe:
        pipe.hgetall(audiences_key(prefix, meeting_id))
        if people:
            pipe.hmget(people_key(prefix, meeting_id), people)
        replies = pipe.execute()
    now = time.time()
    values: dict[bytes, bytes] = replies[0]
    fresh = _fresh(values.values(), now)
    audiences = frozenset(key.decode() for key, ok in zip(values, fresh, strict=True) if ok)
    result = Held(audiences=audiences, client=client, prefix=prefix, meeting_id=meeting_id)
    if people:
        result._people.update(zip(people, _fresh(replies[1], now), strict=True))
    return result


class Registry:
    """One server process's writes: which keys it holds, per meeting, and when it last wrote
    each. It writes a key again only when a heartbeat has passed, so that the sockets of one
    audience connecting at once cost one write, not one each."""

    def __init__(self, url: str, prefix: str) -> None:
        self.client: Any = redis.asyncio.Redis.from_url(url)
        self.prefix = prefix
        # (meeting id, "a"/"p", key) -> when this process last wrote it (time.time()).
        self.written: dict[tuple[int, str, str], float] = {}

    async def hold(self, meeting_id: int, audiences: Iterable[str], people: Iterable[str]) -> None:
        """Write the keys that this process has not written within the last heartbeat."""
        now = time.time()
        fresh_after = now - settings.REALTIME_HEARTBEAT_SECONDS
        new_audiences = [
            a for a in audiences if self.written.get((meeting_id, "a", a), 0) < fresh_after
        ]
        new_people = [p for p in people if self.written.get((meeting_id, "p", p), 0) < fresh_after]
        if not new_audiences and not new_people:
            return
        await self._write({meeting_id: (new_audiences, new_people)}, now)

    async def refresh(self, held: dict[int, tuple[set[str], set[str]]]) -> None:
        """The heartbeat's write: every key this process holds, valid for three heartbeats
        more. What it no longer holds is forgotten here, and expires in Redis."""
        now = time.time()
        self.written = {k: t for k, t in self.written.items() if k[0] in held}
        await self._write({m: (sorted(a), sorted(p)) for m, (a, p) in held.items()}, now)

    async def _write(self, keys: dict[int, tuple[list[str], list[str]]], now: float) -> None:
        until = now + _validity()
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                for meeting_id, (audiences, people) in keys.items():
                    for name, fields in (
                        (audiences_key(self.prefix, meeting_id), audiences),
                        (people_key(self.prefix, meeting_id), people),
                    ):
                        if fields:
                            pipe.hset(name, mapping=dict.fromkeys(fields, until))
                            pipe.expire(name, int(_validity()) + 1)
                await pipe.execute()
        except Exception:  # noqa: BLE001  (Redis away: those sockets' pages fetch meanwhile)
            logger.warning("Could not write which audiences this process holds.", exc_info=True)
            return
        for meeting_id, (audiences, people) in keys.items():
            for kind, fields in (("a", audiences), ("p", people)):
                for key in fields:
                    self.written[(meeting_id, kind, key)] = now


def registry() -> Registry | None:
    """This process's writer, on the Redis of the pub/sub channel layer; None without one."""
    layer = settings.CHANNEL_LAYERS.get("default", {})
    if not layer.get("BACKEND", "").endswith("RedisPubSubChannelLayer"):
        return None
    config = layer.get("CONFIG", {})
    hosts = config.get("hosts") or []
    host = hosts[0] if hosts else None
    if not isinstance(host, dict) or "address" not in host:
        return None  # Sentinel, or a host as a tuple: every audience is rendered
    return Registry(host["address"], config.get("prefix", "asgi"))

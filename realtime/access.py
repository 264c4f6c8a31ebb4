"""What realtime must learn about meetings from the domain apps, which register it in their
AppConfig.ready (the meetings app does): who may follow a meeting and with which rights, how
to read a meeting for its live regions, and who sees who is online. This keeps realtime on
the ground floor alone: it imports no domain app (docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class MeetingAccess:
    # A person's rights on a meeting (user id, meeting id), read for every socket that
    # connects; empty when they may not follow it (nor when either does not exist).
    rights: Callable[[int, int], frozenset[str]]
    # The meeting, as the live regions' loaders take it (realtime.regions).
    meeting: Callable[[int], Any]
    # Subscribers with any of these rights are told who comes online and who leaves.
    presence_rights: frozenset[str]
    # What a room display (realtime.displays) may see of a meeting (meeting id): the rights of
    # an audience the regions are rendered for, empty when no display may follow it.
    display_rights: Callable[[int], frozenset[str]] = lambda meeting_id: frozenset()


_registered: list[MeetingAccess] = []


def register(access: MeetingAccess) -> None:
    """Called once, by the app that owns meetings; a second call replaces the first."""
    _registered[:] = [access]


def meeting_access() -> MeetingAccess:
    if not _registered:
        raise ImproperlyConfigured("No app registered the meetings' access with realtime.access.")
    return _registered[0]


def subscriber_rights(user_id: int, meeting_id: int) -> frozenset[str] | None:
    """The user's rights on the meeting, or None when they may not follow it."""
    return meeting_access().rights(user_id, meeting_id) or None

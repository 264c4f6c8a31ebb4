"""Which tablets are online, shared by every server process through the database.

Presence is the realtime layer's own state, not a record of the meeting: it is written by the
socket lifecycle, not by the domain services, and it is not logged as meeting events.
"""

from __future__ import annotations

import datetime
import os
import socket

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from realtime.models import Presence

PROCESS = f"{socket.gethostname()}:{os.getpid()}"


def _fresh_since() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=3 * settings.REALTIME_HEARTBEAT_SECONDS)


def _online(meeting_id: int, user_id: int) -> bool:
    return Presence.objects.filter(
        meeting_id=meeting_id, user_id=user_id, sockets__gt=0, last_seen__gte=_fresh_since()
    ).exists()


def presence_join(meeting_id: int, user_id: int) -> bool:
    """Count a socket; True when the person was not online before."""
    with transaction.atomic():
        was_online = _online(meeting_id, user_id)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO realtime_presence (meeting_id, user_id, process, sockets, last_seen) "
                "VALUES (%s, %s, %s, 1, %s) ON CONFLICT (meeting_id, user_id, process) DO UPDATE "
                "SET sockets = realtime_presence.sockets + 1, last_seen = EXCLUDED.last_seen",
                [meeting_id, user_id, PROCESS, timezone.now()],
            )
    return not was_online


def presence_leave(meeting_id: int, user_id: int) -> bool:
    """Uncount a socket; True when the person has no socket left on any process."""
    with transaction.atomic():
        row = (
            Presence.objects.select_for_update()
            .filter(meeting_id=meeting_id, user_id=user_id, process=PROCESS)
            .first()
        )
        if row is not None:
            if row.sockets <= 1:
                row.delete()
            else:
                row.sockets -= 1
                row.save(update_fields=["sockets"])
        return not _online(meeting_id, user_id)


def presence_refresh(meeting_ids: list[int]) -> None:
    """Mark this process's sockets as still there (one query per tick)."""
    Presence.objects.filter(process=PROCESS, meeting_id__in=meeting_ids).update(
        last_seen=timezone.now()
    )


def online_user_ids(meeting_id: int) -> set[int]:
    return set(
        Presence.objects.filter(
            meeting_id=meeting_id, sockets__gt=0, last_seen__gte=_fresh_since()
        ).values_list("user_id", flat=True)
    )

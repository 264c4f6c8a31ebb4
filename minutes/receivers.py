"""The minutes follow the meetings app's signals: when a meeting closes, its draft is written;
when its attendance is corrected afterwards, the minutes take the correction."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from core.errors import ServiceError
from meetings.models import Meeting
from minutes import search_text
from minutes.services import minutes as minutes_services

logger = logging.getLogger(__name__)


def draft_when_closed(sender: type[Meeting], *, meeting: Meeting, actor: User, **_: Any) -> None:
    """Draft the minutes in the closing transaction, as the person who closed the meeting.

    The draft is written in a savepoint: if it fails, the meeting still closes and the
    secretary drafts from the minutes page. Closing a meeting matters more than its draft."""
    try:
        with transaction.atomic():
            minutes_services.minutes_draft(actor=actor, meeting=meeting)
    except (ServiceError, PermissionDenied) as error:
        logger.warning("Minutes of meeting %s not drafted on closing: %s", meeting.pk, error)
    except Exception:  # noqa: BLE001  (any failure of the draft must not undo the close)
        logger.exception("Minutes of meeting %s could not be drafted on closing.", meeting.pk)


def follow_attendance(sender: type[Meeting], *, meeting: Meeting, actor: User, **_: Any) -> None:
    """Not contained: a refusal (the minutes are approved) undoes the correction."""
    minutes_services.minutes_attendance_follow(actor=actor, meeting=meeting)


def sqlite_functions(sender: Any, *, connection: BaseDatabaseWrapper, **_: Any) -> None:
    """The archive's word comparison on SQLite (`make run`), which has no text search."""
    if connection.vendor == "sqlite":
        search_text.register_sqlite_functions(connection.connection)

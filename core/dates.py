"""Times as the project writes them into event payloads, exports and minutes."""

from __future__ import annotations

import datetime

from django.utils import timezone


def iso(moment: datetime.datetime | None) -> str | None:
    """ISO 8601 as stored (UTC), for event payloads that pages turn into their own time."""
    return moment.isoformat() if moment else None


def local_iso(moment: datetime.datetime | None) -> str | None:
    """ISO 8601 in the site's time zone, as the minutes and exports state it."""
    return timezone.localtime(moment).isoformat() if moment else None

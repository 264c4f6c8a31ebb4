"""The documents follow the meetings app's signals: when a meeting closes, its confidential and
secret papers are handed back."""

from __future__ import annotations

from typing import Any

from documents import services
from meetings.models import Meeting


def hand_back_confidential(sender: type[Meeting], *, meeting: Meeting, **_: Any) -> None:
    """Everyone but the secretariat loses access to the closed meeting's confidential and
    secret papers (DOCUMENTS_REVOKE_CONFIDENTIAL_ON_CLOSE).

    Unlike the minutes' draft, this runs without a savepoint of its own: if the papers cannot
    be handed back, the close fails with it, rather than leave them readable after the meeting."""
    if services.revoke_on_close_enabled():
        services.confidential_access_revoke(meeting=meeting)

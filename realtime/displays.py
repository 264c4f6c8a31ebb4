"""Room displays' tokens: how one is made and how a page or a socket that presents one is
checked. A display follows a meeting with the rights the meetings app gives displays
(realtime.access): at most a plain member's, with `realtime.regions.DISPLAY`, which makes it an
audience of its own that receives only the big screen's regions and nothing that is anyone's
own. The secretariat's services (meetings.services) write the tokens."""

from __future__ import annotations

import hashlib
import secrets

from realtime.access import meeting_access
from realtime.models import DisplayToken


def new_token() -> tuple[str, str]:
    """A new token and the digest that is kept of it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def display_of(token: str, meeting_id: int | None = None) -> DisplayToken | None:
    """The live display this token opens (on this meeting, when one is named); None for a
    wrong, revoked or empty token alike."""
    if not token:
        return None
    displays = DisplayToken.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
    if meeting_id is not None:
        displays = displays.filter(meeting_id=meeting_id)
    return displays.first()


def display_rights(display_id: int, meeting_id: int) -> frozenset[str] | None:
    """What a display may see of the meeting, or None when it may not follow it (its token was
    revoked, or the meeting is one that members do not see)."""
    live = DisplayToken.objects.filter(
        pk=display_id, meeting_id=meeting_id, revoked_at__isnull=True
    ).exists()
    return (meeting_access().display_rights(meeting_id) or None) if live else None

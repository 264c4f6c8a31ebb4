"""Who may read the audit trail: holders of `audit.view_entry` (the Secretariat group, given it
by migration 0003) and superusers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

VIEW_TRAIL = "audit.view_entry"


def can_view_trail(user: User | AnonymousUser) -> bool:
    return user.is_active and user.has_perm(VIEW_TRAIL)


def access_trail(user: User | AnonymousUser) -> None:
    # The page does not exist for others: missing and forbidden look the same.
    if not can_view_trail(user):
        raise Http404("No such page.")


def page_header(user: User | AnonymousUser) -> dict[str, Any]:
    """Whether the header links to the trail (registered with core.pages)."""
    return {"nav_audit": can_view_trail(user)}

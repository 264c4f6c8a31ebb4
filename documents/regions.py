"""The packet page as a live region. Which papers a person may read is theirs alone (object
permissions per paper): the packet is a personal region, rendered only for the people an event
concerns, and a paper's title never travels in a region anyone else receives.

The view renders the page from the same context function (realtime.regions).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.template.loader import render_to_string
from guardian.shortcuts import get_users_with_perms

from agendas.regions import STRUCTURE_EVENTS
from documents import permissions, selectors
from documents.models import Document
from meetings import regions as meeting_regions
from meetings.models import Meeting
from realtime import regions

# Changes that every reader's packet shows: its publication, the agenda it follows, the papers
# handed back at the close.
PACKET_EVENTS = (
    "documents.packet_published",
    "documents.packet_unpublished",
    "documents.confidential_revoked",
    *STRUCTURE_EVENTS,
)
# Changes of one paper or of who may read it: only those who may read it see them.
PAPER_EVENTS = (
    "documents.document_created",
    "documents.document_replaced",
    "documents.document_changed",
    "documents.document_deleted",
    "documents.access_granted",
    "documents.access_revoked",
)


def packet_context(meeting: Meeting, user: User | AnonymousUser) -> dict[str, Any]:
    return {"meeting": meeting, "overview": selectors.packet_overview(meeting, user)}


def managers(meeting: Meeting) -> set[int]:
    """The secretariat: they see every paper, published or not."""
    users = get_users_with_perms(
        meeting, only_with_perms_in=["manage_meeting"], with_group_users=True
    )
    return _ids(users)


def _readers(meeting: Meeting, payload: dict[str, Any]) -> Iterable[int]:
    return {*meeting_regions.everyone(meeting), *managers(meeting)}


def _concerned(meeting: Meeting, payload: dict[str, Any]) -> Iterable[int]:
    """Who sees a change of one paper: before the packet is published, the secretariat; then
    those the event names, or those who may read the paper (everyone, when its classification
    changed and with it who may read it)."""
    secretariat = managers(meeting)
    if not permissions.packet_published(meeting):
        return secretariat
    if "user" in payload:
        return {payload["user"]}
    if "role" in payload or "classification" in payload.get("fields", []):
        return _readers(meeting, payload)
    document_id = payload.get("document")
    document = (
        Document.objects.filter(meeting=meeting, pk=document_id).first() if document_id else None
    )
    if document is None:
        return secretariat
    readers = get_users_with_perms(
        document, only_with_perms_in=["view_document"], with_group_users=True
    )
    return secretariat | _ids(readers)


def _ids(users: Any) -> set[int]:
    """The ids of the users guardian lists (its return type depends on its options)."""
    return {user.pk for user in users}


def _load(meeting: Meeting, user_ids: set[int], payload: dict[str, Any]) -> dict[int, Any]:
    return {user.pk: packet_context(meeting, user) for user in User.objects.filter(pk__in=user_ids)}


def _packet(context: dict[str, Any]) -> dict[str, str]:
    return {"packet": render_to_string("documents/_packet.html", context)}


def register() -> None:
    regions.register_personal(
        regions.PersonalRegion(
            "packet",
            on=(),
            on_everyone=PACKET_EVENTS,
            everyone=_readers,
            load=_load,
            render=_packet,
        )
    )
    regions.register_personal(
        regions.PersonalRegion(
            "packet-papers",
            on=(),
            on_everyone=PAPER_EVENTS,
            everyone=_concerned,
            load=_load,
            render=_packet,
        )
    )

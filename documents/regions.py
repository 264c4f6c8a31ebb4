"""The packet page as a live region. Which papers a person may read is theirs alone (object
permissions per paper): the packet is a personal region, rendered only for the people an event
concerns, and a paper's title never travels in a region anyone else receives.

The view renders the page from the same context function (realtime.regions).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.template.loader import render_to_string
from guardian.shortcuts import get_users_with_perms

from agendas.regions import STRUCTURE_EVENTS
from documents import permissions, selectors
from documents.models import Document, Presentation
from meetings import permissions as meeting_permissions
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
    return _context(selectors.packet_overview(meeting, user))


def _context(overview: selectors.PacketOverview) -> dict[str, Any]:
    return {"meeting": overview.meeting, "overview": overview}


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


def readers_of(document: Document) -> set[int]:
    """Everyone who may read the paper now (three queries and one, for a whole assembly)."""
    meeting = document.meeting
    rights = meeting_permissions.meeting_rights_of(
        meeting, {*meeting_regions.everyone(meeting), *managers(meeting)}
    )
    held = permissions.readers_document_rights(meeting, [document], rights)
    return {
        user_id
        for user_id, documents in held.items()
        if permissions.VIEW_DOCUMENT in documents[document.pk]
    }


def presenting_state(presentation: Presentation | None) -> tuple[int, int] | None:
    """The paper and page the presenter shows, as the `presenting` region draws it."""
    return (presentation.document_id, presentation.page) if presentation else None


def presenting_html(state: tuple[int, int] | None) -> str:
    return render_to_string("documents/_presenting.html", {"presenting": state})


def _load_presenting(
    meeting: Meeting, user_ids: set[int], payload: dict[str, Any]
) -> dict[int, Any]:
    state = presenting_state(Presentation.objects.filter(meeting=meeting).first())
    return dict.fromkeys(user_ids, state)


def _ids(users: Any) -> set[int]:
    """The ids of the users guardian lists (its return type depends on its options)."""
    return {user.pk for user in users}


@dataclass(frozen=True)
class PacketState:
    """A person's packet, equal for people who see the same papers with the same rights and
    have opened the same versions: they share one rendering."""

    state: Hashable
    overview: selectors.PacketOverview = field(compare=False)

    @classmethod
    def of(cls, overview: selectors.PacketOverview) -> PacketState:
        entries = tuple((e.document.pk, e.rights, e.read_version) for e in overview.entries)
        return cls((overview.manager, bool(overview.rows), entries), overview)


def _load(meeting: Meeting, user_ids: set[int], payload: dict[str, Any]) -> dict[int, Any]:
    overviews = selectors.packet_overviews(meeting, user_ids)
    return {user_id: PacketState.of(overview) for user_id, overview in overviews.items()}


def _packet(packet: PacketState) -> dict[str, str]:
    return {"packet": render_to_string("documents/_packet.html", _context(packet.overview))}


def register() -> None:
    regions.register_personal(
        regions.PersonalRegion(
            "packet",
            on=(),
            on_everyone=PACKET_EVENTS,
            everyone=_readers,
            load=_load,
            render=_packet,
            by_state=True,
        )
    )
    # The page the presenter shows: to those who may read the paper (the event's `people`).
    regions.register_personal(
        regions.PersonalRegion(
            "presenting",
            on=("documents.page_shown",),
            on_everyone=(),
            everyone=lambda meeting, payload: (),
            load=_load_presenting,
            render=lambda state: {"presenting": presenting_html(state)},
            by_state=True,
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
            by_state=True,
        )
    )

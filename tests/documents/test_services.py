"""The secretariat's changes to documents and who may read them, each with its event."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from agendas import services as agenda_services
from audit import trail
from audit.models import Entry
from core.errors import ServiceError
from documents import permissions, selectors, services
from documents.models import Access, Document, DocumentVersion, Packet
from documents.permissions import ANNOTATE_DOCUMENT, DOWNLOAD_DOCUMENT, VIEW_DOCUMENT
from meetings.models import Membership
from realtime.models import MeetingEvent
from tests.agendas.conftest import event_types, last_event
from tests.conftest import Personas, plan_meeting
from tests.documents.conftest import (
    Board,
    add_document,
    close_meeting,
    pdf_bytes,
    publish_packet,
    stored_files,
    upload,
)

C = Document.Classification
Capture = Any
ALL = frozenset({VIEW_DOCUMENT, DOWNLOAD_DOCUMENT, ANNOTATE_DOCUMENT})


def rights(board: Board, document: Document, user: Any = None) -> frozenset[str]:
    document = Document.objects.select_related("meeting__packet").get(pk=document.pk)
    return permissions.document_rights(user or board.member, document)


# Creating, replacing, editing, deleting


def test_the_secretariat_adds_a_document_for_an_agenda_item(
    board: Board, media: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        document = add_document(board, title="Draft budget 2027")
    version = document.versions.get()
    assert (document.meeting, document.agenda_item, document.title) == (
        board.meeting,
        board.budget,
        "Draft budget 2027",
    )
    assert (version.number, version.pages, len(version.page_digests)) == (1, 3, 3)
    assert version.uploaded_by == board.secretary
    assert len(stored_files(media)) == 1
    # The title is nowhere in the event, and only the secretariat sees it before the packet.
    event = last_event(board.meeting)
    assert (event.type, event.restricted_to) == (
        "documents.document_created",
        "meetings.manage_meeting",
    )
    assert event.payload == {"document": document.pk, "version": 1}
    # Members do not see papers before the packet is published.
    assert rights(board, document) == frozenset()
    assert rights(board, document, board.secretary) == ALL


def test_only_the_secretariat_adds_documents(board: Board, media: Path) -> None:
    for actor in (board.member, board.personas.chair):
        with pytest.raises(PermissionDenied):
            services.document_create(
                actor=actor, meeting=board.meeting, file=upload(pdf_bytes(1)), title="Memo"
            )
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_the_agenda_item_must_belong_to_the_meeting(board: Board, committee: Personas) -> None:
    other = plan_meeting(committee, starts_in=datetime.timedelta(days=9))
    foreign = agenda_services.agenda_item_create(
        actor=committee.secretary, meeting=other, title="Elsewhere"
    )
    with pytest.raises(ServiceError) as refusal:
        add_document(board, item=foreign)
    assert refusal.value.field == "agenda_item"


def test_a_document_added_after_publication_reaches_the_attendees_at_once(
    board: Board, django_capture_on_commit_callbacks: Capture
) -> None:
    publish_packet(board.meeting)
    with django_capture_on_commit_callbacks(execute=True):
        document = add_document(board, classification=C.CONFIDENTIAL)
    assert rights(board, document) == ALL
    # The id goes to the secretariat; readers see the paper in their own packet region.
    event = last_event(board.meeting)
    assert (event.type, event.restricted_to) == (
        "documents.document_created",
        "meetings.manage_meeting",
    )
    assert "title" not in event.payload


def test_the_event_log_never_tells_a_member_of_a_paper_they_may_not_read(board: Board) -> None:
    """The log gave members the id of every paper created, replaced or changed after the
    packet went out, and the packet's count of papers, readable or not."""
    sanctions = add_document(board, title="Sanctions list", classification=C.CONFIDENTIAL)
    services.document_revoke(
        actor=board.secretary, document=sanctions, rights=["view"], user=board.member
    )
    agenda_services.agenda_publish(actor=board.secretary, meeting=board.meeting)
    services.packet_publish(actor=board.secretary, meeting=board.meeting)
    services.document_replace(actor=board.secretary, document=sanctions, file=upload(pdf_bytes(2)))
    services.document_edit(actor=board.secretary, document=sanctions, kind="other")
    hidden = add_document(board, title="Annex", classification=C.SECRET)
    services.document_revoke(
        actor=board.secretary, document=hidden, rights=["view"], user=board.member
    )

    client = Client()
    client.force_login(board.member)
    log = client.get(f"/api/v1/meetings/{board.meeting.pk}/events/?since=0").json()["events"]
    told = [e for e in log if not e.get("restricted")]
    assert [e["event"] for e in told if e["event"].startswith("documents.")] == [
        "documents.packet_published"
    ]
    assert (
        "documents" not in next(e for e in told if e["event"].startswith("documents."))["payload"]
    )
    # What the member may not see says neither what happened nor to what.
    assert all(e["event"] is None and e["payload"] is None for e in log if e.get("restricted"))


def test_a_new_version_keeps_the_earlier_ones(
    board: Board, media: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    document = add_document(board)
    with django_capture_on_commit_callbacks(execute=True):
        version = services.document_replace(
            actor=board.secretary, document=document, file=upload(pdf_bytes(5))
        )
    assert [v.number for v in document.versions.all()] == [1, 2]
    assert (version.number, version.pages) == (2, 5)
    assert len(stored_files(media)) == 2
    event = last_event(board.meeting)
    assert (event.type, event.payload) == (
        "documents.document_replaced",
        {"document": document.pk, "version": 2},
    )


def test_members_cannot_replace_or_edit(board: Board) -> None:
    publish_packet(board.meeting)
    document = add_document(board)
    with pytest.raises(PermissionDenied):
        services.document_replace(actor=board.member, document=document, file=upload(pdf_bytes()))
    with pytest.raises(PermissionDenied):
        services.document_edit(actor=board.member, document=document, title="Mine now")
    assert document.versions.count() == 1


def test_reclassifying_moves_the_default_rights(
    board: Board, django_capture_on_commit_callbacks: Capture
) -> None:
    publish_packet(board.meeting)
    document = add_document(board, classification=C.INTERNAL)
    with django_capture_on_commit_callbacks(execute=True):
        services.document_edit(actor=board.secretary, document=document, classification=C.SECRET)
    assert rights(board, document) == {VIEW_DOCUMENT, ANNOTATE_DOCUMENT}
    event = last_event(board.meeting)
    assert (event.type, event.payload) == (
        "documents.document_changed",
        {"document": document.pk, "fields": ["classification"]},
    )
    services.document_edit(actor=board.secretary, document=document, classification=C.PUBLIC)
    assert rights(board, document) == ALL


def test_editing_moves_a_document_to_another_item(board: Board) -> None:
    document = add_document(board)
    edited = services.document_edit(
        actor=board.secretary, document=document, agenda_item=board.audit, title=" Audit report "
    )
    assert (edited.agenda_item, edited.title) == (board.audit, "Audit report")
    with pytest.raises(ServiceError):
        services.document_edit(actor=board.secretary, document=document, title="  ")
    with pytest.raises(ServiceError):
        services.document_edit(actor=board.secretary, document=document, meeting=None)


def test_a_document_is_deleted_with_its_files_before_publication(
    board: Board, media: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    document = add_document(board)
    services.document_replace(actor=board.secretary, document=document, file=upload(pdf_bytes()))
    # The secretariat read it once: that record goes with it.
    services.version_open(
        reader=board.secretary,
        version=document.versions.first(),  # type: ignore[arg-type]
        action=Access.Action.VIEW,
        session_key="abc",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(actor=board.secretary, document=document)
    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()
    assert stored_files(media) == []
    event = last_event(board.meeting)
    assert (event.type, event.restricted_to, event.payload) == (
        "documents.document_deleted",
        "meetings.manage_meeting",
        {"document": document.pk},
    )


def test_a_published_document_belongs_to_the_record(board: Board, media: Path) -> None:
    document = add_document(board)
    publish_packet(board.meeting)
    with pytest.raises(ServiceError, match="belongs to the record"):
        services.document_delete(actor=board.secretary, document=document)
    assert Document.objects.filter(pk=document.pk).exists()
    assert len(stored_files(media)) == 1


# Grants


def test_access_is_revoked_and_granted_per_person(
    board: Board, django_capture_on_commit_callbacks: Capture
) -> None:
    publish_packet(board.meeting)
    document = add_document(board, classification=C.CONFIDENTIAL)
    with django_capture_on_commit_callbacks(execute=True):
        services.document_revoke(
            actor=board.secretary, document=document, rights=["view"], user=board.member
        )
    assert rights(board, document) == frozenset()
    assert rights(board, document, board.other_member) == ALL
    event = last_event(board.meeting)
    assert (event.type, event.restricted_to, event.payload) == (
        "documents.access_revoked",
        "meetings.manage_meeting",
        {
            "document": document.pk,
            "user": board.member.pk,
            "rights": ["annotate", "download", "view"],
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.document_grant(
            actor=board.secretary, document=document, rights=["download"], user=board.member
        )
    assert rights(board, document) == {VIEW_DOCUMENT, DOWNLOAD_DOCUMENT}
    event = last_event(board.meeting)
    assert (event.type, event.restricted_to, event.payload) == (
        "documents.access_granted",
        "meetings.manage_meeting",
        {"document": document.pk, "user": board.member.pk, "rights": ["download", "view"]},
    )


def test_access_is_granted_per_role(
    board: Board, django_capture_on_commit_callbacks: Capture
) -> None:
    publish_packet(board.meeting)
    document = add_document(board)
    for user in (board.member, board.other_member):
        services.document_revoke(
            actor=board.secretary, document=document, rights=["view"], user=user
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.document_grant(
            actor=board.secretary, document=document, rights=["view"], role=Membership.Role.MEMBER
        )
    assert rights(board, document) == {VIEW_DOCUMENT}
    assert rights(board, document, board.other_member) == {VIEW_DOCUMENT}
    event = last_event(board.meeting)
    assert event.type == "documents.access_granted"
    assert event.payload["role"] == "member"
    services.document_revoke(
        actor=board.secretary, document=document, rights=["view"], role=Membership.Role.MEMBER
    )
    assert rights(board, document) == frozenset()


def test_a_secret_document_is_never_downloadable(board: Board) -> None:
    publish_packet(board.meeting)
    document = add_document(board, classification=C.SECRET)
    services.document_grant(
        actor=board.secretary, document=document, rights=["download"], user=board.member
    )
    assert rights(board, document) == {VIEW_DOCUMENT, ANNOTATE_DOCUMENT}
    assert DOWNLOAD_DOCUMENT not in rights(board, document, board.secretary)


def test_only_attendees_and_body_members_receive_access(board: Board, outsider: Any) -> None:
    document = add_document(board)
    with pytest.raises(ServiceError) as refusal:
        services.document_grant(
            actor=board.secretary, document=document, rights=["view"], user=outsider
        )
    assert refusal.value.field == "user"
    with pytest.raises(ServiceError):
        services.document_grant(
            actor=board.secretary, document=document, rights=["print"], role="member"
        )
    with pytest.raises(PermissionDenied):
        services.document_grant(
            actor=board.member, document=document, rights=["view"], user=board.other_member
        )


# Handing back confidential papers when the meeting closes


def test_closing_the_meeting_hands_back_confidential_papers(
    board: Board, django_capture_on_commit_callbacks: Capture
) -> None:
    publish_packet(board.meeting)
    internal = add_document(board, classification=C.INTERNAL, title="Agenda notes")
    confidential = add_document(board, classification=C.CONFIDENTIAL, title="Audit findings")
    secret = add_document(board, classification=C.SECRET, title="Personnel")
    services.document_grant(
        actor=board.secretary, document=confidential, rights=["view"], role=Membership.Role.CHAIR
    )
    with django_capture_on_commit_callbacks(execute=True):
        close_meeting(board)
    assert rights(board, confidential) == frozenset()
    assert rights(board, secret) == frozenset()
    assert rights(board, confidential, board.personas.chair) == frozenset()
    assert rights(board, internal) == ALL
    assert rights(board, confidential, board.secretary) == ALL
    assert Packet.objects.get(meeting=board.meeting).confidential_revoked_at is not None
    # The hand-back follows the close (the minutes' draft, announced in the same closing, may
    # come after it).
    types = event_types(board.meeting)
    assert types[types.index("meetings.meeting_closed") + 1] == "documents.confidential_revoked"
    revoked = MeetingEvent.objects.get(meeting=board.meeting, type="documents.confidential_revoked")
    assert revoked.payload == {"documents": [confidential.pk, secret.pk]}
    # A paper made confidential afterwards is handed back too; one added later is not given out.
    services.document_edit(actor=board.secretary, document=internal, classification=C.CONFIDENTIAL)
    assert rights(board, internal) == frozenset()
    late = add_document(board, classification=C.CONFIDENTIAL, title="Late annex")
    assert rights(board, late) == frozenset()


@override_settings(DOCUMENTS_REVOKE_CONFIDENTIAL_ON_CLOSE=False)
def test_handing_back_can_be_turned_off(board: Board) -> None:
    publish_packet(board.meeting)
    confidential = add_document(board, classification=C.CONFIDENTIAL)
    close_meeting(board)
    assert rights(board, confidential) == ALL
    assert "documents.confidential_revoked" not in event_types(board.meeting)


# Reading leaves a record


def test_every_view_and_download_is_recorded(board: Board) -> None:
    publish_packet(board.meeting)
    document = add_document(board)
    version = document.versions.get()
    copy = services.version_open(
        reader=board.member, version=version, action=Access.Action.DOWNLOAD, session_key="s3ss10n"
    )
    assert not copy.stamped
    access = copy.access
    assert (access.user, access.version, access.action, access.copy_id) == (
        board.member,
        version,
        "download",
        None,
    )
    assert access.session and "s3ss10n" not in access.session
    services.version_open(
        reader=board.member, version=version, action=Access.Action.VIEW, session_key="s3ss10n"
    )
    assert Access.objects.filter(user=board.member).count() == 2


def test_a_confidential_copy_carries_a_recorded_copy_id(board: Board) -> None:
    publish_packet(board.meeting)
    version = add_document(board, classification=C.CONFIDENTIAL).versions.get()
    first = services.version_open(
        reader=board.member, version=version, action=Access.Action.DOWNLOAD, session_key=None
    )
    second = services.version_open(
        reader=board.member, version=version, action=Access.Action.VIEW, session_key=None
    )
    assert first.stamped and second.stamped
    assert first.access.copy_id and second.access.copy_id
    assert first.access.copy_id != second.access.copy_id


def test_a_secret_document_is_viewed_stamped_and_never_downloaded(board: Board) -> None:
    publish_packet(board.meeting)
    version = add_document(board, classification=C.SECRET).versions.get()
    with pytest.raises(PermissionDenied):
        services.version_open(
            reader=board.member, version=version, action=Access.Action.DOWNLOAD, session_key=None
        )
    view = services.version_open(
        reader=board.member, version=version, action=Access.Action.VIEW, session_key=None
    )
    assert view.stamped
    assert not Access.objects.filter(action=Access.Action.DOWNLOAD).exists()


# Reads


def test_the_list_reads_in_a_fixed_number_of_queries(board: Board) -> None:
    publish_packet(board.meeting)
    add_document(board, item=board.audit)

    def count(user: Any) -> int:
        with CaptureQueriesContext(connection) as queries:
            rows = selectors.document_list_for_user(board.meeting, user)
        assert rows
        return len(queries)

    # The first read fills Django's caches (content types, the meeting's packet).
    count(board.member)
    one = {user.pk: count(user) for user in (board.member, board.secretary)}
    for index in range(4):
        add_document(board, title=f"Annex {index}", item=board.budget)
    assert {user.pk: count(user) for user in (board.member, board.secretary)} == one
    assert [
        row.document.agenda_item
        for row in selectors.document_list_for_user(board.meeting, board.member)
    ] == [board.budget] * 4 + [board.audit]


def test_an_agenda_item_with_papers_is_not_deleted_under_them(board: Board) -> None:
    document = add_document(board, item=board.audit)
    with pytest.raises(ServiceError, match="Papers or other records"):
        agenda_services.agenda_item_delete(actor=board.secretary, item=board.audit)
    services.document_edit(actor=board.secretary, document=document, agenda_item=None)
    agenda_services.agenda_item_delete(actor=board.secretary, item=board.audit)
    document.refresh_from_db()
    assert document.agenda_item is None


def test_closing_a_meeting_without_confidential_papers_announces_nothing(board: Board) -> None:
    publish_packet(board.meeting)
    add_document(board, classification=C.INTERNAL)
    close_meeting(board)
    assert "documents.confidential_revoked" not in event_types(board.meeting)
    assert Packet.objects.get(meeting=board.meeting).confidential_revoked_at is not None


# The audit trail


def trail_of(document: Document) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The paper's entries, but for the default rights given when it was filed."""
    return [
        (entry.action, entry.actor_name, entry.person_name, entry.details)
        for entry in Entry.objects.filter(document_id=document.pk).order_by("seq")
        if not entry.details.get("default")
    ]


def test_the_readers_given_a_confidential_paper_are_in_the_audit_trail(board: Board) -> None:
    publish_packet(board.meeting)
    confidential = add_document(board, classification=C.CONFIDENTIAL)
    internal = add_document(board, classification=C.INTERNAL, title="Minutes of the last one")
    readers = permissions.default_readers(board.meeting)
    entries = Entry.objects.filter(document_id=confidential.pk, action=Entry.Action.ACCESS_GRANTED)
    assert sorted(entry.person_id for entry in entries) == sorted(user.pk for user in readers)
    assert {entry.actor_name for entry in entries} == {board.secretary.username}
    assert entries[0].details == {"rights": ["annotate", "download", "view"], "default": True}
    assert not Entry.objects.filter(document_id=internal.pk).exists()


def test_reading_a_confidential_paper_is_in_the_audit_trail(board: Board) -> None:
    publish_packet(board.meeting)
    version = add_document(board, classification=C.CONFIDENTIAL).versions.get()
    download = services.version_open(
        reader=board.member, version=version, action=Access.Action.DOWNLOAD, session_key=None
    )
    services.version_open(
        reader=board.member, version=version, action=Access.Action.VIEW, session_key=None
    )
    member = board.member.username
    assert [(action, actor) for action, actor, _person, _details in trail_of(version.document)] == [
        (Entry.Action.DOCUMENT_DOWNLOADED, member),
        (Entry.Action.DOCUMENT_VIEWED, member),
    ]
    first = (
        Entry.objects.filter(
            document_id=version.document_id, action=Entry.Action.DOCUMENT_DOWNLOADED
        )
        .order_by("seq")
        .first()
    )
    assert first is not None and first.meeting_id == board.meeting.pk
    assert first.details == {"version": 1, "copy": str(download.access.copy_id)}
    assert trail.verify().intact


def test_reading_an_internal_paper_leaves_the_read_receipt_only(board: Board) -> None:
    publish_packet(board.meeting)
    version = add_document(board, classification=C.INTERNAL).versions.get()
    services.version_open(
        reader=board.member, version=version, action=Access.Action.VIEW, session_key=None
    )
    assert Access.objects.filter(version=version).exists()
    assert trail_of(version.document) == []


def test_rights_given_and_taken_back_are_in_the_audit_trail(board: Board) -> None:
    publish_packet(board.meeting)
    document = add_document(board, classification=C.CONFIDENTIAL)
    services.document_revoke(
        actor=board.secretary, document=document, rights=["view"], user=board.member
    )
    services.document_grant(
        actor=board.secretary, document=document, rights=["view"], role=Membership.Role.MEMBER
    )
    secretary, member = board.secretary.username, board.member.username
    assert trail_of(document) == [
        (
            Entry.Action.ACCESS_REVOKED,
            secretary,
            member,
            {"rights": ["annotate", "download", "view"]},
        ),
        (Entry.Action.ACCESS_GRANTED, secretary, "", {"rights": ["view"], "role": "member"}),
    ]


def test_handing_back_confidential_papers_is_in_the_audit_trail(board: Board) -> None:
    publish_packet(board.meeting)
    document = add_document(board, classification=C.CONFIDENTIAL)
    close_meeting(board)
    entry = Entry.objects.get(action=Entry.Action.HANDED_BACK, meeting_id=board.meeting.pk)
    assert entry.details == {"documents": [document.pk]}
    assert entry.actor_id is None

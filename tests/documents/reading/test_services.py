"""The packet's publication and members' notes, through the services: who may, what the
database holds afterwards, the event members' tablets receive and the e-mail they get."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from guardian.shortcuts import remove_perm

from core.errors import ServiceError
from documents import permissions, selectors, services
from documents.models import Note, Packet
from meetings import services as meeting_services
from meetings.models import Meeting
from tests.agendas.conftest import last_event
from tests.conftest import Personas, plan_meeting
from tests.documents.reading.conftest import Papers, add_document, add_version

# Publication


def test_publishing_the_packet_lets_the_attendees_read_and_tells_them(
    government: Personas,
    papers: Papers,
    django_capture_on_commit_callbacks: pytest.FixtureRequest,
) -> None:
    member = government.members[0]
    assert permissions.document_rights(member, papers.budget_report) == frozenset()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        packet = services.packet_publish(actor=government.secretary, meeting=papers.meeting)
    assert packet.is_published and packet.published_by == government.secretary
    event = last_event(papers.meeting)
    assert event.type == "documents.packet_published"
    assert event.restricted_to == ""
    # No count: it would tell members of papers they may not read.
    assert set(event.payload) == {"published_at"}
    assert "Budget report" not in str(event.payload)
    papers.meeting.refresh_from_db()
    budget = permissions.access_document(member, papers.budget_report.pk)
    assert permissions.document_rights(member, budget) == {
        permissions.VIEW_DOCUMENT,
        permissions.DOWNLOAD_DOCUMENT,
        permissions.ANNOTATE_DOCUMENT,
    }
    annex = permissions.access_document(member, papers.decree_annex.pk)
    assert permissions.document_rights(member, annex) == {
        permissions.VIEW_DOCUMENT,
        permissions.ANNOTATE_DOCUMENT,
    }
    invited = {user.email for user in government.voters + [government.secretary]}
    assert {message.to[0] for message in mail.outbox} == invited
    assert mail.outbox[0].subject == "Meeting papers: Regular Government meeting"
    assert f"/meetings/{papers.meeting.pk}/packet/" in mail.outbox[0].body
    # The mail names no document: titles may be confidential.
    assert "Revenue estimates" not in mail.outbox[0].body


def test_only_the_secretariat_publishes_the_packet(government: Personas, papers: Papers) -> None:
    for actor in (government.chair, government.members[0]):
        with pytest.raises(PermissionDenied):
            services.packet_publish(actor=actor, meeting=papers.meeting)
    assert not Packet.objects.filter(meeting=papers.meeting, published_at__isnull=False).exists()


def test_the_packet_needs_a_scheduled_meeting_its_agenda_and_a_document(
    government: Personas, media_root: object
) -> None:
    from agendas import services as agenda_services

    draft = plan_meeting(government, starts_in=__import__("datetime").timedelta(days=5))
    with pytest.raises(ServiceError, match="Schedule the meeting first"):
        services.packet_publish(actor=government.secretary, meeting=draft)
    meeting = meeting_services.meeting_schedule(actor=government.secretary, meeting=draft)
    item = agenda_services.agenda_item_create(
        actor=government.secretary, meeting=meeting, title="Budget"
    )
    with pytest.raises(ServiceError, match="Publish the agenda first"):
        services.packet_publish(actor=government.secretary, meeting=meeting)
    agenda_services.agenda_publish(actor=government.secretary, meeting=meeting)
    with pytest.raises(ServiceError, match="Add at least one document"):
        services.packet_publish(actor=government.secretary, meeting=meeting)
    add_document(meeting, "Budget", item=item)
    services.packet_publish(actor=government.secretary, meeting=meeting)
    with pytest.raises(ServiceError, match="already published"):
        services.packet_publish(actor=government.secretary, meeting=meeting)


def test_withdrawing_the_packet_hides_the_papers_until_it_is_published_again(
    government: Personas, packet: Papers
) -> None:
    member = government.members[0]
    services.packet_unpublish(actor=government.secretary, meeting=packet.meeting)
    assert last_event(packet.meeting).type == "documents.packet_unpublished"
    packet.meeting.refresh_from_db()
    with pytest.raises(Exception, match="No such document"):
        permissions.access_document(member, packet.budget_report.pk)
    with pytest.raises(ServiceError, match="not published"):
        services.packet_unpublish(actor=government.secretary, meeting=packet.meeting)
    services.packet_publish(actor=government.secretary, meeting=packet.meeting)
    packet.meeting.refresh_from_db()
    assert permissions.access_document(member, packet.budget_report.pk)


def test_the_packet_stays_published_once_the_session_has_begun(
    government: Personas, packet: Papers
) -> None:
    from tests.conftest import check_in

    check_in(packet.meeting, government.voters[:20])
    meeting_services.meeting_start(actor=government.chair, meeting=packet.meeting)
    with pytest.raises(ServiceError, match="stays published"):
        services.packet_unpublish(actor=government.secretary, meeting=packet.meeting)


def test_many_documents_are_read_as_document_rights_reads_one(
    government: Personas, packet: Papers
) -> None:
    member = government.members[1]
    remove_perm(permissions.DOWNLOAD_DOCUMENT, member, packet.budget_report)
    remove_perm(permissions.VIEW_DOCUMENT, member, packet.decree_draft)
    for user in (member, government.members[0], government.secretary, government.chair):
        many = permissions.meeting_document_rights(user, packet.meeting, packet.all)
        for document in packet.all:
            assert many[document.pk] == permissions.document_rights(user, document), (
                user,
                document,
            )


# Notes


def test_a_note_is_kept_on_its_page_and_seen_by_its_author_only(
    government: Personas, packet: Papers
) -> None:
    author, other = government.members[0], government.members[1]
    note = services.note_add(
        actor=author, document=packet.budget_report, page=2, text="  Ask about line 4  "
    )
    assert note.text == "Ask about line 4"
    assert note.version.number == 1
    assert note.page_digest == note.version.page_digests[1]
    assert [view.note for view in selectors.note_list(packet.budget_report, author)] == [note]
    assert selectors.note_list(packet.budget_report, other) == []
    with pytest.raises(Exception, match="No such note"):
        permissions.access_note(other, packet.budget_report.pk, note.pk)
    with pytest.raises(PermissionDenied):
        services.note_edit(actor=other, note=note, text="Mine now")
    with pytest.raises(PermissionDenied):
        services.note_delete(actor=other, note=note)
    assert Note.objects.get(pk=note.pk).text == "Ask about line 4"


def test_notes_are_flagged_when_their_page_changes_in_a_new_version(
    government: Personas, packet: Papers
) -> None:
    member = government.members[0]
    document = packet.budget_report  # pages "Budget report - page 1..3"
    kept = services.note_add(actor=member, document=document, page=1, text="Fine")
    changed = services.note_add(actor=member, document=document, page=2, text="Too high")
    gone = services.note_add(actor=member, document=document, page=3, text="Typo")
    add_version(document, ["Budget report - page 1", "Budget report - page 2, revised"])
    flags = {view.note.pk: view.page_changed for view in selectors.note_list(document, member)}
    assert flags == {kept.pk: False, changed.pk: True, gone.pk: True}
    # Editing the note is reading the page again; a page that is gone stays flagged.
    services.note_edit(actor=member, note=changed, text="Lower now")
    services.note_edit(actor=member, note=gone, text="Typo (page removed)")
    flags = {view.note.pk: view.page_changed for view in selectors.note_list(document, member)}
    assert flags == {kept.pk: False, changed.pk: False, gone.pk: True}
    assert Note.objects.get(pk=changed.pk).version.number == 2


def test_bad_notes_are_refused_with_a_reason(government: Personas, packet: Papers) -> None:
    member = government.members[0]
    with pytest.raises(ServiceError, match="Write something"):
        services.note_add(actor=member, document=packet.budget_report, page=1, text="   ")
    with pytest.raises(ServiceError, match="between 1 and 3"):
        services.note_add(actor=member, document=packet.budget_report, page=4, text="Hm")
    with pytest.raises(ServiceError, match="at most 4000"):
        services.note_add(actor=member, document=packet.budget_report, page=1, text="x" * 4001)
    assert not Note.objects.exists()


def test_notes_need_the_right_to_annotate(government: Personas, packet: Papers) -> None:
    member = government.members[0]
    note = services.note_add(actor=member, document=packet.budget_report, page=1, text="Mine")
    remove_perm(permissions.ANNOTATE_DOCUMENT, member, packet.budget_report)
    with pytest.raises(PermissionDenied):
        services.note_add(actor=member, document=packet.budget_report, page=1, text="More")
    with pytest.raises(PermissionDenied):
        services.note_edit(actor=member, note=note, text="Changed")
    for outsider in (government.secretary,):
        # The secretariat may read every document, and keep notes of its own.
        services.note_add(actor=outsider, document=packet.budget_report, page=1, text="Check")


def test_a_meeting_that_is_not_published_has_no_packet_for_members(
    government: Personas, papers: Papers
) -> None:
    with pytest.raises(PermissionDenied):
        services.packet_download(actor=government.members[0], meeting=papers.meeting)
    assert papers.meeting.status == Meeting.Status.SCHEDULED


def test_publishing_again_keeps_what_the_secretariat_changed_per_person(
    government: Personas, packet: Papers
) -> None:
    member = government.members[0]
    remove_perm(permissions.VIEW_DOCUMENT, member, packet.budget_report)
    services.packet_unpublish(actor=government.secretary, meeting=packet.meeting)
    late = add_document(packet.meeting, "Late addendum", item=packet.plan.report)
    services.packet_publish(actor=government.secretary, meeting=packet.meeting)
    packet.meeting.refresh_from_db()
    rights = permissions.meeting_document_rights(member, packet.meeting, [*packet.all, late])
    assert rights[packet.budget_report.pk] == frozenset()
    assert permissions.VIEW_DOCUMENT in rights[late.pk]
    assert permissions.VIEW_DOCUMENT in rights[packet.revenue_note.pk]
    assert last_event(packet.meeting).type == "documents.packet_published"

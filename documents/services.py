"""Every change to the meeting packet and to members' notes, and the records of who read what.

Each function authorises the actor, locks what the change depends on, writes, and publishes
its event in the same transaction. Notes are private: they publish nothing, since nobody but
their author may learn of them.
"""

from __future__ import annotations

import datetime
import hashlib
import tempfile
import uuid
from dataclasses import dataclass
from typing import IO

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from agendas.permissions import agenda_of
from documents import notifications, packet, permissions, selectors, watermark
from documents.models import (
    Access,
    Document,
    DocumentUserObjectPermission,
    DocumentVersion,
    Note,
    Packet,
)
from meetings import permissions as meeting_permissions
from meetings.errors import ServiceError
from meetings.models import Meeting
from realtime import events

MAX_NOTE_LENGTH = 4000
# Meetings whose packet may be published: scheduled, or under way.
PUBLISHABLE = {Meeting.Status.SCHEDULED, Meeting.Status.IN_SESSION, Meeting.Status.ADJOURNED}


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def session_digest(session_key: str | None) -> str:
    """What the access log keeps of a session: a digest, never the key itself."""
    return hashlib.sha256(session_key.encode()).hexdigest() if session_key else ""


def _lock_packet(meeting: Meeting) -> Packet:
    """Create the packet row on first use and lock it: publishing and withdrawing the packet
    of one meeting happen one after the other, never interleaved."""
    Packet.objects.bulk_create([Packet(meeting_id=meeting.pk)], ignore_conflicts=True)
    return (
        Packet.objects.select_for_update(of=("self",))
        .select_related("meeting__body")
        .get(meeting_id=meeting.pk)
    )


# The packet


def packet_publish(*, actor: User, meeting: Meeting) -> Packet:
    """Members may read the meeting's documents from now on: the attendees (and the
    substitutes attending for them) get the rights each document's classification gives, they
    are told by e-mail, and their tablets learn of it. The packet row is locked, so that two
    publications at once grant, announce and mail only once."""
    _require(
        meeting_permissions.can_manage_meeting(actor, meeting),
        _("Only the secretariat publishes the packet."),
    )
    with transaction.atomic():
        packet_row = _lock_packet(meeting)
        meeting = packet_row.meeting
        if meeting.status not in PUBLISHABLE:
            raise ServiceError(
                _("Schedule the meeting first: members receive its packet from then on.")
                if meeting.status == Meeting.Status.DRAFT
                else _("The packet of a %s meeting cannot be published.")
                % meeting.get_status_display().lower()
            )
        if packet_row.is_published:
            raise ServiceError(_("The packet is already published."))
        agenda = agenda_of(meeting)
        if agenda is None or not agenda.is_published:
            raise ServiceError(
                _("Publish the agenda first: the packet follows its order."),
            )
        documents = list(
            Document.objects.filter(meeting=meeting, versions__isnull=False).distinct()
        )
        if not documents:
            raise ServiceError(_("Add at least one document before publishing the packet."))
        count = len(documents)
        readers = permissions.default_readers(meeting)
        if packet_row.published_by_id is not None:
            # Published before and withdrawn since: what the secretariat granted and revoked
            # per person in the meantime stands. Only the documents no reader holds a right on
            # yet (added while the packet was withdrawn) get the defaults.
            handled = set(
                DocumentUserObjectPermission.objects.filter(
                    content_object__in=documents, user__in=readers
                ).values_list("content_object_id", flat=True)
            )
            documents = [document for document in documents if document.pk not in handled]
        permissions.grant_defaults(documents, readers)
        packet_row.published_at = timezone.now()
        packet_row.published_by = actor
        packet_row.save(update_fields=["published_at", "published_by"])
        events.publish(
            meeting=meeting,
            type="documents.packet_published",
            # Titles may be confidential: the event says "fetch it", the HTTP read filters.
            payload={"published_at": _iso(packet_row.published_at), "documents": count},
        )
        meeting_id = meeting.pk
        transaction.on_commit(lambda: notifications.send_packet_published(meeting_id))
    return packet_row


def packet_unpublish(*, actor: User, meeting: Meeting) -> Packet:
    """Take the packet back before the session, for rework; members no longer see the
    documents. Their rights stay as they were, for when it is published again; `published_by`
    stays too (who published it last), which tells the next publication that it is not the
    first."""
    _require(
        meeting_permissions.can_manage_meeting(actor, meeting),
        _("Only the secretariat publishes the packet."),
    )
    with transaction.atomic():
        packet_row = _lock_packet(meeting)
        if not packet_row.is_published:
            raise ServiceError(_("The packet is not published."))
        if packet_row.meeting.status != Meeting.Status.SCHEDULED:
            raise ServiceError(_("Once the session has begun, the packet stays published."))
        packet_row.published_at = None
        packet_row.save(update_fields=["published_at"])
        events.publish(meeting=packet_row.meeting, type="documents.packet_unpublished", payload={})
    return packet_row


@dataclass(frozen=True)
class PacketFile:
    file: IO[bytes]
    filename: str
    pages: int


def packet_download(*, actor: User, meeting: Meeting, session_key: str | None = None) -> PacketFile:
    """Build this reader's packet PDF and record an access per version in it.

    Confidential documents are stamped for the reader with a copy id of their own, kept in the
    access log to trace a leaked copy back to its reader. The file is temporary: it disappears
    when closed.
    """
    rights = meeting_permissions.meeting_rights(actor, meeting)
    manager = meeting_permissions.MANAGE_MEETING in rights
    _require(
        manager
        or (meeting_permissions.VIEW_MEETING in rights and permissions.packet_published(meeting)),
        _("The packet is not published yet."),
    )
    contents = selectors.packet_contents(meeting, actor)
    reader = actor.get_full_name() or actor.username
    now = timezone.now()
    copies: dict[int, uuid.UUID] = {}
    sections = []
    for section in contents:
        papers = []
        for paper in section.papers:
            stamp: list[str] = []
            if paper.included and paper.document.classification == (
                Document.Classification.CONFIDENTIAL
            ):
                copies[paper.version.pk] = uuid.uuid4()
                stamp = watermark.watermark_lines(
                    reader=reader, at=now, copy_id=copies[paper.version.pk]
                )
            papers.append(
                packet.Paper(
                    title=paper.document.title,
                    path=paper.version.file.path if paper.included else None,
                    stamp=stamp,
                )
            )
        title = section.title if section.number else _("Papers for the whole meeting")
        sections.append(packet.Section(section.number, title, papers))
    cover = packet.Cover(
        body=meeting.body.name,
        title=meeting.title,
        when=formats.date_format(timezone.localtime(meeting.starts_at), "DATETIME_FORMAT"),
        place=meeting.place,
        reader=reader,
    )
    # Handed to the response, which closes it when sent.
    out = tempfile.TemporaryFile(suffix=".pdf")  # noqa: SIM115
    try:
        pages = packet.write_packet(cover=cover, sections=sections, out=out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    digest = session_digest(session_key)
    Access.objects.bulk_create(
        Access(
            version=paper.version,
            user=actor,
            action=Access.Action.PACKET,
            session=digest,
            copy_id=copies.get(paper.version.pk),
        )
        for section in contents
        for paper in section.papers
        if paper.included
    )
    return PacketFile(out, f"packet-{meeting.pk}.pdf", pages)


def version_viewed(
    *, actor: User, version: DocumentVersion, session_key: str | None = None
) -> Access:
    """Record that the reader opened the version in the browser (a read receipt)."""
    _require(
        permissions.VIEW_DOCUMENT in permissions.document_rights(actor, version.document),
        _("You may not read this document."),
    )
    return Access.objects.create(
        version=version,
        user=actor,
        action=Access.Action.VIEW,
        session=session_digest(session_key),
    )


# Notes


def _clean_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ServiceError(_("Write something in the note."), field="text")
    if len(text) > MAX_NOTE_LENGTH:
        raise ServiceError(_("A note has at most %d characters.") % MAX_NOTE_LENGTH, field="text")
    return text


def _anchor(document: Document, page: int) -> DocumentVersion:
    """The newest version, if it has the page."""
    version = selectors.latest_version(document)
    if version is None:
        raise ServiceError(_("The document has no file yet."))
    if not 1 <= page <= version.pages:
        raise ServiceError(_("Choose a page between 1 and %d.") % version.pages, field="page")
    return version


def _digest_of(version: DocumentVersion, page: int) -> str:
    digests = version.page_digests
    return digests[page - 1] if page <= len(digests) else ""


def _require_annotate(actor: User, document: Document) -> None:
    _require(
        permissions.ANNOTATE_DOCUMENT in permissions.document_rights(actor, document),
        _("You may not keep notes on this document."),
    )


def note_add(*, actor: User, document: Document, page: int, text: str) -> Note:
    """A private note on one page of the newest version; it remembers the page as it is now."""
    _require_annotate(actor, document)
    text = _clean_text(text)
    version = _anchor(document, page)
    return Note.objects.create(
        document=document,
        user=actor,
        page=page,
        text=text,
        version=version,
        page_digest=_digest_of(version, page),
    )


def _require_author(actor: User, note: Note) -> None:
    # Only the author ever sees a note, so another person's note is not theirs to change.
    _require(note.user_id == actor.pk, _("Only the note's author may change it."))


def note_edit(*, actor: User, note: Note, text: str) -> Note:
    """Change a note's text. Editing it is reading the page again: the note is anchored to
    the page as it is in the newest version, and no longer flagged as changed. The row is
    locked so that two edits from the person's two devices do not mix text and anchor."""
    _require_author(actor, note)
    _require_annotate(actor, note.document)
    text = _clean_text(text)
    with transaction.atomic():
        note = Note.objects.select_for_update().get(pk=note.pk)
        note.text = text
        version = selectors.latest_version(note.document)
        # A page that no longer exists keeps the note where it was, and flagged.
        if version is not None and note.page <= version.pages:
            note.version = version
            note.page_digest = _digest_of(version, note.page)
        note.save(update_fields=["text", "version", "page_digest", "updated_at"])
    return note


def note_delete(*, actor: User, note: Note) -> None:
    _require_author(actor, note)
    _require_annotate(actor, note.document)
    note.delete()

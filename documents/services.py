"""Every change to a meeting's documents, their versions and who may read them, and the
record of each time somebody opened one.

Each function authorises the actor, locks the meeting row, writes and publishes its event in
the same transaction. The meeting row is the lock `meeting_close` takes too: a paper added or
reclassified while the meeting closes is serialised with the withdrawal of confidential papers,
so it cannot slip through with rights the closing just took away.

Uploads are read (and converted), and their text extracted, before the transaction, so no
lock is held while LibreOffice, the PDF reader or pdftotext works (each in a child process with
limits: documents.uploads). The PDF is written to storage inside the transaction; if anything
after that fails, the file is deleted again: a refused or failed upload leaves neither a record
nor a file.

Events carry ids, never titles: a document's title may itself be confidential. The ids reach
only the secretariat: readers see their papers change in their own packet region.

The packet's publication, the packet PDF as one reader receives it, and members' private notes
follow the same rules.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from agendas.models import AgendaItem
from agendas.permissions import agenda_of
from audit import trail
from audit.models import Entry
from core import dates
from core.dates import iso
from core.errors import ServiceError, require
from documents import notifications, packet, permissions, regions, selectors, uploads, watermark
from documents.copies import reader_name, session_digest, stamped_copy
from documents.models import (
    Access,
    Document,
    DocumentUserObjectPermission,
    DocumentVersion,
    Note,
    Packet,
    Presentation,
)
from meetings import permissions as meeting_permissions
from meetings.models import Meeting, Membership
from realtime import events

C = Document.Classification
EDITABLE_FIELDS = {"title", "kind", "classification", "agenda_item"}
MAX_TITLE = 300


def _require_secretariat(actor: User, meeting: Meeting) -> None:
    require(
        permissions.can_manage_documents(actor, meeting),
        _("Only the meeting's secretariat manages its documents."),
    )


def _lock_meeting(meeting: Meeting) -> Meeting:
    """Lock the meeting row (see the module's docstring) and read it afresh."""
    return Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)


def _publish(meeting: Meeting, type: str, payload: dict[str, Any]) -> None:
    """An event about papers, whose payload (their ids) only the secretariat receives: a member
    who may not read a paper must not learn from the log that it exists. Readers learn what
    changed for them from their own packet region, drawn for those the change concerns."""
    events.publish(
        meeting=meeting,
        type=type,
        payload=payload,
        restricted_to=meeting_permissions.MANAGE_MEETING,
    )


def _clean_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise ServiceError(_("A document needs a title."), field="title")
    if len(title) > MAX_TITLE:
        raise ServiceError(
            _("A title has at most %(count)d characters.") % {"count": MAX_TITLE}, field="title"
        )
    return title


def _check_choices(kind: str | None, classification: str | None) -> None:
    if kind is not None and kind not in Document.Kind.values:
        raise ServiceError(_("Unknown kind of document."), field="kind")
    if classification is not None and classification not in C.values:
        raise ServiceError(_("Unknown classification."), field="classification")


def _check_item(meeting: Meeting, item: AgendaItem | None) -> None:
    if item is not None and item.meeting_id != meeting.pk:
        raise ServiceError(_("The agenda item belongs to another meeting."), field="agenda_item")


def _require_open(meeting: Meeting) -> None:
    if meeting.status == Meeting.Status.CANCELLED:
        raise ServiceError(_("The meeting was cancelled; its documents cannot change."))


@dataclass(frozen=True)
class _Upload:
    read: uploads.ReadPdf
    text: str


def _read(file: UploadedFile) -> _Upload:
    """Read, check and convert the upload, and extract its text for the search: all before
    the transaction, which then holds the meeting's lock for the writes alone."""
    try:
        read = uploads.read_upload(file)
    except uploads.UploadRefused as refusal:
        raise ServiceError(refusal.message, field="file") from None
    return _Upload(read=read, text=uploads.pdf_text(read.content))


@contextmanager
def _cleaned_up_on_failure(storage: Storage) -> Iterator[list[str]]:
    """Names stored inside the block are deleted if the block fails (the transaction then
    rolls back the rows that pointed at them)."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            storage.delete(name)
        raise


def _store_version(
    document: Document, upload: _Upload, actor: User, stored: list[str]
) -> DocumentVersion:
    read = upload.read
    last = DocumentVersion.objects.filter(document=document).aggregate(last=Max("number"))["last"]
    version = DocumentVersion(
        document=document,
        number=(last or 0) + 1,
        sha256=read.sha256,
        size=read.size,
        pages=read.pages,
        page_digests=read.page_digests,
        original_name=read.original_name,
        original_type=read.original_type,
        text=upload.text,
        uploaded_by=actor,
    )
    version.file.save("upload.pdf", ContentFile(read.content), save=False)
    stored.append(version.file.name)
    version.save()
    return version


def _grant_defaults_if_due(document: Document, actor: User) -> None:
    if permissions.defaults_apply(document):
        _grant_defaults([document], permissions.default_readers(document.meeting), actor)


def _grant_defaults(documents: list[Document], readers: list[User], actor: User) -> None:
    """Give the attendees their default rights; the audit trail names each reader given a
    confidential or secret paper."""
    permissions.grant_defaults(documents, readers)
    for document in documents:
        if document.classification not in permissions.HANDED_BACK:
            continue
        rights = _names(list(permissions.DEFAULT_RIGHTS[document.classification]))
        for reader in readers:
            trail.record(
                Entry.Action.ACCESS_GRANTED,
                actor=actor,
                person=reader,
                meeting_id=document.meeting_id,
                document_id=document.pk,
                details={"rights": rights, "default": True},
            )


# Documents


def document_create(
    *,
    actor: User,
    meeting: Meeting,
    file: UploadedFile,
    title: str,
    kind: str = Document.Kind.REPORT,
    classification: str = C.INTERNAL,
    agenda_item: AgendaItem | None = None,
) -> Document:
    """Add a paper to the meeting with its first version. Once the packet is published, the
    attendees get the classification's default rights at once."""
    _require_secretariat(actor, meeting)
    _check_choices(kind, classification)
    _check_item(meeting, agenda_item)
    title = _clean_title(title)
    upload = _read(file)
    storage = DocumentVersion._meta.get_field("file").storage
    with _cleaned_up_on_failure(storage) as stored, transaction.atomic():
        meeting = _lock_meeting(meeting)
        _require_open(meeting)
        last = Document.objects.filter(meeting=meeting, agenda_item=agenda_item).aggregate(
            last=Max("position")
        )["last"]
        document = Document.objects.create(
            meeting=meeting,
            agenda_item=agenda_item,
            title=title,
            kind=kind,
            classification=classification,
            position=0 if last is None else last + 1,
            created_by=actor,
        )
        version = _store_version(document, upload, actor, stored)
        _grant_defaults_if_due(document, actor)
        _publish(
            meeting,
            "documents.document_created",
            {"document": document.pk, "version": version.number},
        )
    return document


def document_replace(*, actor: User, document: Document, file: UploadedFile) -> DocumentVersion:
    """Add a new version; earlier versions are kept (notes and read receipts refer to them)."""
    _require_secretariat(actor, document.meeting)
    upload = _read(file)
    storage = DocumentVersion._meta.get_field("file").storage
    with _cleaned_up_on_failure(storage) as stored, transaction.atomic():
        meeting = _lock_meeting(document.meeting)
        _require_open(meeting)
        document = Document.objects.select_related("meeting").get(pk=document.pk)
        version = _store_version(document, upload, actor, stored)
        _publish(
            meeting,
            "documents.document_replaced",
            {"document": document.pk, "version": version.number},
        )
    return version


def document_edit(*, actor: User, document: Document, **fields: Any) -> Document:
    """Change the title, kind, classification or agenda item. A new classification moves the
    attendees' default rights with it (a paper made secret can no longer be downloaded, one
    made public can); rights granted per person or role are left as they are."""
    _require_secretariat(actor, document.meeting)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ServiceError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    _check_choices(fields.get("kind"), fields.get("classification"))
    if "agenda_item" in fields:
        _check_item(document.meeting, fields["agenda_item"])
    if "title" in fields:
        fields["title"] = _clean_title(fields["title"])
    with transaction.atomic():
        meeting = _lock_meeting(document.meeting)
        _require_open(meeting)
        document = Document.objects.select_related("meeting").get(pk=document.pk)
        old_classification = document.classification
        old_item = document.agenda_item_id
        for name, value in fields.items():
            setattr(document, name, value)
        if document.agenda_item_id != old_item:
            last = Document.objects.filter(
                meeting=meeting, agenda_item_id=document.agenda_item_id
            ).aggregate(last=Max("position"))["last"]
            document.position = 0 if last is None else last + 1
        document.save()
        if document.classification != old_classification:
            readers = permissions.default_readers(meeting)
            if permissions.defaults_apply(document):
                permissions.move_defaults(document, old_classification, readers)
            elif document.classification in permissions.HANDED_BACK:
                # Made confidential after the meeting closed: handed back like the others.
                permissions.revoke_all([document])
        _publish(
            meeting,
            "documents.document_changed",
            {"document": document.pk, "fields": sorted(fields)},
        )
    return document


def document_delete(*, actor: User, document: Document) -> None:
    """Remove a paper, with its versions and files, while the packet is unpublished. Once
    members have received it, a paper belongs to the record: replace it or change who may
    read it instead."""
    _require_secretariat(actor, document.meeting)
    with transaction.atomic():
        meeting = _lock_meeting(document.meeting)
        if permissions.packet_published(meeting):
            raise ServiceError(
                _(
                    "The packet has been sent to the members, so this document belongs to the "
                    "record. Replace it with a new version or withdraw the members' access instead."
                )
            )
        versions = list(DocumentVersion.objects.filter(document=document))
        # Only the secretariat could open or annotate an unpublished paper: their traces go
        # with it.
        Note.objects.filter(document=document).delete()
        Access.objects.filter(version__in=versions).delete()
        names = [version.file.name for version in versions]
        storage = DocumentVersion._meta.get_field("file").storage
        document_id = document.pk
        Document.objects.filter(pk=document_id).delete()
        _publish(meeting, "documents.document_deleted", {"document": document_id})

        def delete_files() -> None:
            for name in names:
                storage.delete(name)

        # Only once the rows are gone for good: a rolled-back delete keeps its files.
        transaction.on_commit(delete_files)


# Who may read


def _holder(
    document: Document, user: User | None, role: str | None
) -> tuple[User | Group, dict[str, Any]]:
    """The person or the body's role group the rights go to, and how events name it."""
    if (user is None) == (role is None):
        raise ServiceError(_("Choose a person or a role."))
    meeting = document.meeting
    if user is not None:
        if not permissions.may_be_granted(user, meeting):
            raise ServiceError(
                _("Only people who attend the meeting or belong to the body can be given access."),
                field="user",
            )
        return user, {"user": user.pk}
    if role not in Membership.Role.values:
        raise ServiceError(_("Unknown role."), field="role")
    return meeting_permissions.role_group(meeting.body, role), {"role": role}


def _perms(rights: Collection[str], document: Document, *, granting: bool) -> list[str]:
    names = set(rights)
    unknown = names - set(permissions.RIGHTS_BY_NAME)
    if unknown or not names:
        raise ServiceError(_("Choose among view, download and annotate."), field="rights")
    if granting:
        # Downloading or annotating a paper presupposes reading it.
        names.add("view")
        if document.classification == C.SECRET:
            names.discard("download")
    elif "view" in names:
        # Without reading, the other rights mean nothing: take them all.
        names = set(permissions.RIGHTS_BY_NAME)
    return sorted(permissions.RIGHTS_BY_NAME[name] for name in names)


def _names(perms: list[str]) -> list[str]:
    return sorted(permissions.NAME_BY_RIGHT[perm] for perm in perms)


def document_grant(
    *,
    actor: User,
    document: Document,
    rights: Collection[str],
    user: User | None = None,
    role: str | None = None,
) -> Document:
    """Give one person, or everyone holding one of the body's roles, rights on the paper
    ("view", "download", "annotate"; view comes with the others). A secret paper is never
    downloaded, so that right is not given for it. Members see the paper once the packet is
    published."""
    _require_secretariat(actor, document.meeting)
    with transaction.atomic():
        meeting = _lock_meeting(document.meeting)
        document = Document.objects.select_related("meeting__body").get(pk=document.pk)
        holder, named = _holder(document, user, role)
        perms = _perms(rights, document, granting=True)
        permissions.grant(perms, holder, document)
        _audit_rights(Entry.Action.ACCESS_GRANTED, actor, document, user, role, perms)
        _publish(
            meeting,
            "documents.access_granted",
            {"document": document.pk, **named, "rights": _names(perms)},
        )
    return document


def document_revoke(
    *,
    actor: User,
    document: Document,
    rights: Collection[str],
    user: User | None = None,
    role: str | None = None,
) -> Document:
    """Take rights back from one person or one role. Revoking "view" takes every right. A
    person who holds the right through their role keeps it until the role's is revoked."""
    _require_secretariat(actor, document.meeting)
    with transaction.atomic():
        meeting = _lock_meeting(document.meeting)
        document = Document.objects.select_related("meeting__body").get(pk=document.pk)
        if (user is None) == (role is None):
            raise ServiceError(_("Choose a person or a role."))
        holder: User | Group
        named: dict[str, Any]
        if user is not None:
            holder, named = user, {"user": user.pk}
        else:
            if role not in Membership.Role.values:
                raise ServiceError(_("Unknown role."), field="role")
            holder, named = meeting_permissions.role_group(meeting.body, role), {"role": role}
        perms = _perms(rights, document, granting=False)
        permissions.revoke(perms, holder, document)
        _audit_rights(Entry.Action.ACCESS_REVOKED, actor, document, user, role, perms)
        _publish(
            meeting,
            "documents.access_revoked",
            {"document": document.pk, **named, "rights": _names(perms)},
        )
    return document


def _audit_rights(
    action: str,
    actor: User,
    document: Document,
    user: User | None,
    role: str | None,
    perms: list[str],
) -> None:
    trail.record(
        action,
        actor=actor,
        person=user,
        meeting_id=document.meeting_id,
        document_id=document.pk,
        details={"rights": _names(perms), **({"role": role} if role else {})},
    )


def confidential_access_revoke(*, meeting: Meeting) -> list[int]:
    """Withdraw everyone's rights on the meeting's confidential and secret papers (they are
    handed back after the meeting) and note when; the secretariat keeps them. Runs inside
    `meeting_close`'s transaction, which holds the meeting's lock. Returns the papers' ids."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("confidential_access_revoke runs inside the closing transaction.")
    documents = list(
        Document.objects.filter(meeting=meeting, classification__in=permissions.HANDED_BACK)
    )
    permissions.revoke_all(documents)
    Packet.objects.update_or_create(
        meeting=meeting, defaults={"confidential_revoked_at": timezone.now()}
    )
    ids = [document.pk for document in documents]
    if ids:
        trail.record(
            Entry.Action.HANDED_BACK, actor=None, meeting_id=meeting.pk, details={"documents": ids}
        )
        # Nothing to announce for a meeting without such papers; the note above still keeps
        # papers classified later from being given out.
        _publish(meeting, "documents.confidential_revoked", {"documents": ids})
    return ids


# Reading: every view and download leaves a record


def access_record(
    *,
    user: User,
    version: DocumentVersion,
    action: str,
    session_key: str | None,
    copy_id: uuid.UUID | None = None,
) -> Access:
    """Record that the user opened or downloaded the version (the read receipt, and for a
    stamped copy the line that traces it back to its reader)."""
    if action not in Access.Action.values:
        raise ValueError(f"Unknown access action {action!r}.")
    return Access.objects.create(
        version=version,
        user=user,
        action=action,
        session=session_digest(session_key),
        copy_id=copy_id,
    )


AUDITED_ACCESS = {
    Access.Action.VIEW: Entry.Action.DOCUMENT_VIEWED,
    Access.Action.DOWNLOAD: Entry.Action.DOCUMENT_DOWNLOADED,
    Access.Action.PACKET: Entry.Action.DOCUMENT_IN_PACKET,
    Access.Action.OFFLINE: Entry.Action.DOCUMENT_OFFLINE,
}


def _audit_access(
    user: User,
    document: Document,
    version: DocumentVersion,
    action: str,
    copy_id: uuid.UUID | None,
) -> None:
    """The audit trail keeps who opened a confidential or secret paper (the read receipts keep
    every paper, but may be deleted with an unpublished paper). Called last in the act's
    transaction: appends take turns on the trail's head, held until the commit."""
    if document.classification not in permissions.HANDED_BACK:
        return
    trail.record(
        AUDITED_ACCESS[Access.Action(action)],
        actor=user,
        meeting_id=document.meeting_id,
        document_id=document.pk,
        details={"version": version.number, "copy": str(copy_id) if copy_id else ""},
    )


# What `version_open` gives out besides a view.
OPENED = frozenset({Access.Action.DOWNLOAD, Access.Action.OFFLINE})


@dataclass(frozen=True)
class Copy:
    """What a reader receives: the stored file as it is, or a stamped copy (`content`)."""

    version: DocumentVersion
    access: Access
    content: bytes | None

    @property
    def stamped(self) -> bool:
        return self.content is not None


def version_open(
    *, reader: User, version: DocumentVersion, action: str, session_key: str | None
) -> Copy:
    """Give the reader the version to view in the browser (Access.Action.VIEW), to download
    (DOWNLOAD) or to keep on a device for offline reading (OFFLINE, which is a download: the
    `offline` app checks the device's right first), and record it. Confidential papers are
    stamped for all three, secret ones are viewed stamped and never leave otherwise; public
    and internal ones go out as stored."""
    document = version.document
    rights = permissions.document_rights(reader, document)
    downloading = action in {Access.Action.DOWNLOAD, Access.Action.OFFLINE}
    needed = permissions.DOWNLOAD_DOCUMENT if downloading else permissions.VIEW_DOCUMENT
    if action not in {Access.Action.VIEW, *OPENED} or needed not in rights:
        raise PermissionDenied(_("You may not open this document."))
    stamped_kinds = permissions.STAMPED_DOWNLOAD if downloading else permissions.STAMPED_VIEW
    with transaction.atomic():
        if document.classification not in stamped_kinds:
            access = access_record(
                user=reader, version=version, action=action, session_key=session_key
            )
            _audit_access(reader, document, version, action, None)
            return Copy(version=version, access=access, content=None)
        copy_id = uuid.uuid4()
        # The record is written first: no stamped copy leaves without its trace.
        access = access_record(
            user=reader, version=version, action=action, session_key=session_key, copy_id=copy_id
        )
        content = stamped_copy(version, reader=reader_name(reader), at=access.at, copy_id=copy_id)
        _audit_access(reader, document, version, action, copy_id)
    return Copy(version=version, access=access, content=content)


def revoke_on_close_enabled() -> bool:
    return bool(settings.DOCUMENTS_REVOKE_CONFIDENTIAL_ON_CLOSE)


MAX_NOTE_LENGTH = 4000
# Meetings whose packet may be published: scheduled, or under way.
PUBLISHABLE = {Meeting.Status.SCHEDULED, Meeting.Status.IN_SESSION, Meeting.Status.ADJOURNED}


def _lock_packet(meeting: Meeting) -> Packet:
    """Lock the meeting row, as every change to its documents does, then create the packet row
    on first use and lock it: publishing and withdrawing the packet of one meeting happen one
    after the other, and a paper added while the packet is published is either seen by the
    publication or sees the packet published, and so gets its readers' rights either way."""
    _lock_meeting(meeting)
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
    require(
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
        _grant_defaults(documents, readers, actor)
        packet_row.published_at = timezone.now()
        packet_row.published_by = actor
        packet_row.save(update_fields=["published_at", "published_by"])
        events.publish(
            meeting=meeting,
            type="documents.packet_published",
            # Neither titles nor a count: each reader's packet region shows what they may read.
            payload={"published_at": iso(packet_row.published_at)},
        )
        meeting_id = meeting.pk
        transaction.on_commit(lambda: notifications.send_packet_published(meeting_id), robust=True)
    return packet_row


def packet_unpublish(*, actor: User, meeting: Meeting) -> Packet:
    """Take the packet back before the session, for rework; members no longer see the
    documents. Their rights stay as they were, for when it is published again; `published_by`
    stays too (who published it last), which tells the next publication that it is not the
    first."""
    require(
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
    require(
        manager
        or (meeting_permissions.VIEW_MEETING in rights and permissions.packet_published(meeting)),
        _("The packet is not published yet."),
    )
    contents = selectors.packet_contents(meeting, actor)
    reader = actor.get_full_name() or actor.username
    now = timezone.now()
    copies: dict[int, uuid.UUID] = {}
    sections = []
    # The packet's memory grows with its pages (about 25 KB each while it is written), not with
    # the papers' bytes: past the budget, the remaining papers are listed, not included.
    budget = settings.DOCUMENTS_PACKET_MAX_PAGES
    included: list[selectors.PacketPaper] = []
    for section in contents:
        papers = []
        for paper in section.papers:
            too_long = paper.included and budget < paper.version.pages
            fits = paper.included and not too_long
            if fits:
                budget -= paper.version.pages
                included.append(paper)
            stamp: list[str] = []
            if fits and paper.document.classification == Document.Classification.CONFIDENTIAL:
                copies[paper.version.pk] = uuid.uuid4()
                stamp = watermark.watermark_lines(
                    reader=reader, at=now, copy_id=copies[paper.version.pk]
                )
            papers.append(
                packet.Paper(
                    title=paper.document.title,
                    path=paper.version.file.path if fits else None,
                    stamp=stamp,
                    too_long=too_long,
                )
            )
        title = section.title if section.number else _("Papers for the whole meeting")
        sections.append(packet.Section(section.number, title, papers))
    cover = packet.Cover(
        body=meeting.body.name,
        title=meeting.title,
        when=dates.moment(meeting.starts_at),
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
    with transaction.atomic():
        for paper in included:
            _audit_access(
                actor,
                paper.document,
                paper.version,
                Access.Action.PACKET,
                copies.get(paper.version.pk),
            )
        Access.objects.bulk_create(
            Access(
                version=paper.version,
                user=actor,
                action=Access.Action.PACKET,
                session=digest,
                copy_id=copies.get(paper.version.pk),
            )
            for paper in included
        )
    return PacketFile(out, f"packet-{meeting.pk}.pdf", pages)


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
    require(
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
    require(note.user_id == actor.pk, _("Only the note's author may change it."))


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


# Search


def version_texts_index(*, every: bool = False) -> int:
    """Read the text of stored versions for the archive's search: those uploaded before text
    was read at upload, or whose reading failed (`every`: all of them again). A maintenance
    task, run by the operator (`manage.py index_documents`), not by a person in the app.
    Returns how many versions got a text."""
    versions = DocumentVersion.objects.only("pk", "file", "text").order_by("pk")
    if not every:
        versions = versions.filter(text="")
    done = 0
    # One version at a time: a PDF is read into memory and written back before the next.
    for version in versions.iterator(chunk_size=100):
        with version.file.open("rb") as stored:
            text = uploads.pdf_text(stored.read())
        if text:
            DocumentVersion.objects.filter(pk=version.pk).update(text=text)
            done += 1
    return done


# Follow the presenter


def presentation_show(*, actor: User, document: Document, page: int) -> Presentation:
    """Show the room a page of a paper (the chair, a vice-chair, or whoever has the floor):
    tablets that follow the presenter go to it. Only those who may read the paper learn which
    paper and page, in their own `presenting` region; the event itself says no more than that
    a page was shown. The meeting row's lock numbers two pages shown at once in the order they
    are recorded, so that every tablet ends on the last."""
    require(
        permissions.can_present(actor, document.meeting),
        _("Only the chair, a vice-chair or the person who has the floor shows a page to the room."),
    )
    require(
        permissions.VIEW_DOCUMENT in permissions.document_rights(actor, document),
        _("You cannot read this paper."),
    )
    with transaction.atomic():
        meeting = _lock_meeting(document.meeting)
        if meeting.status != Meeting.Status.IN_SESSION:
            raise ServiceError(_("Pages are shown to the room during the session only."))
        version = selectors.latest_version(document)
        if version is None or not 1 <= page <= version.pages:
            raise ServiceError(_("This paper has no page %(page)s.") % {"page": page}, field="page")
        presentation, _created = Presentation.objects.update_or_create(
            meeting=meeting,
            defaults={
                "document": document,
                "page": page,
                "shown_by": actor,
                "shown_at": timezone.now(),
            },
        )
        events.publish(
            meeting=meeting,
            type="documents.page_shown",
            payload={},
            people=sorted(regions.readers_of(document)),
        )
    return presentation

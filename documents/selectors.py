"""Reads of a meeting's documents and its packet, shaped for the screens and the API, each with
a fixed number of queries whatever the number of documents and agenda items."""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

from django.contrib.auth.models import User
from django.db.models import Max, Min, QuerySet
from django.utils import timezone
from guardian.core import ObjectPermissionChecker

from agendas import permissions as agenda_permissions
from agendas import selectors as agenda_selectors
from agendas.models import AgendaItem
from documents import permissions
from documents.models import (
    Access,
    Document,
    DocumentGroupObjectPermission,
    DocumentUserObjectPermission,
    DocumentVersion,
    Note,
    Packet,
    Presentation,
)
from meetings import permissions as meeting_permissions
from meetings.models import Attendance, Meeting, Membership
from meetings.permissions import AnyUser


@dataclass(frozen=True)
class DocumentRow:
    document: Document
    rights: frozenset[str]
    latest: DocumentVersion
    versions: list[DocumentVersion]

    @property
    def may_download(self) -> bool:
        return permissions.DOWNLOAD_DOCUMENT in self.rights


@dataclass
class DocumentSection:
    """The papers of one agenda item (or, with no item, of the whole meeting)."""

    item: AgendaItem | None
    number: str
    rows: list[DocumentRow] = field(default_factory=list)


def document_list_for_user(meeting: Meeting, user: AnyUser) -> list[DocumentRow]:
    """The meeting's documents the user may see, with their rights and versions, in agenda
    order (papers about the whole meeting first)."""
    return [row for section in document_sections(meeting, user) for row in section.rows]


def document_sections(meeting: Meeting, user: AnyUser) -> list[DocumentSection]:
    """The documents the user may see, grouped per agenda item in agenda order; sections
    without documents are left out for readers and kept for the secretariat."""
    meeting_rights = meeting_permissions.meeting_rights(user, meeting)
    manager = meeting_permissions.MANAGE_MEETING in meeting_rights
    published = permissions.packet_published(meeting)
    documents = list(
        Document.objects.filter(meeting=meeting)
        .select_related("agenda_item")
        .prefetch_related("versions")
        .order_by("position", "pk")
    )
    checker: ObjectPermissionChecker | None = None
    if documents and user.is_authenticated and not manager:
        assert isinstance(user, User)
        checker = ObjectPermissionChecker(user)
        # prefetch_perms reads only the objects' ids: a list serves as well as a queryset.
        checker.prefetch_perms(cast("QuerySet[Document]", documents))
    overview = agenda_selectors.agenda_overview(meeting)
    sections = [DocumentSection(item=None, number="")]
    by_item: dict[int | None, DocumentSection] = {None: sections[0]}
    for agenda_row in overview.rows:
        section = DocumentSection(item=agenda_row.item, number=agenda_row.number)
        sections.append(section)
        by_item[agenda_row.item.pk] = section
    for document in documents:
        rights = permissions.rights_given(
            user, document, meeting_rights=meeting_rights, published=published, checker=checker
        )
        if not rights:
            continue
        versions = sorted(document.versions.all(), key=lambda version: version.number)
        if not versions:
            continue
        by_item[document.agenda_item_id].rows.append(
            DocumentRow(document=document, rights=rights, latest=versions[-1], versions=versions)
        )
    if manager:
        return sections
    return [section for section in sections if section.rows]


def document_row(user: AnyUser, document: Document) -> DocumentRow:
    """One document with the user's rights and its versions (one query for the versions)."""
    versions = list(DocumentVersion.objects.filter(document=document).order_by("number"))
    return DocumentRow(
        document=document,
        rights=permissions.document_rights(user, document),
        latest=versions[-1],
        versions=versions,
    )


@dataclass(frozen=True)
class PersonGrant:
    user: User
    rights: tuple[str, ...]

    @property
    def labels(self) -> list[str]:
        return [str(permissions.RIGHT_LABELS[name]) for name in self.rights]


@dataclass(frozen=True)
class RoleGrant:
    role: str
    label: str
    rights: tuple[str, ...]

    @property
    def labels(self) -> list[str]:
        return [str(permissions.RIGHT_LABELS[name]) for name in self.rights]


@dataclass(frozen=True)
class Grants:
    people: list[PersonGrant]
    roles: list[RoleGrant]


def document_grants(document: Document) -> Grants:
    """Who holds which rights on the document, per person and per role (two queries)."""
    people: dict[int, tuple[User, set[str]]] = {}
    for row in DocumentUserObjectPermission.objects.filter(content_object=document).select_related(
        "user", "permission"
    ):
        people.setdefault(row.user_id, (row.user, set()))[1].add(row.permission.codename)
    roles: dict[str, set[str]] = {}
    names = {
        meeting_permissions.role_group_name(document.meeting.body_id, role): role
        for role in Membership.Role.values
    }
    for group_row in DocumentGroupObjectPermission.objects.filter(
        content_object=document, group__name__in=list(names)
    ).select_related("group", "permission"):
        roles.setdefault(names[group_row.group.name], set()).add(group_row.permission.codename)
    labels = dict(Membership.Role.choices)
    return Grants(
        people=sorted(
            (PersonGrant(user=user, rights=_short(codes)) for user, codes in people.values()),
            key=lambda grant: (grant.user.get_full_name() or grant.user.username).lower(),
        ),
        roles=[
            RoleGrant(role=role, label=str(labels[role]), rights=_short(roles[role]))
            for role in Membership.Role.values
            if role in roles
        ],
    )


def _short(codenames: set[str]) -> tuple[str, ...]:
    """The rights' short names, in the order the screens list them."""
    return tuple(
        name
        for name, perm in permissions.RIGHTS_BY_NAME.items()
        if perm.split(".", 1)[1] in codenames
    )


def grantable_people(meeting: Meeting) -> list[User]:
    """Who may be given rights on the meeting's papers: attendees, the substitutes attending
    for them and the body's role holders (two queries)."""
    people = {user.pk: user for user in permissions.default_readers(meeting)}
    names = [
        meeting_permissions.role_group_name(meeting.body_id, role)
        for role in Membership.Role.values
    ]
    for user in User.objects.filter(groups__name__in=names).distinct():
        people.setdefault(user.pk, user)
    return sorted(people.values(), key=lambda user: (user.get_full_name() or user.username).lower())


def copy_trace(meeting: Meeting, copy_id: uuid.UUID) -> Access | None:
    """Who received the stamped copy with this id, of which version and when (one query).
    Only copies of this meeting's documents are found."""
    return (
        Access.objects.filter(copy_id=copy_id, version__document__meeting=meeting)
        .select_related("user", "version__document")
        .first()
    )


# The regulation's deadline: documents reach the members at least three days before the meeting.
READING_DAYS = 3


def reading_deadline(meeting: Meeting) -> datetime.datetime:
    """When the papers should be with the members."""
    return meeting.starts_at - datetime.timedelta(days=READING_DAYS)


def packet_of(meeting: Meeting) -> Packet | None:
    try:
        return meeting.packet
    except Packet.DoesNotExist:
        return None


def changed_pages(before: Sequence[str], after: Sequence[str]) -> list[int]:
    """The pages (from 1) of `after` that differ from `before`, and any it lost at the end."""
    changed = [
        number
        for number, digest in enumerate(after, start=1)
        if number > len(before) or before[number - 1] != digest
    ]
    changed.extend(range(len(after) + 1, len(before) + 1))
    return changed


@dataclass(frozen=True)
class DocumentEntry:
    """A document as one reader sees it in the packet."""

    document: Document
    version: DocumentVersion
    rights: frozenset[str]
    # The newest version this reader opened (viewed, downloaded or took in the packet).
    read_version: int | None
    changed_pages: list[int]

    @property
    def is_new(self) -> bool:
        return self.read_version is None

    @property
    def is_changed(self) -> bool:
        return self.read_version is not None and self.read_version < self.version.number

    @property
    def can_download(self) -> bool:
        return permissions.DOWNLOAD_DOCUMENT in self.rights

    @property
    def can_annotate(self) -> bool:
        return permissions.ANNOTATE_DOCUMENT in self.rights

    @property
    def is_secret(self) -> bool:
        return self.document.classification == Document.Classification.SECRET


@dataclass(frozen=True)
class PacketRow:
    item_id: int
    number: str
    title: str
    depth: int
    documents: list[DocumentEntry]


@dataclass(frozen=True)
class PacketOverview:
    meeting: Meeting
    packet: Packet | None
    manager: bool
    rows: list[PacketRow]
    meeting_papers: list[DocumentEntry]

    @property
    def is_published(self) -> bool:
        return self.packet is not None and self.packet.is_published

    @property
    def entries(self) -> list[DocumentEntry]:
        return [entry for row in self.rows for entry in row.documents] + self.meeting_papers

    @property
    def document_count(self) -> int:
        return len(self.entries)


def _latest_versions(documents: Sequence[Document]) -> dict[int, dict[int, DocumentVersion]]:
    """Every version of the documents, by document and number (one query)."""
    versions: dict[int, dict[int, DocumentVersion]] = defaultdict(dict)
    for version in DocumentVersion.objects.filter(document__in=documents).defer("original_name"):
        versions[version.document_id][version.number] = version
    return versions


@dataclass(frozen=True)
class _Papers:
    """What every reader's packet is drawn from, read once."""

    packet: Packet | None
    agenda: agenda_selectors.AgendaOverview
    documents: list[Document]
    versions: dict[int, dict[int, DocumentVersion]]


def _papers(meeting: Meeting) -> _Papers:
    documents = list(Document.objects.filter(meeting=meeting).order_by("position", "pk"))
    for document in documents:
        document.meeting = meeting  # the rights check reads the meeting and its packet
    return _Papers(
        packet_of(meeting),
        agenda_selectors.agenda_overview(meeting),
        documents,
        _latest_versions(documents),
    )


def packet_overview(meeting: Meeting, user: AnyUser) -> PacketOverview:
    """The agenda with the documents this person may read under each item, and what changed
    since they last opened each one (a fixed number of queries)."""
    papers = _papers(meeting)
    meeting_rights = meeting_permissions.meeting_rights(user, meeting)
    rights = permissions.meeting_document_rights(user, meeting, papers.documents, meeting_rights)
    readable = _readable(papers, meeting_rights, rights)
    read = _reads({user.pk: readable}).get(user.pk, {}) if user.is_authenticated else {}
    return _overview(meeting, papers, meeting_rights, rights, readable, read)


def packet_overviews(meeting: Meeting, user_ids: Iterable[int]) -> dict[int, PacketOverview]:
    """`packet_overview` of many readers at once, in a fixed number of queries however many
    they are: an event may redraw the live packet of a whole body."""
    papers = _papers(meeting)
    meeting_rights = meeting_permissions.meeting_rights_of(meeting, user_ids)
    rights = permissions.readers_document_rights(meeting, papers.documents, meeting_rights)
    readable = {
        user_id: _readable(papers, meeting_rights[user_id], rights[user_id])
        for user_id in meeting_rights
    }
    reads = _reads(readable)
    return {
        user_id: _overview(
            meeting,
            papers,
            meeting_rights[user_id],
            rights[user_id],
            readable[user_id],
            reads.get(user_id, {}),
        )
        for user_id in meeting_rights
    }


def _readable(
    papers: _Papers, meeting_rights: frozenset[str], rights: dict[int, frozenset[str]]
) -> list[Document]:
    if not agenda_permissions.agenda_visible(meeting_rights, papers.agenda.agenda):
        # The packet follows the agenda: while the agenda is taken back for rework, its items
        # (and so the packet) are the secretariat's again.
        return []
    return [document for document in papers.documents if rights[document.pk]]


def _reads(readable: dict[int, list[Document]]) -> dict[int, dict[int, int]]:
    """The newest version each person opened of each document they may read (one query)."""
    documents = {document.pk for papers in readable.values() for document in papers}
    reads: dict[int, dict[int, int]] = defaultdict(dict)
    if not documents:
        return reads
    for user_id, document_id, latest in (
        Access.objects.filter(user__in=list(readable), version__document__in=documents)
        .values_list("user_id", "version__document_id")
        .annotate(latest=Max("version__number"))
        .values_list("user_id", "version__document_id", "latest")
    ):
        reads[user_id][document_id] = latest
    return reads


def _overview(
    meeting: Meeting,
    papers: _Papers,
    meeting_rights: frozenset[str],
    rights: dict[int, frozenset[str]],
    readable: list[Document],
    read: dict[int, int],
) -> PacketOverview:
    by_item: dict[int | None, list[DocumentEntry]] = defaultdict(list)
    for document in readable:
        versions = papers.versions.get(document.pk)
        if not versions:
            continue  # nothing uploaded yet
        latest = versions[max(versions)]
        read_number = read.get(document.pk)
        pages: list[int] = []
        if read_number is not None and read_number < latest.number:
            seen = versions.get(read_number)
            pages = changed_pages(seen.page_digests if seen else [], latest.page_digests)
        by_item[document.agenda_item_id].append(
            DocumentEntry(document, latest, rights[document.pk], read_number, pages)
        )
    manager = meeting_permissions.MANAGE_MEETING in meeting_rights
    rows = [
        PacketRow(row.item.pk, row.number, row.item.title, row.depth, by_item.get(row.item.pk, []))
        for row in papers.agenda.rows
        if readable or manager
    ]
    return PacketOverview(meeting, papers.packet, manager, rows, by_item.get(None, []))


@dataclass(frozen=True)
class NoteView:
    note: Note
    # The page is not what it was when the note was written (or no longer exists).
    page_changed: bool


def note_list(document: Document, user: User) -> list[NoteView]:
    """The person's own notes on the document, flagged where their page changed since
    (two queries). Nobody else's notes are ever read."""
    latest = DocumentVersion.objects.filter(document=document).order_by("-number").first()
    digests = latest.page_digests if latest else []
    notes = Note.objects.filter(document=document, user=user).order_by("page", "created_at", "pk")
    return [
        NoteView(
            note,
            note.page > len(digests) or digests[note.page - 1] != note.page_digest,
        )
        for note in notes
    ]


def latest_version(document: Document) -> DocumentVersion | None:
    return DocumentVersion.objects.filter(document=document).order_by("-number").first()


def last_read_version(document: Document, user: User) -> DocumentVersion | None:
    """The newest version of the document this person opened, if any."""
    access = (
        Access.objects.filter(user=user, version__document=document)
        .select_related("version")
        .order_by("-version__number")
        .first()
    )
    return access.version if access else None


@dataclass(frozen=True)
class Receipt:
    """One member's reading of one document."""

    first_opened_at: datetime.datetime | None
    latest_version: int | None
    current_version: int
    # False where the reader may not (or no longer) view the document: not the same as unread.
    readable: bool = True

    @property
    def opened(self) -> bool:
        return self.first_opened_at is not None

    @property
    def read_current(self) -> bool:
        return self.latest_version == self.current_version


@dataclass(frozen=True)
class ReaderReceipts:
    user: User
    receipts: list[Receipt]
    flagged: bool

    @property
    def opened_any(self) -> bool:
        return any(receipt.opened for receipt in self.receipts)


@dataclass(frozen=True)
class ReadReceipts:
    meeting: Meeting
    documents: list[tuple[Document, DocumentVersion]]
    readers: list[ReaderReceipts]
    due_by: datetime.datetime
    # The deadline passed: members who opened nothing are flagged.
    overdue: bool
    flagged_count: int = field(default=0)


# Who is expected to have read the papers before the meeting.
MEMBER_ROLES = (Membership.Role.CHAIR, Membership.Role.VICE_CHAIR, Membership.Role.MEMBER)


def _viewers(meeting: Meeting, documents: list[Document]) -> set[tuple[int, int]] | None:
    """(user id, document id) for every view right held on the documents, in person or
    through a group (two queries); None before the packet is published, when nobody but the
    secretariat reads yet and no right is told apart from another."""
    if not permissions.packet_published(meeting):
        return None
    codename = permissions.VIEW_DOCUMENT.split(".", 1)[1]
    own = DocumentUserObjectPermission.objects.filter(
        content_object__in=documents, permission__codename=codename
    ).values_list("user_id", "content_object_id")
    grouped = DocumentGroupObjectPermission.objects.filter(
        content_object__in=documents, permission__codename=codename
    ).values_list("group__user", "content_object_id")
    return set(own) | set(grouped)


def read_receipts(meeting: Meeting, *, now: datetime.datetime | None = None) -> ReadReceipts:
    """Per member and document: when they first opened it and the newest version they opened
    (viewed, downloaded, or in the packet). From three days before the meeting, members who
    have opened nothing are flagged: the body's members invited to the meeting, not its
    secretary, observers or substitutes (five queries)."""
    now = now or timezone.now()
    due_by = reading_deadline(meeting)
    overdue = now >= due_by
    documents = list(
        Document.objects.filter(meeting=meeting).order_by("agenda_item_id", "position", "pk")
    )
    versions = _latest_versions(documents)
    current = [
        (document, versions[document.pk][max(versions[document.pk])])
        for document in documents
        if versions[document.pk]
    ]
    order = {
        row.item.pk: index
        for index, row in enumerate(agenda_selectors.agenda_overview(meeting).rows)
    }
    current.sort(
        key=lambda pair: (
            pair[0].agenda_item_id is None,
            order.get(pair[0].agenda_item_id or 0, 0),
            pair[0].position,
            pair[0].pk,
        )
    )
    opened = {
        (row["user_id"], row["version__document_id"]): (row["first"], row["latest"])
        for row in Access.objects.filter(version__document__meeting=meeting)
        .values("user_id", "version__document_id")
        .annotate(first=Min("at"), latest=Max("version__number"))
    }
    readers = sorted(
        permissions.default_readers(meeting),
        key=lambda user: (user.last_name, user.first_name, user.username),
    )
    roles = dict(Attendance.objects.filter(meeting=meeting).values_list("user_id", "role"))
    members = {user_id for user_id, role in roles.items() if role in MEMBER_ROLES}
    readable = _viewers(meeting, [document for document, _version in current])
    rows = []
    for user in readers:
        # The secretary prepares the papers and reads them all.
        everything = roles.get(user.pk) == Membership.Role.SECRETARY
        receipts = [
            Receipt(
                *opened.get((user.pk, document.pk), (None, None)),
                version.number,
                readable=everything or readable is None or (user.pk, document.pk) in readable,
            )
            for document, version in current
        ]
        flagged = overdue and user.pk in members and not any(receipt.opened for receipt in receipts)
        rows.append(ReaderReceipts(user, receipts, flagged))
    return ReadReceipts(
        meeting=meeting,
        documents=current,
        readers=rows,
        due_by=due_by,
        overdue=overdue,
        flagged_count=sum(1 for row in rows if row.flagged),
    )


@dataclass(frozen=True)
class PacketPaper:
    document: Document
    version: DocumentVersion
    included: bool  # False: read in the browser only


@dataclass(frozen=True)
class PacketSection:
    number: str
    title: str
    papers: list[PacketPaper]


def packet_contents(meeting: Meeting, user: AnyUser) -> list[PacketSection]:
    """What goes into this reader's packet PDF, in agenda order: the documents they may read,
    included where they may also take them away, listed only where they may not (secret
    documents, and any the secretariat left view-only). Items without such documents are left
    out, the papers about the whole meeting come last."""
    overview = packet_overview(meeting, user)
    sections = []
    for row in overview.rows:
        papers = [
            PacketPaper(entry.document, entry.version, entry.can_download)
            for entry in row.documents
        ]
        if papers:
            sections.append(PacketSection(row.number, row.title, papers))
    if overview.meeting_papers:
        sections.append(
            PacketSection(
                "",
                "",
                [
                    PacketPaper(entry.document, entry.version, entry.can_download)
                    for entry in overview.meeting_papers
                ],
            )
        )
    return sections


def presentation_for(meeting: Meeting, user: AnyUser) -> Presentation | None:
    """The page the presenter shows the room, if this person may read its paper."""
    presentation = (
        Presentation.objects.filter(meeting=meeting).select_related("document__meeting").first()
    )
    if presentation is None:
        return None
    if permissions.VIEW_DOCUMENT not in permissions.document_rights(user, presentation.document):
        return None
    return presentation

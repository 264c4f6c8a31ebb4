"""Reads of a meeting's documents, shaped for the screens and the API, each with a fixed number
of queries whatever the number of documents."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import cast

from django.contrib.auth.models import Group, User
from django.db.models import QuerySet
from guardian.core import ObjectPermissionChecker

from agendas import selectors as agenda_selectors
from agendas.models import AgendaItem
from documents import permissions
from documents.models import (
    Access,
    Document,
    DocumentGroupObjectPermission,
    DocumentUserObjectPermission,
    DocumentVersion,
)
from meetings import permissions as meeting_permissions
from meetings.models import Meeting, Membership
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


def role_groups(meeting: Meeting) -> list[Group]:
    return [meeting_permissions.role_group(meeting.body, role) for role in Membership.Role.values]


def copy_trace(meeting: Meeting, copy_id: uuid.UUID) -> Access | None:
    """Who received the stamped copy with this id, of which version and when (one query).
    Only copies of this meeting's documents are found."""
    return (
        Access.objects.filter(copy_id=copy_id, version__document__meeting=meeting)
        .select_related("user", "version__document")
        .first()
    )

"""Who may view, download and annotate a meeting's documents.

The secretariat (whoever manages the meeting) sees every document of it, published or not.
Everyone else needs two things: the packet is published, and they hold the right on the document
itself as a django-guardian object permission. Those are granted per person to the meeting's
attendees (and the substitutes attending for them) from the document's classification, when the
packet is published or, afterwards, when the document is added; the secretariat grants and
revokes more per person or per role (the body's role groups). A secret document is never
downloaded, whatever is granted: it is read in the browser only.

`access_document` fetches and authorises in one step; missing and forbidden are the same 404,
so nobody learns that a document exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.models import Group, User
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from agendas.models import Speaker
from documents.models import (
    Document,
    DocumentGroupObjectPermission,
    DocumentUserObjectPermission,
    DocumentVersion,
    Note,
    Packet,
)
from meetings import permissions as meeting_permissions
from meetings.models import Attendance, Meeting, Membership
from meetings.permissions import AnyUser

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

VIEW_DOCUMENT = "documents.view_document"
DOWNLOAD_DOCUMENT = "documents.download_document"
ANNOTATE_DOCUMENT = "documents.annotate_document"
DOCUMENT_RIGHTS = frozenset({VIEW_DOCUMENT, DOWNLOAD_DOCUMENT, ANNOTATE_DOCUMENT})

C = Document.Classification
DEFAULT_RIGHTS: dict[str, tuple[str, ...]] = {
    C.PUBLIC: (VIEW_DOCUMENT, DOWNLOAD_DOCUMENT, ANNOTATE_DOCUMENT),
    C.INTERNAL: (VIEW_DOCUMENT, DOWNLOAD_DOCUMENT, ANNOTATE_DOCUMENT),
    C.CONFIDENTIAL: (VIEW_DOCUMENT, DOWNLOAD_DOCUMENT, ANNOTATE_DOCUMENT),
    C.SECRET: (VIEW_DOCUMENT, ANNOTATE_DOCUMENT),
}


def packet_published(meeting: Meeting) -> bool:
    try:
        return meeting.packet.is_published
    except Packet.DoesNotExist:
        return False


def document_rights(
    user: AnyUser, document: Document, checker: ObjectPermissionChecker | None = None
) -> frozenset[str]:
    """What the user may do with the document; empty when they may not see it. Pass a
    checker prefetched for many documents (`prefetch_perms`) to read a list without a query
    per document."""
    return rights_given(
        user,
        document,
        meeting_rights=meeting_permissions.meeting_rights(user, document.meeting),
        published=packet_published(document.meeting),
        checker=checker,
    )


def rights_given(
    user: AnyUser,
    document: Document,
    *,
    meeting_rights: frozenset[str],
    published: bool,
    checker: ObjectPermissionChecker | None = None,
) -> frozenset[str]:
    """`document_rights` from the user's rights on the meeting and the packet's state, read
    once for a list of the meeting's documents."""
    if meeting_permissions.MANAGE_MEETING in meeting_rights:
        rights = DOCUMENT_RIGHTS
    elif meeting_permissions.VIEW_MEETING in meeting_rights and published:
        assert isinstance(user, User)
        granted = (checker or ObjectPermissionChecker(user)).get_perms(document)
        rights = frozenset(f"documents.{codename}" for codename in granted) & DOCUMENT_RIGHTS
    else:
        return frozenset()
    return _held(rights, document)


def can_present(user: AnyUser, meeting: Meeting) -> bool:
    """Whether the person may show the room a page of a paper: the chair and vice-chairs, and
    whoever has the floor now (the minister presenting their item)."""
    if not user.is_authenticated:
        return False
    if meeting_permissions.RUN_MEETING in meeting_permissions.meeting_rights(user, meeting):
        return True
    return Speaker.objects.filter(
        item__meeting=meeting, user=user, status=Speaker.Status.SPEAKING
    ).exists()


def access_document(user: AnyUser, document_id: int, perm: str = VIEW_DOCUMENT) -> Document:
    try:
        document = Document.objects.select_related(
            "meeting__body", "meeting__packet", "agenda_item"
        ).get(pk=document_id)
    except (Document.DoesNotExist, ValueError, TypeError):
        raise Http404("No such document.") from None
    if perm not in document_rights(user, document):
        raise Http404("No such document.")
    return document


def default_readers(meeting: Meeting) -> list[User]:
    """The meeting's attendees and the substitutes attending for them."""
    readers: dict[int, User] = {}
    for attendance in Attendance.objects.filter(meeting=meeting).select_related(
        "user", "substitute"
    ):
        readers[attendance.user_id] = attendance.user
        if attendance.substitute is not None:
            readers[attendance.substitute.pk] = attendance.substitute
    return list(readers.values())


def grant_defaults(documents: Iterable[Document], readers: Iterable[User]) -> None:
    """Give the readers the rights the documents' classifications give attendees."""
    readers = list(readers)
    for document in documents:
        for perm in DEFAULT_RIGHTS[document.classification]:
            assign_perm(perm, readers, document)


# The rights the secretariat grants and revokes, by their short names in forms and the API.
RIGHTS_BY_NAME: dict[str, str] = {
    "view": VIEW_DOCUMENT,
    "download": DOWNLOAD_DOCUMENT,
    "annotate": ANNOTATE_DOCUMENT,
}
NAME_BY_RIGHT = {perm: name for name, perm in RIGHTS_BY_NAME.items()}
RIGHT_LABELS: dict[str, StrPromise] = {
    "view": gettext_lazy("View"),
    "download": gettext_lazy("Download"),
    "annotate": gettext_lazy("Keep notes"),
}
# Withdrawn from everyone when the meeting closes (DOCUMENTS_REVOKE_CONFIDENTIAL_ON_CLOSE).
HANDED_BACK = frozenset({C.CONFIDENTIAL, C.SECRET})
# Read in the browser through a stamped copy, so that a saved copy names its reader.
STAMPED_VIEW = frozenset({C.CONFIDENTIAL, C.SECRET})
STAMPED_DOWNLOAD = frozenset({C.CONFIDENTIAL})


def can_manage_documents(user: AnyUser, meeting: Meeting) -> bool:
    """Upload, replace, classify, grant and trace copies: the meeting's secretariat."""
    return meeting_permissions.can_manage_meeting(user, meeting)


def access_documents(user: AnyUser, meeting_id: int) -> Meeting:
    """The meeting, if the user may see it (its documents are then filtered per document)."""
    return meeting_permissions.access_meeting(user, meeting_id)


def access_meeting_document(
    user: AnyUser, meeting_id: int, document_id: int, perm: str = VIEW_DOCUMENT
) -> Document:
    """A document of this meeting the user has `perm` on; one of another meeting is missing."""
    document = access_document(user, document_id, perm)
    if document.meeting_id != meeting_id:
        raise Http404("No such document.")
    return document


def access_version(
    user: AnyUser, document_id: int, number: int | None, perm: str = VIEW_DOCUMENT
) -> DocumentVersion:
    """A version of a document the user has `perm` on; the latest when `number` is None."""
    document = access_document(user, document_id, perm)
    versions = DocumentVersion.objects.filter(document=document).select_related(
        "document__meeting__body", "document__meeting__packet"
    )
    version = (
        versions.order_by("-number").first()
        if number is None
        else versions.filter(number=number).first()
    )
    if version is None:
        raise Http404("No such version.")
    return version


def confidential_handed_back(meeting: Meeting) -> bool:
    try:
        return meeting.packet.confidential_revoked_at is not None
    except Packet.DoesNotExist:
        return False


def defaults_apply(document: Document) -> bool:
    """Whether the meeting's attendees now hold the default rights on this document: from the
    packet's publication on, except for papers handed back when the meeting closed."""
    meeting = document.meeting
    if not packet_published(meeting):
        return False
    return not (document.classification in HANDED_BACK and confidential_handed_back(meeting))


def may_be_granted(user: User, meeting: Meeting) -> bool:
    """A person may receive rights on a meeting's documents when they attend it (or attend for
    someone) or hold a role in its body: others could not open the meeting anyway."""
    if (
        Attendance.objects.filter(meeting=meeting)
        .filter(Q(user=user) | Q(substitute=user))
        .exists()
    ):
        return True
    names = [meeting_permissions.role_group_name(meeting.body_id, role) for role in Membership.Role]
    return user.groups.filter(name__in=names).exists()


def grant(perms: Iterable[str], holder: User | Group, document: Document) -> None:
    for perm in perms:
        assign_perm(perm, holder, document)


def revoke(perms: Iterable[str], holder: User | Group, document: Document) -> None:
    for perm in perms:
        remove_perm(perm, holder, document)


def revoke_all(documents: Iterable[Document]) -> None:
    """Withdraw every person's and every role's rights on the documents (two queries)."""
    ids = [document.pk for document in documents]
    DocumentUserObjectPermission.objects.filter(content_object_id__in=ids).delete()
    DocumentGroupObjectPermission.objects.filter(content_object_id__in=ids).delete()


def move_defaults(document: Document, old: str, readers: Iterable[User]) -> None:
    """After a reclassification from `old`, give the readers what the new classification gives
    attendees and take away what only the old one gave."""
    readers = list(readers)
    new = DEFAULT_RIGHTS[document.classification]
    for perm in set(DEFAULT_RIGHTS[old]) - set(new):
        remove_perm(perm, readers, document)
    for perm in new:
        assign_perm(perm, readers, document)


def meeting_document_rights(
    user: AnyUser,
    meeting: Meeting,
    documents: Iterable[Document],
    meeting_rights: frozenset[str] | None = None,
) -> dict[int, frozenset[str]]:
    """`document_rights` for many documents of one meeting in a fixed number of queries: the
    meeting's rights are read once (or given, when the caller has them) and the documents'
    permissions prefetched together."""
    documents = list(documents)
    if meeting_rights is None:
        meeting_rights = meeting_permissions.meeting_rights(user, meeting)
    manager = meeting_permissions.MANAGE_MEETING in meeting_rights
    granted: dict[int, frozenset[str]] = {}
    if manager:
        granted = {document.pk: DOCUMENT_RIGHTS for document in documents}
    elif (
        meeting_permissions.VIEW_MEETING in meeting_rights
        and packet_published(meeting)
        and documents
    ):
        assert isinstance(user, User)
        checker = ObjectPermissionChecker(user)
        checker.prefetch_perms(cast(Any, documents))  # a list works as well as a queryset
        granted = {
            document.pk: frozenset(f"documents.{name}" for name in checker.get_perms(document))
            & DOCUMENT_RIGHTS
            for document in documents
        }
    return {
        document.pk: _held(granted.get(document.pk, frozenset()), document)
        for document in documents
    }


def readers_document_rights(
    meeting: Meeting, documents: Iterable[Document], meeting_rights: dict[int, frozenset[str]]
) -> dict[int, dict[int, frozenset[str]]]:
    """`meeting_document_rights` of many people at once (one query), given their rights on the
    meeting: {user id: {document id: rights}}."""
    documents = list(documents)
    granted: dict[int, dict[int, set[str]]] = {}
    readers = set()
    for user_id, rights in meeting_rights.items():
        if meeting_permissions.MANAGE_MEETING in rights:
            granted[user_id] = {document.pk: set(DOCUMENT_RIGHTS) for document in documents}
        else:
            granted[user_id] = {document.pk: set() for document in documents}
            if meeting_permissions.VIEW_MEETING in rights:
                readers.add(user_id)
    if readers and documents and packet_published(meeting):
        own = DocumentUserObjectPermission.objects.filter(
            user__in=readers, content_object__in=documents
        ).values_list("user_id", "content_object_id", "permission__codename")
        through_group = DocumentGroupObjectPermission.objects.filter(
            group__user__in=readers, content_object__in=documents
        ).values_list("group__user", "content_object_id", "permission__codename")
        for user_id, document_id, codename in own.union(through_group):
            granted[user_id][document_id].add(f"documents.{codename}")
    return {
        user_id: {
            document.pk: _held(frozenset(held[document.pk]) & DOCUMENT_RIGHTS, document)
            for document in documents
        }
        for user_id, held in granted.items()
    }


def _held(rights: frozenset[str], document: Document) -> frozenset[str]:
    """What granted rights allow on a document: nothing without the right to view it, and no
    download of a secret paper."""
    if VIEW_DOCUMENT not in rights:
        return frozenset()
    if document.classification == C.SECRET:
        return rights - {DOWNLOAD_DOCUMENT}
    return rights


def documents_viewable_by(user: AnyUser) -> QuerySet[Document]:
    """The documents the user may view, as one query to filter on: `rights_given` written in
    SQL, for the archive's search, which pages through documents of many meetings at once and
    must never count, rank or show a paper the user may not open. Every document of a meeting
    they manage; otherwise, in a meeting they see whose packet is published, those on which they
    hold the view right themselves or through one of their groups."""
    if not user.is_authenticated:
        return Document.objects.none()
    managed = get_objects_for_user(
        user, meeting_permissions.MANAGE_MEETING, klass=Meeting, accept_global_perms=False
    )
    seen = meeting_permissions.meetings_for_user(user)
    codename = VIEW_DOCUMENT.split(".", 1)[1]
    own = DocumentUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user=user, permission__codename=codename
    )
    through_group = DocumentGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"),
        group__in=user.groups.all(),
        permission__codename=codename,
    )
    return Document.objects.filter(
        Q(meeting__in=managed.values("pk"))
        | Q(
            meeting__in=seen.values("pk"),
            meeting__packet__published_at__isnull=False,
        )
        & (Exists(own) | Exists(through_group))
    )


def access_note(user: AnyUser, document_id: int, note_id: int) -> Note:
    """One's own note on a document one may still annotate. Anybody else's note is missing."""
    document = access_document(user, document_id, ANNOTATE_DOCUMENT)
    try:
        note = Note.objects.select_related("document").get(
            pk=note_id, document=document, user_id=user.pk or 0
        )
    except (Note.DoesNotExist, ValueError, TypeError):
        raise Http404("No such note.") from None
    note.document = document
    return note

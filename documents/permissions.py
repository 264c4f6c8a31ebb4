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
from typing import Any, cast

from django.contrib.auth.models import User
from django.http import Http404
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import assign_perm

from documents.models import Document, Note, Packet
from meetings import permissions as meeting_permissions
from meetings.models import Attendance, Meeting
from meetings.permissions import AnyUser

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
    meeting_rights = meeting_permissions.meeting_rights(user, document.meeting)
    if meeting_permissions.MANAGE_MEETING in meeting_rights:
        rights = DOCUMENT_RIGHTS
    elif meeting_permissions.VIEW_MEETING in meeting_rights and packet_published(document.meeting):
        assert isinstance(user, User)
        granted = (checker or ObjectPermissionChecker(user)).get_perms(document)
        rights = frozenset(f"documents.{codename}" for codename in granted) & DOCUMENT_RIGHTS
    else:
        return frozenset()
    if VIEW_DOCUMENT not in rights:
        return frozenset()
    if document.classification == C.SECRET:
        rights -= {DOWNLOAD_DOCUMENT}
    return rights


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
    rights: dict[int, frozenset[str]] = {}
    for document in documents:
        held = granted.get(document.pk, frozenset())
        if VIEW_DOCUMENT not in held:
            rights[document.pk] = frozenset()
            continue
        if document.classification == C.SECRET:
            held -= {DOWNLOAD_DOCUMENT}
        rights[document.pk] = held
    return rights


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

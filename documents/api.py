"""The REST API of meeting documents (under /api/v1/meetings/<id>/documents/), the packet
(/api/v1/meetings/<id>/packet/) and one's private notes (/api/v1/documents/<id>/notes/).

Like `meetings.api`: fetch with an `access_*` function (missing and forbidden are both 404, so
nobody learns that a paper exists), parse the input, call one service, render. Files are
uploaded as multipart form data; they are read, and converted to PDF where needed, by
`documents.uploads`. Files are not served here: a reader asks for a download link, which is
theirs alone and expires (see documents.links), or reads the PDF at the document's `view_url`.
"""

from __future__ import annotations

import datetime
import functools
import uuid
from collections.abc import Callable, Mapping
from typing import Any, cast

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agendas.models import AgendaItem
from core.api import ERRORS, READ_ERRORS, ListView, action_view, parse, request_actor
from documents import links, permissions, selectors, services, views
from documents.models import Document
from documents.serializers import (
    CopyTraceSerializer,
    DocumentCreateSerializer,
    DocumentSerializer,
    DocumentUpdateSerializer,
    DownloadLinkRequestSerializer,
    DownloadLinkSerializer,
    GrantSerializer,
    GrantsSerializer,
    NoteCreateSerializer,
    NoteSerializer,
    NoteUpdateSerializer,
    PacketSerializer,
    PresentationSerializer,
    PresentSerializer,
    ReadReceiptsSerializer,
    VersionCreateSerializer,
    VersionSerializer,
)
from meetings import permissions as meeting_permissions
from meetings.models import Meeting

UPLOAD_PARSERS = [MultiPartParser, FormParser]
NO_CONTENT = {204: None, **ERRORS}


def _row(actor: User, document: Document, *, code: int = status.HTTP_200_OK) -> Response:
    return Response(DocumentSerializer(selectors.document_row(actor, document)).data, status=code)


def _document(actor: User, meeting_id: int, document_id: int) -> Document:
    return permissions.access_meeting_document(actor, meeting_id, document_id)


def _secretariat_document(actor: User, meeting_id: int, document_id: int) -> Document:
    """A document whose secretariat-only details (grants) the actor may read; others get the
    same 404 as for a missing one."""
    document = _document(actor, meeting_id, document_id)
    if not permissions.can_manage_documents(actor, document.meeting):
        raise Http404
    return document


def _referenced_item(meeting: Meeting, item_id: int | None) -> AgendaItem | None:
    if item_id is None:
        return None
    item = AgendaItem.objects.filter(pk=item_id, meeting=meeting).first()
    if item is None:
        raise serializers.ValidationError({"agenda_item": [_("No such agenda item.")]})
    return item


def _referenced_user(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise serializers.ValidationError({"user": [_("No such person.")]})
    return user


class DocumentListView(ListView):
    parser_classes = [*UPLOAD_PARSERS]

    @extend_schema(
        tags=["documents"],
        summary="The meeting's documents the user may read",
        description="In agenda order, papers about the whole meeting first, each with the "
        "user's rights and its versions. Members see documents once the packet is published "
        "and only those they were given; the secretariat sees all.",
        responses={200: DocumentSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        meeting = permissions.access_documents(actor, meeting_id)
        rows = selectors.document_list_for_user(meeting, actor)
        return self.paginated(request, cast(QuerySet[Any], rows), DocumentSerializer)

    @extend_schema(
        tags=["documents"],
        summary="Add a document (the secretariat)",
        description="Multipart upload. PDF is stored as it is; Word (.doc, .docx), "
        "PowerPoint (.ppt, .pptx) and OpenDocument (.odt, .odp, .ods) are converted to PDF. "
        "The type is read from the content. Refused with 400 (field `file`) when too large, "
        "damaged, protected by a password, or not what its name says.",
        request={"multipart/form-data": DocumentCreateSerializer},
        responses={201: DocumentSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        meeting = permissions.access_documents(actor, meeting_id)
        data = parse(DocumentCreateSerializer, request)
        document = services.document_create(
            actor=actor,
            meeting=meeting,
            file=data["file"],
            title=data["title"],
            kind=data["kind"],
            classification=data["classification"],
            agenda_item=_referenced_item(meeting, data["agenda_item"]),
        )
        return _row(actor, document, code=status.HTTP_201_CREATED)


class DocumentDetailView(APIView):
    parser_classes = [JSONParser, *UPLOAD_PARSERS]

    @extend_schema(tags=["documents"], responses={200: DocumentSerializer, **READ_ERRORS})
    def get(self, request: Request, meeting_id: int, document_id: int) -> Response:
        actor = request_actor(request)
        return _row(actor, _document(actor, meeting_id, document_id))

    @extend_schema(
        tags=["documents"],
        summary="Change the title, kind, classification or agenda item (the secretariat)",
        description="A new classification moves the attendees' default rights with it.",
        request=DocumentUpdateSerializer,
        responses={200: DocumentSerializer, **ERRORS},
    )
    def patch(self, request: Request, meeting_id: int, document_id: int) -> Response:
        actor = request_actor(request)
        document = _document(actor, meeting_id, document_id)
        data = parse(DocumentUpdateSerializer, request, partial=True)
        if "agenda_item" in data:
            data["agenda_item"] = _referenced_item(document.meeting, data["agenda_item"])
        document = services.document_edit(actor=actor, document=document, **data)
        return _row(actor, document)

    @extend_schema(
        tags=["documents"],
        summary="Delete a document (the secretariat, before the packet is published)",
        description="Once the packet is published a document belongs to the record: 400.",
        request=None,
        responses=NO_CONTENT,
    )
    def delete(self, request: Request, meeting_id: int, document_id: int) -> Response:
        actor = request_actor(request)
        services.document_delete(actor=actor, document=_document(actor, meeting_id, document_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class VersionListView(APIView):
    parser_classes = [*UPLOAD_PARSERS]

    @extend_schema(
        tags=["documents"],
        summary="Replace a document with a new version (the secretariat)",
        description="Multipart upload, read like a new document. Earlier versions are kept.",
        request={"multipart/form-data": VersionCreateSerializer},
        responses={201: VersionSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int, document_id: int) -> Response:
        actor = request_actor(request)
        document = _document(actor, meeting_id, document_id)
        data = parse(VersionCreateSerializer, request)
        version = services.document_replace(actor=actor, document=document, file=data["file"])
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)


def _change_grants(
    request: Request, meeting_id: int, document_id: int, change: Callable[..., Document]
) -> Response:
    """Give or take rights (`services.document_grant` or `document_revoke`), answered with
    everyone's rights as they now stand."""
    actor = request_actor(request)
    document = _document(actor, meeting_id, document_id)
    data = parse(GrantSerializer, request)
    document = change(
        actor=actor,
        document=document,
        rights=data["rights"],
        user=_referenced_user(data["user"]),
        role=data["role"],
    )
    return Response(GrantsSerializer(selectors.document_grants(document)).data)


class GrantListView(APIView):
    @extend_schema(
        tags=["documents"],
        summary="Who holds rights on the document (the secretariat)",
        responses={200: GrantsSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int, document_id: int) -> Response:
        document = _secretariat_document(request_actor(request), meeting_id, document_id)
        return Response(GrantsSerializer(selectors.document_grants(document)).data)

    @extend_schema(
        tags=["documents"],
        summary="Give a person or a role rights on the document (the secretariat)",
        description="`rights` among view, download, annotate; view comes with the others. A "
        "person must attend the meeting or belong to the body. Download is never given on a "
        "secret document.",
        request=GrantSerializer,
        responses={200: GrantsSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int, document_id: int) -> Response:
        return _change_grants(request, meeting_id, document_id, services.document_grant)


class GrantRevokeView(APIView):
    @extend_schema(
        tags=["documents"],
        summary="Take rights back from a person or a role (the secretariat)",
        description="Revoking view takes every right. Takes effect at once, also for download "
        "links already handed out.",
        request=GrantSerializer,
        responses={200: GrantsSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int, document_id: int) -> Response:
        return _change_grants(request, meeting_id, document_id, services.document_revoke)


class DownloadLinkView(APIView):
    @extend_schema(
        tags=["documents"],
        summary="Issue a download link for the user",
        description="The link works only for the user who asked, only until `expires_at`, and "
        "only while they may still download the document. Confidential documents are stamped "
        "on every page with the reader's name, the time and a copy id; secret documents are "
        "never downloaded (404).",
        request=DownloadLinkRequestSerializer,
        responses={201: DownloadLinkSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int, document_id: int) -> Response:
        actor = request_actor(request)
        _document(actor, meeting_id, document_id)
        data = parse(DownloadLinkRequestSerializer, request)
        version = permissions.access_version(
            actor, document_id, data["version"], permissions.DOWNLOAD_DOCUMENT
        )
        expires_at = timezone.now() + datetime.timedelta(seconds=links.link_seconds())
        link = {
            # Tied to this session: the link works in the browser session that asked for it.
            "url": request.build_absolute_uri(
                links.download_path(
                    user=actor, version=version, session_key=request.session.session_key
                )
            ),
            "expires_at": expires_at,
            "version": version.number,
        }
        return Response(DownloadLinkSerializer(link).data, status=status.HTTP_201_CREATED)


class CopyTraceView(APIView):
    @extend_schema(
        tags=["documents"],
        summary="Who received a stamped copy (the secretariat)",
        description="The copy id is printed at the foot of every page of a stamped copy.",
        responses={200: CopyTraceSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int, copy_id: uuid.UUID) -> Response:
        actor = request_actor(request)
        meeting = permissions.access_documents(actor, meeting_id)
        if not permissions.can_manage_documents(actor, meeting):
            raise Http404
        access = selectors.copy_trace(meeting, copy_id)
        if access is None:
            raise Http404
        return Response(CopyTraceSerializer(access).data)


def _packet(request: Request, meeting: Meeting) -> Response:
    overview = selectors.packet_overview(meeting, request_actor(request))
    return Response(PacketSerializer(overview).data)


class PacketView(APIView):
    @extend_schema(
        tags=["packet"],
        summary="The meeting's papers as this person may read them, in agenda order",
        description="Each agenda item with the documents the person may read, and for each "
        "whether it is new to them or changed since the version they last opened (and which "
        "pages). Until the packet is published only the secretariat sees documents.",
        responses={200: PacketSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        return _packet(
            request, meeting_permissions.access_meeting(request_actor(request), meeting_id)
        )


packet_action_view = functools.partial(
    action_view,
    target=meeting_permissions.access_meeting,
    keyword="meeting",
    answer=lambda request, packet: _packet(request, packet.meeting),
    tags=["packet"],
    responses={200: PacketSerializer, **ERRORS},
)

PacketPublishView = packet_action_view(
    "PacketPublishView",
    services.packet_publish,
    summary="Publish the packet (the secretariat)",
    description="The attendees get the rights each document's classification gives, are told "
    "by e-mail, and their tablets receive `documents.packet_published`. The meeting must be "
    "scheduled (or under way), its agenda published, and one document uploaded.",
)
PacketUnpublishView = packet_action_view(
    "PacketUnpublishView",
    services.packet_unpublish,
    summary="Take the packet back before the session (the secretariat)",
    description="Members no longer see the documents; their rights are kept for the next "
    "publication.",
)


class PDFRenderer(renderers.BaseRenderer):
    """Lets a client ask for `application/pdf`; the view answers with the file itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return data if isinstance(data, bytes) else b""


class PacketPdfView(APIView):
    renderer_classes = [renderers.JSONRenderer, PDFRenderer]

    @extend_schema(
        tags=["packet"],
        summary="Download this person's packet as one PDF",
        description="A cover with the reader's name, the contents with page numbers, then the "
        "documents the person may take away in agenda order, bookmarked per item and document, "
        'with "page x of y" on every page. Confidential documents are stamped for the reader '
        "with a copy id of their own; secret documents are never included, only listed as read "
        "in the browser only. Every version included is recorded as an access.",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
            **READ_ERRORS,
        },
    )
    def get(self, request: Request, meeting_id: int) -> HttpResponseBase:
        actor = request_actor(request)
        meeting = meeting_permissions.access_meeting(actor, meeting_id)
        return views.packet_response(actor, meeting, request.session.session_key)


def _receipts_data(receipts: selectors.ReadReceipts) -> dict[str, Any]:
    return {
        "due_by": receipts.due_by,
        "overdue": receipts.overdue,
        "documents": [
            {"id": document.pk, "title": document.title, "version": version.number}
            for document, version in receipts.documents
        ],
        "readers": [
            {
                "user": row.user,
                "opened_any": row.opened_any,
                "flagged": row.flagged,
                "receipts": [
                    {
                        "document": document.pk,
                        "first_opened_at": receipt.first_opened_at,
                        "latest_version": receipt.latest_version,
                        "current_version": receipt.current_version,
                        "readable": receipt.readable,
                    }
                    for (document, _), receipt in zip(receipts.documents, row.receipts, strict=True)
                ],
            }
            for row in receipts.readers
        ],
    }


class ReadReceiptsView(APIView):
    @extend_schema(
        tags=["packet"],
        summary="Who opened which document, and when (the secretariat)",
        description="Per invited person and document: when they first opened it (in the "
        "browser, downloaded, or in the packet) and the newest version they opened. From three "
        "days before the meeting (`due_by`), those who opened nothing are `flagged`.",
        responses={200: ReadReceiptsSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = meeting_permissions.access_meeting(
            request_actor(request), meeting_id, meeting_permissions.MANAGE_MEETING
        )
        data = _receipts_data(selectors.read_receipts(meeting))
        return Response(ReadReceiptsSerializer(data).data)


# Notes


def _note(view: selectors.NoteView, *, code: int = status.HTTP_200_OK) -> Response:
    return Response(NoteSerializer(view).data, status=code)


def _note_view(note_id: int, document: Document, actor: User) -> selectors.NoteView:
    return next(view for view in selectors.note_list(document, actor) if view.note.pk == note_id)


class PresentView(APIView):
    @extend_schema(
        tags=["documents"],
        summary="Show the room a page of the document (the chair, a vice-chair, or whoever has "
        "the floor)",
        description="During the session. Tablets that follow the presenter go to the page: "
        "those who may read the document receive it in their `presenting` region; the event "
        "`documents.page_shown` itself names neither the document nor the page.",
        request=PresentSerializer,
        responses={200: PresentationSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int, document_id: int) -> Response:
        actor = request_actor(request)
        document = _document(actor, meeting_id, document_id)
        data = parse(PresentSerializer, request)
        presentation = services.presentation_show(actor=actor, document=document, **data)
        return Response(PresentationSerializer(presentation).data)


class NoteListView(APIView):
    @extend_schema(
        tags=["notes"],
        summary="My notes on a document",
        description="Only one's own notes: nobody else ever sees them. A note whose page "
        "changed in a newer version (or no longer exists) has `page_changed`.",
        responses={200: NoteSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, document_id: int) -> Response:
        actor = request_actor(request)
        document = permissions.access_document(actor, document_id)
        return Response(NoteSerializer(selectors.note_list(document, actor), many=True).data)

    @extend_schema(
        tags=["notes"],
        summary="Add a note on a page of the newest version",
        request=NoteCreateSerializer,
        responses={201: NoteSerializer, **ERRORS},
    )
    def post(self, request: Request, document_id: int) -> Response:
        actor = request_actor(request)
        document = permissions.access_document(actor, document_id)
        data = parse(NoteCreateSerializer, request)
        note = services.note_add(actor=actor, document=document, **data)
        return _note(_note_view(note.pk, document, actor), code=status.HTTP_201_CREATED)


class NoteDetailView(APIView):
    @extend_schema(
        tags=["notes"],
        summary="Change one of my notes",
        description="The note is anchored again to its page as it is in the newest version.",
        request=NoteUpdateSerializer,
        responses={200: NoteSerializer, **ERRORS},
    )
    def patch(self, request: Request, document_id: int, note_id: int) -> Response:
        actor = request_actor(request)
        note = permissions.access_note(actor, document_id, note_id)
        data = parse(NoteUpdateSerializer, request)
        services.note_edit(actor=actor, note=note, **data)
        return _note(_note_view(note.pk, note.document, actor))

    @extend_schema(
        tags=["notes"],
        summary="Delete one of my notes",
        request=None,
        responses={204: None, **ERRORS},
    )
    def delete(self, request: Request, document_id: int, note_id: int) -> Response:
        actor = request_actor(request)
        note = permissions.access_note(actor, document_id, note_id)
        services.note_delete(actor=actor, note=note)
        return Response(status=status.HTTP_204_NO_CONTENT)

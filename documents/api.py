"""The REST API of the meeting packet (under /api/v1/): the packet as one person sees it, its
publication, the packet PDF, the secretariat's read receipts, and one's private notes.

Like `meetings.api`: fetch with an `access_*` function (missing and forbidden are both 404),
parse the input, call one service, render. `meetings.api.exception_handler` turns the
services' refusals into 400 and 403.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from documents import permissions, selectors, services, views
from documents.models import Document, Packet
from documents.serializers import (
    NoteCreateSerializer,
    NoteSerializer,
    NoteUpdateSerializer,
    PacketSerializer,
    ReadReceiptsSerializer,
)
from meetings import permissions as meeting_permissions
from meetings.api import ERRORS, READ_ERRORS, _parse, request_actor
from meetings.models import Meeting
from meetings.serializers import NoInputSerializer


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


def _packet_action_view(
    action: Callable[..., Packet], summary: str, description: str
) -> type[APIView]:
    """A POST endpoint with no input that applies one service to the packet."""

    class PacketActionView(APIView):
        @extend_schema(
            tags=["packet"],
            summary=summary,
            description=description,
            request=None,
            responses={200: PacketSerializer, **ERRORS},
        )
        def post(self, request: Request, meeting_id: int) -> Response:
            actor = request_actor(request)
            meeting = meeting_permissions.access_meeting(actor, meeting_id)
            _parse(NoInputSerializer, request)
            packet = action(actor=actor, meeting=meeting)
            return _packet(request, packet.meeting)

    PacketActionView.__name__ = PacketActionView.__qualname__ = (
        f"Packet{action.__name__.removeprefix('packet_').capitalize()}View"
    )
    return PacketActionView


PacketPublishView = _packet_action_view(
    services.packet_publish,
    "Publish the packet (the secretariat)",
    "The attendees get the rights each document's classification gives, are told by e-mail, "
    "and their tablets receive `documents.packet_published`. The meeting must be scheduled "
    "(or under way), its agenda published, and one document uploaded.",
)
PacketUnpublishView = _packet_action_view(
    services.packet_unpublish,
    "Take the packet back before the session (the secretariat)",
    "Members no longer see the documents; their rights are kept for the next publication.",
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
        data = _parse(NoteCreateSerializer, request)
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
        data = _parse(NoteUpdateSerializer, request)
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

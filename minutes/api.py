"""The minutes API (under /api/v1/meetings/<id>/minutes/) and the verification of signed PDFs
(/api/v1/verify-pdf/).

Like the other APIs: fetch with an `access_*` function (missing and forbidden are both 404;
minutes are the secretariat's and the chair's until they are signed), parse, call one service,
render. `meetings.api.exception_handler` turns refusals into 400 and 403.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from meetings import permissions as meeting_permissions
from meetings.api import ERRORS, READ_ERRORS, _parse, request_actor
from meetings.permissions import access_body, access_meeting, meetings_for_user
from meetings.serializers import ErrorSerializer, NoInputSerializer
from minutes import archive, exports, services, verify
from minutes.forms import ArchiveSearchForm
from minutes.models import Minutes
from minutes.permissions import access_exportable_minutes, access_minutes, access_minutes_meeting
from minutes.serializers import (
    ArchiveSearchResultSerializer,
    MinutesEditSerializer,
    MinutesReturnSerializer,
    MinutesSerializer,
    MinutesSignSerializer,
    VerificationSerializer,
    VerifyUploadSerializer,
)

TAGS = ["minutes"]


def _rendered(minutes: Minutes, code: int = 200) -> Response:
    minutes = Minutes.objects.prefetch_related("signatures__signer", "versions").get(pk=minutes.pk)
    return Response(MinutesSerializer(minutes).data, status=code)


def pdf_response(minutes: Minutes, *, attachment: bool = True) -> HttpResponse:
    pdf = bytes(Minutes.objects.values_list("pdf", flat=True).get(pk=minutes.pk) or b"")
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"minutes-{minutes.meeting_id}-{minutes.number.replace('/', '-')}.pdf"
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["X-Content-SHA256"] = minutes.pdf_sha256
    return response


class MinutesView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="The meeting's current minutes",
        description="The secretariat and the chair see them from the draft on; everyone who "
        "may see the meeting, once they are signed.",
        responses={200: MinutesSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        return _rendered(access_minutes(request_actor(request), meeting_id))

    @extend_schema(
        tags=TAGS,
        summary="Draft the minutes from the record (the secretariat)",
        description="Once the meeting is closed. The draft holds the record as data and a "
        "text per section for the secretary to edit.",
        request=None,
        responses={201: MinutesSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        meeting = access_minutes_meeting(actor, meeting_id)
        _parse(NoInputSerializer, request)
        return _rendered(services.minutes_draft(actor=actor, meeting=meeting), 201)

    @extend_schema(
        tags=TAGS,
        summary="Change the text of sections (the secretariat)",
        description="A draft or returned minutes only. Each change keeps a version.",
        request=MinutesEditSerializer,
        responses={200: MinutesSerializer, **ERRORS},
    )
    def patch(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        minutes = access_minutes(actor, meeting_id)
        data = _parse(MinutesEditSerializer, request)
        return _rendered(services.minutes_edit(actor=actor, minutes=minutes, texts=data["texts"]))


class MinutesSubmitView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Submit the minutes to the chair (the secretariat)",
        request=None,
        responses={200: MinutesSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        minutes = access_minutes(actor, meeting_id)
        _parse(NoInputSerializer, request)
        return _rendered(services.minutes_submit(actor=actor, minutes=minutes))


class MinutesReturnView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Return the minutes with remarks (the chair)",
        request=MinutesReturnSerializer,
        responses={200: MinutesSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        minutes = access_minutes(actor, meeting_id)
        data = _parse(MinutesReturnSerializer, request)
        return _rendered(
            services.minutes_return(actor=actor, minutes=minutes, remarks=data["remarks"])
        )


class MinutesApproveView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Approve the minutes (the chair)",
        description="Renders the PDF with two empty signature fields. Minutes changed after "
        "they were first submitted are recorded as approved as corrected.",
        request=None,
        responses={200: MinutesSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        minutes = access_minutes(actor, meeting_id)
        _parse(NoInputSerializer, request)
        return _rendered(services.minutes_approve(actor=actor, minutes=minutes))


class MinutesSignView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=TAGS,
        summary="Sign the approved minutes (the secretary, then the chair)",
        description="Multipart: the signer's PKCS#12 key file (`pkcs12`) and its `passphrase`, "
        "used for this one signature and never stored. The certificate must lead to a "
        "configured trust root.",
        request={"multipart/form-data": MinutesSignSerializer},
        responses={200: MinutesSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        minutes = access_minutes(actor, meeting_id)
        data = _parse(MinutesSignSerializer, request)
        return _rendered(
            services.minutes_sign(
                actor=actor,
                minutes=minutes,
                pkcs12=data["pkcs12"].read(),
                passphrase=data["passphrase"],
            )
        )


class MinutesPdfView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="The minutes' PDF (approved, signed once, or signed)",
        description="The `X-Content-SHA256` header carries the archived SHA-256.",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **READ_ERRORS,
        },
    )
    def get(self, request: Request, meeting_id: int) -> HttpResponse:
        minutes = access_minutes(request_actor(request), meeting_id)
        if not minutes.pdf_sha256:
            return Response(
                {"detail": _("These minutes have no PDF until they are approved.")}, status=404
            )
        return pdf_response(minutes)


def verification(data: bytes) -> dict[str, Any]:
    roots = verify.load_trust_roots(settings.MINUTES_TRUST_ROOTS)
    checks = verify.verify_pdf(data, roots)
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        "signatures": [
            {
                "field": check.field,
                "signer": check.signer,
                "subject": check.subject,
                "signed_at": check.signed_at,
                "valid": check.valid,
                "trusted": check.trusted,
                "whole_document": check.whole_document,
                "later_changes_allowed": check.later_changes_allowed,
                "ok": check.ok,
                "problem": check.problem,
                "timestamped_at": check.timestamped_at,
                "timestamp_trusted": check.timestamp_trusted,
            }
            for check in checks
        ],
    }


class VerifyPdfView(APIView):
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAGS,
        summary="Check the signatures of a PDF (anyone)",
        description="Multipart with `file`. For each signature: the signer, the signing time, "
        "whether it is valid (the signed bytes are intact), whether the document changed "
        "after it, and whether the certificate leads to a configured trust root.",
        request={"multipart/form-data": VerifyUploadSerializer},
        responses={200: VerificationSerializer, 400: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        data = _parse(VerifyUploadSerializer, request)
        try:
            result = verification(data["file"].read())
        except verify.VerificationError as error:
            return Response({"detail": str(error), "field": "file"}, status=400)
        return Response(VerificationSerializer(result).data)


class MinutesVerifyView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Check the signatures of the archived PDF",
        responses={200: VerificationSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        minutes = access_minutes(request_actor(request), meeting_id)
        pdf = bytes(Minutes.objects.values_list("pdf", flat=True).get(pk=minutes.pk) or b"")
        try:
            result = verification(pdf)
        except verify.VerificationError as error:
            return Response({"detail": str(error)}, status=status.HTTP_404_NOT_FOUND)
        return Response(VerificationSerializer(result).data)


# Exports


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class MeetingVotesPopoloView(APIView):
    # Anonymous callers get the same 404 as a missing meeting, from access_meeting.
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="meeting_votes_popolo",
        summary="The meeting's closed polls as Popolo motions and vote events",
        description="For whoever may see the meeting. Only closed polls; named votes only for "
        "roll calls, never for secret ballots.",
        responses={
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
            404: ErrorSerializer,
        },
    )
    def get(self, request: Request, meeting_id: int) -> HttpResponse:
        meeting = access_meeting(request.user, meeting_id)
        content = json.dumps(exports.meeting_popolo(meeting), ensure_ascii=False, indent=2)
        return _download(
            content.encode(), "application/json", f"meeting-{meeting.pk}-votes.popolo.json"
        )


class MinutesAkomaNtosoView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="minutes_akoma_ntoso",
        summary="The minutes as an Akoma Ntoso 3.0 debate",
        description="The current minutes once approved, for the secretariat and the chair; "
        "for everyone else who may see the meeting, the latest signed minutes.",
        responses={
            (200, "application/akn+xml"): OpenApiResponse(OpenApiTypes.STR),
            404: ErrorSerializer,
        },
    )
    def get(self, request: Request, meeting_id: int) -> HttpResponse:
        minutes = access_exportable_minutes(request.user, meeting_id)
        return _download(
            exports.minutes_akoma_ntoso(minutes),
            "application/akn+xml; charset=utf-8",
            f"minutes-{minutes.meeting_id}.akn.xml",
        )


CALENDAR_RESPONSE = {
    (200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR),
}


class MyMeetingsCalendarView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="meetings_calendar",
        summary="The meetings the signed-in user may see, as an iCalendar feed",
        responses={**CALENDAR_RESPONSE, 403: ErrorSerializer},
    )
    def get(self, request: Request) -> HttpResponse:
        meetings = exports.feed_meetings(meetings_for_user(request.user))
        return _download(
            exports.calendar_feed(meetings, name="Meetings"),
            "text/calendar; charset=utf-8",
            "meetings.ics",
        )


class BodyMeetingsCalendarView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="body_meetings_calendar",
        summary="A body's meetings the user may see, as an iCalendar feed",
        responses={**CALENDAR_RESPONSE, 404: ErrorSerializer},
    )
    def get(self, request: Request, body_id: int) -> HttpResponse:
        body = access_body(request.user, body_id)
        meetings = exports.feed_meetings(meetings_for_user(request.user), body)
        return _download(
            exports.calendar_feed(meetings, name=body.name),
            "text/calendar; charset=utf-8",
            f"body-{body.pk}-meetings.ics",
        )


class ArchiveSearchView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Search the archive: signed minutes and the papers the user may read",
        description="Full-text search (PostgreSQL, 'simple' configuration: words as written, "
        "diacritics kept; websearch syntax: quotes, `or`, `-word`). Minutes are found once "
        "signed, or earlier by the meeting's secretariat and chair; documents only where the "
        "user may view them. Ranked, 20 per page.",
        parameters=[
            OpenApiParameter("q", str, required=True, description="The words, at most 200."),
            OpenApiParameter("body", int, description="A body the user sees."),
            OpenApiParameter("from", OpenApiTypes.DATE, description="Meetings from this day."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Meetings up to this day."),
            OpenApiParameter("item", str, description="Words of an agenda item's title."),
            OpenApiParameter("kind", str, enum=["minutes", "document"]),
            OpenApiParameter("page", int, description="1 to 50."),
        ],
        responses={200: ArchiveSearchResultSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        form = ArchiveSearchForm(
            request.query_params, bodies=meeting_permissions.bodies_for_user(actor)
        )
        if not form.is_valid():
            errors = {
                ALIASES.get(field, field): [str(message) for message in messages]
                for field, messages in form.errors.items()
            }
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        data = form.cleaned_data
        query = archive.ArchiveQuery(
            text=data["q"],
            body=data.get("body"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            item=data.get("item") or "",
            kind=data.get("kind") or "",
        )
        page = archive.archive_search(actor, query, data.get("page") or 1)
        return Response(ArchiveSearchResultSerializer(page).data)


# Form fields back to the query string's names in error messages.
ALIASES = {value: key for key, value in ArchiveSearchForm.ALIASES.items()}

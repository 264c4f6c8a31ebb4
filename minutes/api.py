"""The minutes API (under /api/v1/meetings/<id>/minutes/) and the verification of signed PDFs
(/api/v1/verify-pdf/).

Like the other APIs: fetch with an `access_*` function (missing and forbidden are both 404;
minutes are the secretariat's and the chair's until they are signed), parse, call one service,
render. `core.api.exception_handler` turns refusals into 400 and 403.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agendas.models import AgendaItem
from consultations.models import Consultation
from core import accounts
from core.api import ERRORS, READ_ERRORS, action_view, parse, request_actor
from core.errors import ServiceError
from core.serializers import ErrorSerializer, NoInputSerializer
from meetings import permissions as meeting_permissions
from meetings.models import Meeting
from meetings.permissions import access_body, access_meeting, can_manage_meeting, meetings_for_user
from minutes import archive, exports, selectors, verify
from minutes.forms import ArchiveSearchForm
from minutes.models import ActionItem, Minutes
from minutes.permissions import (
    access_action,
    access_actions_body,
    access_actions_meeting,
    access_exportable_minutes,
    access_linked_consultation,
    access_minutes,
    access_minutes_meeting,
)
from minutes.serializers import (
    ActionItemInputSerializer,
    ActionItemSerializer,
    ActionNoteInputSerializer,
    ActionOfferSerializer,
    ArchiveSearchResultSerializer,
    LinkedConsultationInputSerializer,
    LinkedConsultationSerializer,
    MinutesEditSerializer,
    MinutesReturnSerializer,
    MinutesSerializer,
    MinutesSignSerializer,
    VerificationSerializer,
    VerifyUploadSerializer,
)
from minutes.services import actions as action_services
from minutes.services import links as link_services
from minutes.services import minutes as minutes_services
from minutes.services import signing as signing_services

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
        parse(NoInputSerializer, request)
        return _rendered(minutes_services.minutes_draft(actor=actor, meeting=meeting), 201)

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
        data = parse(MinutesEditSerializer, request)
        return _rendered(
            minutes_services.minutes_edit(actor=actor, minutes=minutes, texts=data["texts"])
        )


minutes_action_view = functools.partial(
    action_view,
    target=access_minutes,
    keyword="minutes",
    answer=lambda request, minutes: _rendered(minutes),
    tags=TAGS,
    responses={200: MinutesSerializer, **ERRORS},
)


MinutesSubmitView = minutes_action_view(
    "MinutesSubmitView",
    minutes_services.minutes_submit,
    summary="Submit the minutes to the chair (the secretariat)",
)


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
        data = parse(MinutesReturnSerializer, request)
        return _rendered(
            minutes_services.minutes_return(actor=actor, minutes=minutes, remarks=data["remarks"])
        )


MinutesApproveView = minutes_action_view(
    "MinutesApproveView",
    minutes_services.minutes_approve,
    summary="Approve the minutes (the chair)",
    description="Renders the PDF with two empty signature fields. Minutes changed after "
    "they were first submitted are recorded as approved as corrected.",
)


@method_decorator(sensitive_post_parameters("passphrase", "pin"), name="dispatch")
class MinutesSignView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=TAGS,
        summary="Sign the approved minutes (the secretary, then the chair)",
        description="Multipart: the signer's PKCS#12 key file (`pkcs12`) and its `passphrase`; "
        "or, where the server has a PKCS#11 token set up, only the token's `pin`; or, where "
        "the server keeps signers' key files, `stored_key` true with that file's `passphrase` "
        "(none, if the server holds it). Any of them is used for this one signature and never "
        "stored. The certificate must lead to a configured trust root. A session must have "
        "signed in (or confirmed who it is) within `REAUTHENTICATION_MINUTES`, or the answer is "
        "403; HTTP Basic carries the password and always counts as recent.",
        request={"multipart/form-data": MinutesSignSerializer},
        responses={200: MinutesSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        minutes = access_minutes(actor, meeting_id)
        if not accounts.recently_authenticated(request):
            raise PermissionDenied(
                _(
                    "Signing needs a recent sign-in: sign in again (or confirm who you are "
                    "on the site), or send the password with HTTP Basic."
                )
            )
        data = parse(MinutesSignSerializer, request)
        if data["stored_key"]:
            return _rendered(
                signing_services.minutes_sign_with_stored_key(
                    actor=actor, minutes=minutes, passphrase=data["passphrase"]
                )
            )
        if "pin" in data:
            return _rendered(
                signing_services.minutes_sign_with_token(
                    actor=actor, minutes=minutes, pin=data["pin"]
                )
            )
        return _rendered(
            signing_services.minutes_sign(
                actor=actor,
                minutes=minutes,
                pkcs12=data["pkcs12"].read(),
                passphrase=data["passphrase"],
            )
        )


def _links_rendered(meeting: Meeting, code: int = 200) -> Response:
    links = selectors.consultations_linked(meeting)
    return Response(LinkedConsultationSerializer(links, many=True).data, status=code)


class MinutesConsultationsView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="The written-opinion polls the minutes report (the secretariat and the chair)",
        responses={200: LinkedConsultationSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        return _links_rendered(access_minutes_meeting(request_actor(request), meeting_id))

    @extend_schema(
        tags=TAGS,
        summary="Report a written-opinion poll in the minutes (the secretariat)",
        description="A closed or decided poll of the meeting's body, reported in one meeting's "
        "minutes only. Before the draft is written it goes into the draft; while the draft or "
        "returned minutes are edited, its section is added to them; once they are submitted, "
        "refused.",
        request=LinkedConsultationInputSerializer,
        responses={201: LinkedConsultationSerializer(many=True), **ERRORS},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        meeting = access_minutes_meeting(actor, meeting_id)
        data = parse(LinkedConsultationInputSerializer, request)
        # Another body's poll, or one the secretariat cannot see, is refused like a wrong one.
        consultation = (
            Consultation.objects.filter(pk=data["consultation"], body_id=meeting.body_id)
            .exclude(status=Consultation.Status.DRAFT)
            .first()
        )
        if consultation is None:
            raise ServiceError(
                _("Choose a written-opinion poll of %(body)s.") % {"body": meeting.body.name},
                field="consultation",
            )
        link_services.consultation_link(actor=actor, meeting=meeting, consultation=consultation)
        return _links_rendered(meeting, 201)


class MinutesConsultationView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Take a written-opinion poll out of the minutes (the secretariat)",
        description="While the minutes are not drafted yet, or a draft or returned.",
        request=None,
        responses={200: LinkedConsultationSerializer(many=True), **ERRORS},
    )
    def delete(self, request: Request, meeting_id: int, consultation_id: int) -> Response:
        actor = request_actor(request)
        link = access_linked_consultation(actor, meeting_id, consultation_id)
        link_services.consultation_unlink(actor=actor, link=link)
        return _links_rendered(link.meeting)


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
        data = parse(VerifyUploadSerializer, request)
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
        description="Every word must appear, as a whole word or the beginning of one, compared "
        "without case or diacritics ('ngan sach' finds 'Ngân sách'); whole words rank first. "
        "Minutes are found once "
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
# Action items

ACTION_TAGS = ["actions"]


def _action_rendered(action: ActionItem, code: int = 200) -> Response:
    action = (
        ActionItem.objects.select_related("assignee_user")
        .prefetch_related("notes__author")
        .get(pk=action.pk)
    )
    return Response(ActionItemSerializer(action).data, status=code)


def _action_fields(meeting: Meeting, data: dict[str, Any]) -> dict[str, Any]:
    """The ids in the input as objects; an unknown id is refused like a wrong one."""
    user = None
    if data.get("assignee_user") is not None:
        user = User.objects.filter(pk=data["assignee_user"]).first()
        if user is None:
            raise ServiceError(
                _("The task can only be assigned to a member of %(body)s.")
                % {"body": meeting.body.name},
                field="assignee_user",
            )
    item = None
    if data.get("item") is not None:
        item = AgendaItem.objects.filter(pk=data["item"], meeting=meeting).first()
        if item is None:
            raise ServiceError(_("The agenda item is not one of this meeting's."), field="item")
    return {
        "text": data["text"],
        "due_on": data["due_on"],
        "assignee_user": user,
        "assignee_organisation": data.get("assignee_organisation", ""),
        "item": item,
    }


class MeetingActionsView(APIView):
    @extend_schema(
        tags=ACTION_TAGS,
        summary="The meeting's action items (the secretariat and the chair)",
        responses={200: ActionItemSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = access_actions_meeting(request_actor(request), meeting_id)
        actions = selectors.action_list_for_meeting(meeting)
        return Response(ActionItemSerializer(actions, many=True).data)

    @extend_schema(
        tags=ACTION_TAGS,
        summary="Record a task the meeting gave out (the secretariat)",
        description="Assigned either to a member of the body (`assignee_user`) or to an "
        "organisation named in words (`assignee_organisation`), never both; due no earlier "
        "than the meeting.",
        request=ActionItemInputSerializer,
        responses={201: ActionItemSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        meeting = access_actions_meeting(actor, meeting_id)
        data = parse(ActionItemInputSerializer, request)
        action = action_services.action_create(
            actor=actor, meeting=meeting, **_action_fields(meeting, data)
        )
        return _action_rendered(action, 201)


class ActionView(APIView):
    @extend_schema(
        tags=ACTION_TAGS,
        summary="An action item with its notes (the secretariat, the chair, the assignee)",
        responses={200: ActionItemSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, action_id: int) -> Response:
        return _action_rendered(access_action(request_actor(request), action_id))

    @extend_schema(
        tags=ACTION_TAGS,
        summary="Change an outstanding task (the secretariat)",
        description="Send the whole task: text, due date and one assignee.",
        request=ActionItemInputSerializer,
        responses={200: ActionItemSerializer, **ERRORS},
    )
    def put(self, request: Request, action_id: int) -> Response:
        actor = request_actor(request)
        action = access_action(actor, action_id)
        data = parse(ActionItemInputSerializer, request)
        fields = _action_fields(action.meeting, data)
        return _action_rendered(action_services.action_edit(actor=actor, action=action, **fields))

    @extend_schema(
        tags=ACTION_TAGS,
        summary="Cancel a task (the secretariat)",
        request=None,
        responses={200: ActionItemSerializer, **ERRORS},
    )
    def delete(self, request: Request, action_id: int) -> Response:
        actor = request_actor(request)
        action = access_action(actor, action_id)
        return _action_rendered(action_services.action_cancel(actor=actor, action=action))


class ActionNotesView(APIView):
    @extend_schema(
        tags=ACTION_TAGS,
        summary="Add a follow-up note (the secretariat, or the assignee)",
        description="Optionally moves the task on: the assignee to `in_progress` or `done`, "
        "the secretariat also back to `open`. Notes are kept as written.",
        request=ActionNoteInputSerializer,
        responses={201: ActionItemSerializer, **ERRORS},
    )
    def post(self, request: Request, action_id: int) -> Response:
        actor = request_actor(request)
        action = access_action(actor, action_id)
        data = parse(ActionNoteInputSerializer, request)
        action_services.action_note_add(
            actor=actor, action=action, text=data["text"], status=data["status"]
        )
        return _action_rendered(action, 201)


class ActionOfferView(APIView):
    @extend_schema(
        tags=ACTION_TAGS,
        summary="Put a task on a later meeting's agenda (the secretariat)",
        description='Adds "Follow-up: <task>" to the agenda of a later meeting of the same '
        "body that is still a draft or scheduled; a task is offered once.",
        request=ActionOfferSerializer,
        responses={201: ActionItemSerializer, **ERRORS},
    )
    def post(self, request: Request, action_id: int) -> Response:
        actor = request_actor(request)
        action = access_action(actor, action_id)
        data = parse(ActionOfferSerializer, request)
        meeting = Meeting.objects.select_related("body").filter(pk=data["meeting"]).first()
        if meeting is None or not can_manage_meeting(actor, meeting):
            raise ServiceError(
                _("Choose a later meeting whose agenda is still being prepared."),
                field="meeting",
            )
        action_services.action_offer_to_agenda(actor=actor, action=action, meeting=meeting)
        return _action_rendered(action, 201)


class BodyOverdueActionsView(APIView):
    @extend_schema(
        tags=ACTION_TAGS,
        summary="The body's overdue tasks (the secretariat)",
        description="Open or in progress, past their due date, the most overdue first.",
        responses={200: ActionItemSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, body_id: int) -> Response:
        body = access_actions_body(request_actor(request), body_id)
        actions = selectors.action_list_overdue(body)
        return Response(ActionItemSerializer(actions, many=True).data)

"""The REST API (under /api/v1/): bodies, memberships, meetings, their lifecycle, attendance and
quorum.

Every endpoint does what `core.api` describes: fetch what it acts on with an `access_*` function
(missing and forbidden are both 404), parse its input, call one service, render the result.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apitokens.models import ApiToken
from core import accounts
from core.api import ERRORS, READ_ERRORS, ListView, action_view, parse, request_actor
from core.serializers import NoInputSerializer
from meetings import permissions, selectors, services
from meetings.models import Attendance, Body, Meeting, Membership
from meetings.serializers import (
    AttendanceRecordSerializer,
    AttendanceSerializer,
    BodyCreateSerializer,
    BodySerializer,
    BodyUpdateSerializer,
    CheckInSerializer,
    DisplayCreateSerializer,
    DisplaySerializer,
    MeetingCancelSerializer,
    MeetingCreateSerializer,
    MeetingFilterSerializer,
    MeetingSerializer,
    MeetingUpdateSerializer,
    MembershipCreateSerializer,
    MembershipEndSerializer,
    MembershipSerializer,
    MembershipUpdateSerializer,
    NewDisplaySerializer,
    QuorumSerializer,
    SubstituteAddSerializer,
)

logger = logging.getLogger(__name__)


def _referenced_body(actor: User, body_id: int) -> Body:
    """A body named in a request's input: one the actor cannot see is reported as missing."""
    try:
        return permissions.access_body(actor, body_id)
    except Http404:
        raise serializers.ValidationError({"body": [_("No such body.")]}) from None


def _membership(body: Body, membership_id: int) -> Membership:
    membership = selectors.membership_list(body).filter(pk=membership_id).first()
    if membership is None:
        raise Http404
    return membership


def _attendance(meeting: Meeting, attendance_id: int) -> Attendance:
    attendance = selectors.attendance_list(meeting).filter(pk=attendance_id).first()
    if attendance is None:
        raise Http404
    return attendance


def _filter_meetings(meetings: QuerySet[Meeting], filters: dict[str, Any]) -> QuerySet[Meeting]:
    if "body" in filters:
        meetings = meetings.filter(body_id=filters["body"])
    if "status" in filters:
        meetings = meetings.filter(status=filters["status"])
    # __date compares in the current time zone, so "from 1 June" means local midnight.
    if "date_from" in filters:
        meetings = meetings.filter(starts_at__date__gte=filters["date_from"])
    if "date_to" in filters:
        meetings = meetings.filter(starts_at__date__lte=filters["date_to"])
    return meetings.select_related("body").order_by("starts_at", "pk")


# Bodies


class MayCreateBodies(BasePermission):
    """Body creation has no object to fetch first, so the secretariat check comes before the
    input is read: others get 403 whatever they send."""

    message = gettext_lazy("Only the secretariat can create bodies.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method != "POST" or permissions.can_create_body(request.user)


class BodyListView(ListView):
    permission_classes = [IsAuthenticated, MayCreateBodies]

    @extend_schema(
        tags=["bodies"],
        summary="Bodies the user may see",
        responses={200: BodySerializer(many=True), 403: ERRORS[403]},
    )
    def get(self, request: Request) -> Response:
        return self.paginated(
            request, selectors.body_list_for_user(request_actor(request)), BodySerializer
        )

    @extend_schema(
        tags=["bodies"],
        summary="Create a body (secretariat)",
        description="Rule fields left out take the kind's defaults (Government: Law on "
        "Government Organisation; committee and board: Robert's Rules).",
        request=BodyCreateSerializer,
        responses={201: BodySerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def post(self, request: Request) -> Response:
        data = parse(BodyCreateSerializer, request)
        body = services.body_create(actor=request_actor(request), **data)
        return Response(BodySerializer(body).data, status=status.HTTP_201_CREATED)


class BodyDetailView(APIView):
    @extend_schema(tags=["bodies"], responses={200: BodySerializer, **READ_ERRORS})
    def get(self, request: Request, body_id: int) -> Response:
        body = permissions.access_body(request_actor(request), body_id)
        return Response(BodySerializer(body).data)

    @extend_schema(
        tags=["bodies"],
        summary="Change a body's name, description or rules (its secretary)",
        request=BodyUpdateSerializer,
        responses={200: BodySerializer, **ERRORS},
    )
    def patch(self, request: Request, body_id: int) -> Response:
        actor = request_actor(request)
        body = permissions.access_body(actor, body_id)
        data = parse(BodyUpdateSerializer, request, partial=True)
        body = services.body_update(actor=actor, body=body, **data)
        return Response(BodySerializer(body).data)


# Memberships


class MembershipListView(ListView):
    @extend_schema(
        tags=["memberships"],
        summary="A body's members, past and present",
        responses={200: MembershipSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, body_id: int) -> Response:
        body = permissions.access_body(request_actor(request), body_id)
        return self.paginated(request, selectors.membership_list(body), MembershipSerializer)

    @extend_schema(
        tags=["memberships"],
        summary="Add a person to a body (its secretary)",
        description="The person is invited to the body's scheduled meetings.",
        request=MembershipCreateSerializer,
        responses={201: MembershipSerializer, **ERRORS},
    )
    def post(self, request: Request, body_id: int) -> Response:
        actor = request_actor(request)
        body = permissions.access_body(actor, body_id)
        data = parse(MembershipCreateSerializer, request)
        membership = services.membership_create(actor=actor, body=body, **data)
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


class MembershipDetailView(APIView):
    @extend_schema(tags=["memberships"], responses={200: MembershipSerializer, **READ_ERRORS})
    def get(self, request: Request, body_id: int, membership_id: int) -> Response:
        body = permissions.access_body(request_actor(request), body_id)
        return Response(MembershipSerializer(_membership(body, membership_id)).data)

    @extend_schema(
        tags=["memberships"],
        summary="Change a membership (its body's secretary)",
        request=MembershipUpdateSerializer,
        responses={200: MembershipSerializer, **ERRORS},
    )
    def patch(self, request: Request, body_id: int, membership_id: int) -> Response:
        actor = request_actor(request)
        membership = _membership(permissions.access_body(actor, body_id), membership_id)
        data = parse(MembershipUpdateSerializer, request, partial=True)
        membership = services.membership_update(actor=actor, membership=membership, **data)
        return Response(MembershipSerializer(membership).data)


class MembershipEndView(APIView):
    @extend_schema(
        tags=["memberships"],
        summary="End a membership (its body's secretary)",
        description="The person loses access to the body and its meetings; their invitations "
        "to meetings not yet held are withdrawn.",
        request=MembershipEndSerializer,
        responses={200: MembershipSerializer, **ERRORS},
    )
    def post(self, request: Request, body_id: int, membership_id: int) -> Response:
        actor = request_actor(request)
        membership = _membership(permissions.access_body(actor, body_id), membership_id)
        data = parse(MembershipEndSerializer, request)
        membership = services.membership_end(actor=actor, membership=membership, **data)
        return Response(MembershipSerializer(membership).data)


# Meetings


class MeetingListView(ListView):
    @extend_schema(
        tags=["meetings"],
        summary="Meetings the user may see",
        description="Drafts appear only to those who prepare them.",
        parameters=[MeetingFilterSerializer],
        responses={200: MeetingSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]},
    )
    def get(self, request: Request) -> Response:
        filters = MeetingFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        meetings = permissions.meetings_for_user(request_actor(request))
        return self.paginated(
            request, _filter_meetings(meetings, filters.validated_data), MeetingSerializer
        )

    @extend_schema(
        tags=["meetings"],
        summary="Plan a meeting (the body's secretary)",
        description="The meeting starts as a draft that only its secretariat sees.",
        request=MeetingCreateSerializer,
        responses={201: MeetingSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def post(self, request: Request) -> Response:
        actor = request_actor(request)
        data = parse(MeetingCreateSerializer, request)
        body = _referenced_body(actor, data.pop("body"))
        meeting = services.meeting_create(actor=actor, body=body, **data)
        return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)


class MeetingDetailView(APIView):
    @extend_schema(tags=["meetings"], responses={200: MeetingSerializer, **READ_ERRORS})
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = permissions.access_meeting(request_actor(request), meeting_id)
        return Response(MeetingSerializer(meeting).data)

    @extend_schema(
        tags=["meetings"],
        summary="Change a meeting that has not started (its secretary)",
        description="Invitees of a scheduled meeting get an updated calendar invitation when "
        "its title, time, place or description changes.",
        request=MeetingUpdateSerializer,
        responses={200: MeetingSerializer, **ERRORS},
    )
    def patch(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        meeting = permissions.access_meeting(actor, meeting_id)
        data = parse(MeetingUpdateSerializer, request, partial=True)
        meeting = services.meeting_update(actor=actor, meeting=meeting, **data)
        return Response(MeetingSerializer(meeting).data)


LIFECYCLE_RESPONSES = {200: MeetingSerializer, **ERRORS}


lifecycle_view = functools.partial(
    action_view,
    target=permissions.access_meeting,
    keyword="meeting",
    answer=lambda request, meeting: Response(MeetingSerializer(meeting).data),
    tags=["meetings"],
    responses=LIFECYCLE_RESPONSES,
)

MeetingScheduleView = lifecycle_view(
    "MeetingScheduleView",
    services.meeting_schedule,
    summary="Schedule a draft (its secretary)",
    description="Invites every current member of the body by e-mail with a calendar invitation.",
)
MeetingStartView = lifecycle_view(
    "MeetingStartView",
    services.meeting_start,
    summary="Open the session (the chair)",
    description="Refused without a quorum.",
)
MeetingAdjournView = lifecycle_view(
    "MeetingAdjournView", services.meeting_adjourn, summary="Adjourn the session (the chair)"
)
MeetingReconveneView = lifecycle_view(
    "MeetingReconveneView",
    services.meeting_reconvene,
    summary="Reconvene an adjourned session (the chair)",
    description="Refused without a quorum.",
)
MeetingCloseView = lifecycle_view(
    "MeetingCloseView",
    services.meeting_close,
    summary="Close an adjourned meeting (its secretary)",
)


class MeetingCancelView(APIView):
    @extend_schema(
        summary="Cancel a draft or scheduled meeting (its secretary)",
        description="Invitees of a scheduled meeting get a calendar cancellation.",
        request=MeetingCancelSerializer,
        tags=["meetings"],
        responses=LIFECYCLE_RESPONSES,
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        meeting = permissions.access_meeting(actor, meeting_id)
        data = parse(MeetingCancelSerializer, request)
        meeting = services.meeting_cancel(actor=actor, meeting=meeting, **data)
        return Response(MeetingSerializer(meeting).data)


# Room displays


class DisplayListView(ListView):
    @extend_schema(
        tags=["displays"],
        summary="The meeting's room displays (its secretariat)",
        responses={200: DisplaySerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = permissions.access_meeting(
            request_actor(request), meeting_id, permissions.MANAGE_MEETING
        )
        return self.paginated(request, selectors.display_list(meeting), DisplaySerializer)

    @extend_schema(
        tags=["displays"],
        summary="Set up a room display (the meeting's secretariat)",
        description="The answer's `url` opens the projector page without signing in. It is "
        "given this once: only a digest of its token is kept.",
        request=DisplayCreateSerializer,
        responses={201: NewDisplaySerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        meeting = permissions.access_meeting(actor, meeting_id, permissions.MANAGE_MEETING)
        data = parse(DisplayCreateSerializer, request)
        display, token = services.display_create(actor=actor, meeting=meeting, **data)
        url = request.build_absolute_uri(reverse("agendas:projector", args=[token]))
        answer = NewDisplaySerializer(display, context={"url": url})
        return Response(
            answer.data, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"}
        )


DisplayRevokeView = action_view(
    "DisplayRevokeView",
    services.display_revoke,
    target=permissions.access_display_of,
    keyword="display",
    answer=lambda request, display: Response(DisplaySerializer(display).data),
    tags=["displays"],
    responses={200: DisplaySerializer, **ERRORS},
    summary="Revoke a room display (the meeting's secretariat)",
    description="Its page stops opening and its open socket is closed with 4403.",
)


# Attendance and quorum


class AttendanceListView(ListView):
    @extend_schema(
        tags=["attendance"],
        summary="Who is invited to the meeting, and who is present",
        responses={200: AttendanceSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = permissions.access_meeting(request_actor(request), meeting_id)
        return self.paginated(request, selectors.attendance_list(meeting), AttendanceSerializer)


class AttendanceDetailView(APIView):
    @extend_schema(tags=["attendance"], responses={200: AttendanceSerializer, **READ_ERRORS})
    def get(self, request: Request, meeting_id: int, attendance_id: int) -> Response:
        meeting = permissions.access_meeting(request_actor(request), meeting_id)
        return Response(AttendanceSerializer(_attendance(meeting, attendance_id)).data)

    @extend_schema(
        tags=["attendance"],
        summary="Record someone's attendance (the secretariat)",
        description="Sets the whole record: `status`; a `reason` for absent and excused; a "
        "`substitute` (a person's id), with their `substitute_title` and "
        "`substitute_organisation`, for represented. Fields left out are cleared.",
        request=AttendanceRecordSerializer,
        responses={200: AttendanceSerializer, **ERRORS},
    )
    def patch(self, request: Request, meeting_id: int, attendance_id: int) -> Response:
        actor = request_actor(request)
        attendance = _attendance(permissions.access_meeting(actor, meeting_id), attendance_id)
        data = parse(AttendanceRecordSerializer, request)
        attendance = services.attendance_record(actor=actor, attendance=attendance, **data)
        return Response(AttendanceSerializer(attendance).data)


class SubstituteAddView(APIView):
    @extend_schema(
        tags=["attendance"],
        summary="Add a person without an account as the member's substitute (the secretariat)",
        description="Creates the person (no password: they cannot sign in) and records the "
        "member represented by them, as a PATCH with `represented` would. The minutes name "
        "them with their title and organisation.",
        request=SubstituteAddSerializer,
        responses={201: AttendanceSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int, attendance_id: int) -> Response:
        actor = request_actor(request)
        attendance = _attendance(permissions.access_meeting(actor, meeting_id), attendance_id)
        data = parse(SubstituteAddSerializer, request)
        attendance = services.substitute_add(actor=actor, attendance=attendance, **data)
        return Response(AttendanceSerializer(attendance).data, status=status.HTTP_201_CREATED)


class CheckInView(APIView):
    @extend_schema(
        tags=["attendance"],
        summary="Check oneself in, in the room or remotely",
        description="As an invited member, or as the substitute of one. Opens a few hours "
        "before the start and stays open during the session. With `remote` true, a member "
        "attends from outside the room where the body's rules allow it (substitutes attend "
        "in the room). Nobody in the room sees them arrive, so a remote check-in needs a "
        "recent proof of who they are: a session that signed in (or confirmed who it is on "
        "the site) within `REAUTHENTICATION_MINUTES`, or HTTP Basic, which carries the "
        "password; otherwise `403`. An API token never counts as that proof: `403`.",
        request=CheckInSerializer,
        responses={200: AttendanceSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        meeting = permissions.access_meeting(actor, meeting_id)
        remote = parse(CheckInSerializer, request)["remote"]
        if remote and isinstance(request.auth, ApiToken):
            # A token is a long-lived secret an integration holds: it tells who made it, not
            # who is there now.
            raise PermissionDenied(
                _(
                    "An API token cannot check anyone in remotely: that needs a recent proof "
                    "of who you are. Check in on the site, or with a session or HTTP Basic."
                )
            )
        if remote and not accounts.recently_authenticated(request):
            raise PermissionDenied(
                _(
                    "Confirm who you are again to check in remotely: sign in again (or "
                    "confirm who you are on the site), or send the password with HTTP Basic."
                )
            )
        attendance = services.attendance_check_in(
            actor=actor,
            meeting=meeting,
            remote=remote,
            authenticated_at=accounts.proved_at(request) if remote else 0.0,
        )
        return Response(AttendanceSerializer(attendance).data)


class CheckOutView(APIView):
    @extend_schema(
        tags=["attendance"],
        summary="Check oneself out",
        description="The quorum is recomputed without the person.",
        request=None,
        responses={200: AttendanceSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        meeting = permissions.access_meeting(actor, meeting_id)
        parse(NoInputSerializer, request)
        attendance = services.attendance_check_out(actor=actor, meeting=meeting)
        return Response(AttendanceSerializer(attendance).data)


class QuorumView(APIView):
    @extend_schema(
        tags=["attendance"],
        summary="The quorum now",
        description="From the invitation list and who is present, under the body's rules.",
        responses={200: QuorumSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = permissions.access_meeting(request_actor(request), meeting_id)
        return Response(QuorumSerializer(selectors.meeting_quorum(meeting)).data)

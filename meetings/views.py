"""HTML screens: members follow their meetings, the chair runs the session from the attendance
board, the secretariat prepares bodies and meetings.

Every view fetches what it shows with one `access_*` function (missing and forbidden are the same
404) and changes things through one service. A guard before a form is parsed only decides what to
show: the services remain the authority on who may do what. Refused input re-renders the form
with the message next to its field and status 400; nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import accounts
from core.errors import ServiceError
from core.forms import add_service_error
from core.http import AuthenticatedHttpRequest
from core.pages import render_page
from meetings import forms, permissions, selectors, services
from meetings import regions as meeting_regions
from meetings.models import Attendance, Body, Meeting, Membership
from realtime import selectors as realtime_selectors

StrOrPromise = str | Promise
EDITABLE = {Meeting.Status.DRAFT, Meeting.Status.SCHEDULED}
S = Meeting.Status
SIGN_IN_BLANK_ROWS = 4


def page_header(user: User | AnonymousUser) -> dict[str, Any]:
    """What the header of every page needs (registered with core.pages in MeetingsConfig):
    whether it links to the secretariat's screens for this person."""
    return {
        "nav_secretariat": permissions.can_create_body(user)
        or permissions.bodies_for_user(user, permissions.MANAGE_BODY).exists()
    }


def _run_action(user: User, meeting: Meeting, action: str, reason: str) -> Meeting:
    if action == "schedule":
        return services.meeting_schedule(actor=user, meeting=meeting)
    if action == "start":
        return services.meeting_start(actor=user, meeting=meeting)
    if action == "adjourn":
        return services.meeting_adjourn(actor=user, meeting=meeting)
    if action == "reconvene":
        return services.meeting_reconvene(actor=user, meeting=meeting)
    if action == "close":
        return services.meeting_close(actor=user, meeting=meeting)
    return services.meeting_cancel(actor=user, meeting=meeting, reason=reason)


# Member screens


@login_required
@require_GET
def my_meetings(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render_page(
        request,
        "meetings/my_meetings.html",
        {"meetings": selectors.meeting_list_for_member(request.user)},
        section="member",
    )


@login_required
@require_GET
def meeting_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk)
    return _meeting_page(request, meeting)


def _meeting_page(
    request: AuthenticatedHttpRequest,
    meeting: Meeting,
    *,
    status: int = 200,
    record_form: forms.AttendanceRecordForm | None = None,
    substitute_form: forms.SubstituteAddForm | None = None,
    cancel_form: forms.CancelForm | None = None,
    own_error: str = "",
    lifecycle_error: str = "",
) -> HttpResponse:
    user = request.user
    rights = permissions.meeting_rights(user, meeting)
    own = meeting_regions.own_attendance_context(meeting, user)
    context = {
        **own,
        **meeting_regions.quorum_context(meeting),
        **meeting_regions.lifecycle_context(meeting, rights),
        **meeting_regions.attendance_context(meeting, rights),
    }
    if record_form is None and context["record_form"]:
        record_form = forms.AttendanceRecordForm(
            meeting=meeting, initial={"attendance": _int_or_none(request.GET.get("record"))}
        )
    can_manage = permissions.MANAGE_MEETING in rights
    context.update(
        {
            "live_seq": realtime_selectors.live_seq(meeting),
            "can_run": permissions.RUN_MEETING in rights,
            "can_edit": can_manage and meeting.status in EDITABLE,
            "can_see_board": meeting.status != S.DRAFT,
            "can_print_sheet": can_manage and meeting.status != S.DRAFT,
            "can_set_up_displays": can_manage and meeting.is_live,
            "record_form": record_form,
            "substitute_form": (
                (substitute_form or forms.SubstituteAddForm(meeting=meeting))
                if record_form
                else None
            ),
            "corrections": selectors.attendance_corrections(meeting) if can_manage else [],
            "own_error": own_error,
            "lifecycle_error": lifecycle_error,
        }
    )
    if cancel_form is not None:
        context["cancel_form"] = cancel_form
    return render_page(
        request, "meetings/meeting_detail.html", context, status=status, section="member"
    )


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
@require_POST
def meeting_check_in(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk)
    try:
        services.attendance_check_in(actor=request.user, meeting=meeting)
    except ServiceError as error:
        return _meeting_page(request, meeting, own_error=error.message, status=400)
    messages.success(request, _("You are checked in."))
    return redirect("meetings:meeting_detail", pk=meeting.pk)


@login_required
@require_POST
def meeting_check_in_remote(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Check in from outside the room. A person who has not typed their password or a second
    factor lately confirms who they are first (as before signing the minutes), comes back to
    the meeting and presses the button again."""
    meeting = permissions.access_meeting(request.user, pk)
    if not accounts.recently_authenticated(request):
        messages.warning(request, _("Confirm who you are again to check in remotely."))
        return redirect(
            accounts.reauthentication_url(
                request, reverse("meetings:meeting_detail", args=[meeting.pk])
            )
        )
    try:
        services.attendance_check_in(
            actor=request.user,
            meeting=meeting,
            remote=True,
            authenticated_at=accounts.last_authenticated_at(request),
        )
    except ServiceError as error:
        return _meeting_page(request, meeting, own_error=error.message, status=400)
    messages.success(request, _("You are checked in remotely."))
    return redirect("meetings:meeting_detail", pk=meeting.pk)


@login_required
@require_POST
def meeting_check_out(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk)
    try:
        services.attendance_check_out(actor=request.user, meeting=meeting)
    except ServiceError as error:
        return _meeting_page(request, meeting, own_error=error.message, status=400)
    messages.success(request, _("You have checked out."))
    return redirect("meetings:meeting_detail", pk=meeting.pk)


# The chair's attendance board


@login_required
@require_GET
def attendance_board(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk)
    return _board_page(request, meeting)


def _board_page(
    request: AuthenticatedHttpRequest,
    meeting: Meeting,
    *,
    status: int = 200,
    lifecycle_error: str = "",
) -> HttpResponse:
    if meeting.status == S.DRAFT:
        raise Http404("A draft has no attendance.")
    rights = permissions.meeting_rights(request.user, meeting)
    context = {
        **meeting_regions.board_context(meeting, rights),
        **meeting_regions.lifecycle_context(meeting, rights, board=True),
        "live_seq": realtime_selectors.live_seq(meeting),
        "lifecycle_error": lifecycle_error,
    }
    return render_page(
        request, "meetings/attendance_board.html", context, status=status, section="member"
    )


@login_required
@require_GET
def sign_in_sheet(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The attendance list on paper, for members without a tablet to sign as they arrive:
    printed by the secretariat, in the body's language like its other documents."""
    meeting = permissions.access_meeting(request.user, pk, permissions.MANAGE_MEETING)
    if meeting.status == S.DRAFT:
        raise Http404("A draft has no attendance.")
    context = {
        "meeting": meeting,
        "attendances": meeting_regions.roll_call_order(selectors.attendance_list(meeting)),
        # Rows left blank for a substitute or a guest who was not on the list.
        "blank_rows": range(SIGN_IN_BLANK_ROWS),
    }
    return render_page(request, "meetings/sign_in_sheet.html", context, section="secretariat")


@login_required
@require_POST
def meeting_lifecycle(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk)
    lifecycle = meeting_regions.LIFECYCLE.get(action)
    if lifecycle is None:
        raise Http404("No such action.")
    if lifecycle.right not in permissions.meeting_rights(request.user, meeting):
        raise PermissionDenied(str(lifecycle.refused))
    from_board = request.POST.get("return_to") == "board" and meeting.status != S.DRAFT
    reason = ""
    if action == "cancel":
        cancel_form = forms.CancelForm(request.POST)
        if not cancel_form.is_valid():
            return _meeting_page(request, meeting, cancel_form=cancel_form, status=400)
        reason = cancel_form.cleaned_data["reason"]
    try:
        meeting = _run_action(request.user, meeting, action, reason)
    except ServiceError as error:
        if from_board:
            return _board_page(request, meeting, lifecycle_error=error.message, status=400)
        return _meeting_page(request, meeting, lifecycle_error=error.message, status=400)
    messages.success(request, str(lifecycle.done))
    if from_board:
        return redirect("meetings:attendance_board", pk=meeting.pk)
    return redirect("meetings:meeting_detail", pk=meeting.pk)


@login_required
@require_POST
def attendance_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk)
    if not permissions.can_manage_meeting(request.user, meeting):
        raise PermissionDenied(_("Only the secretariat records attendance."))
    form = forms.AttendanceRecordForm(request.POST, meeting=meeting)
    if form.is_valid():
        attendance: Attendance = form.cleaned_data["attendance"]
        try:
            services.attendance_record(
                actor=request.user,
                attendance=attendance,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                substitute=form.cleaned_data["substitute"],
                explanation=form.cleaned_data["explanation"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            person = attendance.user.get_full_name() or attendance.user.username
            messages.success(request, _("Attendance recorded for %s.") % person)
            return redirect(reverse("meetings:meeting_detail", args=[meeting.pk]) + "#attendance")
    return _meeting_page(request, meeting, record_form=form, status=400)


@login_required
@require_POST
def substitute_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk)
    if not permissions.can_manage_meeting(request.user, meeting):
        raise PermissionDenied(_("Only the secretariat records attendance."))
    form = forms.SubstituteAddForm(request.POST, meeting=meeting)
    if form.is_valid():
        attendance: Attendance = form.cleaned_data["attendance"]
        try:
            services.substitute_add(
                actor=request.user,
                attendance=attendance,
                name=form.cleaned_data["name"],
                title=form.cleaned_data["title"],
                organisation=form.cleaned_data["organisation"],
                explanation=form.cleaned_data["explanation"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            person = attendance.user.get_full_name() or attendance.user.username
            messages.success(
                request,
                _("%(substitute)s attends for %(member)s.")
                % {"substitute": form.cleaned_data["name"], "member": person},
            )
            return redirect(reverse("meetings:meeting_detail", args=[meeting.pk]) + "#attendance")
    return _meeting_page(request, meeting, substitute_form=form, status=400)


# Bodies and memberships


def _require_manage_body(user: User, body: Body) -> None:
    if not permissions.can_manage_body(user, body):
        raise PermissionDenied(_("Only the body's secretariat can change it."))


@login_required
@require_GET
def body_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render_page(
        request,
        "meetings/body_list.html",
        {
            "bodies": selectors.body_list_for_user(request.user),
            "can_create": permissions.can_create_body(request.user),
        },
        section="bodies",
    )


def _rules_in_words(body: Body) -> list[tuple[str, str]]:
    decision_rules = body.decision_rules
    rows = [
        (
            _("Quorum"),
            _("%(rule)s of %(base)s must be present.")
            % {"rule": decision_rules.quorum.describe(), "base": body.get_quorum_base_display()},
        ),
        (
            _("Decisions"),
            _("Yes votes needed: %(rule)s of %(base)s.")
            % {
                "rule": decision_rules.majority.describe(),
                "base": body.get_majority_base_display(),
            },
        ),
        (_("Tie"), _("On a tie, %(rule)s.") % {"rule": body.get_tie_rule_display()}),
        (
            _("Substitutes"),
            _("Substitutes speak and vote.")
            if body.substitutes_may_vote
            else _("Substitutes speak but do not vote."),
        ),
        (
            _("Order of voting"),
            _("The chair votes last.")
            if body.chair_votes_last
            else _("The chair votes with the members."),
        ),
        (
            _("Changing a vote"),
            _("A member may change a named vote while the vote is open.")
            if body.votes_may_change
            else _("A vote once cast is final."),
        ),
        (_("Remote attendance"), _remote_in_words(body)),
    ]
    if body.rules_reference:
        rows.append((_("Legal reference"), body.rules_reference))
    return [(label, capfirst(text)) for label, text in rows]


def _remote_in_words(body: Body) -> str:
    decision_rules = body.decision_rules
    if not decision_rules.remote_attendance_allowed:
        return _("Members attend in the room.")
    if decision_rules.remote_votes():
        return _("Members may attend remotely; they count toward the quorum and vote.")
    if decision_rules.remote_counts():
        return _("Members may attend remotely; they count toward the quorum but do not vote.")
    return _("Members may attend remotely; they neither count toward the quorum nor vote.")


@login_required
@require_GET
def body_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    body = permissions.access_body(request.user, pk)
    memberships = sorted(
        selectors.membership_list(body), key=lambda m: meeting_regions.ROLE_ORDER[m.role]
    )
    meetings = (
        permissions.meetings_for_user(request.user)
        .filter(body=body)
        .order_by("-starts_at")
        .distinct()[:20]
    )
    return render_page(
        request,
        "meetings/body_detail.html",
        {
            "body": body,
            "rules": _rules_in_words(body),
            "current": [m for m in memberships if m.is_current],
            "former": [m for m in memberships if not m.is_current],
            "meetings": meetings,
            "can_manage": permissions.can_manage_body(request.user, body),
        },
        section="bodies",
    )


@login_required
@require_http_methods(["GET", "POST"])
def body_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not permissions.can_create_body(request.user):
        raise PermissionDenied(_("Only the secretariat can create bodies."))
    if request.method == "POST":
        form = forms.BodyForm(request.POST)
        if form.is_valid():
            try:
                body = services.body_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    kind=form.cleaned_data["kind"],
                    description=form.cleaned_data["description"],
                    language=form.cleaned_data["language"],
                    decision_rules=form.rules,
                )
            except ServiceError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The body is created. Now add its members."))
                return redirect("meetings:body_detail", pk=body.pk)
        return render_page(
            request, "meetings/body_form.html", {"form": form}, status=400, section="bodies"
        )
    kind = request.GET.get("kind", Body.Kind.COMMITTEE)
    if kind not in Body.Kind.values:
        kind = Body.Kind.COMMITTEE
    form = forms.BodyForm(initial={**forms.BodyForm.initial_for_new(kind), "kind": kind})
    return render_page(
        request,
        "meetings/body_form.html",
        {"form": form, "kinds": Body.Kind.choices},
        section="bodies",
    )


@login_required
@require_http_methods(["GET", "POST"])
def body_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    body = permissions.access_body(request.user, pk)
    _require_manage_body(request.user, body)
    if request.method == "POST":
        form = forms.BodyForm(request.POST)
        if form.is_valid():
            try:
                services.body_update(actor=request.user, body=body, **form.cleaned_data)
            except ServiceError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The body's details and rules are saved."))
                return redirect("meetings:body_detail", pk=body.pk)
        return render_page(
            request,
            "meetings/body_form.html",
            {"form": form, "body": body},
            status=400,
            section="bodies",
        )
    form = forms.BodyForm(initial=forms.BodyForm.initial_for(body))
    return render_page(
        request, "meetings/body_form.html", {"form": form, "body": body}, section="bodies"
    )


@login_required
@require_http_methods(["GET", "POST"])
def membership_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    body = permissions.access_body(request.user, pk)
    _require_manage_body(request.user, body)
    if request.method == "POST":
        form = forms.MembershipCreateForm(request.POST, body=body)
        if form.is_valid():
            data = form.cleaned_data
            try:
                membership = services.membership_create(
                    actor=request.user,
                    body=body,
                    user=data["user"],
                    role=data["role"],
                    title=data["title"],
                    has_vote=form.vote(),
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                )
            except ServiceError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("%s is now a member.") % _person(membership.user))
                return redirect("meetings:body_detail", pk=body.pk)
        return render_page(
            request,
            "meetings/membership_form.html",
            {"form": form, "body": body},
            status=400,
            section="bodies",
        )
    form = forms.MembershipCreateForm(body=body, initial={"role": Membership.Role.MEMBER})
    return render_page(
        request, "meetings/membership_form.html", {"form": form, "body": body}, section="bodies"
    )


def _membership_of(body: Body, membership_pk: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user", "body"), pk=membership_pk, body=body
    )


def _person(user: User) -> str:
    return user.get_full_name() or user.username


@login_required
@require_http_methods(["GET", "POST"])
def membership_edit(request: AuthenticatedHttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    body = permissions.access_body(request.user, pk)
    _require_manage_body(request.user, body)
    membership = _membership_of(body, membership_pk)
    end_form = forms.MembershipEndForm()
    if request.method == "POST":
        form = forms.MembershipUpdateForm(request.POST)
        if form.is_valid():
            try:
                services.membership_update(
                    actor=request.user, membership=membership, **form.cleaned_data
                )
            except ServiceError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The membership is saved."))
                return redirect("meetings:body_detail", pk=body.pk)
        status = 400
    else:
        form = forms.MembershipUpdateForm(
            initial=forms.MembershipUpdateForm.initial_for(membership)
        )
        status = 200
    return render_page(
        request,
        "meetings/membership_edit.html",
        {"form": form, "end_form": end_form, "body": body, "membership": membership},
        status=status,
        section="bodies",
    )


@login_required
@require_POST
def membership_end(request: AuthenticatedHttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    body = permissions.access_body(request.user, pk)
    _require_manage_body(request.user, body)
    membership = _membership_of(body, membership_pk)
    end_form = forms.MembershipEndForm(request.POST)
    if end_form.is_valid():
        try:
            services.membership_end(
                actor=request.user, membership=membership, ends_on=end_form.cleaned_data["ends_on"]
            )
        except ServiceError as error:
            error.field = "ends_on"
            add_service_error(end_form, error)
        else:
            messages.success(
                request, _("The membership of %s has ended.") % _person(membership.user)
            )
            return redirect("meetings:body_detail", pk=body.pk)
    form = forms.MembershipUpdateForm(initial=forms.MembershipUpdateForm.initial_for(membership))
    return render_page(
        request,
        "meetings/membership_edit.html",
        {"form": form, "end_form": end_form, "body": body, "membership": membership},
        status=400,
        section="bodies",
    )


# The secretariat's meetings


@login_required
@require_GET
def secretariat_meetings(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render_page(
        request,
        "meetings/secretariat_meetings.html",
        {
            "meetings": selectors.meeting_list_for_secretariat(request.user),
            "bodies": permissions.bodies_for_user(request.user, permissions.MANAGE_BODY),
            "can_create_body": permissions.can_create_body(request.user),
        },
        section="secretariat",
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    body = permissions.access_body(request.user, pk)
    if not permissions.can_manage_body(request.user, body):
        raise PermissionDenied(_("You cannot plan meetings of this body."))
    if request.method == "POST":
        form = forms.MeetingForm(request.POST)
        if form.is_valid():
            try:
                meeting = services.meeting_create(
                    actor=request.user, body=body, **form.cleaned_data
                )
            except ServiceError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request, _("The draft is saved. Schedule it to send the invitations.")
                )
                return redirect("meetings:meeting_detail", pk=meeting.pk)
        return render_page(
            request,
            "meetings/meeting_form.html",
            {"form": form, "body": body},
            status=400,
            section="secretariat",
        )
    form = forms.MeetingForm()
    return render_page(
        request, "meetings/meeting_form.html", {"form": form, "body": body}, section="secretariat"
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk)
    if not permissions.can_manage_meeting(request.user, meeting):
        raise PermissionDenied(_("You cannot change this meeting."))
    context: dict[str, Any] = {"meeting": meeting, "body": meeting.body}
    if request.method == "POST":
        form = forms.MeetingForm(request.POST, initial=forms.MeetingForm.initial_for(meeting))
        if form.is_valid():
            # Only what was changed is sent, so that invitees get an update only for real changes.
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            try:
                services.meeting_update(actor=request.user, meeting=meeting, **changed)
            except ServiceError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The meeting is saved."))
                return redirect("meetings:meeting_detail", pk=meeting.pk)
        return render_page(
            request,
            "meetings/meeting_form.html",
            {**context, "form": form},
            status=400,
            section="secretariat",
        )
    form = forms.MeetingForm(initial=forms.MeetingForm.initial_for(meeting))
    return render_page(
        request, "meetings/meeting_form.html", {**context, "form": form}, section="secretariat"
    )


# Room displays


@login_required
@require_http_methods(["GET", "POST"])
def displays(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The meeting's room displays (its secretariat); a POST sets up a new one, and the answer
    shows its link, the only time it is shown."""
    meeting = permissions.access_meeting(request.user, pk, permissions.MANAGE_MEETING)
    form = forms.DisplayForm(request.POST or None)
    context: dict[str, Any] = {"meeting": meeting}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                display, token = services.display_create(
                    actor=request.user, meeting=meeting, label=form.cleaned_data["label"]
                )
            except ServiceError as error:
                add_service_error(form, error)
            else:
                context["created"] = display
                context["link"] = request.build_absolute_uri(
                    reverse("agendas:projector", args=[token])
                )
                form, status = forms.DisplayForm(), 200
    context["form"] = form
    context["displays"] = selectors.display_list(meeting)
    response = render_page(
        request, "meetings/displays.html", context, section="secretariat", status=status
    )
    if "link" in context:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def display_revoke(request: AuthenticatedHttpRequest, pk: int, display_pk: int) -> HttpResponse:
    display = permissions.access_display_of(request.user, pk, display_pk)
    services.display_revoke(actor=request.user, display=display)
    messages.success(request, _("The display is revoked: its screen stops following the meeting."))
    return redirect("meetings:displays", pk=pk)

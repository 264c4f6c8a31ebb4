"""The screens for action items: the meeting's tasks on its minutes page (the secretariat adds
them), one task with its notes (the secretariat and the assignee follow it up), a member's own
open tasks, and a body's overdue tasks for the secretariat to put on a later agenda.

Like the other screens: fetch with an `access_*` function (missing and forbidden are the same
404), change through one service; a refusal shows the page again with the reason and 400.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import ServiceError
from core.http import AuthenticatedHttpRequest
from core.pages import render_page
from meetings import permissions as meeting_permissions
from meetings.models import Body, Meeting
from minutes import forms, permissions, selectors
from minutes.models import ActionItem
from minutes.services import actions as action_services


def _initial(action: ActionItem) -> dict[str, Any]:
    return {
        "text": action.text,
        "assignee_user": action.assignee_user_id,
        "assignee_organisation": action.assignee_organisation,
        "due_on": action.due_on,
        "item": action.item_id,
    }


def _action_page(
    request: AuthenticatedHttpRequest,
    action: ActionItem,
    *,
    status: int = 200,
    error: str = "",
    edit_form: forms.ActionForm | None = None,
    note_form: forms.ActionNoteForm | None = None,
) -> HttpResponse:
    manages = permissions.can_manage_actions(request.user, action.meeting)
    context = {
        "action": action,
        "notes": list(action.notes.select_related("author")),
        "error": error,
        "manages": manages,
        "may_note": permissions.can_follow_up_action(request.user, action),
        "edit_form": edit_form
        or forms.ActionForm(initial=_initial(action), meeting=action.meeting),
        "note_form": note_form or forms.ActionNoteForm(),
    }
    return render_page(request, "minutes/action.html", context, section="member", status=status)


@login_required
@require_GET
def action_page(request: AuthenticatedHttpRequest, action_id: int) -> HttpResponse:
    return _action_page(request, permissions.access_action(request.user, action_id))


@login_required
@require_POST
def action_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_actions_meeting(request.user, pk)
    form = forms.ActionForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            action_services.action_create(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(None, error.message)
    if form.errors:
        return render_page(
            request,
            "minutes/action_new.html",
            {"meeting": meeting, "form": form},
            section="member",
            status=400,
        )
    messages.success(request, _("The task is recorded."))
    return redirect("minutes:minutes", pk=meeting.pk)


@login_required
@require_POST
def action_change(request: AuthenticatedHttpRequest, action_id: int, change: str) -> HttpResponse:
    user = request.user
    action = permissions.access_action(user, action_id)
    try:
        if change == "note":
            note_form = forms.ActionNoteForm(request.POST)
            if not note_form.is_valid():
                return _action_page(request, action, status=400, note_form=note_form)
            action_services.action_note_add(actor=user, action=action, **note_form.cleaned_data)
            done = _("The note is added.")
        elif change == "edit":
            edit_form = forms.ActionForm(request.POST, meeting=action.meeting)
            if not edit_form.is_valid():
                return _action_page(request, action, status=400, edit_form=edit_form)
            action_services.action_edit(actor=user, action=action, **edit_form.cleaned_data)
            done = _("The task is changed.")
        elif change == "cancel":
            action_services.action_cancel(
                actor=user, action=action, reason=request.POST.get("reason", "")
            )
            done = _("The task is cancelled.")
        elif change == "offer":
            chosen = request.POST.get("meeting", "")
            meeting = (
                Meeting.objects.select_related("body").filter(pk=chosen).first()
                if chosen.isdecimal()
                else None
            )
            if meeting is None:
                raise ServiceError(
                    _("Choose a later meeting whose agenda is still being prepared.")
                )
            action_services.action_offer_to_agenda(actor=user, action=action, meeting=meeting)
            messages.success(
                request, _("The task is on the agenda of %(meeting)s.") % {"meeting": meeting.title}
            )
            return redirect("minutes:actions_overdue", body_id=action.meeting.body_id)
        else:
            raise Http404("No such change.")
    except ServiceError as error:
        return _action_page(request, action, status=400, error=error.message)
    messages.success(request, done)
    return redirect("minutes:action", action_id=action.pk)


@login_required
@require_GET
def my_tasks(request: AuthenticatedHttpRequest) -> HttpResponse:
    actions = selectors.action_list_for_assignee(request.user)
    return render_page(request, "minutes/my_tasks.html", {"actions": actions}, section="tasks")


@login_required
@require_GET
def actions_overdue(request: AuthenticatedHttpRequest, body_id: int) -> HttpResponse:
    body: Body = permissions.access_actions_body(request.user, body_id)
    context = {
        "body": body,
        "actions": selectors.action_list_overdue(body),
        "meetings": selectors.meetings_open_for_follow_up(body),
    }
    return render_page(request, "minutes/overdue.html", context, section="secretariat")


# The minutes page shows the meeting's tasks; what it needs besides the minutes.
def minutes_page_context(request: AuthenticatedHttpRequest, meeting: Meeting) -> dict[str, Any]:
    rights = meeting_permissions.meeting_rights(request.user, meeting)
    if not rights & {meeting_permissions.MANAGE_MEETING, meeting_permissions.RUN_MEETING}:
        return {"actions": None}
    manages = meeting_permissions.MANAGE_MEETING in rights
    return {
        "actions": selectors.action_list_for_meeting(meeting),
        "action_form": forms.ActionForm(meeting=meeting) if manages else None,
    }

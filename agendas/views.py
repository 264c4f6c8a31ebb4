"""Agenda screens: the members' session page (their tablets), an item's page, the chair's
console and the secretariat's agenda editor.

Views fetch with one `access_*` function and change things through one service. A refusal
re-renders the page the person came from (`return_to`) with the message and status 400;
nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agendas import forms, regions, selectors, services
from agendas import permissions as agenda_permissions
from agendas.models import AgendaItem, Comment, Speaker
from core.errors import ServiceError
from core.forms import add_service_error
from core.http import AuthenticatedHttpRequest
from core.pages import render_page
from meetings import permissions
from meetings import selectors as meeting_selectors
from meetings.models import Meeting
from realtime import selectors as realtime_selectors

PAGES = ("session", "console", "agenda", "item")


def _item_panel(
    request: AuthenticatedHttpRequest,
    meeting: Meeting,
    item: AgendaItem,
    context: dict[str, Any],
    *,
    comment_form: forms.CommentForm | None = None,
) -> dict[str, Any]:
    """An item with its speakers and comments, as the session page and the item page show it:
    the regions' context, and the person's own ask box."""
    data = regions.item_data(item, context["overview"])
    return {
        **regions.item_context(meeting, data, context["audience_rights"]),
        "ask": regions.own_ask(meeting, item, request.user, context["in_the_room"]),
        **({"comment_form": comment_form} if comment_form else {}),
    }


def _common(request: AuthenticatedHttpRequest, meeting: Meeting) -> dict[str, Any]:
    rights = permissions.meeting_rights(request.user, meeting)
    return {
        **regions.agenda_context(meeting, rights),
        "in_the_room": meeting_selectors.in_the_room(meeting, request.user),
        "live_seq": realtime_selectors.live_seq(meeting),
    }


def _session_page(
    request: AuthenticatedHttpRequest,
    meeting: Meeting,
    *,
    error: str = "",
    status: int = 200,
    comment_form: forms.CommentForm | None = None,
    **_: Any,
) -> HttpResponse:
    context = _common(request, meeting)
    current = context["overview"].current
    if current is not None:
        context.update(
            _item_panel(request, meeting, current.item, context, comment_form=comment_form)
        )
    context["quorum"] = meeting_selectors.meeting_quorum(meeting)
    context["error"] = error
    return render_page(request, "agendas/session.html", context, section="member", status=status)


def _item_page(
    request: AuthenticatedHttpRequest,
    meeting: Meeting,
    *,
    item: AgendaItem | None = None,
    error: str = "",
    status: int = 200,
    comment_form: forms.CommentForm | None = None,
    **_: Any,
) -> HttpResponse:
    if item is None:
        return _session_page(request, meeting, error=error, status=status)
    context = _common(request, meeting)
    context.update(_item_panel(request, meeting, item, context, comment_form=comment_form))
    context["error"] = error
    return render_page(request, "agendas/item.html", context, section="member", status=status)


def _console_page(
    request: AuthenticatedHttpRequest,
    meeting: Meeting,
    *,
    error: str = "",
    status: int = 200,
    timer_form: forms.TimerForm | None = None,
    **_: Any,
) -> HttpResponse:
    context = _common(request, meeting)
    if not context["moderator"]:
        raise Http404("No console for this person.")
    if meeting.status == Meeting.Status.DRAFT:
        raise Http404("A draft has no session.")
    current = context["overview"].current
    if current is not None:
        context.update(_item_panel(request, meeting, current.item, context))
    context["quorum"] = meeting_selectors.meeting_quorum(meeting)
    context["timer_form"] = timer_form or forms.TimerForm()
    context["error"] = error
    return render_page(request, "agendas/console.html", context, section="member", status=status)


def _agenda_page(
    request: AuthenticatedHttpRequest,
    meeting: Meeting,
    *,
    error: str = "",
    status: int = 200,
    item_form: forms.ItemForm | None = None,
    limit_form: forms.SpeakingLimitForm | None = None,
    **_: Any,
) -> HttpResponse:
    context = _common(request, meeting)
    if not context["can_edit"]:
        raise Http404("Only the secretariat edits the agenda.")
    numbers = {row.item.pk: row.number for row in context["overview"].rows}
    agenda = context["overview"].agenda
    limit = agenda.speaking_limit_seconds if agenda else None
    context.update(
        {
            "item_form": item_form or forms.ItemForm(meeting=meeting, numbers=numbers),
            "limit_form": limit_form
            or forms.SpeakingLimitForm(
                initial={"speaking_limit_minutes": Decimal(limit) / 60 if limit else None}
            ),
            "tree": regions.tree(context["overview"].rows),
            "editable": meeting.status in services.OPEN,
            "error": error,
        }
    )
    return render_page(
        request, "agendas/agenda_edit.html", context, section="secretariat", status=status
    )


RENDERERS: dict[str, Callable[..., HttpResponse]] = {
    "session": _session_page,
    "console": _console_page,
    "agenda": _agenda_page,
    "item": _item_page,
}


def _return_to(request: AuthenticatedHttpRequest) -> str:
    page = request.POST.get("return_to", "")
    return page if page in PAGES else "session"


def _back(
    request: AuthenticatedHttpRequest, meeting: Meeting, item: AgendaItem | None = None
) -> HttpResponse:
    page = _return_to(request)
    if page == "item" and item is not None:
        return redirect("agendas:item_detail", pk=meeting.pk, item_pk=item.pk)
    if page == "item":
        page = "session"
    return redirect(f"agendas:{page}", pk=meeting.pk)


def refused(
    request: AuthenticatedHttpRequest,
    meeting: Meeting,
    message: str,
    *,
    item: AgendaItem | None = None,
) -> HttpResponse:
    """The page the person came from (`return_to`), with the reason, and status 400."""
    render = RENDERERS[_return_to(request)]
    return render(request, meeting, item=item, error=message, status=400)


def act(
    request: AuthenticatedHttpRequest,
    meeting: Meeting,
    change: Callable[[], object],
    *,
    done: str = "",
    item: AgendaItem | None = None,
) -> HttpResponse:
    """Apply one service; on refusal show the page the person came from with the reason.
    The voting screens act through it too."""
    try:
        change()
    except ServiceError as error:
        return refused(request, meeting, error.message, item=item)
    if done:
        messages.success(request, done)
    return _back(request, meeting, item)


# Pages


@require_GET
def projector(request: HttpRequest, token: str) -> HttpResponse:
    """The room display: the session on the big screen, opened by a display's token alone (no
    sign-in). It is drawn for the display's own audience (at most what a plain member sees,
    and only the big screen's parts) and for nobody in particular, from the same regions that
    its socket then keeps current."""
    display, meeting = permissions.access_display(token)
    # Nobody's page, even in a browser someone is signed in with: no one's own boxes, banners
    # or name, wherever the page's parts look for the person.
    request.user = AnonymousUser()
    rights = permissions.display_rights(meeting.pk)
    context: dict[str, Any] = {
        **regions.agenda_context(meeting, rights),
        "live_seq": realtime_selectors.live_seq(meeting),
        "display": display,
        "display_token": token,
        "quorum": meeting_selectors.meeting_quorum(meeting),
    }
    current = context["overview"].current
    if current is not None:
        data = regions.item_data(current.item, context["overview"])
        context.update(regions.item_context(meeting, data, rights))
    response = render_page(request, "agendas/projector.html", context, section="")
    # The token is in the address: the page must not hand it on, nor be kept by a proxy.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def session(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _session_page(request, agenda_permissions.access_agenda(request.user, pk))


@login_required
@require_GET
def item_detail(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = agenda_permissions.access_item(request.user, pk, item_pk)
    return _item_page(request, item.meeting, item=item)


@login_required
@require_GET
def console(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _console_page(request, permissions.access_meeting(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def agenda(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The secretariat's editor; a POST adds an item."""
    meeting = permissions.access_meeting(request.user, pk)
    if request.method == "GET":
        return _agenda_page(request, meeting)
    if not agenda_permissions.can_edit_agenda(request.user, meeting):
        raise PermissionDenied(_("Only the secretariat prepares the agenda."))
    numbers = {row.item.pk: row.number for row in selectors.agenda_overview(meeting).rows}
    form = forms.ItemForm(request.POST, meeting=meeting, numbers=numbers)
    if form.is_valid():
        try:
            item = services.agenda_item_create(
                actor=request.user, meeting=meeting, **form.cleaned_data
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Item added: %s") % item.title)
            return redirect(reverse("agendas:agenda", args=[meeting.pk]) + f"#item-{item.pk}")
    return _agenda_page(request, meeting, item_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = agenda_permissions.access_item(request.user, pk, item_pk)
    meeting = item.meeting
    if not agenda_permissions.can_edit_agenda(request.user, meeting):
        raise Http404("Only the secretariat edits the agenda.")
    numbers = {row.item.pk: row.number for row in selectors.agenda_overview(meeting).rows}
    if request.method == "GET":
        form = forms.ItemEditForm(
            meeting=meeting,
            numbers=numbers,
            initial={name: getattr(item, name) for name in services.EDITABLE_ITEM_FIELDS},
        )
        status = 200
    else:
        form = forms.ItemEditForm(request.POST, meeting=meeting, numbers=numbers)
        if form.is_valid():
            try:
                services.agenda_item_update(actor=request.user, item=item, **form.cleaned_data)
            except ServiceError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Item saved."))
                return redirect(reverse("agendas:agenda", args=[meeting.pk]) + f"#item-{item.pk}")
        status = 400
    return render_page(
        request,
        "agendas/item_edit.html",
        {"meeting": meeting, "item": item, "number": numbers[item.pk], "form": form},
        section="secretariat",
        status=status,
    )


# The secretariat's changes


@login_required
@require_POST
def item_delete(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = agenda_permissions.access_item(request.user, pk, item_pk)
    return act(
        request,
        item.meeting,
        lambda: services.agenda_item_delete(actor=request.user, item=item),
        done=_("Item removed: %s") % item.title,
    )


@login_required
@require_POST
def item_move(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Move an item: from the drag and drop on the editor, or its up and down buttons."""
    item = agenda_permissions.access_item(request.user, pk, item_pk)
    meeting = item.meeting
    try:
        position = int(request.POST.get("position", ""))
        parent_id = request.POST.get("parent") or None
        parent = (
            agenda_permissions.access_item(request.user, pk, int(parent_id)) if parent_id else None
        )
    except (ValueError, Http404):
        return _agenda_page(request, meeting, error=_("Choose where to move the item."), status=400)
    return act(
        request,
        meeting,
        lambda: services.agenda_item_move(
            actor=request.user, item=item, parent=parent, position=position
        ),
    )


@login_required
@require_POST
def agenda_publication(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk)
    if action == "publish":
        return act(
            request,
            meeting,
            lambda: services.agenda_publish(actor=request.user, meeting=meeting),
            done=_("The agenda is published; members have been told."),
        )
    if action == "unpublish":
        return act(
            request,
            meeting,
            lambda: services.agenda_unpublish(actor=request.user, meeting=meeting),
            done=_("The agenda is withdrawn; members no longer see it."),
        )
    raise Http404("No such action.")


@login_required
@require_POST
def speaking_limit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk)
    form = forms.SpeakingLimitForm(request.POST)
    if not form.is_valid():
        return _agenda_page(request, meeting, limit_form=form, status=400)
    minutes = form.cleaned_data["speaking_limit_minutes"]
    seconds = int(minutes * 60) if minutes else None
    return act(
        request,
        meeting,
        lambda: services.agenda_settings_update(
            actor=request.user, meeting=meeting, speaking_limit_seconds=seconds
        ),
        done=_("Speaking time saved."),
    )


# The chair's changes

ITEM_ACTIONS: dict[str, Callable[..., AgendaItem]] = {
    "start": services.agenda_item_start,
    "end": services.agenda_item_end,
    "defer": services.agenda_item_defer,
}


@login_required
@require_POST
def item_action(
    request: AuthenticatedHttpRequest, pk: int, item_pk: int, action: str
) -> HttpResponse:
    item = agenda_permissions.access_item(request.user, pk, item_pk)
    change = ITEM_ACTIONS.get(action)
    if change is None:
        raise Http404("No such action.")
    return act(request, item.meeting, lambda: change(actor=request.user, item=item), item=item)


@login_required
@require_POST
def timer(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk)
    if action == "stop":
        return act(
            request, meeting, lambda: services.timer_stop(actor=request.user, meeting=meeting)
        )
    if action != "start":
        raise Http404("No such action.")
    if not agenda_permissions.can_lead_agenda(request.user, meeting):
        raise PermissionDenied(_("Only the chair runs the timer."))
    form = forms.TimerForm(request.POST)
    if not form.is_valid():
        return _console_page(request, meeting, timer_form=form, status=400)
    seconds = int(form.cleaned_data["minutes"] * 60)
    return act(
        request,
        meeting,
        lambda: services.timer_start(actor=request.user, meeting=meeting, seconds=seconds),
    )


@login_required
@require_POST
def next_speaker(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = agenda_permissions.access_item(request.user, pk, item_pk)
    return act(
        request,
        item.meeting,
        lambda: services.floor_give_next(actor=request.user, item=item),
        item=item,
    )


# The floor

SPEAKER_ACTIONS: dict[str, Callable[..., Speaker]] = {
    "withdraw": services.speaker_withdraw,
    "floor": services.floor_give,
    "end": services.floor_end,
}


@login_required
@require_POST
def speak(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = agenda_permissions.access_item(request.user, pk, item_pk)
    kind = request.POST.get("kind", Speaker.Kind.SPEECH)
    return act(
        request,
        item.meeting,
        lambda: services.speaker_request(actor=request.user, item=item, kind=kind),
        done=_("You are on the list of speakers."),
        item=item,
    )


@login_required
@require_POST
def speaker_action(
    request: AuthenticatedHttpRequest, pk: int, speaker_pk: int, action: str
) -> HttpResponse:
    speaker = agenda_permissions.access_speaker(request.user, pk, speaker_pk)
    change = SPEAKER_ACTIONS.get(action)
    if change is None:
        raise Http404("No such action.")
    return act(
        request,
        speaker.meeting,
        lambda: change(actor=request.user, speaker=speaker),
        item=speaker.item,
    )


# Comments


@login_required
@require_POST
def comment_post(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = agenda_permissions.access_item(request.user, pk, item_pk)
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_post(
                actor=request.user, item=item, text=form.cleaned_data["text"]
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            response = _back(request, item.meeting, item)
            response["Location"] += f"#comment-{comment.pk}"
            return response
    render = RENDERERS[_return_to(request)]
    return render(request, item.meeting, item=item, comment_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: AuthenticatedHttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    comment = agenda_permissions.access_comment(request.user, pk, comment_pk)
    if comment.author_id != request.user.pk:
        raise Http404("Only the author edits a comment.")
    if not comment.is_visible:
        # As in the API: members, the author too, no longer read a hidden or deleted comment.
        raise Http404("This comment is hidden or deleted.")
    if request.method == "GET":
        form = forms.CommentForm(initial={"text": comment.text})
        status = 200
    else:
        form = forms.CommentForm(request.POST)
        if form.is_valid():
            try:
                services.comment_edit(
                    actor=request.user, comment=comment, text=form.cleaned_data["text"]
                )
            except ServiceError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Comment saved."))
                return _comment_back(request, comment)
        status = 400
    return render_page(
        request,
        "agendas/comment_edit.html",
        {"meeting": comment.item.meeting, "comment": comment, "form": form},
        section="member",
        status=status,
    )


def _comment_back(request: AuthenticatedHttpRequest, comment: Comment) -> HttpResponse:
    return redirect(
        reverse("agendas:item_detail", args=[comment.meeting_id, comment.item_id])
        + f"#comment-{comment.pk}"
    )


@login_required
@require_POST
def comment_action(
    request: AuthenticatedHttpRequest, pk: int, comment_pk: int, action: str
) -> HttpResponse:
    comment = agenda_permissions.access_comment(request.user, pk, comment_pk)
    if action == "delete":
        change, done = services.comment_delete, _("Comment deleted.")
    elif action == "hide":
        change, done = services.comment_hide, _("Comment hidden from members.")
    else:
        raise Http404("No such action.")
    return act(
        request,
        comment.item.meeting,
        lambda: change(actor=request.user, comment=comment),
        done=done,
        item=comment.item,
    )

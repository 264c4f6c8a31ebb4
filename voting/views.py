"""Voting on the session screens: the chair prepares, opens and closes votes from the console;
members vote and declare conflicts of interest from their tablets. A refusal shows the page the
person came from with the reason and status 400; nothing is written."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agendas.models import AgendaItem
from agendas.permissions import access_item
from agendas.views import RENDERERS
from meetings.errors import ServiceError
from meetings.http import AuthenticatedHttpRequest
from meetings.models import Meeting
from voting import forms, services
from voting.permissions import access_poll

PAGES = ("session", "console", "item")


def _page(request: AuthenticatedHttpRequest) -> str:
    page = request.POST.get("return_to", "")
    return page if page in PAGES else "session"


def _done(request: AuthenticatedHttpRequest, meeting: Meeting, item: AgendaItem) -> HttpResponse:
    page = _page(request)
    if page == "item":
        return redirect("agendas:item_detail", pk=meeting.pk, item_pk=item.pk)
    return redirect(f"agendas:{page}", pk=meeting.pk)


def _refused(
    request: AuthenticatedHttpRequest, meeting: Meeting, item: AgendaItem, message: str
) -> HttpResponse:
    render = RENDERERS[_page(request)]
    return render(request, meeting, item=item, error=message, status=400)


def _act(
    request: AuthenticatedHttpRequest,
    meeting: Meeting,
    item: AgendaItem,
    change: Callable[[], object],
    done: str,
) -> HttpResponse:
    try:
        change()
    except ServiceError as error:
        return _refused(request, meeting, item, error.message)
    messages.success(request, done)
    return _done(request, meeting, item)


@login_required
@require_POST
def poll_create(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = access_item(request.user, pk, item_pk)
    form = forms.PollForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.items()))
        label = form.fields[first[0]].label if first[0] in form.fields else ""
        return _refused(request, item.meeting, item, f"{label}: {first[1][0]}")
    data = form.cleaned_data
    minutes = data["closes_in_minutes"]
    closes_at = timezone.now() + datetime.timedelta(minutes=minutes) if minutes else None
    return _act(
        request,
        item.meeting,
        item,
        lambda: services.poll_create(
            actor=request.user,
            item=item,
            question=data["question"],
            secrecy=data["secrecy"],
            method=data["method"],
            options=form.option_labels(),
            max_choices=data["max_choices"],
            majority=data["majority"],
            closes_at=closes_at,
        ),
        _("The vote is prepared; open it when the members are ready."),
    )


@login_required
@require_POST
def poll_action(
    request: AuthenticatedHttpRequest, pk: int, poll_pk: int, action: str
) -> HttpResponse:
    poll = access_poll(request.user, pk, poll_pk)
    if action == "open":
        change, done = services.poll_open, _("The vote is open.")
    elif action == "close":
        change, done = services.poll_close, _("The vote is closed.")
    else:
        raise Http404("No such action.")
    return _act(
        request, poll.meeting, poll.item, lambda: change(actor=request.user, poll=poll), done
    )


@login_required
@require_POST
def vote(request: AuthenticatedHttpRequest, pk: int, poll_pk: int) -> HttpResponse:
    poll = access_poll(request.user, pk, poll_pk)
    form = forms.BallotForm(request.POST, poll=poll)
    if not form.is_valid():
        return _refused(
            request, poll.meeting, poll.item, _("Choose among the options of this vote.")
        )
    data = form.cleaned_data
    return _act(
        request,
        poll.meeting,
        poll.item,
        lambda: services.ballot_cast(
            actor=request.user,
            poll=poll,
            answer=data["answer"],
            choices=data["choices"],
            request_key=data["request_key"],
        ),
        _("Your vote is recorded."),
    )


@login_required
@require_POST
def recusal(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = access_item(request.user, pk, item_pk)
    form = forms.RecusalForm(request.POST)
    if not form.is_valid():
        return _refused(request, item.meeting, item, _("Say what the conflict of interest is."))
    return _act(
        request,
        item.meeting,
        item,
        lambda: services.recusal_declare(
            actor=request.user, item=item, reason=form.cleaned_data["reason"]
        ),
        _("Your conflict of interest is recorded; you will not vote on this item."),
    )

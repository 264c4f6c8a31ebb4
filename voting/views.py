"""Voting on the session screens: the chair prepares, opens and closes votes from the console;
members vote, declare conflicts of interest and ask for an extraordinary meeting from their
tablets. A refusal shows the page the
person came from with the reason and status 400; nothing is written. A ballot sent from the
tablet's ballot box in the background (htmx) is answered with that box alone, counted or
refused."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agendas.permissions import access_item
from agendas.views import act, refused
from core.errors import ServiceError
from core.http import AuthenticatedHttpRequest
from meetings.permissions import access_body
from meetings.views import body_detail
from voting import forms, regions, selectors, services
from voting.models import Poll
from voting.permissions import access_poll


@login_required
@require_POST
def poll_create(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = access_item(request.user, pk, item_pk)
    form = forms.PollForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.items()))
        label = form.fields[first[0]].label if first[0] in form.fields else ""
        return refused(request, item.meeting, f"{label}: {first[1][0]}", item=item)
    data = form.cleaned_data
    minutes = data["closes_in_minutes"]
    closes_at = timezone.now() + datetime.timedelta(minutes=minutes) if minutes else None
    return act(
        request,
        item.meeting,
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
            procedural=data["procedural"],
        ),
        done=_("The vote is prepared; open it when the members are ready."),
        item=item,
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
        form = forms.PollCloseForm(request.POST)
        if not form.is_valid():
            return refused(
                request,
                poll.meeting,
                _("Give the number of illegal ballots as a whole number, 0 or more."),
                item=poll.item,
            )
        illegal = form.cleaned_data["illegal"] or 0
        return act(
            request,
            poll.meeting,
            lambda: services.poll_close(actor=request.user, poll=poll, illegal=illegal),
            done=_("The vote is closed."),
            item=poll.item,
        )
    else:
        raise Http404("No such action.")
    return act(
        request,
        poll.meeting,
        lambda: change(actor=request.user, poll=poll),
        done=done,
        item=poll.item,
    )


def _own(request: AuthenticatedHttpRequest, poll: Poll) -> regions.OwnBallot:
    voters = selectors.entitled_voters(poll.meeting, poll.item)
    return regions.own_ballot(poll, request.user, voters)


def _ballot_box(
    request: AuthenticatedHttpRequest,
    poll: Poll,
    own: regions.OwnBallot | None,
    *,
    error: str = "",
) -> HttpResponse:
    """The ballot box alone, for the tablet to put in place of its own; with the reason and
    status 400 when the ballot was refused."""
    context = {
        "poll": poll,
        "meeting": poll.meeting,
        "own": own,
        "error": error,
        "return_to": request.POST.get("return_to", ""),
    }
    return render(request, "voting/_ballot.html", context, status=400 if error else 200)


@login_required
@require_POST
def vote(request: AuthenticatedHttpRequest, pk: int, poll_pk: int) -> HttpResponse:
    poll = access_poll(request.user, pk, poll_pk)
    form = forms.BallotForm(request.POST, poll=poll)
    tablet = bool(request.headers.get("HX-Request"))
    if not form.is_valid():
        message = _("Choose among the options of this vote.")
        if tablet:
            return _ballot_box(request, poll, _own(request, poll), error=message)
        return refused(request, poll.meeting, message, item=poll.item)
    data = form.cleaned_data

    def cast() -> Poll:
        return services.ballot_cast(
            actor=request.user,
            poll=poll,
            answer=data["answer"],
            choices=data["choices"],
            request_key=data["request_key"],
        )

    if not tablet:
        return act(request, poll.meeting, cast, done=_("Your vote is recorded."), item=poll.item)
    # Sent from the tablet's ballot box in the background: a refusal answers with that box and
    # the reason, not the whole page. After the close a burst of late ballots is refused at
    # once, and drawing the page for each held back the close's result on every screen.
    try:
        counted = cast()
    except ServiceError as error:
        return _ballot_box(request, poll, None, error=error.message)
    # Counted: the box as it now stands ("You voted: ..."), without drawing the page again.
    return _ballot_box(request, counted, regions.counted_ballot(counted, request.user.pk))


@login_required
@require_POST
def recusal(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = access_item(request.user, pk, item_pk)
    form = forms.RecusalForm(request.POST)
    if not form.is_valid():
        return refused(request, item.meeting, _("Say what the conflict of interest is."), item=item)
    return act(
        request,
        item.meeting,
        lambda: services.recusal_declare(
            actor=request.user, item=item, reason=form.cleaned_data["reason"]
        ),
        done=_("Your conflict of interest is recorded; you will not vote on this item."),
        item=item,
    )


@login_required
@require_POST
def extraordinary_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    body = access_body(request.user, pk)
    form = forms.ExtraordinaryRequestForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError(_("Say why an extraordinary meeting is needed."))
        demand = services.extraordinary_request_make(
            actor=request.user, body=body, reason=form.cleaned_data["reason"]
        )
    except ServiceError as error:
        messages.error(request, error.message)
        response = body_detail(request, pk)
        response.status_code = 400
        return response
    messages.success(request, _("Your request is on record. %s") % demand.explanation)
    return redirect("meetings:body_detail", pk=body.pk)

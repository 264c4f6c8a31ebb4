"""The votes on an agenda item, for the agenda's screens (which load this tag, so that the
agenda need not know about voting)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django import template

from agendas.models import AgendaItem
from meetings.models import Meeting
from voting import forms, selectors
from voting.models import Ballot, Poll
from voting.permissions import can_prepare_polls

register = template.Library()


@dataclass(frozen=True)
class PollView:
    poll: Poll
    turnout: int
    entitled: int
    may_vote: bool
    voted: bool
    my_ballot: Ballot | None
    request_key: str


@register.inclusion_tag("voting/_votes.html", takes_context=True)
def open_vote_elsewhere(
    context: dict[str, Any], meeting: Meeting, current: AgendaItem | None, return_to: str
) -> dict[str, Any]:
    """The vote open on another item than the one under way, so that nobody misses it."""
    poll = selectors.open_poll(meeting)
    if poll is None or poll.item == current:
        return {"polls": []}
    return votes_panel(context, meeting, poll.item, return_to)


@register.inclusion_tag("voting/_votes.html", takes_context=True)
def votes_panel(
    context: dict[str, Any], meeting: Meeting, item: AgendaItem, return_to: str
) -> dict[str, Any]:
    user = context["user"]
    preparer = can_prepare_polls(user, meeting)
    entitled = selectors.entitled_voters(meeting, item)
    views = []
    for poll in selectors.polls_for_item(item):
        if poll.status == Poll.Status.DRAFT and not preparer:
            continue
        views.append(
            PollView(
                poll=poll,
                turnout=selectors.turnout(poll),
                entitled=len(entitled),
                may_vote=user.pk in entitled,
                voted=selectors.has_voted(poll, user),
                my_ballot=selectors.own_ballot(poll, user),
                # One key per rendered form: a retried submission is recognised as the same.
                request_key=secrets.token_urlsafe(16),
            )
        )
    return {
        "meeting": meeting,
        "item": item,
        "polls": views,
        "preparer": preparer and return_to == "console",
        "poll_form": forms.PollForm(),
        "recusal_form": forms.RecusalForm(),
        "recused": item.recusals.filter(user=user).exists(),
        "may_declare": user.pk in entitled,
        "return_to": return_to,
        "csrf_token": context.get("csrf_token"),
        "user": user,
    }

"""The votes on an agenda item, for the agenda's screens (which load this tag, so that the
agenda need not know about voting). Drawn for the person viewing the page, with their own
ballot and conflict boxes; inside a region rendered for an audience (`audience_rights` in the
context, and no `user`), with placeholders for those boxes (voting/regions.py)."""

from __future__ import annotations

from typing import Any

from django import template

from agendas.models import AgendaItem
from meetings.models import Body, Meeting
from meetings.permissions import display_rights, meeting_rights
from meetings.rules import extraordinary_demand
from voting import forms, regions, selectors

register = template.Library()


def _rights(context: template.Context, meeting: Meeting) -> tuple[frozenset[str], Any]:
    """The rights the panel is drawn for, and the person it is drawn for: none in a region."""
    user = context.get("user")
    rights = context.get("audience_rights")
    if rights is None:
        rights = meeting_rights(user, meeting) if user is not None else frozenset()
    return rights, user


def _panel(
    context: template.Context, meeting: Meeting, item: AgendaItem, return_to: str, region_id: str
) -> dict[str, Any]:
    rights, owner = _rights(context, meeting)
    [votes] = regions.load_item_votes(meeting, [item])
    return {
        **regions.votes_context(
            meeting,
            votes,
            rights,
            console=return_to == "console",
            region_id=region_id,
            owner=owner,
        ),
        "return_to": return_to,
    }


@register.inclusion_tag("voting/_votes.html", takes_context=True)
def open_vote_elsewhere(
    context: template.Context, meeting: Meeting, current: AgendaItem | None, return_to: str
) -> dict[str, Any]:
    """The vote open on another item than the one under way, so that nobody misses it."""
    poll = selectors.open_poll(meeting)
    region_id = regions.elsewhere_region(return_to == "console")
    if poll is None or poll.item == current:
        return {"polls": [], "region_id": region_id, "empty": True}
    return _panel(context, meeting, poll.item, return_to, region_id)


@register.inclusion_tag("voting/_votes.html", takes_context=True)
def votes_panel(
    context: template.Context, meeting: Meeting, item: AgendaItem, return_to: str
) -> dict[str, Any]:
    return _panel(
        context, meeting, item, return_to, regions.votes_region(item, return_to == "console")
    )


def _display_panel(
    context: template.Context, meeting: Meeting, item: AgendaItem, region_id: str
) -> dict[str, Any]:
    # The display's rights, as the page or the region was drawn for them.
    rights = context.get("audience_rights")
    if rights is None:
        rights = display_rights(meeting.pk)
    [votes] = regions.load_item_votes(meeting, [item])
    return regions.votes_context(meeting, votes, rights, console=False, region_id=region_id)


@register.inclusion_tag("voting/_votes_display.html", takes_context=True)
def display_votes(context: template.Context, meeting: Meeting, item: AgendaItem) -> dict[str, Any]:
    """An item's votes on the room display, for nobody in particular."""
    return _display_panel(context, meeting, item, regions.votes_region(item, console=False))


@register.inclusion_tag("voting/_votes_display.html", takes_context=True)
def display_vote_elsewhere(
    context: template.Context, meeting: Meeting, current: AgendaItem | None
) -> dict[str, Any]:
    """The vote open on another item than the one under way, on the room display."""
    poll = selectors.open_poll(meeting)
    region_id = regions.elsewhere_region(console=False)
    if poll is None or poll.item == current:
        return {"polls": [], "region_id": region_id}
    return _display_panel(context, meeting, poll.item, region_id)


@register.inclusion_tag("voting/_extraordinary.html", takes_context=True)
def extraordinary_box(context: template.Context, body: Body) -> dict[str, Any]:
    """On the body's page: who has asked for an extraordinary meeting, and the form to ask, for
    a body whose members may demand one."""
    body_rules = body.decision_rules
    user = context.get("user")
    if body_rules.extraordinary_request is None or user is None:
        return {"shown": False}
    requests = list(selectors.extraordinary_requests_open(body))
    members = selectors.voting_members(body)
    return {
        "shown": True,
        "body": body,
        "requests": requests,
        "demand": extraordinary_demand(
            body_rules, members=members.count(), requesters=len(requests)
        ),
        "may_ask": members.filter(user=user).exists()
        and all(request.member_id != user.pk for request in requests),
        "form": forms.ExtraordinaryRequestForm(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("voting/_extraordinary_requesters.html")
def extraordinary_requesters(meeting: Meeting) -> dict[str, Any]:
    """On an extraordinary meeting's page: the members who asked for it, and why."""
    return {"requests": selectors.extraordinary_requested_by(meeting)}

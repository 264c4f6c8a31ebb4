"""The votes on an agenda item, for the agenda's screens (which load this tag, so that the
agenda need not know about voting). Drawn for the person viewing the page, with their own
ballot and conflict boxes; inside a region rendered for an audience (`audience_rights` in the
context, and no `user`), with placeholders for those boxes (voting/regions.py)."""

from __future__ import annotations

from typing import Any

from django import template

from agendas.models import AgendaItem
from meetings.models import Meeting
from meetings.permissions import meeting_rights
from voting import regions, selectors

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

"""The agenda on the meeting page: the meeting app's templates load it, so that meetings need
not know about agendas. The same context as the live region (agendas/regions.py)."""

from typing import Any

from django import template

from agendas import regions
from meetings import permissions
from meetings.models import Meeting

register = template.Library()


@register.inclusion_tag("agendas/_agenda_card.html", takes_context=True)
def agenda_card(context: dict[str, Any], meeting: Meeting) -> dict[str, Any]:
    rights = permissions.meeting_rights(context["user"], meeting)
    return regions.agenda_card_context(regions.agenda_context(meeting, rights))

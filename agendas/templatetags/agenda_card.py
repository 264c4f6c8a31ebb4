"""The agenda on the meeting page: the meeting app's templates load it, so that meetings need
not know about agendas."""

from typing import Any

from django import template

from agendas import permissions, selectors
from meetings.models import Meeting

register = template.Library()


@register.inclusion_tag("agendas/_agenda_card.html", takes_context=True)
def agenda_card(context: dict[str, Any], meeting: Meeting) -> dict[str, Any]:
    user = context["user"]
    visible = permissions.can_see_agenda(user, meeting)
    return {
        "meeting": meeting,
        "visible": visible,
        "overview": selectors.agenda_overview(meeting) if visible else None,
        "can_edit": permissions.can_edit_agenda(user, meeting),
        "can_console": meeting.status != Meeting.Status.DRAFT
        and (
            permissions.can_lead_agenda(user, meeting) or permissions.can_edit_agenda(user, meeting)
        ),
    }

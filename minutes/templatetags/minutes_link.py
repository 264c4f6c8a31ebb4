"""The minutes card on the meeting page: the meetings app shows it without importing minutes."""

from __future__ import annotations

from typing import Any

from django import template

from meetings import permissions as meeting_permissions
from meetings.models import Meeting
from meetings.permissions import AnyUser
from minutes import selectors
from minutes.permissions import minutes_visible

register = template.Library()


@register.inclusion_tag("minutes/_minutes_card.html")
def minutes_card(meeting: Meeting, user: AnyUser) -> dict[str, Any]:
    rights = meeting_permissions.meeting_rights(user, meeting)
    works_on = bool(rights & {meeting_permissions.MANAGE_MEETING, meeting_permissions.RUN_MEETING})
    current = selectors.current_minutes(meeting)
    signed = selectors.signed_minutes(meeting) if meeting_permissions.VIEW_MEETING in rights else []
    return {
        "meeting": meeting,
        "current": current if current and minutes_visible(rights, current) else None,
        "signed": signed,
        "works_on": works_on and meeting.status == Meeting.Status.CLOSED,
    }

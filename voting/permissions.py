"""Who may see polls. Prepared (draft) polls are the chair's and the secretariat's; open and
closed polls are seen by everyone who sees the agenda. Missing and forbidden are the same 404."""

from __future__ import annotations

from django.http import Http404

from agendas.permissions import agenda_of, agenda_visible
from meetings import permissions
from meetings.models import Meeting
from meetings.permissions import AnyUser
from voting.models import Poll


def can_prepare_polls(user: AnyUser, meeting: Meeting) -> bool:
    return can_prepare(permissions.meeting_rights(user, meeting))


def can_prepare(rights: frozenset[str]) -> bool:
    """Whether these rights on a meeting prepare, open and close its votes."""
    return bool(rights & {permissions.RUN_MEETING, permissions.MANAGE_MEETING})


def access_poll(user: AnyUser, meeting_id: int, poll_id: int) -> Poll:
    """The poll, if the user may see it, read with its item, meeting, body and agenda in one
    query (every ballot starts here), then the rights on the meeting in one more."""
    try:
        poll = Poll.objects.select_related("item", "meeting__body", "meeting__agenda").get(
            pk=poll_id, meeting_id=meeting_id
        )
    except (Poll.DoesNotExist, ValueError, TypeError):
        raise Http404("No such poll.") from None
    meeting = poll.meeting
    rights = permissions.meeting_rights(user, meeting)
    if permissions.VIEW_MEETING not in rights or not agenda_visible(rights, agenda_of(meeting)):
        raise Http404("No such poll.")
    poll.item.meeting = meeting
    if poll.status == Poll.Status.DRAFT and not can_prepare(rights):
        raise Http404("No such poll.")
    return poll

"""Who may see polls. Prepared (draft) polls are the chair's and the secretariat's; open and
closed polls are seen by everyone who sees the agenda. Missing and forbidden are the same 404."""

from __future__ import annotations

from django.http import Http404

from agendas.permissions import access_agenda
from meetings import permissions
from meetings.models import Meeting
from meetings.permissions import AnyUser
from voting.models import Poll


def can_prepare_polls(user: AnyUser, meeting: Meeting) -> bool:
    return bool(
        permissions.meeting_rights(user, meeting)
        & {permissions.RUN_MEETING, permissions.MANAGE_MEETING}
    )


def access_poll(user: AnyUser, meeting_id: int, poll_id: int) -> Poll:
    meeting = access_agenda(user, meeting_id)
    try:
        poll = Poll.objects.select_related("item").get(pk=poll_id, meeting=meeting)
    except (Poll.DoesNotExist, ValueError, TypeError):
        raise Http404("No such poll.") from None
    # The meeting as just read (with its body and agenda), for the checks that follow.
    poll.meeting = meeting
    poll.item.meeting = meeting
    if poll.status == Poll.Status.DRAFT and not can_prepare_polls(user, meeting):
        raise Http404("No such poll.")
    return poll

"""Who may see and change a meeting's agenda, its speakers and its comments.

Rights come from the meeting (meetings.permissions): the secretariat (manage) prepares the
agenda; the chair (run) leads items, the floor and the timer; everyone who sees the meeting sees
the agenda once it is published. `access_*` fetch and authorise in one step; missing and
forbidden are the same 404.
"""

from __future__ import annotations

from django.http import Http404

from agendas.models import Agenda, AgendaItem, Comment, Speaker
from meetings import permissions
from meetings.models import Meeting
from meetings.permissions import AnyUser


def agenda_visible(rights: frozenset[str], agenda: Agenda | None) -> bool:
    """An unpublished agenda is the secretariat's working draft."""
    if permissions.MANAGE_MEETING in rights:
        return True
    return permissions.VIEW_MEETING in rights and agenda is not None and agenda.is_published


def agenda_of(meeting: Meeting) -> Agenda | None:
    try:
        return meeting.agenda
    except Agenda.DoesNotExist:
        return None


def can_see_agenda(user: AnyUser, meeting: Meeting) -> bool:
    return agenda_visible(permissions.meeting_rights(user, meeting), agenda_of(meeting))


def can_edit_agenda(user: AnyUser, meeting: Meeting) -> bool:
    return permissions.can_manage_meeting(user, meeting)


def can_lead_agenda(user: AnyUser, meeting: Meeting) -> bool:
    """Start, end and defer items, give and end the floor, run the timer."""
    return permissions.can_run_meeting(user, meeting)


def can_moderate_comments(user: AnyUser, meeting: Meeting) -> bool:
    return bool(
        permissions.meeting_rights(user, meeting)
        & {permissions.RUN_MEETING, permissions.MANAGE_MEETING}
    )


def access_agenda(user: AnyUser, meeting_id: int) -> Meeting:
    """The meeting, if the user may see its agenda. The rights are read once: every agenda
    and voting request starts here. The agenda is read with the meeting (two queries in all)."""
    try:
        meeting = Meeting.objects.select_related("body", "agenda").get(pk=meeting_id)
    except (Meeting.DoesNotExist, ValueError, TypeError):
        raise Http404("No such meeting.") from None
    rights = permissions.meeting_rights(user, meeting)
    if permissions.VIEW_MEETING not in rights:
        raise Http404("No such meeting.")
    if not agenda_visible(rights, agenda_of(meeting)):
        raise Http404("No such agenda.")
    return meeting


def access_item(user: AnyUser, meeting_id: int, item_id: int) -> AgendaItem:
    meeting = access_agenda(user, meeting_id)
    try:
        item = AgendaItem.objects.select_related("meeting__body").get(pk=item_id, meeting=meeting)
    except (AgendaItem.DoesNotExist, ValueError, TypeError):
        raise Http404("No such agenda item.") from None
    return item


def access_speaker(user: AnyUser, meeting_id: int, speaker_id: int) -> Speaker:
    meeting = access_agenda(user, meeting_id)
    try:
        return Speaker.objects.select_related("item", "user").get(pk=speaker_id, meeting=meeting)
    except (Speaker.DoesNotExist, ValueError, TypeError):
        raise Http404("No such speaker.") from None


def access_comment(user: AnyUser, meeting_id: int, comment_id: int) -> Comment:
    meeting = access_agenda(user, meeting_id)
    try:
        return Comment.objects.select_related("item", "author").get(pk=comment_id, meeting=meeting)
    except (Comment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such comment.") from None

"""Who may see and change a meeting's minutes.

The secretariat (manage_meeting) drafts, edits, submits and signs first; the chair (run_meeting)
approves or returns them and signs second. Until they are signed the minutes are a working
document of those two; once signed, everyone who may see the meeting may read and download them.
`access_*` fetch and authorise in one step: missing and forbidden are the same 404.
"""

from __future__ import annotations

from django.http import Http404

from meetings import permissions
from meetings.models import Body, Meeting
from meetings.permissions import AnyUser
from minutes import selectors
from minutes.exports import EXPORTABLE_MINUTES
from minutes.models import ActionItem, LinkedConsultation, Minutes


def can_write_minutes(user: AnyUser, meeting: Meeting) -> bool:
    """Draft, edit, submit, sign as the secretary, start a correction."""
    return permissions.can_manage_meeting(user, meeting)


def can_review_minutes(user: AnyUser, meeting: Meeting) -> bool:
    """Approve or return, sign as the chair."""
    return permissions.can_run_meeting(user, meeting)


def can_link_consultation(user: AnyUser, meeting: Meeting) -> bool:
    """Report a written-opinion poll in the meeting's minutes, or take it out."""
    return permissions.can_manage_meeting(user, meeting)


def minutes_visible(rights: frozenset[str], minutes: Minutes) -> bool:
    if rights & {permissions.MANAGE_MEETING, permissions.RUN_MEETING}:
        return True
    return permissions.VIEW_MEETING in rights and minutes.status == Minutes.Status.SIGNED


def access_minutes_meeting(user: AnyUser, meeting_id: int) -> Meeting:
    """The meeting, if the user takes part in writing or approving its minutes."""
    meeting = permissions.access_meeting(user, meeting_id)
    rights = permissions.meeting_rights(user, meeting)
    if not rights & {permissions.MANAGE_MEETING, permissions.RUN_MEETING}:
        raise Http404("No such minutes.")
    return meeting


def access_minutes(user: AnyUser, meeting_id: int, minutes_id: int | None = None) -> Minutes:
    """The meeting's current minutes (or the given one of its minutes), if the user may see
    them."""
    meeting = permissions.access_meeting(user, meeting_id)
    if minutes_id is None:
        minutes = selectors.current_minutes(meeting)
    else:
        minutes = selectors.minutes_list(meeting).filter(pk=minutes_id).first()
    if minutes is None or not minutes_visible(permissions.meeting_rights(user, meeting), minutes):
        raise Http404("No such minutes.")
    minutes.meeting = meeting
    return minutes


def access_exportable_minutes(user: AnyUser, meeting_id: int) -> Minutes:
    """The minutes to export: the current ones from the chair's approval on (before it their
    text is still being written), if the user may see them; otherwise the latest signed ones,
    which everyone who sees the meeting may read, as on the minutes page while a correction
    is under way."""
    meeting = permissions.access_meeting(user, meeting_id)
    rights = permissions.meeting_rights(user, meeting)
    minutes = selectors.current_minutes(meeting)
    if minutes is None or not (
        minutes.status in EXPORTABLE_MINUTES and minutes_visible(rights, minutes)
    ):
        signed = selectors.signed_minutes(meeting)
        minutes = signed[-1] if signed else None
    if minutes is None:
        raise Http404("No such minutes.")
    minutes.meeting = meeting
    return minutes


def access_linked_consultation(
    user: AnyUser, meeting_id: int, consultation_id: int
) -> LinkedConsultation:
    """The link of a poll to the meeting's minutes, for the meeting's secretariat and chair."""
    meeting = access_minutes_meeting(user, meeting_id)
    try:
        link = LinkedConsultation.objects.select_related("consultation").get(
            meeting=meeting, consultation_id=consultation_id
        )
    except (LinkedConsultation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such written-opinion poll.") from None
    link.meeting = meeting
    return link


# Action items: the secretariat of the meeting manages them; the chair reads them; the assignee
# sees and follows up their own.


def can_manage_actions(user: AnyUser, meeting: Meeting) -> bool:
    return permissions.can_manage_meeting(user, meeting)


def can_follow_up_action(user: AnyUser, action: ActionItem) -> bool:
    """Add notes: the secretariat, or the person the task is assigned to."""
    if not user.is_authenticated:
        return False
    return action.assignee_user_id == user.pk or can_manage_actions(user, action.meeting)


def access_actions_meeting(user: AnyUser, meeting_id: int) -> Meeting:
    """The meeting, if the user is its secretariat or chair (who list its action items)."""
    meeting = permissions.access_meeting(user, meeting_id)
    rights = permissions.meeting_rights(user, meeting)
    if not rights & {permissions.MANAGE_MEETING, permissions.RUN_MEETING}:
        raise Http404("No such meeting.")
    return meeting


def access_action(user: AnyUser, action_id: int) -> ActionItem:
    """The action item, if the user is its assignee or the meeting's secretariat or chair."""
    try:
        action = ActionItem.objects.select_related(
            "meeting__body", "assignee_user", "followed_up_in", "item"
        ).get(pk=action_id)
    except (ActionItem.DoesNotExist, ValueError, TypeError):
        raise Http404("No such action item.") from None
    if not user.is_authenticated:
        raise Http404("No such action item.")
    if action.assignee_user_id == user.pk:
        return action
    rights = permissions.meeting_rights(user, action.meeting)
    if not rights & {permissions.MANAGE_MEETING, permissions.RUN_MEETING}:
        raise Http404("No such action item.")
    return action


def access_actions_body(user: AnyUser, body_id: int) -> Body:
    """The body, if the user is its secretariat (who watches the overdue items)."""
    return permissions.access_body(user, body_id, permissions.MANAGE_BODY)

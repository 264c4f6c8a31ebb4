"""Action items (conclusions) and their follow-up.

The secretariat records the tasks a meeting gave out and follows them up; the person a task is
assigned to reports on it with notes. Notes are kept as written: they are the history.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agendas import services as agenda_services
from agendas.models import AgendaItem
from core.errors import ServiceError, require
from meetings import permissions as meeting_permissions
from meetings.models import Meeting, Membership
from minutes import permissions
from minutes.models import ActionItem, ActionNote
from realtime import events

A = ActionItem.Status
MAX_ACTION_CHARS = 2000
MAX_ORGANISATION_CHARS = 200
# Where the assignee may move their own task; done and cancelled are the secretariat's to undo.
ASSIGNEE_STATUSES = (A.IN_PROGRESS, A.DONE)
OFFERABLE_MEETINGS = (Meeting.Status.DRAFT, Meeting.Status.SCHEDULED)


def _lock_action(action: ActionItem) -> ActionItem:
    return (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("meeting__body", "assignee_user")
        .get(pk=action.pk)
    )


def _publish_action(action: ActionItem, type: str) -> None:
    events.publish(
        meeting=action.meeting,
        type=type,
        payload={"action": action.pk, "status": action.status},
        restricted_to=meeting_permissions.MANAGE_MEETING,
    )


def _is_member(meeting: Meeting, user: User) -> bool:
    # A member whose membership has ended is no longer someone the body can give work to.
    return (
        Membership.objects.filter(body_id=meeting.body_id, user=user)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=timezone.localdate()))
        .exists()
    )


def _valid_action_fields(
    *,
    meeting: Meeting,
    text: str,
    assignee_user: User | None,
    assignee_organisation: str,
    due_on: datetime.date,
    item: AgendaItem | None,
) -> tuple[str, str]:
    text, organisation = text.strip(), assignee_organisation.strip()
    if not text:
        raise ServiceError(_("Write the task."), field="text")
    if len(text) > MAX_ACTION_CHARS:
        raise ServiceError(
            _("The task is too long: at most %(count)d characters.") % {"count": MAX_ACTION_CHARS},
            field="text",
        )
    if (assignee_user is None) == (not organisation):
        raise ServiceError(
            _("Assign the task either to a member or to an organisation, not both."),
            field="assignee_user",
        )
    if len(organisation) > MAX_ORGANISATION_CHARS:
        raise ServiceError(
            _("The organisation's name is too long: at most %(count)d characters.")
            % {"count": MAX_ORGANISATION_CHARS},
            field="assignee_organisation",
        )
    if assignee_user is not None and not _is_member(meeting, assignee_user):
        raise ServiceError(
            _("The task can only be assigned to a member of %(body)s.")
            % {"body": meeting.body.name},
            field="assignee_user",
        )
    if due_on < timezone.localtime(meeting.starts_at).date():
        raise ServiceError(_("The due date cannot be before the meeting."), field="due_on")
    if item is not None and item.meeting_id != meeting.pk:
        raise ServiceError(_("The agenda item is not one of this meeting's."), field="item")
    return text, organisation


def action_create(
    *,
    actor: User,
    meeting: Meeting,
    text: str,
    due_on: datetime.date,
    assignee_user: User | None = None,
    assignee_organisation: str = "",
    item: AgendaItem | None = None,
) -> ActionItem:
    """Record a task the meeting gave out (the secretariat), for a member or an organisation."""
    require(
        permissions.can_manage_actions(actor, meeting),
        _("Only the secretariat records the meeting's tasks."),
    )
    if meeting.status == Meeting.Status.CANCELLED:
        raise ServiceError(_("The meeting was cancelled."))
    text, organisation = _valid_action_fields(
        meeting=meeting,
        text=text,
        assignee_user=assignee_user,
        assignee_organisation=assignee_organisation,
        due_on=due_on,
        item=item,
    )
    with transaction.atomic():
        action = ActionItem.objects.create(
            meeting=meeting,
            item=item,
            text=text,
            assignee_user=assignee_user,
            assignee_organisation=organisation,
            due_on=due_on,
            created_by=actor,
        )
        _publish_action(action, "minutes.action_created")
    return action


def action_edit(
    *,
    actor: User,
    action: ActionItem,
    text: str,
    due_on: datetime.date,
    assignee_user: User | None = None,
    assignee_organisation: str = "",
    item: AgendaItem | None = None,
) -> ActionItem:
    """Change an outstanding task's text, assignee or due date (the secretariat)."""
    require(
        permissions.can_manage_actions(actor, action.meeting),
        _("Only the secretariat changes the meeting's tasks."),
    )
    with transaction.atomic():
        # Locked so that an edit and a note closing the task apply one after the other.
        action = _lock_action(action)
        if not action.is_outstanding:
            raise ServiceError(_("A task that is done or cancelled no longer changes."))
        action.text, action.assignee_organisation = _valid_action_fields(
            meeting=action.meeting,
            text=text,
            assignee_user=assignee_user,
            assignee_organisation=assignee_organisation,
            due_on=due_on,
            item=item,
        )
        action.assignee_user, action.due_on, action.item = assignee_user, due_on, item
        action.save()
        _publish_action(action, "minutes.action_edited")
    return action


def action_note_add(
    *, actor: User, action: ActionItem, text: str = "", status: str = ""
) -> ActionNote:
    """A follow-up note, optionally moving the task on: the secretariat to any status but
    cancelled (see action_cancel), the assignee to in progress or done."""
    require(
        permissions.can_follow_up_action(actor, action),
        _("Only the secretariat and the person the task is assigned to follow it up."),
    )
    text = text.strip()
    if len(text) > MAX_ACTION_CHARS:
        raise ServiceError(
            _("The note is too long: at most %(count)d characters.") % {"count": MAX_ACTION_CHARS},
            field="text",
        )
    if not text and not status:
        raise ServiceError(_("Write a note or change the status."), field="text")
    secretariat = permissions.can_manage_actions(actor, action.meeting)
    allowed = (A.OPEN, A.IN_PROGRESS, A.DONE) if secretariat else ASSIGNEE_STATUSES
    if status and status not in allowed:
        raise ServiceError(_("This status cannot be set here."), field="status")
    with transaction.atomic():
        # Locked so that two notes changing the status do not both start from the same one.
        action = _lock_action(action)
        if not action.is_outstanding and not secretariat:
            raise ServiceError(_("The task is closed; ask the secretariat to reopen it."))
        if action.status == A.CANCELLED:
            raise ServiceError(_("The task was cancelled."))
        changed = status if status and status != action.status else ""
        note = ActionNote.objects.create(action=action, author=actor, text=text, status=changed)
        if changed:
            action.status = changed
            action.done_at = timezone.now() if changed == A.DONE else None
            action.save(update_fields=["status", "done_at"])
        _publish_action(action, "minutes.action_noted")
    return note


def action_cancel(*, actor: User, action: ActionItem, reason: str = "") -> ActionItem:
    """The task is no longer needed (the secretariat); the reason is kept as a note."""
    require(
        permissions.can_manage_actions(actor, action.meeting),
        _("Only the secretariat cancels the meeting's tasks."),
    )
    with transaction.atomic():
        action = _lock_action(action)
        if not action.is_outstanding:
            raise ServiceError(_("Only an open task can be cancelled."))
        action.status = A.CANCELLED
        action.save(update_fields=["status"])
        ActionNote.objects.create(
            action=action, author=actor, text=reason.strip()[:MAX_ACTION_CHARS], status=A.CANCELLED
        )
        _publish_action(action, "minutes.action_cancelled")
    return action


def action_offer_to_agenda(*, actor: User, action: ActionItem, meeting: Meeting) -> AgendaItem:
    """Put an outstanding task on a later meeting of the same body as "Follow-up: <task>"
    (through the agenda's own service, which checks the agenda is still open)."""
    require(
        permissions.can_manage_actions(actor, action.meeting)
        and meeting_permissions.can_manage_meeting(actor, meeting),
        _("Only the secretariat puts tasks on an agenda."),
    )
    if meeting.body_id != action.meeting.body_id:
        raise ServiceError(_("Choose a meeting of the same body."), field="meeting")
    if meeting.starts_at <= action.meeting.starts_at or meeting.status not in OFFERABLE_MEETINGS:
        raise ServiceError(
            _("Choose a later meeting whose agenda is still being prepared."), field="meeting"
        )
    with transaction.atomic():
        # Locked so that the task cannot be offered twice by two clicks at once.
        action = _lock_action(action)
        if action.followed_up_in_id is not None:
            raise ServiceError(_("This task is already on an agenda."))
        if not action.is_outstanding:
            raise ServiceError(_("Only an open task can be put on an agenda."))
        title = _("Follow-up: %(task)s") % {"task": action.text}
        item = agenda_services.agenda_item_create(
            actor=actor,
            meeting=meeting,
            title=title[: AgendaItem._meta.get_field("title").max_length or 300],
            description=action.text,
        )
        action.followed_up_in = item
        action.save(update_fields=["followed_up_in"])
        _publish_action(action, "minutes.action_offered")
    return item

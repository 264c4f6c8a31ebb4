"""Every change to agendas, the speaker queue, comments and the chair's timer.

Each function authorises the actor, locks the meeting's agenda row when the change depends on
the agenda's state, writes, and publishes its event in the same transaction. Locking the one
agenda row serialises everything that must not interleave within a meeting: two items started
at once, the floor given twice, a reorder racing an insert.

Events about an unpublished agenda reach only the secretariat; members learn of the agenda
when it is published, and from then on of every change.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from agendas import notifications
from agendas import permissions as agenda_permissions
from agendas import selectors as agenda_selectors
from agendas.models import Agenda, AgendaItem, Comment, CommentRevision, Speaker
from core.dates import iso
from core.errors import ServiceError, require
from meetings import permissions
from meetings import selectors as meeting_selectors
from meetings.models import Meeting
from realtime import events

MAX_DEPTH = 3
MAX_COMMENT_LENGTH = 4000
MAX_TIMER_SECONDS = 24 * 60 * 60
EDITABLE_ITEM_FIELDS = {"title", "description", "kind", "presenter", "planned_minutes"}
# Meetings whose agenda can still change, and those whose session is running.
FOLLOWED = {Meeting.Status.SCHEDULED, Meeting.Status.IN_SESSION, Meeting.Status.ADJOURNED}
OPEN = {Meeting.Status.DRAFT, *FOLLOWED}


def _lock_agenda(meeting: Meeting) -> Agenda:
    """Create the agenda row on first use and lock it (see the module's docstring)."""
    # By id: an Agenda built with the meeting object would replace the meeting's cached
    # agenda with this unsaved one, and later checks on that object would see it unpublished.
    Agenda.objects.bulk_create([Agenda(meeting_id=meeting.pk)], ignore_conflicts=True)
    return (
        Agenda.objects.select_for_update(of=("self",))
        .select_related("meeting__body")
        .get(meeting=meeting)
    )


def _publish(
    agenda: Agenda, type: str, payload: dict[str, Any], *, people: list[int] | None = None
) -> None:
    """Publish an agenda event; only the secretariat sees it while the agenda is unpublished.
    `people` are those whose own boxes it changes (a request to speak is its speaker's)."""
    events.publish(
        meeting=agenda.meeting,
        type=type,
        payload=payload,
        restricted_to="" if agenda.is_published else permissions.MANAGE_MEETING,
        people=people or [],
    )


def _item_payload(item: AgendaItem) -> dict[str, Any]:
    return {
        "item": item.pk,
        "status": item.status,
        "started_at": iso(item.started_at),
        "ended_at": iso(item.ended_at),
    }


def _require_open(meeting: Meeting) -> None:
    if meeting.status not in OPEN:
        raise ServiceError(
            _("The agenda of a %s meeting cannot change.") % meeting.get_status_display().lower()
        )


def _require_in_session(meeting: Meeting) -> None:
    if meeting.status != Meeting.Status.IN_SESSION:
        raise ServiceError(
            _("Only during the session. This meeting is %s.") % meeting.get_status_display().lower()
        )


def _clean_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise ServiceError(_("An agenda item needs a title."), field="title")
    return title


def _depth(item: AgendaItem | None) -> int:
    depth = 0
    while item is not None:
        depth += 1
        item = item.parent
    return depth


def _parent_in(meeting: Meeting, parent: AgendaItem | None) -> None:
    if parent is not None and parent.meeting_id != meeting.pk:
        raise ServiceError(_("The parent item belongs to another meeting."), field="parent")
    if _depth(parent) >= MAX_DEPTH:
        raise ServiceError(_("Items nest at most %d levels deep.") % MAX_DEPTH, field="parent")


# The agenda


def agenda_item_create(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    parent: AgendaItem | None = None,
    kind: str = AgendaItem.Kind.DISCUSSION,
    presenter: str = "",
    planned_minutes: int = 0,
    description: str = "",
) -> AgendaItem:
    """Add an item at the end of its parent's list (or of the agenda)."""
    require(
        agenda_permissions.can_edit_agenda(actor, meeting),
        _("Only the secretariat prepares the agenda."),
    )
    if kind not in AgendaItem.Kind.values:
        raise ServiceError(_("Unknown item type."), field="kind")
    with transaction.atomic():
        agenda = _lock_agenda(meeting)
        _require_open(agenda.meeting)
        _parent_in(meeting, parent)
        last = AgendaItem.objects.filter(meeting=meeting, parent=parent).aggregate(
            last=Max("position")
        )["last"]
        item = AgendaItem.objects.create(
            meeting=meeting,
            parent=parent,
            position=0 if last is None else last + 1,
            title=_clean_title(title),
            kind=kind,
            presenter=presenter.strip(),
            planned_minutes=planned_minutes,
            description=description.strip(),
        )
        _publish(agenda, "agendas.item_created", {"item": item.pk})
    return item


def agenda_item_update(*, actor: User, item: AgendaItem, **fields: Any) -> AgendaItem:
    require(
        agenda_permissions.can_edit_agenda(actor, item.meeting),
        _("Only the secretariat prepares the agenda."),
    )
    unknown = set(fields) - EDITABLE_ITEM_FIELDS
    if unknown:
        raise ServiceError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    if "kind" in fields and fields["kind"] not in AgendaItem.Kind.values:
        raise ServiceError(_("Unknown item type."), field="kind")
    with transaction.atomic():
        agenda = _lock_agenda(item.meeting)
        _require_open(agenda.meeting)
        item = AgendaItem.objects.get(pk=item.pk)
        for name, value in fields.items():
            setattr(item, name, value.strip() if isinstance(value, str) else value)
        item.title = _clean_title(item.title)
        item.save()
        _publish(agenda, "agendas.item_changed", {"item": item.pk, "fields": sorted(fields)})
    return item


def agenda_item_delete(*, actor: User, item: AgendaItem) -> None:
    """Remove an item that has not been taken up, with its sub-items. An item with speakers or
    comments is part of the record: defer it instead."""
    require(
        agenda_permissions.can_edit_agenda(actor, item.meeting),
        _("Only the secretariat prepares the agenda."),
    )
    with transaction.atomic():
        agenda = _lock_agenda(item.meeting)
        _require_open(agenda.meeting)
        ids = _subtree_ids(item)
        taken_up = AgendaItem.objects.filter(pk__in=ids).exclude(status=AgendaItem.Status.PENDING)
        if (
            taken_up.exists()
            or Speaker.objects.filter(item__in=ids).exists()
            or Comment.objects.filter(item__in=ids).exists()
        ):
            raise ServiceError(
                _("This item has been discussed and belongs to the record; defer it instead.")
            )
        parent_id = item.parent_id
        try:
            AgendaItem.objects.filter(pk=item.pk).delete()
        except ProtectedError:
            # Other apps file their records under items (papers, for one) and protect them;
            # agendas does not know them, only that something still refers to the item.
            raise ServiceError(
                _(
                    "Papers or other records are filed under this item or its sub-items: move "
                    "or remove them first."
                )
            ) from None
        _renumber(item.meeting, parent_id)
        _publish(agenda, "agendas.item_deleted", {"item": item.pk})


def _subtree_ids(item: AgendaItem) -> list[int]:
    ids, frontier = [item.pk], [item.pk]
    while frontier:
        frontier = list(AgendaItem.objects.filter(parent__in=frontier).values_list("pk", flat=True))
        ids += frontier
    return ids


def _renumber(meeting: Meeting, parent_id: int | None, order: list[int] | None = None) -> None:
    """Give the children of `parent_id` the positions 0, 1, 2... in their current order, or in
    the given order of ids."""
    siblings = list(AgendaItem.objects.filter(meeting=meeting, parent_id=parent_id))
    if order is not None:
        rank = {pk: index for index, pk in enumerate(order)}
        siblings.sort(key=lambda sibling: rank[sibling.pk])
    for position, sibling in enumerate(siblings):
        sibling.position = position
    AgendaItem.objects.bulk_update(siblings, ["position"])


def agenda_item_move(
    *, actor: User, item: AgendaItem, parent: AgendaItem | None, position: int
) -> AgendaItem:
    """Move an item (with its sub-items) under `parent` at `position` among its new siblings
    (0 is first; a position past the end puts it last). Numbers follow from the new order."""
    meeting = item.meeting
    require(
        agenda_permissions.can_edit_agenda(actor, meeting),
        _("Only the secretariat prepares the agenda."),
    )
    if position < 0:
        raise ServiceError(_("A position cannot be negative."), field="position")
    with transaction.atomic():
        agenda = _lock_agenda(meeting)
        _require_open(agenda.meeting)
        item = AgendaItem.objects.get(pk=item.pk)
        if parent is not None:
            parent = AgendaItem.objects.select_related("parent__parent").get(pk=parent.pk)
            if parent.pk in _subtree_ids(item):
                raise ServiceError(_("An item cannot move into itself."), field="parent")
        _parent_in(meeting, parent)
        if parent is not None and _depth(parent) + _subtree_height(item) > MAX_DEPTH:
            raise ServiceError(_("Items nest at most %d levels deep.") % MAX_DEPTH, field="parent")
        old_parent_id = item.parent_id
        new_parent_id = parent.pk if parent else None
        siblings = list(
            AgendaItem.objects.filter(meeting=meeting, parent_id=new_parent_id)
            .exclude(pk=item.pk)
            .values_list("pk", flat=True)
        )
        siblings.insert(min(position, len(siblings)), item.pk)
        item.parent_id = new_parent_id
        item.save(update_fields=["parent"])
        _renumber(meeting, new_parent_id, order=siblings)
        if old_parent_id != new_parent_id:
            _renumber(meeting, old_parent_id)
        _publish(agenda, "agendas.item_moved", {"item": item.pk, "parent": new_parent_id})
    return AgendaItem.objects.get(pk=item.pk)


def _subtree_height(item: AgendaItem) -> int:
    height, frontier = 1, [item.pk]
    while True:
        frontier = list(AgendaItem.objects.filter(parent__in=frontier).values_list("pk", flat=True))
        if not frontier:
            return height
        height += 1


def agenda_publish(*, actor: User, meeting: Meeting) -> Agenda:
    """Members see the agenda from now on and are told by e-mail."""
    require(
        agenda_permissions.can_edit_agenda(actor, meeting),
        _("Only the secretariat publishes the agenda."),
    )
    with transaction.atomic():
        agenda = _lock_agenda(meeting)
        if agenda.meeting.status not in FOLLOWED:
            raise ServiceError(
                _("Schedule the meeting first: members see its agenda from then on.")
                if agenda.meeting.status == Meeting.Status.DRAFT
                else _("The agenda of a %s meeting cannot change.")
                % agenda.meeting.get_status_display().lower()
            )
        if agenda.is_published:
            raise ServiceError(_("The agenda is already published."))
        if not AgendaItem.objects.filter(meeting=meeting).exists():
            raise ServiceError(_("Add at least one item before publishing."))
        agenda.published_at = timezone.now()
        agenda.published_by = actor
        agenda.save()
        _publish(agenda, "agendas.agenda_published", {"published_at": iso(agenda.published_at)})
        meeting_id = meeting.pk
        transaction.on_commit(lambda: notifications.send_agenda_published(meeting_id), robust=True)
    return agenda


def agenda_unpublish(*, actor: User, meeting: Meeting) -> Agenda:
    """Take the agenda back for rework before the session; members no longer see it."""
    require(
        agenda_permissions.can_edit_agenda(actor, meeting),
        _("Only the secretariat publishes the agenda."),
    )
    with transaction.atomic():
        agenda = _lock_agenda(meeting)
        if agenda.meeting.status != Meeting.Status.SCHEDULED:
            raise ServiceError(_("Once the session has begun, the agenda stays published."))
        if not agenda.is_published:
            raise ServiceError(_("The agenda is not published."))
        # Announced to everyone, then the agenda is the secretariat's again.
        _publish(agenda, "agendas.agenda_unpublished", {})
        agenda.published_at = None
        agenda.published_by = None
        agenda.save()
    return agenda


def agenda_settings_update(
    *, actor: User, meeting: Meeting, speaking_limit_seconds: int | None
) -> Agenda:
    """The speaking time offered to each speaker (none: no limit)."""
    require(
        agenda_permissions.can_edit_agenda(actor, meeting)
        or agenda_permissions.can_lead_agenda(actor, meeting),
        _("Only the chair and the secretariat set the speaking time."),
    )
    if speaking_limit_seconds is not None and not 0 < speaking_limit_seconds <= MAX_TIMER_SECONDS:
        raise ServiceError(
            _("Give a speaking time between 1 second and 24 hours, or none."),
            field="speaking_limit_seconds",
        )
    with transaction.atomic():
        agenda = _lock_agenda(meeting)
        _require_open(agenda.meeting)
        agenda.speaking_limit_seconds = speaking_limit_seconds
        agenda.save()
        _publish(
            agenda, "agendas.settings_changed", {"speaking_limit_seconds": speaking_limit_seconds}
        )
    return agenda


# Leading the session


def _lock_for_leading(actor: User, meeting: Meeting) -> Agenda:
    require(
        agenda_permissions.can_lead_agenda(actor, meeting),
        _("Only the chair leads the agenda."),
    )
    agenda = _lock_agenda(meeting)
    _require_in_session(agenda.meeting)
    if not agenda.is_published:
        raise ServiceError(_("Publish the agenda first."))
    return agenda


def agenda_item_start(*, actor: User, item: AgendaItem) -> AgendaItem:
    """Take up an item (pending, or deferred earlier in the session). The item in progress, if
    any, ends first, as done."""
    with transaction.atomic():
        agenda = _lock_for_leading(actor, item.meeting)
        item = AgendaItem.objects.get(pk=item.pk)
        if item.status not in (AgendaItem.Status.PENDING, AgendaItem.Status.DEFERRED):
            raise ServiceError(
                _("This item is %s and cannot be started.") % item.get_status_display().lower()
            )
        current = AgendaItem.objects.filter(
            meeting=item.meeting, status=AgendaItem.Status.IN_PROGRESS
        ).first()
        if current is not None:
            _finish(agenda, current, AgendaItem.Status.DONE)
        now = timezone.now()
        item.status = AgendaItem.Status.IN_PROGRESS
        item.started_at = item.started_at or now
        item.ended_at = None
        item.save()
        _publish(agenda, "agendas.item_started", _item_payload(item))
    return item


def agenda_item_end(*, actor: User, item: AgendaItem) -> AgendaItem:
    return _end(actor, item, AgendaItem.Status.DONE)


def agenda_item_defer(*, actor: User, item: AgendaItem) -> AgendaItem:
    """Put an item off: the one in progress, or one not yet taken up. It can be taken up again
    later in the session."""
    return _end(actor, item, AgendaItem.Status.DEFERRED)


def _end(actor: User, item: AgendaItem, status: str) -> AgendaItem:
    with transaction.atomic():
        agenda = _lock_for_leading(actor, item.meeting)
        item = AgendaItem.objects.get(pk=item.pk)
        allowed = {AgendaItem.Status.IN_PROGRESS}
        if status == AgendaItem.Status.DEFERRED:
            allowed.add(AgendaItem.Status.PENDING)
        if item.status not in allowed:
            raise ServiceError(
                _("This item is %s.") % item.get_status_display().lower()
                + " "
                + (
                    _("Only an item in progress or not yet taken up can be deferred.")
                    if status == AgendaItem.Status.DEFERRED
                    else _("Only the item in progress can end.")
                )
            )
        _finish(agenda, item, status)
    return item


def _finish(agenda: Agenda, item: AgendaItem, status: str) -> None:
    """End an item: the speaker's turn ends and those still waiting are not called."""
    now = timezone.now()
    speaking = Speaker.objects.filter(item=item, status=Speaker.Status.SPEAKING).first()
    if speaking is not None:
        _end_turn(agenda, speaking, now)
    not_called = list(
        Speaker.objects.filter(item=item, status=Speaker.Status.WAITING).values_list(
            "pk", flat=True
        )
    )
    Speaker.objects.filter(pk__in=not_called).update(status=Speaker.Status.NOT_CALLED, ended_at=now)
    if item.status == AgendaItem.Status.IN_PROGRESS:
        item.ended_at = now
    item.status = status
    item.save()
    type = "agendas.item_ended" if status == AgendaItem.Status.DONE else "agendas.item_deferred"
    _publish(agenda, type, {**_item_payload(item), "not_called": not_called})


def timer_start(*, actor: User, meeting: Meeting, seconds: int) -> Agenda:
    """The chair's countdown, shown on every tablet (for a break, a round of statements...)."""
    require(
        agenda_permissions.can_lead_agenda(actor, meeting),
        _("Only the chair runs the timer."),
    )
    if not 0 < seconds <= MAX_TIMER_SECONDS:
        raise ServiceError(_("Give a time between 1 second and 24 hours."), field="seconds")
    with transaction.atomic():
        agenda = _lock_agenda(meeting)
        if agenda.meeting.status not in (Meeting.Status.IN_SESSION, Meeting.Status.ADJOURNED):
            raise ServiceError(_("The timer runs during the session and its breaks."))
        agenda.timer_started_at = timezone.now()
        agenda.timer_ends_at = agenda.timer_started_at + datetime.timedelta(seconds=seconds)
        agenda.save()
        _publish(
            agenda,
            "agendas.timer_started",
            {"started_at": iso(agenda.timer_started_at), "ends_at": iso(agenda.timer_ends_at)},
        )
    return agenda


def timer_stop(*, actor: User, meeting: Meeting) -> Agenda:
    require(
        agenda_permissions.can_lead_agenda(actor, meeting),
        _("Only the chair runs the timer."),
    )
    with transaction.atomic():
        agenda = _lock_agenda(meeting)
        if agenda.timer_ends_at is None:
            raise ServiceError(_("The timer is not running."))
        agenda.timer_started_at = agenda.timer_ends_at = None
        agenda.save()
        _publish(agenda, "agendas.timer_stopped", {})
    return agenda


# The speaker queue


def _speaker_payload(speaker: Speaker) -> dict[str, Any]:
    return {
        "speaker": speaker.pk,
        "item": speaker.item_id,
        "user": speaker.user_id,
        "kind": speaker.kind,
        "status": speaker.status,
        "started_at": iso(speaker.started_at),
        "ended_at": iso(speaker.ended_at),
        "limit_seconds": speaker.limit_seconds,
    }


def speaker_request(*, actor: User, item: AgendaItem, kind: str = Speaker.Kind.SPEECH) -> Speaker:
    """Ask for the floor on an item of the session, from the room. A point of order goes ahead
    of the queue and is only raised on the item in progress."""
    if kind not in Speaker.Kind.values:
        raise ServiceError(_("Unknown kind of request."), field="kind")
    try:
        with transaction.atomic():
            agenda = _lock_agenda(item.meeting)
            meeting = agenda.meeting
            require(
                agenda_permissions.can_see_agenda(actor, meeting),
                _("You cannot take part in this meeting."),
            )
            _require_in_session(meeting)
            if not meeting_selectors.in_the_room(meeting, actor):
                raise ServiceError(_("Check in first: the floor is for those in the room."))
            item = AgendaItem.objects.get(pk=item.pk)
            if kind == Speaker.Kind.POINT_OF_ORDER:
                if item.status != AgendaItem.Status.IN_PROGRESS:
                    raise ServiceError(_("A point of order concerns the item in progress."))
            elif item.status not in (AgendaItem.Status.PENDING, AgendaItem.Status.IN_PROGRESS):
                raise ServiceError(
                    _("This item is %s: the list of speakers is closed.")
                    % item.get_status_display().lower()
                )
            speaker = Speaker.objects.create(meeting=meeting, item=item, user=actor, kind=kind)
            _publish(
                agenda,
                "agendas.speaker_requested",
                _speaker_payload(speaker),
                people=[speaker.user_id],
            )
    except IntegrityError:
        raise ServiceError(_("You are already on the list for this item.")) from None
    return speaker


def speaker_withdraw(*, actor: User, speaker: Speaker) -> Speaker:
    """The person takes back their request; the chair or the secretariat may take it off the
    list too."""
    meeting = speaker.meeting
    require(
        speaker.user_id == actor.pk or agenda_permissions.can_moderate_comments(actor, meeting),
        _("Only the person who asked, or the chair, can withdraw a request."),
    )
    with transaction.atomic():
        agenda = _lock_agenda(meeting)
        speaker = Speaker.objects.get(pk=speaker.pk)
        if speaker.status != Speaker.Status.WAITING:
            raise ServiceError(_("Only a request still waiting can be withdrawn."))
        speaker.status = Speaker.Status.WITHDRAWN
        speaker.ended_at = timezone.now()
        speaker.save()
        _publish(
            agenda, "agendas.speaker_withdrawn", _speaker_payload(speaker), people=[speaker.user_id]
        )
    return speaker


def floor_give(*, actor: User, speaker: Speaker, limit_seconds: int | None = None) -> Speaker:
    """Give the floor to a waiting speaker on the item in progress. Whoever is speaking stops.
    The time limit defaults to the agenda's speaking time."""
    if limit_seconds is not None and not 0 < limit_seconds <= MAX_TIMER_SECONDS:
        raise ServiceError(
            _("Give a speaking time between 1 second and 24 hours, or none."),
            field="limit_seconds",
        )
    with transaction.atomic():
        agenda = _lock_for_leading(actor, speaker.meeting)
        speaker = Speaker.objects.select_related("item").get(pk=speaker.pk)
        if speaker.status != Speaker.Status.WAITING:
            raise ServiceError(_("This person is no longer waiting for the floor."))
        if speaker.item.status != AgendaItem.Status.IN_PROGRESS:
            raise ServiceError(
                _("Start the item first: the floor is given on the item in progress.")
            )
        now = timezone.now()
        current = Speaker.objects.filter(
            meeting=speaker.meeting, status=Speaker.Status.SPEAKING
        ).first()
        if current is not None:
            _end_turn(agenda, current, now)
        speaker.status = Speaker.Status.SPEAKING
        speaker.started_at = now
        speaker.limit_seconds = (
            limit_seconds if limit_seconds is not None else agenda.speaking_limit_seconds
        )
        speaker.save()
        _publish(agenda, "agendas.floor_given", _speaker_payload(speaker), people=[speaker.user_id])
    return speaker


def floor_give_next(*, actor: User, item: AgendaItem) -> Speaker:
    """The floor to the first in the queue: points of order first, then in order of asking."""
    require(
        agenda_permissions.can_lead_agenda(actor, item.meeting),
        _("Only the chair leads the agenda."),
    )
    waiting = agenda_selectors.speaker_list(item).waiting
    if not waiting:
        raise ServiceError(_("Nobody is waiting to speak on this item."))
    return floor_give(actor=actor, speaker=waiting[0])


def floor_end(*, actor: User, speaker: Speaker) -> Speaker:
    """The chair ends a turn; a speaker may also end their own."""
    meeting = speaker.meeting
    require(
        speaker.user_id == actor.pk or agenda_permissions.can_lead_agenda(actor, meeting),
        _("Only the chair ends someone's turn."),
    )
    with transaction.atomic():
        agenda = _lock_agenda(meeting)
        speaker = Speaker.objects.get(pk=speaker.pk)
        if speaker.status != Speaker.Status.SPEAKING:
            raise ServiceError(_("This person does not have the floor."))
        _end_turn(agenda, speaker, timezone.now())
    return speaker


def _end_turn(agenda: Agenda, speaker: Speaker, now: datetime.datetime) -> None:
    speaker.status = Speaker.Status.DONE
    speaker.ended_at = now
    speaker.save()
    _publish(agenda, "agendas.floor_ended", _speaker_payload(speaker), people=[speaker.user_id])


# Comments


def _publish_comment(comment: Comment, type: str) -> None:
    """No text in the event: a hidden or deleted comment's words must not stay in the
    replayable log. Clients fetch the comment over HTTP, which applies the reader's rights."""
    agenda = agenda_permissions.agenda_of(comment.meeting)
    events.publish(
        meeting=comment.meeting,
        type=type,
        payload={"comment": comment.pk, "item": comment.item_id, "author": comment.author_id},
        restricted_to="" if agenda and agenda.is_published else permissions.MANAGE_MEETING,
    )


def _clean_comment(text: str) -> str:
    text = text.strip()
    if not text:
        raise ServiceError(_("Write something first."), field="text")
    if len(text) > MAX_COMMENT_LENGTH:
        raise ServiceError(
            _("A comment has at most %d characters.") % MAX_COMMENT_LENGTH, field="text"
        )
    return text


def _require_comments_open(meeting: Meeting) -> None:
    if meeting.status not in FOLLOWED:
        raise ServiceError(
            _("Comments are closed: the meeting is %s.") % meeting.get_status_display().lower()
        )


def comment_post(*, actor: User, item: AgendaItem, text: str) -> Comment:
    meeting = item.meeting
    require(
        agenda_permissions.can_see_agenda(actor, meeting),
        _("You cannot comment on this meeting."),
    )
    text = _clean_comment(text)
    _require_comments_open(meeting)
    with transaction.atomic():
        comment = Comment.objects.create(meeting=meeting, item=item, author=actor, text=text)
        _publish_comment(comment, "agendas.comment_posted")
    return comment


def _lock_own_comment(actor: User, comment: Comment) -> Comment:
    """Lock the comment so that an edit racing a hide or a delete applies after it."""
    comment = (
        Comment.objects.select_for_update(of=("self",)).select_related("meeting").get(pk=comment.pk)
    )
    require(comment.author_id == actor.pk, _("You can only change your own comments."))
    _require_comments_open(comment.meeting)
    if comment.deleted_at is not None:
        raise ServiceError(_("This comment was deleted."))
    if comment.hidden_at is not None:
        raise ServiceError(_("This comment was hidden by the chair and can no longer change."))
    return comment


def comment_edit(*, actor: User, comment: Comment, text: str) -> Comment:
    """Change one's own comment; the earlier text is kept for the record."""
    text = _clean_comment(text)
    with transaction.atomic():
        comment = _lock_own_comment(actor, comment)
        if comment.text == text:
            return comment
        CommentRevision.objects.create(comment=comment, text=comment.text)
        comment.text = text
        comment.edited_at = timezone.now()
        comment.save()
        _publish_comment(comment, "agendas.comment_edited")
    return comment


def comment_delete(*, actor: User, comment: Comment) -> Comment:
    """Withdraw one's own comment: members no longer see it; the record keeps it."""
    with transaction.atomic():
        comment = _lock_own_comment(actor, comment)
        comment.deleted_at = timezone.now()
        comment.save()
        _publish_comment(comment, "agendas.comment_deleted")
    return comment


def comment_hide(*, actor: User, comment: Comment) -> Comment:
    """The chair or the secretariat hides a comment from members; the record keeps it."""
    require(
        agenda_permissions.can_moderate_comments(actor, comment.meeting),
        _("Only the chair and the secretariat can hide comments."),
    )
    with transaction.atomic():
        comment = (
            Comment.objects.select_for_update(of=("self",))
            .select_related("meeting")
            .get(pk=comment.pk)
        )
        _require_comments_open(comment.meeting)
        if comment.hidden_at is not None:
            raise ServiceError(_("This comment is already hidden."))
        if comment.deleted_at is not None:
            raise ServiceError(_("This comment was deleted by its author."))
        comment.hidden_at = timezone.now()
        comment.hidden_by = actor
        comment.save()
        _publish_comment(comment, "agendas.comment_hidden")
    return comment

"""Reads of the agenda, the speaker queue and comments, shaped for the screens and the API,
each with a fixed number of queries."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from agendas import outline
from agendas.models import Agenda, AgendaItem, Comment, Speaker
from agendas.permissions import agenda_of
from meetings.models import Meeting


@dataclass(frozen=True)
class AgendaRow:
    item: AgendaItem
    number: str
    depth: int
    projected_start: datetime.datetime | None
    projected_end: datetime.datetime | None


@dataclass(frozen=True)
class AgendaOverview:
    agenda: Agenda | None
    rows: list[AgendaRow]
    current: AgendaRow | None
    projected_end: datetime.datetime | None
    overrun_minutes: int

    @property
    def is_published(self) -> bool:
        return self.agenda is not None and self.agenda.is_published


def agenda_overview(meeting: Meeting, *, now: datetime.datetime | None = None) -> AgendaOverview:
    """The numbered agenda with each item's actual or projected times (two queries)."""
    now = now or timezone.now()
    agenda = agenda_of(meeting)
    items = {item.pk: item for item in AgendaItem.objects.filter(meeting=meeting)}
    order = outline.numbered(
        outline.Node(item.pk, item.parent_id, item.position) for item in items.values()
    )
    spans = outline.projected(
        [
            outline.Timed(
                item_id,
                items[item_id].status,
                items[item_id].planned_minutes,
                items[item_id].started_at,
                items[item_id].ended_at,
            )
            for item_id, _, _ in order
        ],
        starts_at=meeting.started_at or meeting.starts_at,
        now=now,
    )
    rows = [
        AgendaRow(items[item_id], number, depth, *spans.get(item_id, (None, None)))
        for item_id, number, depth in order
    ]
    ends = [end for _, end in spans.values()]
    projected_end = max(ends) if ends else None
    overrun = 0
    if projected_end and projected_end > meeting.ends_at:
        overrun = int((projected_end - meeting.ends_at).total_seconds() // 60)
    return AgendaOverview(
        agenda=agenda,
        rows=rows,
        current=next(
            (row for row in rows if row.item.status == AgendaItem.Status.IN_PROGRESS), None
        ),
        projected_end=projected_end,
        overrun_minutes=overrun,
    )


def queue_order(speakers: Iterable[Speaker]) -> list[Speaker]:
    """Points of order first, then in the order people asked."""
    return sorted(
        speakers, key=lambda s: (s.kind != Speaker.Kind.POINT_OF_ORDER, s.requested_at, s.pk)
    )


@dataclass(frozen=True)
class SpeakerList:
    speaking: Speaker | None
    waiting: list[Speaker]
    spoken: list[Speaker]


def speaker_list(item: AgendaItem) -> SpeakerList:
    """Who has the floor on the item, who waits for it and who has spoken (one query)."""
    speakers = list(Speaker.objects.filter(item=item).select_related("user"))
    return SpeakerList(
        speaking=next((s for s in speakers if s.status == Speaker.Status.SPEAKING), None),
        waiting=queue_order(s for s in speakers if s.status == Speaker.Status.WAITING),
        spoken=sorted(
            (s for s in speakers if s.status == Speaker.Status.DONE),
            key=lambda s: (s.started_at, s.pk),
        ),
    )


def comment_list(item: AgendaItem, *, moderator: bool) -> QuerySet[Comment]:
    """An item's comments, oldest first. Members do not see deleted ones; the chair and the
    secretariat see every comment, as the record keeps them."""
    comments = Comment.objects.filter(item=item).select_related("author", "hidden_by")
    if not moderator:
        comments = comments.filter(deleted_at__isnull=True)
    return comments.order_by("created_at", "pk")

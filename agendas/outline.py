"""The agenda's numbering and projected timeline, as plain functions over plain data."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    id: int
    parent_id: int | None
    position: int


def numbered(nodes: Iterable[Node]) -> list[tuple[int, str, int]]:
    """(id, number, depth) in reading order: "1", "1.1", "1.2", "2"... Siblings follow their
    positions; the depth of a top-level item is 0."""
    children: dict[int | None, list[Node]] = defaultdict(list)
    for node in nodes:
        children[node.parent_id].append(node)
    for siblings in children.values():
        siblings.sort(key=lambda node: (node.position, node.id))
    result: list[tuple[int, str, int]] = []

    def walk(parent_id: int | None, prefix: str, depth: int) -> None:
        for index, node in enumerate(children[parent_id], start=1):
            number = f"{prefix}{index}"
            result.append((node.id, number, depth))
            walk(node.id, number + ".", depth + 1)

    walk(None, "", 0)
    return result


@dataclass(frozen=True)
class Timed:
    id: int
    status: str  # pending, in_progress, done or deferred
    planned_minutes: int
    started_at: datetime.datetime | None
    ended_at: datetime.datetime | None


Span = tuple[datetime.datetime, datetime.datetime]


def projected(
    items: Sequence[Timed], *, starts_at: datetime.datetime, now: datetime.datetime
) -> dict[int, Span]:
    """When each item (in reading order) took or will take place.

    Done items keep their actual times. The item in progress runs at least its planned time,
    and longer if it already has. Pending items follow one another from the end of what came
    before, never earlier than now once the meeting's start has passed. Deferred items are left
    out: nobody knows when they will come back.
    """
    spans: dict[int, Span] = {}
    cursor = starts_at
    for item in items:
        planned = datetime.timedelta(minutes=item.planned_minutes)
        if item.status == "done" and item.started_at and item.ended_at:
            start, end = item.started_at, item.ended_at
        elif item.status == "in_progress" and item.started_at:
            start, end = item.started_at, max(now, item.started_at + planned)
        elif item.status == "pending":
            start = max(cursor, now) if now >= starts_at else cursor
            end = start + planned
        else:
            continue
        spans[item.id] = (start, end)
        cursor = max(cursor, end)
    return spans

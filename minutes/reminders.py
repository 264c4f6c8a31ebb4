"""Reminding the assignee of a task (an action item of the minutes) before its due date. Once
per task and due date: moving the date reminds again before the new one. The notices' unique
constraint (person, key) keeps one however many workers run the job, and after a restart.

The work comes in batches (REMINDER_BATCH_SIZE tasks): `action_item_reminders_due` lists them,
`action_item_reminders_send` does one in its own transaction, so that the task worker hands
each batch to whichever worker is free (config.tasks) and a worker that dies loses one batch."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from minutes.models import ActionItem
from notices import kinds
from notices import services as notice_services
from notices.models import Notice


def _due(today: datetime.date) -> QuerySet[ActionItem]:
    """The outstanding tasks due within ACTION_ITEM_REMINDER_DAYS whose assignee has not been
    reminded of them (for this due date). Tasks for an organisation outside the system have
    nobody to remind."""
    # The notice's key, as action_item_reminders_send spells it (a date casts to YYYY-MM-DD).
    key = Concat(
        Value("action-item-"), Cast("pk", CharField()), Value("-due-"), Cast("due_on", CharField())
    )
    return (
        ActionItem.objects.filter(
            status__in=ActionItem.OUTSTANDING,
            assignee_user__isnull=False,
            due_on__gte=today,
            due_on__lte=today + datetime.timedelta(days=settings.ACTION_ITEM_REMINDER_DAYS),
        )
        .annotate(key=key)
        # Those reminded already are left out in the query, so that a tick costs nothing for them.
        .exclude(
            Exists(
                Notice.objects.filter(
                    recipient_id=OuterRef("assignee_user_id"), key=OuterRef("key")
                )
            )
        )
    )


def action_item_reminders_due(*, today: datetime.date | None = None) -> list[list[int]]:
    """The tasks whose assignee is to be reminded now, as batches of ids, each for
    `action_item_reminders_send`."""
    ids = list(_due(today or timezone.localdate()).order_by("pk").values_list("pk", flat=True))
    size = settings.REMINDER_BATCH_SIZE
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def action_item_reminders_send(*, item_ids: list[int], today: datetime.date | None = None) -> int:
    """Remind the assignees of these tasks that are still due and not yet reminded, in one
    transaction with their e-mails; returns how many were newly reminded.

    The tasks are locked while their reminders are written, and those another worker holds are
    skipped (FOR UPDATE SKIP LOCKED): the same batch queued twice (the next tick came while it
    waited in the queue) and run by two workers at once is written by one, and the other does
    no work for it. The notices' unique constraint is what keeps one in any case."""
    link = reverse("minutes:my_tasks")
    with transaction.atomic():
        items = list(
            _due(today or timezone.localdate())
            .filter(pk__in=item_ids)
            .select_for_update(skip_locked=True, of=("self",))
            .only("pk", "text", "due_on", "assignee_user_id")
            .order_by("pk")
        )
        told = notice_services.notices_send_each(
            notices=[
                (
                    item.assignee_user_id,
                    notice_services.Outgoing(
                        kind=kinds.ACTION_ITEM_DUE,
                        params={
                            "task": _short(item.text),
                            "due_on": item.due_on.strftime("%d/%m/%Y"),
                        },
                        link=link,
                        key=f"action-item-{item.pk}-due-{item.due_on.isoformat()}",
                    ),
                )
                for item in items
                if item.assignee_user_id is not None
            ],
            email=True,
        )
    return len(told)


def action_item_reminders_send_due(*, today: datetime.date | None = None) -> int:
    """Every due batch in turn, in this process; returns how many were newly reminded."""
    return sum(
        action_item_reminders_send(item_ids=batch, today=today)
        for batch in action_item_reminders_due(today=today)
    )


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 120 else line[:119] + "…"

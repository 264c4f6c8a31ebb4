"""Reminding the assignee of a task (an action item of the minutes) before its due date. Once
per task and due date: moving the date reminds again before the new one. The notices' unique
constraint (person, key) keeps one however many workers run the job, and after a restart."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from minutes.models import ActionItem
from notices import kinds
from notices import services as notice_services
from notices.models import Notice


def action_item_reminders_send_due(*, today: datetime.date | None = None) -> int:
    """Remind the assignees of the outstanding tasks due within ACTION_ITEM_REMINDER_DAYS;
    returns how many were newly reminded. Tasks for an organisation outside the system have
    nobody to remind."""
    today = today or timezone.localdate()
    items = ActionItem.objects.filter(
        status__in=ActionItem.OUTSTANDING,
        assignee_user__isnull=False,
        due_on__gte=today,
        due_on__lte=today + datetime.timedelta(days=settings.ACTION_ITEM_REMINDER_DAYS),
    )
    # Those reminded already are left out in the query, so that a tick costs nothing for them.
    key = Concat(
        Value("action-item-"), Cast("pk", CharField()), Value("-due-"), Cast("due_on", CharField())
    )
    items = (
        items.annotate(key=key)
        .exclude(
            Exists(
                Notice.objects.filter(
                    recipient_id=OuterRef("assignee_user_id"), key=OuterRef("key")
                )
            )
        )
        .only("pk", "text", "due_on", "assignee_user_id")
    )
    link = reverse("minutes:my_tasks")
    reminded = 0
    # A batch per transaction: its notices, pushes and e-mails go together.
    due = [(item.assignee_user_id, item) for item in items if item.assignee_user_id is not None]
    size = settings.REMINDER_BATCH_SIZE
    for start in range(0, len(due), size):
        batch = due[start : start + size]
        with transaction.atomic():
            told = notice_services.notices_send_each(
                notices=[
                    (
                        assignee_id,
                        notice_services.Outgoing(
                            kind=kinds.ACTION_ITEM_DUE,
                            params={
                                "task": _short(item.text),
                                "due_on": item.due_on.strftime("%d/%m/%Y"),
                            },
                            link=link,
                            key=item.key,
                        ),
                    )
                    for assignee_id, item in batch
                ],
                email=True,
            )
            reminded += len(told)
    return reminded


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 120 else line[:119] + "…"

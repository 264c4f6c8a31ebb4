"""The assignee of a task is reminded once before its due date, in the inbox and by e-mail,
however often (and by however many workers) the job runs; a new due date reminds again."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone, translation

from meetings.models import Meeting
from minutes.models import ActionItem
from minutes.reminders import action_item_reminders_send_due
from minutes.services import actions as action_services
from notices import kinds
from notices.models import Notice, NoticeEmail
from tests.conftest import Personas, plan_meeting
from tests.minutes.test_actions import due


@pytest.fixture
def task(government: Personas, meeting: Meeting) -> ActionItem:
    """A task for the Minister of Finance (a member), due in two weeks."""
    return action_services.action_create(
        actor=government.secretary,
        meeting=meeting,
        text="Hoàn thiện dự thảo Nghị định",
        due_on=due(meeting),
        assignee_user=government.members[0],
    )


def test_the_assignee_is_reminded_once_before_the_due_date(
    government: Personas, task: ActionItem, django_capture_on_commit_callbacks: object
) -> None:
    today = timezone.localdate()
    assignee = government.members[0]

    # Due in two weeks: too early.
    assert action_item_reminders_send_due(today=today) == 0
    ActionItem.objects.filter(pk=task.pk).update(due_on=today + datetime.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert action_item_reminders_send_due(today=today) == 1
        assert action_item_reminders_send_due(today=today) == 0  # the next tick
        assert action_item_reminders_send_due(today=today + datetime.timedelta(days=1)) == 0

    notice = Notice.objects.get(kind=kinds.ACTION_ITEM_DUE)
    assert notice.recipient == assignee
    assert Notice.objects.filter(kind=kinds.ACTION_ITEM_DUE).count() == 1
    due = (today + datetime.timedelta(days=2)).strftime("%d/%m/%Y")
    assert kinds.render(notice.kind, notice.params) == (
        f"Your task “Hoàn thiện dự thảo Nghị định” is due on {due}."
    )
    with translation.override("vi"):
        assert kinds.render(notice.kind, notice.params).startswith("Nhiệm vụ")
    assert [message.to for message in mail.outbox] == [[assignee.email]]
    assert NoticeEmail.objects.get().sent_at is not None


def test_a_new_due_date_reminds_again_and_done_tasks_are_left_alone(
    government: Personas, task: ActionItem
) -> None:
    today = timezone.localdate()
    ActionItem.objects.filter(pk=task.pk).update(due_on=today + datetime.timedelta(days=1))
    assert action_item_reminders_send_due(today=today) == 1
    ActionItem.objects.filter(pk=task.pk).update(due_on=today + datetime.timedelta(days=2))
    assert action_item_reminders_send_due(today=today) == 1
    Notice.objects.all().delete()
    ActionItem.objects.filter(pk=task.pk).update(status=ActionItem.Status.DONE)
    assert action_item_reminders_send_due(today=today) == 0


def test_a_task_for_an_organisation_reminds_nobody(government: Personas, task: ActionItem) -> None:
    today = timezone.localdate()
    ActionItem.objects.filter(pk=task.pk).update(
        assignee_user=None, assignee_organisation="Ministry of Finance", due_on=today
    )
    assert action_item_reminders_send_due(today=today) == 0
    assert not Notice.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_remind_each_assignee_once(government: Personas) -> None:
    meeting = plan_meeting(government, starts_in=datetime.timedelta(days=1))
    people = government.voters
    ActionItem.objects.bulk_create(
        ActionItem(
            meeting=meeting,
            text=f"Task {number}",
            assignee_user=people[number % len(people)],
            due_on=timezone.localdate(),
            created_by=government.secretary,
        )
        for number in range(60)
    )
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            action_item_reminders_send_due()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Notice.objects.count() == 60
    assert NoticeEmail.objects.count() == 60
    assert len(mail.outbox) == 60

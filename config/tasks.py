"""The jobs the task worker runs on schedule (notices/schedules.py). Each one calls the owning
app's service and is idempotent: run twice, or by two workers at once, it does the work once.
They live on the top floor, which may use every app (docs/architecture.md)."""

from django_q.tasks import async_task

from consultations import services as consultation_services
from documents import reminders as papers_reminders
from minutes import reminders as action_item_reminders
from notices import emails as notice_emails
from voting import services as voting_services


def close_due_polls() -> int:
    """Close the votes whose closing time has come; returns how many closed."""
    return voting_services.polls_close_due()


def close_due_consultations() -> dict[str, int]:
    """Remind those who have not answered a written-opinion poll, then close the polls whose
    deadline has come. Reminders first: a poll closing now needs none."""
    reminded = consultation_services.reminders_send_due()
    closed = consultation_services.consultations_close_due()
    return {"reminded": reminded, "closed": closed}


def send_notice_emails() -> int:
    """Try again the notices' e-mails that the mail server refused, once their wait is over;
    returns how many it took."""
    return notice_emails.emails_send_due()


def remind_papers() -> int:
    """The 3-day rule: warn the secretariat of late papers, remind members who have not opened
    theirs; returns how many people were newly told."""
    return papers_reminders.papers_reminders_send_due()


def remind_action_items() -> int:
    """Queue the reminders of tasks due soon, a task per batch (REMINDER_BATCH_SIZE), so that
    every free worker takes a share; returns how many batches were queued. A batch queued
    again by the next tick while it waits is done once (action_item_reminders_send)."""
    batches = action_item_reminders.action_item_reminders_due()
    for item_ids in batches:
        async_task(
            "config.tasks.remind_action_items_batch",
            item_ids,
            q_options={"group": "remind of tasks"},
        )
    return len(batches)


def remind_action_items_batch(item_ids: list[int]) -> int:
    """Remind the assignees of these tasks, those not reminded yet; returns how many were."""
    return action_item_reminders.action_item_reminders_send(item_ids=item_ids)

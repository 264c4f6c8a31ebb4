"""The jobs the task worker runs on schedule (notices/schedules.py). Each one calls the owning
app's service and is idempotent: run twice, or by two workers at once, it does the work once.
They live on the top floor, which may use every app (docs/architecture.md)."""

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
    """Remind the assignees of tasks due soon; returns how many were newly reminded."""
    return action_item_reminders.action_item_reminders_send_due()

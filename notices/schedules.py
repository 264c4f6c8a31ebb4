"""The schedules of the task worker (django-q2), kept in step with this file after every
migrate. The worker's scheduler looks at them every 30 s and queues what is due."""

from django.conf import settings
from django_q.models import Schedule

# name -> the function the worker runs
JOBS = {
    "close due votes": "config.tasks.close_due_polls",
    "close due written-opinion polls": "config.tasks.close_due_consultations",
    "retry notice e-mails": "config.tasks.send_notice_emails",
    "remind of papers": "config.tasks.remind_papers",
    "remind of tasks": "config.tasks.remind_action_items",
}


def schedules_install() -> None:
    """Create or update the schedules. Every TASKS_TICK_SECONDS, as a cron expression with a
    seconds field (croniter), since django-q2's own intervals are whole minutes: with the
    scheduler's 30 s look, a deadline is acted on within about 30 s of its time."""
    cron = f"* * * * * */{settings.TASKS_TICK_SECONDS}"
    for name, func in JOBS.items():
        # A new cron schedule computes its first run when saved; an updated one keeps it.
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": Schedule.CRON,
                "cron": cron,
                "repeats": -1,
            },
        )
    Schedule.objects.filter(func__startswith="config.tasks.").exclude(name__in=list(JOBS)).delete()

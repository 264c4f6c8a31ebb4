"""The worker's health check: healthy while the scheduled jobs are run on time."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_q.models import Schedule

from notices.schedules import schedules_install


@pytest.mark.django_db
def test_healthy_while_the_jobs_run_on_time() -> None:
    schedules_install()
    Schedule.objects.update(next_run=timezone.now() + datetime.timedelta(seconds=20))
    call_command("worker_check")


@pytest.mark.django_db
def test_unhealthy_when_a_job_is_long_overdue(settings: object) -> None:
    schedules_install()
    Schedule.objects.filter(name="retry notice e-mails").update(
        next_run=timezone.now() - datetime.timedelta(minutes=5)
    )
    with pytest.raises(CommandError, match="retry notice e-mails"):
        call_command("worker_check")

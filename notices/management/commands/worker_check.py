"""The task worker's health check (the compose file's `worker` service): healthy while the
database answers and the scheduled jobs are being run, that is none of them is due since more
than WORKER_CHECK_LATE_SECONDS. Exits 1 with the reason otherwise."""

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_q.models import Schedule

from notices.schedules import JOBS


class Command(BaseCommand):
    help = "Exit 1 unless the task worker's scheduled jobs run on time."

    def handle(self, *args: Any, **options: Any) -> None:
        late = timezone.now() - datetime.timedelta(seconds=settings.WORKER_CHECK_LATE_SECONDS)
        overdue = sorted(
            Schedule.objects.filter(name__in=list(JOBS), next_run__lt=late).values_list(
                "name", flat=True
            )
        )
        if overdue:
            raise CommandError(f"Scheduled jobs not run on time: {', '.join(overdue)}.")
        self.stdout.write("The scheduled jobs run on time.")

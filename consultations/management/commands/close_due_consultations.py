"""Send the written-opinion reminders that are due and close the polls whose deadline has come.
The task worker runs the same job on schedule (config/tasks.py); this command is for a one-off
run, or for cron where no worker runs."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from consultations import services


class Command(BaseCommand):
    help = "Remind members who have not answered written-opinion polls; close polls at deadline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every", type=float, default=0, help="Keep running, checking every so many seconds."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            reminded = services.reminders_send_due()
            closed = services.consultations_close_due()
            if reminded:
                self.stdout.write(f"Reminded {reminded} member(s).")
            if closed:
                self.stdout.write(f"Closed {closed} written-opinion poll(s).")
            if not options["every"]:
                return
            time.sleep(options["every"])

"""Close the votes whose closing time has come. The task worker runs the same job on schedule
(config/tasks.py); this command is for a one-off run, or for cron where no worker runs."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from voting import services


class Command(BaseCommand):
    help = "Close the open votes whose set closing time has passed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every", type=float, default=0, help="Keep running, checking every so many seconds."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            closed = services.polls_close_due()
            if closed:
                self.stdout.write(f"Closed {closed} vote(s).")
            if not options["every"]:
                return
            time.sleep(options["every"])

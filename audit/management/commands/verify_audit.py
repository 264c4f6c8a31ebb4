from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit import trail


class Command(BaseCommand):
    help = (
        "Check the audit trail's hash chain. Exits with an error naming the first entry that "
        "was altered, deleted or inserted; otherwise prints the number of entries and the "
        "hash of the last, to keep elsewhere and compare with the next run."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = trail.verify()
        if not result.intact:
            raise CommandError(result.problem)
        self.stdout.write(f"Audit trail intact: {result.entries} entries, last hash {result.head}")

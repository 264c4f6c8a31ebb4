"""Read the text of stored document versions for the archive's search: versions uploaded before
text was read at upload, or whose reading failed (`--all` reads every version again)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from documents import services


class Command(BaseCommand):
    help = "Extract the text of stored document versions for the archive's full-text search."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="Read every version again.")

    def handle(self, *args: Any, **options: Any) -> None:
        done = services.version_texts_index(every=options["all"])
        self.stdout.write(f"{done} document versions indexed.")

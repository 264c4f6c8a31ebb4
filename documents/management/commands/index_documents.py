"""Read the text of stored document versions for the archive's search: versions uploaded before
text was read at upload, or whose reading failed (`--all` reads every version again)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from documents.models import DocumentVersion
from documents.uploads import pdf_text


class Command(BaseCommand):
    help = "Extract the text of stored document versions for the archive's full-text search."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="Read every version again.")

    def handle(self, *args: Any, **options: Any) -> None:
        versions = DocumentVersion.objects.only("pk", "file", "text").order_by("pk")
        if not options["all"]:
            versions = versions.filter(text="")
        done = 0
        # One version at a time: a PDF is read into memory and written back before the next.
        for version in versions.iterator(chunk_size=100):
            with version.file.open("rb") as stored:
                text = pdf_text(stored.read())
            if text:
                DocumentVersion.objects.filter(pk=version.pk).update(text=text)
                done += 1
        self.stdout.write(f"{done} document versions indexed.")

from typing import Any

from django.core.management.base import BaseCommand

from meetings import services


class Command(BaseCommand):
    help = (
        "Apply membership start and end dates that have arrived (grant or revoke the role's "
        "rights and invitations). Run once a day."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = services.memberships_sync()
        self.stdout.write(f"{changed} membership(s) changed.")

"""Agendas for the demo meetings (after `demo_data`): the meeting within the hour has its
agenda published; tomorrow's is a draft the secretariat is still working on. Idempotent."""

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction

from agendas import services
from agendas.models import AgendaItem
from meetings.models import Meeting

DECIDE, DISCUSS, INFORM = (
    AgendaItem.Kind.DECISION,
    AgendaItem.Kind.DISCUSSION,
    AgendaItem.Kind.INFORMATION,
)
# (title, kind, presenter, planned minutes, sub-items)
AGENDAS: dict[str, list[tuple[str, str, str, int, list[tuple[str, str, str, int]]]]] = {
    "Thematic meeting on law-making": [
        ("Opening and adoption of the agenda", DECIDE, "Prime Minister", 5, []),
        (
            "Draft Law on Digital Technology Industry",
            DECIDE,
            "Ministry of Information and Communications",
            60,
            [
                (
                    "Scope and definitions",
                    DISCUSS,
                    "Ministry of Information and Communications",
                    20,
                ),
                (
                    "Incentives for semiconductor firms",
                    DISCUSS,
                    "Ministry of Planning and Investment",
                    25,
                ),
            ],
        ),
        ("Draft Decree on personal data protection", DECIDE, "Ministry of Public Security", 45, []),
        ("Law-making programme for 2027", INFORM, "Ministry of Justice", 20, []),
        ("Conclusions of the Prime Minister", DISCUSS, "Prime Minister", 10, []),
    ],
    "Regular Government meeting": [
        (
            "Socio-economic situation in November",
            DISCUSS,
            "Ministry of Planning and Investment",
            45,
            [],
        ),
        ("Disbursement of public investment", DISCUSS, "Ministry of Finance", 30, []),
        ("Resolution on the regular meeting", DECIDE, "Government Office", 15, []),
    ],
}


class Command(BaseCommand):
    help = "Give the demo meetings their agendas (run after demo_data; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        secretary = User.objects.filter(username="govsecretary").first()
        if secretary is None:
            self.stdout.write("No demo data: run demo_data first.")
            return
        for title, items in AGENDAS.items():
            meeting = Meeting.objects.filter(title=title, status=Meeting.Status.SCHEDULED).first()
            if meeting is None or AgendaItem.objects.filter(meeting=meeting).exists():
                continue
            with transaction.atomic():
                for item_title, kind, presenter, minutes, children in items:
                    parent = services.agenda_item_create(
                        actor=secretary,
                        meeting=meeting,
                        title=item_title,
                        kind=kind,
                        presenter=presenter,
                        planned_minutes=minutes,
                    )
                    for child_title, child_kind, child_presenter, child_minutes in children:
                        services.agenda_item_create(
                            actor=secretary,
                            meeting=meeting,
                            title=child_title,
                            parent=parent,
                            kind=child_kind,
                            presenter=child_presenter,
                            planned_minutes=child_minutes,
                        )
                if meeting.title == "Thematic meeting on law-making":
                    services.agenda_publish(actor=secretary, meeting=meeting)
            self.stdout.write(f"Agenda of {meeting.title!r}: {len(items)} items.")

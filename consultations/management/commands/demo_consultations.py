"""A written-opinion poll for the demo (after `demo_data`): sent to the Government, due in three
days, answered by a few members so far; the finance minister's login still has to answer.
Idempotent."""

import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from consultations import services
from consultations.models import Consultation, Opinion
from meetings.models import Body

SUBJECT = "Draft Decree on the pilot of electronic land registration"
# (username, answer to each question, comment)
ANSWERS = [
    ("dpm1", (Opinion.AGREE, Opinion.AGREE), ""),
    ("defence", (Opinion.AGREE, Opinion.AGREE), ""),
    ("security", (Opinion.AGREE, Opinion.DISAGREE), "Three provinces are too few for a pilot."),
    ("justice", (Opinion.AGREE, Opinion.COMMENT), "Article 7 should cite the Land Law 2024."),
]


class Command(BaseCommand):
    help = "Send a demo written-opinion poll to the Government (run after demo_data)."

    def handle(self, *args: Any, **options: Any) -> None:
        secretary = User.objects.filter(username="govsecretary").first()
        government = Body.objects.filter(name="Government of Viet Nam").first()
        if secretary is None or government is None:
            self.stdout.write("No demo data: run demo_data first.")
            return
        if Consultation.objects.filter(body=government, subject=SUBJECT).exists():
            return
        deadline = (timezone.localtime() + datetime.timedelta(days=3)).replace(
            hour=17, minute=0, second=0, microsecond=0
        )
        with transaction.atomic():
            poll = services.consultation_send(
                actor=secretary,
                consultation=services.consultation_create(
                    actor=secretary,
                    body=government,
                    subject=SUBJECT,
                    description=(
                        "The Ministry of Natural Resources and Environment proposes to pilot "
                        "electronic land registration in Hà Nội, Đà Nẵng and Hồ Chí Minh City "
                        "for two years. The draft decree and the ministry's report are in the "
                        "documents of the Government Office."
                    ),
                    deadline=deadline,
                    questions=[
                        "Do you agree to issue the decree as drafted?",
                        "Do you agree to the three pilot provinces?",
                    ],
                ),
            )
            questions = list(poll.questions.all())
            for username, opinions, comment in ANSWERS:
                member = User.objects.get(username=username)
                services.answers_submit(
                    actor=member,
                    consultation=poll,
                    answers=[
                        services.AnswerInput(
                            question=question.pk,
                            opinion=opinion,
                            comment=comment if opinion != Opinion.AGREE else "",
                        )
                        for question, opinion in zip(questions, opinions, strict=True)
                    ],
                    session_key=f"demo-session-{username}",
                )
        self.stdout.write(f"Written-opinion poll {SUBJECT!r} sent, due {deadline:%d/%m %H:%M}.")

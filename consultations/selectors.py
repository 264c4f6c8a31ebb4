"""Reads of written-opinion polls, shaped for the screens and the API."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from consultations import signing
from consultations.models import (
    Answer,
    Attachment,
    Consultation,
    Question,
    Recipient,
    Reminder,
)
from meetings import permissions
from meetings.models import Body


def consultation_list_for_body(body: Body, *, include_drafts: bool) -> QuerySet[Consultation]:
    polls = Consultation.objects.filter(body=body).select_related("body")
    if not include_drafts:
        polls = polls.exclude(status=Consultation.Status.DRAFT)
    return polls.annotate(
        question_count=Count("questions", distinct=True),
        recipient_count=Count("recipients", distinct=True),
    )


def consultation_list_for_user(user: User) -> QuerySet[Consultation]:
    """Polls sent to the bodies the person sees, and the drafts of those they manage."""
    visible = permissions.bodies_for_user(user)
    managed = permissions.bodies_for_user(user, permissions.MANAGE_BODY)
    return (
        Consultation.objects.filter(body__in=visible)
        .filter(~Q(status=Consultation.Status.DRAFT) | Q(body__in=managed))
        .select_related("body")
    )


@dataclass(frozen=True)
class Awaiting:
    """A poll waiting for the person's answer, for the banner on every page."""

    consultation: Consultation
    answered: int
    questions: int
    reminded: bool


def awaiting_for_member(user: User, *, now: datetime.datetime | None = None) -> list[Awaiting]:
    """Open polls sent to the person that they have not answered in full (two queries)."""
    now = now or timezone.now()
    polls = list(
        Consultation.objects.filter(
            status=Consultation.Status.OPEN, deadline__gt=now, recipients__user=user
        )
        .select_related("body")
        .annotate(
            question_count=Count("questions", distinct=True),
            answered_count=Count("answers__question", filter=Q(answers__user=user), distinct=True),
        )
        .filter(answered_count__lt=F("question_count"))
        .order_by("deadline", "pk")
    )
    reminded = set(
        Reminder.objects.filter(consultation__in=polls, user=user).values_list(
            "consultation_id", flat=True
        )
    )
    return [
        Awaiting(
            consultation=poll,
            answered=poll.answered_count,
            questions=poll.question_count,
            reminded=poll.pk in reminded,
        )
        for poll in polls
    ]


def questions(consultation: Consultation) -> list[Question]:
    return list(consultation.questions.all())


def attachments(consultation: Consultation) -> list[Attachment]:
    """The papers sent with the poll, in the order they were attached."""
    return list(Attachment.objects.filter(consultation=consultation).order_by("uploaded_at", "pk"))


def recipient_ids(consultation: Consultation) -> list[int]:
    return list(
        Recipient.objects.filter(consultation=consultation)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def recipients(consultation: Consultation) -> list[User]:
    return list(
        User.objects.filter(
            pk__in=Recipient.objects.filter(consultation=consultation).values("user_id")
        ).order_by("last_name", "first_name", "username")
    )


def current_answers(consultation: Consultation) -> dict[tuple[int, int], Answer]:
    """The answer that counts per (question id, user id): the latest revision (one query)."""
    latest: dict[tuple[int, int], Answer] = {}
    for answer in Answer.objects.filter(consultation=consultation).order_by(
        "question_id", "user_id", "revision"
    ):
        latest[(answer.question_id, answer.user_id)] = answer
    return latest


def answer_history(consultation: Consultation, user: User) -> list[Answer]:
    """Every answer the person gave, earlier revisions included, oldest first."""
    return list(
        Answer.objects.filter(consultation=consultation, user=user)
        .select_related("question")
        .order_by("question__position", "revision")
    )


def unanswered_recipients(consultation: Consultation) -> list[int]:
    """Ids of the recipients who have not answered every question yet."""
    total = consultation.questions.count()
    answered = (
        Answer.objects.filter(consultation=consultation)
        .values("user_id")
        .annotate(questions=Count("question", distinct=True))
        .filter(questions__gte=total)
        .values_list("user_id", flat=True)
    )
    done = set(answered)
    return [user_id for user_id in recipient_ids(consultation) if user_id not in done]


def signature_check(consultation: Consultation) -> signing.Verification:
    """Whether every stored answer of the poll, earlier revisions included, still matches its
    signature."""
    return signing.verify(Answer.objects.filter(consultation=consultation).order_by("pk"))

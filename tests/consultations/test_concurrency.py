"""Answers racing the close on PostgreSQL: each is either counted or refused, never lost."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from consultations import services
from consultations.models import Answer, Consultation, Opinion
from core.errors import ServiceError
from tests.conftest import _build_body
from tests.consultations.conftest import SESSION
from tests.voting.test_concurrency import in_parallel


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_answers_racing_the_deadline_close_are_counted_or_refused(secretariat: User) -> None:
    gov = _build_body(secretariat, name="Government", kind="government", vice_chairs=4, members=22)
    poll = services.consultation_send(
        actor=gov.secretary,
        consultation=services.consultation_create(
            actor=gov.secretary,
            body=gov.body,
            subject="Decree on e-government",
            deadline=timezone.now() + datetime.timedelta(hours=1),
            questions=["Adopt the decree?"],
        ),
    )
    question = poll.questions.get()
    accepted: list[int] = []

    def give(voter: User) -> None:
        services.answers_submit(
            actor=voter,
            consultation=poll,
            answers=[services.AnswerInput(question=question.pk, opinion=Opinion.AGREE)],
            session_key=SESSION,
        )
        accepted.append(voter.pk)

    calls = [lambda voter=voter: give(voter) for voter in gov.voters]
    # The scheduled close, as if the deadline had come, in the middle of the answers.
    calls.insert(
        13, lambda: services.consultation_close(actor=None, consultation=poll, now=poll.deadline)
    )
    errors = in_parallel(calls)
    assert all(isinstance(error, ServiceError) and "closed" in str(error) for error in errors)
    poll.refresh_from_db()
    assert poll.status == Consultation.Status.CLOSED and poll.result is not None
    [result] = poll.result["questions"]
    # The tally counts exactly the answers accepted: none lost, none after the close.
    assert result["agree"] == len(accepted) == Answer.objects.count()
    assert len(accepted) + len(errors) == 27


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_remind_each_member_once(secretariat: User) -> None:
    body = _build_body(secretariat, name="Committee", kind="committee", vice_chairs=0, members=8)
    poll = services.consultation_send(
        actor=body.secretary,
        consultation=services.consultation_create(
            actor=body.secretary,
            body=body.body,
            subject="Budget",
            deadline=timezone.now() + datetime.timedelta(days=5),
            questions=["Approve?"],
        ),
    )
    Consultation.objects.filter(pk=poll.pk).update(
        sent_at=timezone.now() - datetime.timedelta(days=10)
    )
    counts: list[int] = []
    at = poll.deadline - datetime.timedelta(hours=72)
    errors = in_parallel(
        [lambda: counts.append(services.reminders_send_due(now=at)) for _ in range(4)]
    )
    assert errors == []
    assert sorted(counts) == [0, 0, 0, 9]

"""Reminders before the deadline: by e-mail and on the member's pages, once per reminder time,
only to those who have not answered every question."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.management import call_command

from consultations import selectors, services
from consultations.models import Consultation, Opinion, Reminder
from tests.consultations.conftest import Board, answer, in_days

pytestmark = pytest.mark.django_db


def hours_before(poll: Consultation, hours: float) -> datetime.datetime:
    return poll.deadline - datetime.timedelta(hours=hours)


def remind(poll: Consultation, at: datetime.datetime, capture: object) -> int:
    with capture(execute=True):  # type: ignore[operator]
        return services.reminders_send_due(now=at)


def test_each_reminder_time_reminds_those_who_have_not_answered_once(
    board: Board, sent: Consultation, django_capture_on_commit_callbacks: object
) -> None:
    capture = django_capture_on_commit_callbacks
    assert sent.reminder_hours == [72, 24, 2]
    answer(board.members[0], sent, Opinion.AGREE, Opinion.AGREE)  # done
    answer(board.members[1], sent, Opinion.AGREE)  # one question of two
    assert remind(sent, hours_before(sent, 73), capture) == 0
    assert mail.outbox == []

    assert remind(sent, hours_before(sent, 72), capture) == 4
    reminded = sorted(message.to[0] for message in mail.outbox)
    assert board.members[0].email not in reminded and board.members[1].email in reminded
    assert mail.outbox[0].subject.startswith("Reminder:")
    # The same time again (another worker, the next run): nobody is reminded twice.
    assert remind(sent, hours_before(sent, 71), capture) == 0
    assert len(mail.outbox) == 4

    for voter in board.voters:
        if voter != board.chair:
            answer(voter, sent, Opinion.DISAGREE, Opinion.DISAGREE)
    assert remind(sent, hours_before(sent, 24), capture) == 1
    assert mail.outbox[-1].to == [board.chair.email]
    assert Reminder.objects.filter(hours_before=24).count() == 1


def test_times_passed_while_the_worker_was_down_send_one_mail(
    board: Board, sent: Consultation, django_capture_on_commit_callbacks: object
) -> None:
    assert remind(sent, hours_before(sent, 1), django_capture_on_commit_callbacks) == 5
    assert len(mail.outbox) == 5
    assert Reminder.objects.count() == 5 * 3


def test_times_before_the_poll_was_sent_are_skipped(
    board: Board, django_capture_on_commit_callbacks: object
) -> None:
    poll = services.consultation_send(
        actor=board.secretary,
        consultation=services.consultation_create(
            actor=board.secretary,
            body=board.body,
            subject="Urgent",
            deadline=in_days(0.5),
            questions=["Approve?"],
            reminder_hours=[72, 24, 2],
        ),
    )
    assert remind(poll, hours_before(poll, 3), django_capture_on_commit_callbacks) == 0
    assert remind(poll, hours_before(poll, 2), django_capture_on_commit_callbacks) == 5
    assert set(Reminder.objects.values_list("hours_before", flat=True)) == {2}


def test_the_notice_shows_until_answered_and_tells_of_the_reminder(
    board: Board, sent: Consultation
) -> None:
    member = board.members[0]
    [waiting] = selectors.awaiting_for_member(member)
    assert waiting.consultation == sent and (waiting.answered, waiting.questions) == (0, 2)
    assert not waiting.reminded
    services.reminders_send_due(now=hours_before(sent, 24))
    answer(member, sent, Opinion.AGREE)
    [waiting] = selectors.awaiting_for_member(member)
    assert waiting.reminded and waiting.answered == 1
    answer(member, sent, Opinion.AGREE, Opinion.COMMENT, comment="No view on the rules.")
    assert selectors.awaiting_for_member(member) == []
    assert selectors.awaiting_for_member(board.non_voting) == []


def test_the_command_reminds_and_closes(
    board: Board, sent: Consultation, django_capture_on_commit_callbacks: object
) -> None:
    Consultation.objects.filter(pk=sent.pk).update(
        sent_at=sent.deadline - datetime.timedelta(days=10),
        deadline=datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(hours=1),
    )
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        call_command("close_due_consultations")
    assert len(mail.outbox) == 5
    Consultation.objects.filter(pk=sent.pk).update(
        deadline=datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(seconds=1)
    )
    call_command("close_due_consultations")
    sent.refresh_from_db()
    assert sent.status == Consultation.Status.CLOSED


def test_the_notice_costs_two_queries_however_many_polls_wait(
    board: Board, django_assert_num_queries: object
) -> None:
    for number in range(4):
        services.consultation_send(
            actor=board.secretary,
            consultation=services.consultation_create(
                actor=board.secretary,
                body=board.body,
                subject=f"Poll {number}",
                deadline=in_days(number + 1),
                questions=["First?", "Second?"],
            ),
        )
    with django_assert_num_queries(2):  # type: ignore[operator]
        waiting = selectors.awaiting_for_member(board.members[0])
    assert [item.consultation.subject for item in waiting] == [f"Poll {n}" for n in range(4)]

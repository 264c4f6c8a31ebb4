"""The inbox: reminders land there once, each person reads only their own notices, in their own
language, and the bell on every page counts what is unread."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from consultations import services as consultation_services
from consultations.models import Consultation, Opinion
from notices import kinds
from notices.models import Notice
from notices.services import Outgoing, notices_send
from tests.consultations.conftest import Board, answer, client_for
from tests.server import free_port

pytestmark = pytest.mark.django_db


def remind_at(poll: Consultation, hours: int) -> int:
    return consultation_services.reminders_send_due(
        now=poll.deadline - datetime.timedelta(hours=hours)
    )


def reminder_of(user: User) -> Notice:
    return Notice.objects.get(recipient=user, kind=kinds.CONSULTATION_REMINDER)


def test_a_reminder_reaches_each_member_who_has_not_answered_once(
    board: Board, sent: Consultation
) -> None:
    answer(board.members[0], sent, Opinion.AGREE, Opinion.AGREE)
    remind_at(sent, 72)
    remind_at(sent, 71)  # the next run, or a second worker: nobody told twice
    told = set(Notice.objects.values_list("recipient_id", flat=True))
    assert told == {voter.pk for voter in board.voters} - {board.members[0].pk}
    assert Notice.objects.count() == len(told)
    # the next reminder time is a new notice
    remind_at(sent, 24)
    assert Notice.objects.filter(recipient=board.members[1]).count() == 2


def test_the_same_notice_sent_twice_is_kept_once(board: Board) -> None:
    notice = Outgoing(kind=kinds.CONSULTATION_CLOSED, params={"subject": "S"}, link="/", key="k-1")
    notices_send(recipient_ids=[board.chair.pk], notice=notice)
    notices_send(recipient_ids=[board.chair.pk], notice=notice)
    assert Notice.objects.filter(recipient=board.chair).count() == 1


def test_members_read_their_notices_in_their_language(board: Board, sent: Consultation) -> None:
    remind_at(sent, 72)
    client = client_for(board.members[1])
    page = client.get(reverse("notices:inbox")).content.decode()
    assert "You have not yet answered the written-opinion poll" in page
    assert sent.subject in page
    assert "notices-count" in page  # the bell counts it

    page = client.get(reverse("notices:inbox"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Bạn chưa trả lời phiếu lấy ý kiến" in page


def test_the_bell_counts_unread_notices_on_every_page(board: Board, sent: Consultation) -> None:
    remind_at(sent, 72)
    page = client_for(board.members[1]).get(reverse("meetings:my_meetings")).content.decode()
    assert 'aria-label="Notices: 1 unread"' in page
    quiet = client_for(board.outsider).get(reverse("meetings:my_meetings")).content.decode()
    assert 'aria-label="Notices"' in quiet


def test_opening_a_notice_marks_it_read_and_follows_its_link(
    board: Board, sent: Consultation
) -> None:
    remind_at(sent, 72)
    notice = reminder_of(board.members[1])
    response = client_for(board.members[1]).post(reverse("notices:open", args=[notice.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("consultations:answer", args=[sent.body_id, sent.pk])
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_nobody_opens_another_persons_notice(board: Board, sent: Consultation) -> None:
    remind_at(sent, 72)
    notice = reminder_of(board.members[1])
    other = client_for(board.outsider)
    forbidden = other.post(reverse("notices:open", args=[notice.pk]))
    missing = other.post(reverse("notices:open", args=[notice.pk + 1000]))
    assert forbidden.status_code == missing.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None
    page = other.get(reverse("notices:inbox")).content.decode()
    assert sent.subject not in page


def test_the_inbox_asks_for_a_login(sent: Consultation) -> None:
    response = Client().get(reverse("notices:inbox"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_mark_all_read_touches_only_ones_own_notices(board: Board, sent: Consultation) -> None:
    remind_at(sent, 72)
    client_for(board.members[1]).post(reverse("notices:read_all"))
    assert reminder_of(board.members[1]).read_at is not None
    assert reminder_of(board.members[2]).read_at is None


def test_reminders_reach_the_inbox_when_the_mail_server_is_down(
    board: Board, sent: Consultation, settings: object, django_capture_on_commit_callbacks: object
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # type: ignore[attr-defined]
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert remind_at(sent, 72) == len(board.voters)
    assert Notice.objects.filter(kind=kinds.CONSULTATION_REMINDER).count() == len(board.voters)


def test_a_member_takes_reminders_in_the_inbox_only(
    board: Board, sent: Consultation, django_capture_on_commit_callbacks: object
) -> None:
    quiet, other = board.members[1], board.members[2]
    client = client_for(quiet)
    assert (
        'name="email" value="consultation.reminder" checked'
        in client.get(reverse("notices:inbox")).content.decode()
    )
    client.post(reverse("notices:email_choices"), {})  # every box unticked
    assert (
        'value="consultation.reminder" checked'
        not in client.get(reverse("notices:inbox")).content.decode()
    )

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        remind_at(sent, 72)
    mailed = {message.to[0] for message in mail.outbox}
    assert quiet.email not in mailed and other.email in mailed
    assert reminder_of(quiet).read_at is None  # in the inbox all the same

    client.post(reverse("notices:email_choices"), {"email": ["consultation.reminder"]})
    assert (
        'value="consultation.reminder" checked'
        in client.get(reverse("notices:inbox")).content.decode()
    )


def test_e_mail_choices_ask_for_a_login(board: Board) -> None:
    response = Client().post(reverse("notices:email_choices"), {})
    assert response.status_code == 302
    assert reverse("login") in response["Location"]

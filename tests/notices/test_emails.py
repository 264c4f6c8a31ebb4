"""Notices' e-mails against a real SMTP server (aiosmtpd) that the test starts: refused, they
are tried again with growing waits, then marked failed where the administrator sees them; a
mail server that refuses never undoes the change that sent them."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notices import emails
from notices.models import Notice, NoticeEmail
from tests.factories import UserFactory
from tests.notices.test_live import remind
from tests.server import free_port

KEY = "consultation-1-reminder-72h"


@dataclass
class Refusing:
    """An SMTP handler that refuses the first `refusals` messages (451: try again later), then
    accepts and keeps them."""

    refusals: int
    received: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refusals > 0:
            self.refusals -= 1
            return "451 4.3.0 Try again later"
        self.received.extend(envelope.rcpt_tos)
        return "250 Message accepted"


@pytest.fixture
def smtp(settings: Any) -> Iterator[Refusing]:
    handler = Refusing(refusals=0)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.NOTICE_EMAIL_RETRY_SECONDS = [60, 300]
    try:
        yield handler
    finally:
        controller.stop()


def queue(*people: User) -> None:
    with transaction.atomic():
        emails.emails_queue(
            emails=[
                emails.Email(
                    recipient_id=p.pk, key=KEY, to=p.email, subject="Reminder", body="Answer."
                )
                for p in people
            ],
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_refused_email_is_tried_again_after_its_wait_and_then_sent(smtp: Refusing) -> None:
    member = UserFactory(username="member", email="member@example.org")
    smtp.refusals = 1

    queue(member)  # the first attempt, right after the commit, is refused

    email = NoticeEmail.objects.get(recipient=member)
    assert (email.attempts, email.sent_at, email.failed_at) == (1, None, None)
    assert "451" in email.last_error
    assert smtp.received == []
    later = email.next_attempt_at
    assert later - timezone.now() > datetime.timedelta(seconds=50)

    assert emails.emails_send_due(now=later - datetime.timedelta(seconds=1)) == 0  # not yet
    assert emails.emails_send_due(now=later) == 1

    email.refresh_from_db()
    assert email.attempts == 2
    assert email.sent_at is not None
    assert smtp.received == ["member@example.org"]
    assert emails.emails_send_due(now=later + datetime.timedelta(days=1)) == 0  # sent once


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_email_refused_every_time_is_given_up_and_shown_failed_to_the_administrator(
    smtp: Refusing,
) -> None:
    member = UserFactory(username="member", email="member@example.org")
    smtp.refusals = 100

    queue(member)
    email = NoticeEmail.objects.get(recipient=member)
    for _ in range(2):  # the two retries, each when its wait is over
        emails.emails_send_due(now=email.next_attempt_at)
        email.refresh_from_db()

    assert email.attempts == 3
    assert email.failed_at is not None
    assert smtp.received == []
    assert emails.emails_send_due(now=email.failed_at + datetime.timedelta(days=1)) == 0

    admin = User.objects.create_superuser("admin", "admin@example.org", "x")
    client = Client()
    client.force_login(admin)
    page = client.get(
        reverse("admin:notices_noticeemail_changelist"), {"failed_at__isnull": "False"}
    )
    assert page.status_code == 200
    assert "member@example.org" in page.content.decode()
    assert "failed" in page.content.decode()

    # The administrator sends it once more, when the mail server is back.
    smtp.refusals = 0
    client.post(
        reverse("admin:notices_noticeemail_changelist"),
        {"action": "try_again", "_selected_action": [email.pk]},
    )
    email.refresh_from_db()
    assert (email.attempts, email.failed_at) == (0, None)
    assert emails.emails_send_due() == 1
    assert smtp.received == ["member@example.org"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_mail_server_that_is_down_leaves_the_change_and_the_notice_standing(
    settings: Any,
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    member = UserFactory(username="member", email="member@example.org")

    with transaction.atomic():
        remind(member)
        queue(member)

    assert Notice.objects.filter(recipient=member, key=KEY).exists()
    email = NoticeEmail.objects.get(recipient=member)
    assert email.attempts == 1 and email.sent_at is None
    assert "ConnectionRefusedError" in email.last_error


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_email_queued_twice_is_sent_once(smtp: Refusing) -> None:
    member = UserFactory(username="member", email="member@example.org")

    queue(member)
    queue(member)  # the same reminder decided again, after a restart

    assert NoticeEmail.objects.filter(recipient=member).count() == 1
    assert smtp.received == ["member@example.org"]

"""Each person's notice e-mails are written in the language they last chose for the site; the
inbox shows each notice in the reader's language whatever it was sent in."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minutes.models import ActionItem
from minutes.reminders import action_item_reminders_send_due
from notices.models import EmailLanguage
from tests.conftest import Personas, plan_meeting
from tests.factories import UserFactory


def choose(client: Client, language: str) -> None:
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_language_a_person_chooses_is_kept_for_their_emails() -> None:
    member = UserFactory(username="member")
    client = Client()
    client.force_login(member)

    choose(client, "vi")
    assert EmailLanguage.objects.get(user=member).language == "vi"
    choose(client, "en")
    assert EmailLanguage.objects.get(user=member).language == "en"


@pytest.mark.django_db
def test_a_visitor_or_an_unknown_language_records_nothing() -> None:
    choose(Client(), "vi")
    member = UserFactory(username="member")
    client = Client()
    client.force_login(member)
    choose(client, "fr")
    assert not EmailLanguage.objects.exists()


def test_each_assignee_is_reminded_in_their_own_language(
    government: Personas, django_capture_on_commit_callbacks: object
) -> None:
    english, vietnamese = government.members[0], government.members[1]
    EmailLanguage.objects.create(user=vietnamese, language="vi")
    meeting = plan_meeting(government, starts_in=datetime.timedelta(days=1))
    for person in (english, vietnamese):
        ActionItem.objects.create(
            meeting=meeting,
            text="Hoàn thiện dự thảo",
            assignee_user=person,
            due_on=timezone.localdate(),
            created_by=government.secretary,
        )

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert action_item_reminders_send_due() == 2

    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address[english.email].subject.startswith("Reminder: a task due on")
    assert "Your task “Hoàn thiện dự thảo” is due on" in by_address[english.email].body
    assert by_address[vietnamese.email].subject.startswith("Nhắc việc: nhiệm vụ đến hạn")
    assert "Nhiệm vụ “Hoàn thiện dự thảo” của bạn đến hạn" in by_address[vietnamese.email].body
    assert by_address[vietnamese.email].body.startswith("Kính gửi")

"""The notices API: each person lists and marks read only their own."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from consultations import services as consultation_services
from consultations.models import Consultation
from notices import kinds
from notices.models import Notice
from tests.consultations.conftest import Board

pytestmark = pytest.mark.django_db


@pytest.fixture
def reminded(board: Board, sent: Consultation) -> Consultation:
    consultation_services.reminders_send_due(now=sent.deadline - datetime.timedelta(hours=72))
    return sent


def api_for(user: object) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_member_lists_their_notices(board: Board, reminded: Consultation) -> None:
    response = api_for(board.members[1]).get(reverse("notices_api:notice-list"))
    assert response.status_code == 200
    [notice] = response.json()["results"]
    assert notice["kind"] == kinds.CONSULTATION_REMINDER
    assert reminded.subject in notice["text"]
    assert notice["read_at"] is None
    assert api_for(board.outsider).get(reverse("notices_api:notice-list")).json()["results"] == []


def test_a_member_marks_their_notice_read(board: Board, reminded: Consultation) -> None:
    notice = Notice.objects.get(recipient=board.members[1])
    url = reverse("notices_api:notice-read", args=[notice.pk])
    response = api_for(board.members[1]).post(url, {}, format="json")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None


def test_nobody_marks_another_persons_notice(board: Board, reminded: Consultation) -> None:
    notice = Notice.objects.get(recipient=board.members[1])
    other = api_for(board.members[2])
    forbidden = other.post(reverse("notices_api:notice-read", args=[notice.pk]), {}, format="json")
    missing = other.post(reverse("notices_api:notice-read", args=[0]), {}, format="json")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_api_asks_for_a_login(reminded: Consultation) -> None:
    assert APIClient().get(reverse("notices_api:notice-list")).status_code in (401, 403)

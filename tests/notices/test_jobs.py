"""The scheduled jobs, run in-process: each does its work once, and running it again (the next
tick, or a second worker) changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from config import tasks
from consultations.models import Consultation
from notices.models import Notice
from tests.agendas.conftest import AgendaPlan
from tests.conftest import Personas
from tests.consultations.conftest import Board
from voting import services as voting_services
from voting.models import Poll

pytestmark = pytest.mark.django_db


def test_the_votes_job_closes_a_due_vote_once(government: Personas, sitting: AgendaPlan) -> None:
    poll = voting_services.poll_create(
        actor=government.chair,
        item=sitting.decree,
        question="Adopt the decree?",
        closes_at=timezone.now() + datetime.timedelta(minutes=1),
    )
    poll = voting_services.poll_open(actor=government.chair, poll=poll)
    assert tasks.close_due_polls() == 0
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now())
    assert tasks.close_due_polls() == 1
    assert tasks.close_due_polls() == 0
    assert Poll.objects.get(pk=poll.pk).status == Poll.Status.CLOSED


def test_the_written_opinions_job_reminds_then_closes_once(
    board: Board, sent: Consultation
) -> None:
    now = timezone.now()
    Consultation.objects.filter(pk=sent.pk).update(
        sent_at=now - datetime.timedelta(hours=2), deadline=now + datetime.timedelta(hours=71)
    )
    assert tasks.close_due_consultations() == {"reminded": len(board.voters), "closed": 0}
    assert tasks.close_due_consultations() == {"reminded": 0, "closed": 0}

    Consultation.objects.filter(pk=sent.pk).update(deadline=timezone.now())
    assert tasks.close_due_consultations() == {"reminded": 0, "closed": 1}
    assert tasks.close_due_consultations() == {"reminded": 0, "closed": 0}
    assert Notice.objects.filter(recipient=board.chair, kind="consultation.closed").count() == 1

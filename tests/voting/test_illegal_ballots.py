"""Illegal ballots in an election (a choice among options): paper ballots cast by members
entitled to vote that the tellers found illegal. The chair enters how many at the close, on the
console or in the API; the result shows them apart, never as a choice."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core.errors import ServiceError
from tests.agendas.conftest import AgendaPlan
from tests.conftest import Personas
from voting import services
from voting.models import Poll


def election(government: Personas, sitting: AgendaPlan, *, votes: tuple[int, int]) -> Poll:
    poll = services.poll_create(
        actor=government.chair,
        item=sitting.decree,
        question="Who reports?",
        secrecy=Poll.Secrecy.SECRET,
        method="choice",
        options=["Lê Văn An", "Trần Thị Bình"],
    )
    poll = services.poll_open(actor=government.chair, poll=poll)
    first, second = poll.options.all()
    voters = iter(government.voters[:20])
    for option, count in ((first, votes[0]), (second, votes[1])):
        for _ in range(count):
            services.ballot_cast(actor=next(voters), poll=poll, choices=[option.pk])
    return poll


def counts(poll: Poll) -> dict[str, int]:
    assert poll.result is not None
    return {row["label"]: row["count"] for row in poll.result["counts"]}


def test_illegal_ballots_are_their_own_figure(government: Personas, sitting: AgendaPlan) -> None:
    poll = election(government, sitting, votes=(10, 4))
    poll = services.poll_close(actor=government.chair, poll=poll, illegal=3)
    assert counts(poll) == {"Lê Văn An": 10, "Trần Thị Bình": 4, "Abstain": 0, "Illegal": 3}
    assert poll.result is not None and poll.result["illegal"] == 3


def test_without_illegal_ballots_the_result_has_no_such_row(
    government: Personas, sitting: AgendaPlan
) -> None:
    poll = services.poll_close(
        actor=government.chair, poll=election(government, sitting, votes=(10, 4))
    )
    assert "Illegal" not in counts(poll)


@pytest.mark.parametrize(
    ("illegal", "message"),
    [
        (-1, "cannot be negative"),
        (7, "14 ballots were cast on the tablets and 20 members may vote: at most 6"),
    ],
)
def test_impossible_figures_are_refused_and_the_vote_stays_open(
    government: Personas, sitting: AgendaPlan, illegal: int, message: str
) -> None:
    poll = election(government, sitting, votes=(10, 4))
    with pytest.raises(ServiceError, match=message):
        services.poll_close(actor=government.chair, poll=poll, illegal=illegal)
    poll.refresh_from_db()
    assert poll.status == Poll.Status.OPEN


def test_a_yes_or_no_vote_has_no_illegal_ballots(government: Personas, sitting: AgendaPlan) -> None:
    poll = services.poll_open(
        actor=government.chair,
        poll=services.poll_create(actor=government.chair, item=sitting.decree, question="Adopt?"),
    )
    with pytest.raises(ServiceError, match="Only a choice among options"):
        services.poll_close(actor=government.chair, poll=poll, illegal=1)


def test_only_the_chair_enters_them(government: Personas, sitting: AgendaPlan) -> None:
    poll = election(government, sitting, votes=(2, 1))
    with pytest.raises(PermissionDenied):
        services.poll_close(actor=government.members[0], poll=poll, illegal=1)


def test_the_chairs_console_enters_them_and_the_tablets_show_them(
    government: Personas, sitting: AgendaPlan
) -> None:
    poll = election(government, sitting, votes=(10, 4))
    meeting = sitting.meeting
    chair = Client()
    chair.force_login(government.chair)
    console = chair.get(reverse("agendas:console", args=[meeting.pk])).content.decode()
    assert f'id="illegal-{poll.pk}"' in console
    response = chair.post(
        reverse("voting:poll_action", args=[meeting.pk, poll.pk, "close"]),
        {"illegal": "2", "return_to": "console"},
    )
    assert response.status_code == 302
    tablet = Client()
    tablet.force_login(government.members[0])
    session = tablet.get(reverse("agendas:session", args=[meeting.pk])).content.decode()
    assert "<span>Illegal</span> <strong>2</strong>" in session


def test_the_console_refuses_a_figure_that_is_not_a_number(
    government: Personas, sitting: AgendaPlan
) -> None:
    poll = election(government, sitting, votes=(1, 1))
    chair = Client()
    chair.force_login(government.chair)
    response = chair.post(
        reverse("voting:poll_action", args=[sitting.meeting.pk, poll.pk, "close"]),
        {"illegal": "many", "return_to": "console"},
        follow=True,
    )
    assert "Give the number of illegal ballots as a whole number" in response.content.decode()
    poll.refresh_from_db()
    assert poll.status == Poll.Status.OPEN


def test_the_api_closes_with_them_and_refuses_others(
    government: Personas, sitting: AgendaPlan
) -> None:
    poll = election(government, sitting, votes=(10, 4))
    close = reverse("voting_api:poll-close", args=[sitting.meeting.pk, poll.pk])
    member = APIClient()
    member.force_login(government.members[0])
    assert member.post(close, {"illegal": 1}, format="json").status_code == 403
    chair = APIClient()
    chair.force_login(government.chair)
    refused = chair.post(close, {"illegal": -1}, format="json")
    assert refused.status_code == 400
    assert "illegal" in refused.json()
    response = chair.post(close, {"illegal": 2}, format="json")
    assert response.status_code == 200
    rows = {row["label"]: row["count"] for row in response.json()["result"]["counts"]}
    assert rows["Illegal"] == 2

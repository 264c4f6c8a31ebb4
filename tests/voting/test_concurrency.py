"""Ballots in parallel on PostgreSQL: each voter counted once, nothing after the close."""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction

from agendas import services as agenda_services
from meetings import services as meeting_services
from realtime.models import MeetingEvent
from tests.agendas.conftest import AgendaPlan, build_agenda
from tests.conftest import Personas, _build_body, check_in, plan_meeting
from voting import selectors, services
from voting.models import Ballot, CloseRequest, Participation, Poll


def in_parallel(calls: list[Callable[[], object]]) -> list[BaseException]:
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            call()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def sitting_with_open_poll(
    secretariat: User, **fields: object
) -> tuple[Personas, AgendaPlan, Poll]:
    gov = _build_body(secretariat, name="Government", kind="government", vice_chairs=4, members=22)
    meeting = meeting_services.meeting_schedule(
        actor=gov.secretary, meeting=plan_meeting(gov, starts_in=datetime.timedelta(hours=1))
    )
    plan = build_agenda(gov, meeting)
    agenda_services.agenda_publish(actor=gov.secretary, meeting=meeting)
    check_in(meeting, gov.voters)
    meeting_services.meeting_start(actor=gov.chair, meeting=meeting)
    poll = services.poll_create(actor=gov.chair, item=plan.decree, question="Adopt?", **fields)  # type: ignore[arg-type]
    return gov, plan, services.poll_open(actor=gov.chair, poll=poll)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("secrecy", ["named", "secret"])
def test_a_retry_storm_counts_each_voter_once(secretariat: User, secrecy: str) -> None:
    gov, _, poll = sitting_with_open_poll(secretariat, secrecy=secrecy)
    # Every voter's tablet sends its ballot three times at once (a flaky network retrying).
    calls = [
        lambda voter=voter: services.ballot_cast(
            actor=voter, poll=poll, answer="yes", request_key=f"key-{voter.pk}"
        )
        for voter in gov.voters
        for _ in range(3)
    ]
    # Each succeeds: a retry is the same request, whether it comes after its twin or with it.
    assert in_parallel(calls) == []
    assert Participation.objects.filter(poll=poll).count() == 27
    poll = services.poll_close(actor=gov.chair, poll=poll)
    assert Ballot.objects.filter(poll=poll).count() == 27
    assert selectors.tally(poll).yes == 27


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_named_answer_with_new_keys_at_once_is_one_vote(secretariat: User) -> None:
    gov, _, poll = sitting_with_open_poll(secretariat)
    # A tablet that resends the answer with a new key while the first is still in flight gets
    # what docs/api.md promises: the same effect as the first, not "You have already voted".
    calls = [
        lambda voter=voter, n=n: services.ballot_cast(
            actor=voter, poll=poll, answer="no", request_key=f"key-{voter.pk}-{n}"
        )
        for voter in gov.voters
        for n in range(3)
    ]
    assert in_parallel(calls) == []
    assert Ballot.objects.filter(poll=poll, answer="no").count() == 27
    # A different answer sent meanwhile is still refused.
    errors = in_parallel(
        [lambda: services.ballot_cast(actor=gov.voters[0], poll=poll, answer="yes")]
    )
    assert [str(error) for error in errors] == [
        "You have already voted; a vote once cast is final."
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ballots_racing_the_close_are_counted_or_refused(secretariat: User) -> None:
    gov, _, poll = sitting_with_open_poll(secretariat, secrecy="secret")
    accepted: list[int] = []

    def vote(voter: User) -> None:
        services.ballot_cast(actor=voter, poll=poll, answer="yes")
        accepted.append(voter.pk)

    calls: list[Callable[[], object]] = [
        lambda voter=voter: vote(voter) for voter in gov.voters[1:]
    ]
    calls.insert(13, lambda: services.poll_close(actor=gov.chair, poll=poll))
    errors = in_parallel(calls)
    assert {str(error) for error in errors} <= {
        "This vote is closed; no more votes are accepted.",
        "The chair is closing this vote; no more votes are accepted.",
    }
    poll.refresh_from_db()
    assert poll.result is not None
    # The result counts exactly the ballots accepted: none lost, none after the close.
    assert poll.result["counts"][0]["count"] == len(accepted) == Ballot.objects.count()
    assert len(accepted) + len(errors) == 26


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_ballot_sent_after_the_chair_pressed_close_is_refused(secretariat: User) -> None:
    gov, _, poll = sitting_with_open_poll(secretariat)
    services.ballot_cast(actor=gov.voters[1], poll=poll, answer="yes")
    in_flight, release = threading.Event(), threading.Event()

    def ballot_in_flight() -> None:
        # A voter's ballot still being written: its transaction holds the poll row in share
        # mode, so the close must wait for it.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM voting_poll WHERE id = %s FOR SHARE", [poll.pk])
            in_flight.set()
            release.wait(30)
        connection.close()

    def close() -> None:
        services.poll_close(actor=gov.chair, poll=poll)
        connection.close()

    holder = threading.Thread(target=ballot_in_flight)
    holder.start()
    assert in_flight.wait(10)
    closer = threading.Thread(target=close)
    closer.start()
    deadline = time.monotonic() + 10
    while not CloseRequest.objects.filter(poll=poll).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    # The chair has pressed close and waits for the ballot in flight. PostgreSQL would let a new
    # ballot share the poll row ahead of the close and be counted; it is refused instead.
    late = in_parallel([lambda: services.ballot_cast(actor=gov.voters[2], poll=poll, answer="no")])
    assert [str(error) for error in late] == [
        "The chair is closing this vote; no more votes are accepted."
    ]
    release.set()
    holder.join(30)
    closer.join(30)
    poll.refresh_from_db()
    assert poll.status == Poll.Status.CLOSED and poll.result is not None
    assert [row["count"] for row in poll.result["counts"]] == [1, 0, 0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_last_turnout_counts_every_ballot(secretariat: User) -> None:
    gov, _, poll = sitting_with_open_poll(secretariat, secrecy="secret")
    assert (
        in_parallel(
            [
                lambda voter=voter: services.ballot_cast(actor=voter, poll=poll, answer="no")
                for voter in gov.voters
            ]
        )
        == []
    )
    turnouts = list(
        MeetingEvent.objects.filter(type="voting.ballot_cast")
        .order_by("seq")
        .values_list("payload__turnout", flat=True)
    )
    assert turnouts == list(range(1, 28))

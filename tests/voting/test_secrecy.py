"""No one holding the database can link a secret ballot to its voter.

Each test casts a secret vote in which every voter chooses a different option, so that a
pairing of "who voted" rows with "what was voted" rows can be checked exactly, commits each
ballot as the server does, closes the vote, and then tries the attacks of someone who reads the
database, its files or a dump: the transaction id (`xmin`), the physical order (`ctid`), the ids,
and the order of `COPY ... TO STDOUT`, which is what pg_dump writes. Ordered storage pairs every
voter with their choice; here a pairing must do no better than a guess (one right in expectation;
nine or more right happens by chance about once in a million).
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection
from pytest_django import DjangoDbBlocker

from tests.conftest import Personas
from tests.voting.test_concurrency import sitting_with_open_poll
from voting import services
from voting.models import Ballot, Participation, Poll, SealedBallot

CHANCE = 8


def cast_one_option_each(secretariat: User) -> tuple[Personas, Poll, dict[int, int]]:
    """27 voters, each choosing their own option; returns who chose what (the truth)."""
    gov, _, poll = sitting_with_open_poll(
        secretariat,
        secrecy="secret",
        method="choice",
        options=[f"Candidate {n}" for n in range(27)],
    )
    options = list(poll.options.values_list("pk", flat=True))
    truth = {}
    for voter, option in zip(gov.voters, options, strict=True):
        services.ballot_cast(actor=voter, poll=poll, choices=[option])
        truth[voter.pk] = option
    return gov, poll, truth


def rows(sql: str, poll: Poll) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [poll.pk])
        return list(cursor.fetchall())


def right(pairs: Iterable[tuple[object, object]], truth: dict[int, int]) -> int:
    """How many (voter, choices) pairs are true."""
    return sum(truth.get(voter) == choices[0] for voter, choices in pairs)  # type: ignore[call-overload,index]


def in_order(voters: list[object], choices: list[object]) -> list[tuple[object, object]]:
    assert len(voters) == len(choices) == 27
    return list(zip(voters, choices, strict=True))


PARTICIPATIONS = "SELECT voter_id FROM voting_participation WHERE poll_id = %s"
BALLOTS = "SELECT choices FROM voting_ballot WHERE poll_id = %s"


def choices(values: list[tuple[object, ...]]) -> list[object]:
    return [json.loads(v[0]) if isinstance(v[0], str) else v[0] for v in values]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_transaction_id_links_no_ballot_to_its_voter(secretariat: User) -> None:
    _, poll, truth = cast_one_option_each(secretariat)
    services.poll_close(actor=None, poll=poll)
    joined = rows(
        "SELECT p.voter_id, b.choices FROM voting_participation p"
        " JOIN voting_ballot b ON b.xmin::text = p.xmin::text AND b.poll_id = p.poll_id"
        " WHERE p.poll_id = %s",
        poll,
    )
    assert joined == []
    # Every ballot was written by the one transaction that closed the vote.
    assert len(rows("SELECT DISTINCT xmin::text FROM voting_ballot WHERE poll_id = %s", poll)) == 1
    assert len(truth) == 27


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("order", ["ctid", "id"])
def test_the_order_of_the_rows_links_no_ballot_to_its_voter(secretariat: User, order: str) -> None:
    _, poll, truth = cast_one_option_each(secretariat)
    services.poll_close(actor=None, poll=poll)
    voters = [row[0] for row in rows(f"{PARTICIPATIONS} ORDER BY {order}", poll)]
    chosen = choices(rows(f"{BALLOTS} ORDER BY {order}", poll))
    assert right(in_order(voters, chosen), truth) <= CHANCE


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_order_of_a_dump_links_no_ballot_to_its_voter(secretariat: User) -> None:
    _, poll, truth = cast_one_option_each(secretariat)
    services.poll_close(actor=None, poll=poll)
    raw = connection.connection
    assert raw is not None

    def dump(table: str, column: str) -> list[str]:
        # pg_dump writes each table's data with exactly this statement.
        lines = []
        statement = f"COPY {table} (poll_id, {column}) TO STDOUT"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for line in copy.rows():
                if int(line[0]) == poll.pk:
                    lines.append(line[1])
        return lines

    voters = [int(voter) for voter in dump("voting_participation", "voter_id")]
    chosen = [json.loads(value) for value in dump("voting_ballot", "choices")]
    assert right(in_order(list(voters), list(chosen)), truth) <= CHANCE


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_open_secret_vote_keeps_its_ballots_sealed(secretariat: User) -> None:
    gov, poll, _ = cast_one_option_each(secretariat)
    # While the vote is open nothing is in the ballot table; the sealed ballots are all the same
    # size and do not contain what they say.
    assert not Ballot.objects.filter(poll=poll).exists()
    sealed = [bytes(token) for token in SealedBallot.objects.values_list("sealed", flat=True)]
    assert len(sealed) == Participation.objects.filter(poll=poll).count() == 27
    assert len({len(token) for token in sealed}) == 1
    assert not any(b'{"answer"' in token or b"choices" in token for token in sealed)
    closed = services.poll_close(actor=gov.chair, poll=poll)
    assert not SealedBallot.objects.filter(poll=poll).exists()
    assert Ballot.objects.filter(poll=poll).count() == 27
    assert closed.result is not None
    assert [row["count"] for row in closed.result["counts"][:27]] == [1] * 27


def test_the_sqlite_database_file_is_readable_by_its_owner_only(
    tmp_path: Path, django_db_blocker: DjangoDbBlocker
) -> None:
    from django.db.backends.sqlite3.base import DatabaseWrapper

    path = tmp_path / "db.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)  # as `make run` left it before
    wrapper = DatabaseWrapper({**connection.settings_dict, "NAME": str(path)}, alias="demo")
    wrapper.settings_dict.update(ENGINE="django.db.backends.sqlite3", OPTIONS={})
    try:
        with django_db_blocker.unblock(), wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE ballot (answer TEXT)")
    finally:
        wrapper.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

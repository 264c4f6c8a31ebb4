"""The audit trail's chain: appends follow each other, even from concurrent writers, and one
altered, deleted or inserted entry makes verification fail and names it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from audit import trail
from audit.models import GENESIS, Entry, Head
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

A = Entry.Action


@pytest.fixture
def entries(db: None) -> list[Entry]:
    user = UserFactory(username="reader")
    return [
        trail.record(A.DOCUMENT_VIEWED, actor=user, meeting_id=7, document_id=n, details={"n": n})
        for n in range(5)
    ]


@pytest.fixture
def tampering() -> Iterator[None]:
    """What someone with the table owner's rights can do: switch the append-only trigger off
    (inside the test's transaction, which rolls it back)."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
    yield


def tamper(sql: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def offset(entries: list[Entry], n: int) -> int:
    """The n-th of the fixture's entries, counted in the whole chain (sign-ins come before)."""
    return entries[n].seq


def test_entries_follow_each_other(entries: list[Entry]) -> None:
    chain = list(Entry.objects.order_by("seq"))
    assert [entry.seq for entry in chain] == list(range(1, len(chain) + 1))
    assert chain[0].prev_hash == GENESIS
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.prev_hash == before.hash
    head = Head.objects.get()
    assert (head.seq, head.hash) == (chain[-1].seq, chain[-1].hash)
    result = trail.verify()
    assert result.intact and result.entries == len(chain) and result.head == head.hash


def test_the_command_reports_an_intact_trail(
    entries: list[Entry], capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("verify_audit")
    assert f"last hash {entries[-1].hash}" in capsys.readouterr().out


def test_the_database_refuses_to_change_or_delete_an_entry(entries: list[Entry]) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Entry.objects.filter(pk=entries[0].pk).update(actor_name="someone else")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Entry.objects.filter(pk=entries[0].pk).delete()


def test_an_altered_entry_is_named(entries: list[Entry], tampering: None) -> None:
    seq = offset(entries, 2)
    tamper("UPDATE audit_entry SET document_id = 99 WHERE seq = %s", seq)
    result = trail.verify()
    assert not result.intact
    assert result.seq == seq
    assert f"Entry {seq} was altered" in result.problem
    with pytest.raises(CommandError, match=f"Entry {seq} was altered"):
        call_command("verify_audit")


def test_an_altered_entry_whose_hash_was_recomputed_breaks_the_next_link(
    entries: list[Entry], tampering: None
) -> None:
    victim = Entry.objects.get(seq=offset(entries, 1))
    victim.details = {"n": 42}
    victim.hash = victim.digest()
    tamper(
        "UPDATE audit_entry SET details = %s, hash = %s WHERE seq = %s",
        '{"n": 42}',
        victim.hash,
        victim.seq,
    )
    result = trail.verify()
    assert result.seq == victim.seq + 1
    assert f"Entry {victim.seq + 1} does not follow entry {victim.seq}" in result.problem


def test_a_deleted_entry_is_named(entries: list[Entry], tampering: None) -> None:
    seq = offset(entries, 3)
    tamper("DELETE FROM audit_entry WHERE seq = %s", seq)
    result = trail.verify()
    assert result.seq == seq
    assert f"Entry {seq} is missing" in result.problem


def test_an_inserted_entry_is_named(entries: list[Entry], tampering: None) -> None:
    # Room is made after entry 2 and a forged entry put there, with a correct hash of its own.
    seq = offset(entries, 2)
    tamper("UPDATE audit_entry SET seq = seq + 1000 WHERE seq > %s", seq)
    tamper("UPDATE audit_entry SET seq = seq - 999 WHERE seq > %s", seq + 999)
    forged = Entry(
        seq=seq + 1,
        at=entries[2].at,
        action=A.DOCUMENT_VIEWED,
        actor_name="nobody",
        prev_hash=entries[2].hash,
    )
    forged.hash = forged.digest()
    forged.save()
    result = trail.verify()
    # The forgery itself links well; the entry it pushed down no longer does.
    assert result.seq == seq + 2
    assert f"Entry {seq + 2} does not follow entry {seq + 1}" in result.problem


def test_a_removed_last_entry_is_noticed(entries: list[Entry], tampering: None) -> None:
    last = entries[-1].seq
    tamper("DELETE FROM audit_entry WHERE seq = %s", last)
    result = trail.verify()
    assert not result.intact
    assert result.seq == last
    assert f"ends at entry {last - 1} but its head names entry {last}" in result.problem


def test_details_must_name_a_known_action(db: None) -> None:
    with pytest.raises(ValueError, match="Unknown audit action"):
        trail.record("documents.burnt", actor=None)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_never_fork_the_chain() -> None:
    """Eight threads append at once, each in its own transaction and connection: the head's
    lock makes them take turns, so the chain stays one line."""
    user: User = UserFactory(username="busy")
    start = Entry.objects.count()
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait()
            for i in range(5):
                with transaction.atomic():
                    trail.record(A.DOCUMENT_VIEWED, actor=user, details={"thread": n, "i": i})
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Entry.objects.count() == start + 40
    result = trail.verify()
    assert result.intact, result.problem
    assert result.entries == start + 40

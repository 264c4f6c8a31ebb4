"""`make run` keeps its data in SQLite: voting must work there too, not only on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import sqlite_copy
from tests.test_settings import run_python

# The child builds a sitting on a new SQLite database, votes and closes the vote.
VOTE_ON_SQLITE = """
import django
django.setup()
from django.conf import settings
from django.core.management import call_command

assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
# Quick password hashes for the 28 people, as everywhere in the suite (tests/conftest.py): the
# default hasher spent most of the minute the child may take.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
call_command("migrate", verbosity=0)

from meetings import permissions
from tests.factories import UserFactory
from tests.voting.test_concurrency import sitting_with_open_poll
from voting import selectors, services

secretariat = UserFactory(username="secretariat")
secretariat.groups.add(permissions.secretariat_group())
gov, _, poll = sitting_with_open_poll(secretariat)
for voter in gov.voters:
    services.ballot_cast(actor=voter, poll=poll, answer="yes")
poll = services.poll_close(actor=gov.chair, poll=poll)
print(selectors.turnout(poll), poll.result["passed"])
"""


def test_a_vote_is_cast_and_closed_on_the_demo_database(
    tmp_path: Path, migrated_sqlite: Path
) -> None:
    database = {"DATABASE_URL": sqlite_copy(migrated_sqlite, tmp_path / "demo.sqlite3")}
    result = run_python(VOTE_ON_SQLITE, database, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["27", "True"]


# The child casts a secret vote where each voter chooses a different option, closes it, and
# pairs participations with ballots by SQLite's rowid, as someone holding the file would; then
# prints how many pairs are right, and the database file's mode.
ROWID_ON_SQLITE = """
import json, os, stat
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.db import connection

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
call_command("migrate", verbosity=0)

from meetings import permissions
from tests.factories import UserFactory
from tests.voting.test_concurrency import sitting_with_open_poll
from voting import services

secretariat = UserFactory(username="secretariat")
secretariat.groups.add(permissions.secretariat_group())
gov, _, poll = sitting_with_open_poll(
    secretariat, secrecy="secret", method="choice", options=[f"C{n}" for n in range(27)]
)
truth = {}
for voter, option in zip(gov.voters, poll.options.values_list("pk", flat=True)):
    services.ballot_cast(actor=voter, poll=poll, choices=[option])
    truth[voter.pk] = option
services.poll_close(actor=gov.chair, poll=poll)
with connection.cursor() as cursor:
    cursor.execute("SELECT voter_id FROM voting_participation ORDER BY rowid")
    voters = [row[0] for row in cursor.fetchall()]
    cursor.execute("SELECT choices FROM voting_ballot ORDER BY rowid")
    chosen = [json.loads(row[0])[0] for row in cursor.fetchall()]
right = sum(truth[voter] == option for voter, option in zip(voters, chosen, strict=True))
mode = stat.S_IMODE(os.stat(settings.DATABASES["default"]["NAME"]).st_mode)
print(len(voters), right, oct(mode))
"""


def test_the_rowid_links_no_secret_ballot_to_its_voter(
    tmp_path: Path, migrated_sqlite: Path
) -> None:
    database = {"DATABASE_URL": sqlite_copy(migrated_sqlite, tmp_path / "demo.sqlite3")}
    result = run_python(ROWID_ON_SQLITE, database, tmp_path)
    assert result.returncode == 0, result.stderr
    pairs, right, mode = result.stdout.splitlines()[-1].split()
    # Written with their participations, the ballots paired 27 of 27; a guess gets one right in
    # expectation, nine or more about once in a million (tests/voting/test_secrecy.py).
    assert pairs == "27" and int(right) <= 8
    assert mode == "0o600"

"""`make run` keeps its data in SQLite: voting must work there too, not only on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

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


def test_a_vote_is_cast_and_closed_on_the_demo_database(tmp_path: Path) -> None:
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}
    result = run_python(VOTE_ON_SQLITE, database, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["27", "True"]

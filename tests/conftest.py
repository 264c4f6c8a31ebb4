"""Shared fixtures: real PostgreSQL and Redis, personas, and bodies built through the services.

The suite never skips a missing service: it stops with the command that starts it.
Tests that need committed data (`transaction=True`) also ask for `serialized_rollback=True`:
the flush after such a test would otherwise remove what the migrations created, such as the
Secretariat group.

The personas, and the meetings and sittings built on them, are built once per worker and
restored by rollback (tests/prebuilt.py); transactional tests get the personas, and what the
migrations created, copied back from committed templates. Parallel workers (pytest-xdist) each
have their own test database, which pytest-django names after the worker, and their own Redis
database, numbered from REDIS_URL's.
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation
from pytest_django import DjangoDbBlocker

from config.settings import redis_channel_layer
from core.sessions import SIGNED_IN_AT
from meetings import permissions, services
from meetings.models import Body, Meeting, Membership
from realtime import events
from realtime.audiences import Held
from realtime.models import MeetingEvent
from tests.factories import UserFactory
from tests.prebuilt import (
    CommittedTemplates,
    Prebuilt,
    is_transactional,
    prebuilt_fixture,
    sort_items,
    wanted,
    wanted_committed,
)
from tests.server import (  # noqa: F401  (fixtures)
    running_server,
    server_kind,
    server_process,
    shared_server,
)

START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_REDIS = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no'
)


def worker_redis_url(url: str, worker: str | None) -> str:
    """The Redis URL of an xdist worker ("gw0", "gw1"...): the database numbered from the URL's
    one plus the worker's index. The channel layer's prefix carries the database number and
    pub/sub channels belong to the whole Redis server, so workers on distinct databases never
    receive each other's events, as their servers' meeting numbers may collide."""
    if not worker or not url:
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or "0")
    index = int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{base + index}"))


def pytest_configure(config: pytest.Config) -> None:
    # A socket or browser test's server may still be finishing a request when a transactional
    # test's data is flushed, and the two can deadlock. PostgreSQL ends the side that looks
    # first (after deadlock_timeout, 1 s): let it be the server's leftover request, never the
    # flush, which would fail the test.
    settings.DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c deadlock_timeout=10s"
    # The personas sign in with a password alone (client.login, force_login, the sign-in form
    # in the browser tests); tests/test_second_factor.py turns the roles' requirement back on.
    # The environment carries it to the servers the browser tests start.
    settings.MFA_REQUIRED_ROLES = []
    os.environ["MFA_REQUIRED_ROLES"] = ""
    url = worker_redis_url(settings.REDIS_URL, os.environ.get("PYTEST_XDIST_WORKER"))
    if url != settings.REDIS_URL:
        settings.REDIS_URL = url
        settings.CHANNEL_LAYERS = {"default": redis_channel_layer(url)}
        os.environ["REDIS_URL"] = url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # After pytest-django's own ordering (tryfirst), which this replaces.
    sort_items(items)


def pytest_sessionstart(session: pytest.Session) -> None:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        pytest.exit("The suite runs against PostgreSQL: set DATABASE_URL (make test does).", 1)
    try:
        psycopg.connect(
            host=database["HOST"] or "127.0.0.1",
            port=database["PORT"] or 5432,
            user=database["USER"],
            password=database["PASSWORD"],
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError as error:
        pytest.exit(f"PostgreSQL is not reachable ({error}).\nStart it with: {START_POSTGRES}", 1)
    if not settings.REDIS_URL:
        pytest.exit("The suite runs against Redis: set REDIS_URL (make test does).", 1)
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        pytest.exit(f"Redis is not reachable ({error}).\nStart it with: {START_REDIS}", 1)


@pytest.fixture(autouse=True)
def fresh_throttles() -> None:
    """API rate counts (in the process's cache) start from nothing in every test."""
    cache.clear()


@pytest.fixture(autouse=True)
def site_language() -> Iterator[None]:
    """A request in Vietnamese leaves the language active in the test's thread (the locale
    middleware does not reset it), and the next test's messages would be Vietnamese: each test
    starts and ends in the site's language."""
    translation.deactivate()
    yield
    translation.deactivate()


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def regions_draw_only_what_they_declare() -> Iterator[None]:
    """A region that draws an element it does not declare leaves it out of every frame
    (realtime.regions): wherever a test renders regions, that fails the test."""
    errors = _Errors()
    logger = logging.getLogger("realtime.regions")
    logger.addHandler(errors)
    yield
    logger.removeHandler(errors)
    assert not errors.messages


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Personas:
    body: Body
    chair: User
    vice_chairs: list[User]
    members: list[User]
    secretary: User

    @property
    def voters(self) -> list[User]:
        return [self.chair, *self.vice_chairs, *self.members]


@prebuilt_fixture(committed=True)
def secretariat(db: None) -> User:
    """A secretariat officer: may create bodies, has no role in any yet."""
    user = UserFactory(username="secretariat")
    user.groups.add(permissions.secretariat_group())
    return user


def _build_body(
    secretariat: User, *, name: str, kind: str, vice_chairs: int, members: int
) -> Personas:
    # The personas' names and titles are English, and so is their record; the tests of
    # Vietnamese minutes switch their body to Vietnamese (a Government's default).
    body = services.body_create(actor=secretariat, name=name, kind=kind, language="en")

    def join(role: str, title: str) -> User:
        user = UserFactory()
        services.membership_create(actor=secretariat, body=body, user=user, role=role, title=title)
        return user

    return Personas(
        body=body,
        chair=join(Membership.Role.CHAIR, "Chair"),
        vice_chairs=[join(Membership.Role.VICE_CHAIR, "Vice-chair") for _ in range(vice_chairs)],
        members=[join(Membership.Role.MEMBER, f"Member {i}") for i in range(members)],
        secretary=join(Membership.Role.SECRETARY, "Secretary"),
    )


@prebuilt_fixture(committed=True)
def government(secretariat: User) -> Personas:
    """The Government: 27 voting members (the Prime Minister, 4 deputies, 22 ministers)."""
    return _build_body(
        secretariat, name="Government", kind=Body.Kind.GOVERNMENT, vice_chairs=4, members=22
    )


@prebuilt_fixture(committed=True)
def committee(secretariat: User) -> Personas:
    """A committee under Robert's Rules: 5 voting members."""
    return _build_body(
        secretariat, name="Finance Committee", kind=Body.Kind.COMMITTEE, vice_chairs=0, members=4
    )


@pytest.fixture(scope="session")
def prebuilt_state(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Prebuilt]:
    state = Prebuilt()
    yield state
    with django_db_blocker.unblock():
        state.release()


@pytest.fixture
def prebuilt(
    request: pytest.FixtureRequest,
    prebuilt_state: Prebuilt,
    committed_templates: CommittedTemplates,
    django_db_blocker: DjangoDbBlocker,
) -> dict[str, Any]:
    """Copies of the prebuilt fixtures this test asks for, built once in the outer transaction
    (tests/prebuilt.py). A transactional test run before leaves the tables empty, as its
    flush left them (sort_items runs those first): a test in a transaction gets back what the
    migrations wrote, as the next transactional test would."""
    with django_db_blocker.unblock():
        if committed_templates.flushed and not is_transactional(request.node):
            committed_templates.restore_base()
        prebuilt_state.hold(wanted(request.node))
    return prebuilt_state.copies()


@pytest.fixture(scope="session")
def committed_templates(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[CommittedTemplates]:
    templates = CommittedTemplates()
    with django_db_blocker.unblock():
        templates.install()
    yield templates
    with django_db_blocker.unblock():
        templates.release()


@pytest.fixture
def committed_prebuilt(
    request: pytest.FixtureRequest, _django_db_helper: None, committed_templates: CommittedTemplates
) -> dict[str, Any]:
    """For a transactional test, copies of the committed prebuilt fixtures it asks for, their
    rows restored from the worker's template (tests/prebuilt.py); nothing for other tests.
    A fixture set up before them that made people (their rows would go into the template, or
    be truncated by the restore) leaves them to be built as before."""
    specs = wanted_committed(request.node)
    if not specs or User.objects.exists():
        return {}
    return committed_templates.copies(specs)


@pytest.fixture
def _django_db_helper(prebuilt: dict[str, Any], _django_db_helper: None) -> None:
    """pytest-django's fixture behind `db`, `transactional_db` and the django_db marker, entered
    once the prebuilt fixtures are in place: the test's transaction nests inside theirs."""


@prebuilt_fixture(committed=True)
def outsider(db: None) -> User:
    return UserFactory(username="outsider")


def plan_meeting(personas: Personas, *, starts_in: datetime.timedelta, **fields: object) -> Meeting:
    starts_at = (timezone.now() + starts_in).replace(second=0, microsecond=0)
    values: dict[str, object] = {
        "title": "Regular Government meeting",
        "starts_at": starts_at,
        "ends_at": starts_at + datetime.timedelta(hours=3),
        "place": "Room 1",
    }
    values.update(fields)
    return services.meeting_create(actor=personas.secretary, body=personas.body, **values)


@prebuilt_fixture
def draft_meeting(government: Personas) -> Meeting:
    return plan_meeting(government, starts_in=datetime.timedelta(hours=1))


@prebuilt_fixture
def meeting(government: Personas, draft_meeting: Meeting) -> Meeting:
    """A Government meeting scheduled for an hour from now: check-in is open."""
    return services.meeting_schedule(actor=government.secretary, meeting=draft_meeting)


def pushed_message(
    event: MeetingEvent, people: Sequence[int] = (), held: Held | None = None
) -> dict[str, Any]:
    """What an event's commit pushes, as one message: its frames, and under "personal" the
    own regions' frames of the people it concerns, which travel in a second message."""
    message, *own = events.rendered_messages(event, people, held=held)
    return {**message, "personal": own[0]["personal"] if own else {}}


def check_in(meeting: Meeting, users: list[User]) -> None:
    for user in users:
        services.attendance_check_in(actor=user, meeting=meeting)


def signed_in_long_ago(client: Client, user: User) -> Client:
    """Signed in, but longer ago than an act that asks who is there again accepts."""
    client.force_login(user)
    session = client.session
    session[SIGNED_IN_AT] -= 600  # the default asks again after 5 minutes
    session.save()
    return client


@pytest.fixture
def screenshot_dir() -> Path | None:
    """Where `make screenshots` wants the README pictures; None in ordinary runs."""
    directory = os.environ.get("SCREENSHOT_DIR")
    if not directory:
        return None
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database that `manage.py migrate` made, as `make run` makes its own, once per
    worker: the tests on SQLite (child processes) start from a copy (`sqlite_copy`), and
    their own `migrate` then has nothing left to do instead of several seconds of work."""
    directory = tmp_path_factory.mktemp("sqlite")
    path = directory / "migrated.sqlite3"
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=settings.BASE_DIR,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{path}",
            "VAR_DIR": str(directory / "var"),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return path


def sqlite_copy(template: Path, target: Path) -> str:
    """A copy of the migrated database at `target`, as a DATABASE_URL. The file gets the mode
    a new file gets: the application makes it private when it connects."""
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"

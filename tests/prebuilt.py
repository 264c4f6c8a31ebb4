"""Heavy personas built once per worker and restored by rollback.

Building the Government through the services takes about 330 queries; most tests ask for it.
So a test that asks for `government` or `committee`, and runs inside a transaction (not
`transaction=True`), finds them already built in an outer transaction that stays open from one
test to the next. The test runs inside it, in the savepoint of Django's `TestCase`, so whatever
the test changes is rolled back and the personas are as built for the next test. This is
Zulip's test database template, held in a transaction rather than copied from a template.

The rows exist only for the tests that ask for them: when a test asks for another set (or for
none, or needs committed data), the outer transaction is rolled back, and a new one built if
the test asks for personas. Tests are sorted so that those asking for the same set run one after
another. Each test gets deep copies of the objects as they were built (as Django's
`setUpTestData` gives them), so that what one test does to them in memory never reaches the
next.

Tests with `transaction=True` need committed data (a server process reads it) and the database
is flushed after each: they build their personas as before, through the services.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import override_settings

# The personas built once, in the order a test's fixtures ask for them.
PREBUILT = ("government", "committee")
# What building them also makes, and what a test may ask for on its own.
SHARED = ("secretariat",)
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def is_transactional(item: pytest.Item) -> bool:
    """Whether pytest-django runs the test as a `TransactionTestCase` (committed, flushed)."""
    fixtures = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args[:1] == (True,))):
        return True
    if marker is not None and marker.kwargs.get("reset_sequences"):
        return True
    return any(
        name in fixtures
        for name in ("transactional_db", "live_server", "django_db_reset_sequences")
    )


def uses_db(item: pytest.Item) -> bool:
    fixtures = getattr(item, "fixturenames", ())
    return item.get_closest_marker("django_db") is not None or "db" in fixtures


def wanted(item: pytest.Item) -> tuple[str, ...]:
    """The prebuilt personas the test asks for, in the order its fixtures ask for them; none
    for a test that does not run inside a transaction."""
    if is_transactional(item) or not uses_db(item):
        return ()
    fixtures = getattr(item, "fixturenames", ())
    return tuple(name for name in fixtures if name in PREBUILT)


def sort_items(items: list[pytest.Item]) -> None:
    """Run the tests asking for the same personas one after another, keeping pytest-django's
    order (tests in a transaction, then transactional tests, then tests without a database)
    and, within each set, the order of collection."""

    def bucket(item: pytest.Item) -> int:
        if is_transactional(item):
            return 1
        return 0 if uses_db(item) else 2

    items.sort(key=lambda item: (bucket(item), wanted(item)))


class Prebuilt:
    """The outer transaction of one worker and what was built in it."""

    def __init__(self, builders: dict[str, Callable[[dict[str, Any]], Any]]) -> None:
        self.builders = builders
        self.names: tuple[str, ...] = ()
        self.atomic: Any = None
        self.built: dict[str, Any] = {}

    def hold(self, names: Sequence[str]) -> None:
        """Make the outer transaction hold exactly `names` (and what they need)."""
        names = tuple(names)
        if self.atomic is not None and (names != self.names or not self._intact()):
            self.release()
        if names and self.atomic is None:
            self._build(names)

    def copies(self) -> dict[str, Any]:
        """Fresh copies of what was built, sharing one memo so that an object reachable from
        two personas is one object, as it was when built."""
        return copy.deepcopy(self.built)

    def release(self) -> None:
        """Roll the outer transaction back. If a test closed the connection, Django's atomic
        block knows the transaction went with it."""
        if self.atomic is None:
            return
        atomic, self.atomic = self.atomic, None
        self.names, self.built = (), {}
        assert connection.atomic_blocks == [atomic], "a test left an atomic block open"
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)

    def _intact(self) -> bool:
        return not connection.needs_rollback and not connection.closed_in_transaction

    def _build(self, names: tuple[str, ...]) -> None:
        atomic = transaction.atomic()
        # Like the atomic blocks of Django's TestCase: services may open durable blocks.
        atomic._from_testcase = True
        atomic.__enter__()
        self.atomic, self.names = atomic, names
        built: dict[str, Any] = {}
        # Tests hash passwords with MD5 (the autouse `fast_password_hashing`), which may not be
        # in force yet when the block is built, before the test's own fixtures.
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            for name in (*SHARED, *names):
                built[name] = self.builders[name](built)
        self.built = built

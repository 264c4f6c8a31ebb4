"""Heavy fixtures built once per worker and restored by rollback.

Building the Government through the services takes about 330 queries, and most tests ask for it,
often with a meeting, an agenda or a whole sitting on top. A fixture declared with
`@prebuilt_fixture` is built once in an outer transaction that stays open from one test to the
next: each test runs inside it, in the savepoint of Django's `TestCase`, so whatever the test
changes is rolled back and the fixtures are as built for the next test. This is Zulip's test
database template, held in a transaction rather than copied from a template database.

The rows exist only for the tests that ask for them: when a test asks for another set (or for
none, or needs committed data), the outer transaction is rolled back, and a new one built if the
test asks for prebuilt fixtures. Tests are sorted so that those asking for the same set run one
after another. A set is also built again after a minute, so that "an hour from now" stays what
it says. Each test gets deep copies of the objects as they were built (as Django's
`setUpTestData` gives them), so that what one test does to them in memory never reaches the
next.

A prebuilt fixture takes only prebuilt fixtures (and `db`), writes only to the database, and is
built as it would be for the test, in the order pytest would set it up. Tests with
`transaction=True` need committed data (a server process reads it) and the database is flushed
after each: they build their fixtures as before, through the services.
"""

from __future__ import annotations

import copy
import functools
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import override_settings

# Tests hash passwords with MD5 (the autouse `fast_password_hashing`), which may not be in force
# yet when the block is built, before the test's own fixtures.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Fixtures a prebuilt fixture may take without their value: the block gives database access.
NOT_BUILT = frozenset({"db"})
# Seconds a set is kept before it is built again.
MAX_AGE = 60.0


@dataclass(frozen=True)
class Spec:
    name: str
    qualname: str
    depends: tuple[str, ...]
    build: Callable[..., Any]


def prebuilt_fixture(function: Callable[..., Any]) -> Any:
    """A function-scoped fixture whose value is built once per worker for the tests that ask
    for it, and taken from that build (a deep copy) by each of them."""
    name = function.__name__
    signature = inspect.signature(function)
    depends = tuple(p for p in signature.parameters if p not in NOT_BUILT)
    spec = Spec(
        name=name, qualname=f"{function.__module__}.{name}", depends=depends, build=function
    )

    @functools.wraps(function)
    def wrapper(prebuilt: dict[str, Any], **values: Any) -> Any:
        if name in prebuilt:
            return prebuilt[name]
        return function(**values)

    # What pytest reads to know what the fixture takes: the function's own fixtures, and the
    # test's copies of the prebuilt ones.
    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[
            inspect.Parameter("prebuilt", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            *signature.parameters.values(),
        ]
    )
    wrapper.prebuilt_spec = spec  # type: ignore[attr-defined]
    return pytest.fixture(wrapper)


def is_transactional(item: pytest.Item) -> bool:
    """Whether pytest-django runs the test as a `TransactionTestCase` (committed, flushed)."""
    fixtures = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
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


def _spec(item: pytest.Item, name: str) -> Spec | None:
    """The prebuilt fixture the test gets for `name`, if its definition there is one."""
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.get(name) if info is not None else None
    if not definitions:
        return None
    return getattr(definitions[-1].func, "prebuilt_spec", None)


def wanted(item: pytest.Item) -> tuple[Spec, ...]:
    """The prebuilt fixtures the test asks for, in the order pytest sets them up (each after
    what it takes); none for a test that does not run inside a transaction."""
    if is_transactional(item) or not uses_db(item):
        return ()
    order: list[Spec] = []
    refused: set[str] = set()

    def visit(name: str) -> bool:
        if any(spec.name == name for spec in order):
            return True
        spec = _spec(item, name)
        if spec is None or name in refused:
            return False
        if not all(visit(depend) for depend in spec.depends):
            refused.add(name)
            return False
        order.append(spec)
        return True

    for name in getattr(item, "fixturenames", ()):
        visit(name)
    return tuple(order)


def sort_items(items: list[pytest.Item]) -> None:
    """Run the tests asking for the same prebuilt fixtures one after another, keeping
    pytest-django's order (tests in a transaction, then transactional tests, then tests without
    a database) and, within each set, the order of collection."""

    def bucket(item: pytest.Item) -> int:
        if is_transactional(item):
            return 1
        return 0 if uses_db(item) else 2

    items.sort(key=lambda item: (bucket(item), [spec.qualname for spec in wanted(item)]))


class Prebuilt:
    """The outer transaction of one worker and what was built in it."""

    def __init__(self) -> None:
        self.specs: tuple[Spec, ...] = ()
        self.atomic: Any = None
        self.built: dict[str, Any] = {}
        self.since = 0.0

    def hold(self, specs: tuple[Spec, ...]) -> None:
        """Make the outer transaction hold exactly what `specs` build."""
        if self.atomic is not None and (
            specs != self.specs
            or connection.needs_rollback
            or connection.closed_in_transaction
            or time.monotonic() - self.since > MAX_AGE
        ):
            self.release()
        if specs and self.atomic is None:
            self._build(specs)

    def copies(self) -> dict[str, Any]:
        """Fresh copies of what was built, sharing one memo so that an object reachable from
        two fixtures is one object, as it was when built."""
        return copy.deepcopy(self.built)

    def release(self) -> None:
        """Roll the outer transaction back. If a test closed the connection, Django's atomic
        block knows the transaction went with it."""
        if self.atomic is None:
            return
        atomic, self.atomic = self.atomic, None
        self.specs, self.built = (), {}
        assert connection.atomic_blocks == [atomic], "a test left an atomic block open"
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)

    def _build(self, specs: tuple[Spec, ...]) -> None:
        atomic = transaction.atomic()
        # Like the atomic blocks of Django's TestCase: services may open durable blocks.
        atomic._from_testcase = True
        atomic.__enter__()
        self.atomic, self.specs, self.since = atomic, specs, time.monotonic()
        built: dict[str, Any] = {}
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            for spec in specs:
                values = {name: built[name] for name in spec.depends}
                values.update(dict.fromkeys(NOT_BUILT & set(_parameters(spec)), None))
                built[spec.name] = spec.build(**values)
        self.built = built


def _parameters(spec: Spec) -> list[str]:
    return list(inspect.signature(spec.build).parameters)

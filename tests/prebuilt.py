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
built as it would be for the test, in the order pytest would set it up.

Tests with `transaction=True` need committed data (a server process reads it), and the database
is flushed after each. The fixtures declared with `@prebuilt_fixture(committed=True)` (the
personas, which hold no times) are built and committed through the services by the first such
test that asks for them; every table's rows are then copied into a schema of their own (a
template, as Zulip clones its test database from one), and the next transactional test asking
for the same fixtures gets them back by DELETE and INSERT ... SELECT, in one transaction, with
the same primary keys, and deep copies of the objects as built. Meetings and what stands on
them are still built per test: their numbers are never reused, which the shared server's
per-meeting state relies on (tests/server.py). What the migrations wrote is kept the same way
at the start of the session: the serialized rollback copies it back from there, and the flush
after each transactional test deletes rows rather than truncating every table.
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
from psycopg import sql

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
    committed: bool = False


def prebuilt_fixture(function: Callable[..., Any] | None = None, *, committed: bool = False) -> Any:
    """A function-scoped fixture whose value is built once per worker for the tests that ask
    for it, and taken from that build (a deep copy) by each of them. With `committed=True`,
    transactional tests get it from a committed template as well (see the module's docstring).
    """
    if function is None:
        return functools.partial(prebuilt_fixture, committed=committed)
    name = function.__name__
    signature = inspect.signature(function)
    depends = tuple(p for p in signature.parameters if p not in NOT_BUILT)
    spec = Spec(
        name=name,
        qualname=f"{function.__module__}.{name}",
        depends=depends,
        build=function,
        committed=committed,
    )

    @functools.wraps(function)
    def wrapper(prebuilt: dict[str, Any], committed_prebuilt: dict[str, Any], **values: Any) -> Any:
        if name in prebuilt:
            return prebuilt[name]
        if name in committed_prebuilt:
            return committed_prebuilt[name]
        return function(**values)

    # What pytest reads to know what the fixture takes: the function's own fixtures, and the
    # test's copies of the prebuilt ones.
    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[
            inspect.Parameter("prebuilt", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            inspect.Parameter("committed_prebuilt", inspect.Parameter.POSITIONAL_OR_KEYWORD),
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
    return _asked(item, committed_only=False)


def wanted_committed(item: pytest.Item) -> tuple[Spec, ...]:
    """For a transactional test, the committed prebuilt fixtures it asks for, in the same
    order; none for other tests."""
    if not is_transactional(item):
        return ()
    return _asked(item, committed_only=True)


def _asked(item: pytest.Item, *, committed_only: bool) -> tuple[Spec, ...]:
    order: list[Spec] = []
    refused: set[str] = set()

    def visit(name: str) -> bool:
        if any(spec.name == name for spec in order):
            return True
        spec = _spec(item, name)
        if spec is None or name in refused or (committed_only and not spec.committed):
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
    """Run the tests asking for the same prebuilt fixtures one after another, within each set
    in the order of collection. Transactional tests are also grouped by the kind of server they
    run under, so that the worker's shared server (tests/server.py) is not stopped and started
    again between them.

    The slow kinds come first: transactional tests (servers, browsers, the task worker), then
    tests without a database (most of them start a child interpreter), then the tests in a
    transaction, a second or less each. pytest-xdist's worksteal hands each worker a half of
    this order and lets a worker that runs out take the end of the other's queue, so the
    queues end with short tests and both workers finish within seconds of each other; a long
    test left to the end would keep one worker busy while the other waits. (pytest-django runs
    transactional tests last, for flushing what the migrations wrote; their serialized
    rollback puts it back.)"""

    def bucket(item: pytest.Item) -> int:
        if is_transactional(item):
            return 0
        return 2 if uses_db(item) else 1

    def server_kind(item: pytest.Item) -> str:
        callspec = getattr(item, "callspec", None)
        return str(callspec.params.get("server_kind", "")) if callspec is not None else ""

    items.sort(
        key=lambda item: (
            bucket(item),
            server_kind(item) if is_transactional(item) else "",
            [spec.qualname for spec in wanted(item) or wanted_committed(item)],
        )
    )


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


@dataclass
class Template:
    schema: str
    tables: list[str]
    built: dict[str, Any]


class CommittedTemplates:
    """One worker's committed templates: one of what the migrations wrote, and one per set of
    fixtures asked for together."""

    def __init__(self) -> None:
        self.templates: dict[tuple[Spec, ...], Template] = {}
        self.base: Template | None = None
        self.originals: tuple[Any, Any] | None = None
        # Whether a transactional test's flush emptied the tables since the base was restored.
        self.flushed = False

    def install(self) -> None:
        """Keep what the migrations wrote as a template, and have transactional tests use it:
        the serialized rollback copies it back (instead of saving each object through the
        ORM), and the flush deletes the rows (instead of truncating every table, which costs
        new files for each). Both leave the same rows, with the same keys."""
        self.base = self._snapshot("prebuilt_template_base", {})
        creation, ops = connection.creation, connection.ops
        self.originals = (creation.deserialize_db_from_string, ops.sql_flush)
        creation.deserialize_db_from_string = lambda data: self.restore_base()  # type: ignore[method-assign]
        ops.sql_flush = functools.partial(self._flush, ops.sql_flush)  # type: ignore[method-assign]

    def restore_base(self) -> None:
        """Put back what the migrations wrote, as the serialized rollback does."""
        assert self.base is not None
        self._restore(self.base)
        self.flushed = False

    def _flush(self, truncate: Callable[..., list[str]], *args: Any, **kwargs: Any) -> list[str]:
        self.flushed = True
        return _delete_flush(truncate, *args, **kwargs)

    def copies(self, specs: tuple[Spec, ...]) -> dict[str, Any]:
        """The fixtures, committed: built the first time, restored from the template after."""
        template = self.templates.get(specs)
        if template is None:
            template = self.templates[specs] = self._build(specs)
        else:
            self._restore(template)
        return copy.deepcopy(template.built)

    def release(self) -> None:
        if self.originals is not None:
            creation, ops = connection.creation, connection.ops
            creation.deserialize_db_from_string, ops.sql_flush = self.originals  # type: ignore[method-assign]
        with connection.cursor() as cursor:
            for template in [*self.templates.values(), *filter(None, [self.base])]:
                cursor.execute(_drop(template.schema))
        self.templates, self.base, self.originals = {}, None, None

    def _build(self, specs: tuple[Spec, ...]) -> Template:
        built: dict[str, Any] = {}
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            for spec in specs:
                values = {name: built[name] for name in spec.depends}
                values.update(dict.fromkeys(NOT_BUILT & set(_parameters(spec)), None))
                built[spec.name] = spec.build(**values)
        return self._snapshot(f"prebuilt_template_{len(self.templates)}", built)

    def _snapshot(self, schema: str, built: dict[str, Any]) -> Template:
        """Copy every table that holds rows into `schema`."""
        tables = []
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_drop(schema))
            cursor.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            for table in connection.introspection.django_table_names(include_views=False):
                cursor.execute(
                    sql.SQL("SELECT EXISTS (SELECT FROM {})").format(sql.Identifier(table))
                )
                if cursor.fetchone()[0]:
                    cursor.execute(
                        sql.SQL("CREATE TABLE {} AS TABLE {}").format(
                            sql.Identifier(schema, table), sql.Identifier(table)
                        )
                    )
                    tables.append(table)
        return Template(schema=schema, tables=tables, built=built)

    def _restore(self, template: Template) -> None:
        """Replace what the tables hold (what the serialized rollback put back) with the
        template's rows. Foreign keys are checked at the commit (Django makes them deferrable),
        so the order of the statements does not matter. DELETE rather than TRUNCATE: on tables
        this small it is several times quicker."""
        with transaction.atomic(), connection.cursor() as cursor:
            for table in template.tables:
                cursor.execute(_emptying(table))
                cursor.execute(
                    sql.SQL("INSERT INTO {} SELECT * FROM {}").format(
                        sql.Identifier(table), sql.Identifier(template.schema, table)
                    )
                )


def _delete_flush(
    truncate: Callable[..., list[str]],
    style: Any,
    tables: list[str],
    *,
    reset_sequences: bool = False,
    allow_cascade: bool = False,
) -> list[str]:
    """The flush's statements: DELETE, in one transaction with the foreign keys checked at its
    commit, unless sequences are to be reset too."""
    if reset_sequences or allow_cascade:
        return truncate(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    return [f"{_emptying(table).as_string(connection.connection)};" for table in tables]


# The audit trail's entries refuse DELETE (a trigger keeps them append-only); TRUNCATE, which
# the application never runs, empties them.
APPEND_ONLY = frozenset({"audit_entry"})


def _emptying(table: str) -> sql.Composed:
    verb = "TRUNCATE {}" if table in APPEND_ONLY else "DELETE FROM {}"
    return sql.SQL(verb).format(sql.Identifier(table))


def _drop(schema: str) -> sql.Composed:
    return sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))


def _parameters(spec: Spec) -> list[str]:
    return list(inspect.signature(spec.build).parameters)

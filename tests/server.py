"""A real server process on the test database, for browser and WebSocket tests.

It is started as a deployment starts it: by default the project's server
(`python -m realtime.server`); a module that overrides the `server_kind` fixture with
`SERVER_KINDS` runs its tests under daphne and plain uvicorn as well. The server runs in a
subprocess, so it sees only committed data: the fixture makes the test transactional, with a
serialized rollback so that the flush afterwards does not remove what the migrations created
(the Secretariat group). Import `running_server` (or `server_process`, to restart the server
during a test) into a conftest.py to use it. Starting a server takes a second or more, so
`running_server` keeps one per worker for the tests that take it as it starts.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

PROJECT_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0

# The servers the application is deployed with, as docs/deployment.md starts them.
SERVER_KINDS = ("realtime", "daphne", "uvicorn")


def server_command(kind: str, host: str, port: int) -> list[str]:
    application = "config.asgi:application"
    if kind == "realtime":  # uvicorn with the project's frame writer
        return ["-m", "realtime.server", "--host", host, "--port", str(port), application]
    if kind == "daphne":
        return ["-m", "daphne", "--bind", host, "--port", str(port), application]
    if kind == "uvicorn":  # as installed, without the project's WebSocket protocol
        return ["-m", "uvicorn", "--host", host, "--port", str(port), application]
    raise ValueError(f"unknown server kind {kind!r}")


@dataclass(frozen=True)
class RunningServer:
    host: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def origin(self) -> str:
        """What a WebSocket client sends as Origin: a host ALLOWED_HOSTS accepts."""
        return self.url


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_database_url() -> str:
    """DATABASE_URL pointing at the test database that pytest-django created."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def _wait_for_port(host: str, port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not accept connections within {START_TIMEOUT:.0f} s")


def server_environment(*, redis_url: str, heartbeat_seconds: float = 60) -> dict[str, str]:
    """The environment a server process starts with: the test's own, on the test database."""
    return {
        **os.environ,
        "DATABASE_URL": server_database_url(),
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONUNBUFFERED": "1",
        # Long by default, so that an event arriving in time came by the live push; fault
        # tests shorten it to see a lost push recovered from the log within seconds.
        "REALTIME_HEARTBEAT_SECONDS": str(heartbeat_seconds),
    }


class ServerProcess:
    """A server process on a fixed port that a test can stop and start again."""

    def __init__(
        self, *, redis_url: str, heartbeat_seconds: float = 60, kind: str = "realtime"
    ) -> None:
        self.kind = kind
        self.host, self.port = "127.0.0.1", free_port()
        # Server options a test adds to the command line.
        self.options: list[str] = []
        self.environment = server_environment(
            redis_url=redis_url, heartbeat_seconds=heartbeat_seconds
        )
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the fixture)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RunningServer:
        command = [
            sys.executable,
            *server_command(self.kind, self.host, self.port),
            *self.options,
        ]
        self.process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
            command,
            cwd=PROJECT_ROOT,
            env=self.environment,
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
        )
        try:
            _wait_for_port(self.host, self.port, self.process)
        except RuntimeError as error:
            _stop(self.process)
            pytest.fail(f"the server did not start: {error}\n{_read(self.stderr)}")
        return RunningServer(host=self.host, port=self.port, process=self.process)

    def stop(self) -> None:
        if self.process is not None:
            crashed = self.process.poll() is not None
            _stop(self.process)
            if crashed:
                print(f"the server exited during the test:\n{_read(self.stderr)}", file=sys.stderr)
            self.process = None

    def log(self) -> str:
        """What the server has written to its standard error so far, read without moving the
        file offset that the server writes at."""
        size = os.fstat(self.stderr.fileno()).st_size
        return os.pread(self.stderr.fileno(), size, 0).decode(errors="replace")

    def configure(self, settings: dict[str, str], options: Sequence[str] = ()) -> None:
        """Settings (environment variables) and server options for the next start."""
        self.environment.update(settings)
        self.options.extend(options)

    def running(self) -> RunningServer:
        """The server, started if it is not running."""
        if self.process is not None and self.process.poll() is None:
            return RunningServer(host=self.host, port=self.port, process=self.process)
        self.stop()
        return self.start()

    def close(self) -> None:
        self.stop()
        self.stderr.close()


@pytest.fixture
def server_kind() -> str:
    """Which server the `server_process` runs: the project's own unless a module says."""
    return "realtime"


@pytest.fixture
def server_process(
    transactional_db: None, django_db_serialized_rollback: None, server_kind: str
) -> Iterator[ServerProcess]:
    """A server not yet started, for tests that start, stop and restart it."""
    server = ServerProcess(redis_url=settings.REDIS_URL, kind=server_kind)
    try:
        yield server
    finally:
        server.close()


class SharedServer:
    """The worker's server for `running_server`, kept from one test to the next.

    A test's server is started with the test's environment (MEDIA_ROOT for instance): the
    shared one serves a test only when that environment is the one it was started with, and
    is replaced otherwise. Nothing of a test outlives it in the server: the server reads
    every request's data from the database, which is flushed after each of these tests, and
    its per-meeting state is keyed by meeting numbers, which are never reused (the personas
    restored from a template keep their keys, but the server holds nothing per person beyond
    a request but the API's rate counts, far from their limits).
    """

    def __init__(self) -> None:
        self.server: ServerProcess | None = None

    def running(self, environment: dict[str, str], kind: str) -> RunningServer:
        if self.server is not None and (
            self.server.kind != kind or _differ(self.server.environment, environment)
        ):
            self.close()
        if self.server is None:
            self.server = ServerProcess(redis_url=environment["REDIS_URL"], kind=kind)
            self.server.environment = environment
        return self.server.running()

    def exited(self) -> str | None:
        """The server's error output if it exited, which it never does on its own."""
        server = self.server
        if server is None or server.process is None or server.process.poll() is None:
            return None
        return _read(server.stderr)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None


def _differ(started: dict[str, str], wanted: dict[str, str]) -> bool:
    # pytest names the test running in the environment, which the server has no use for.
    ignored = {"PYTEST_CURRENT_TEST"}
    return {k: v for k, v in started.items() if k not in ignored} != {
        k: v for k, v in wanted.items() if k not in ignored
    }


@pytest.fixture(scope="session")
def shared_server(django_db_setup: None) -> Iterator[SharedServer]:
    """Stopped before the test database is dropped, which it keeps connections to."""
    shared = SharedServer()
    try:
        yield shared
    finally:
        shared.close()


@pytest.fixture
def running_server(
    transactional_db: None,
    django_db_serialized_rollback: None,
    shared_server: SharedServer,
    server_kind: str,
) -> Iterator[RunningServer]:
    """A started server on the test database, shared with the worker's other tests."""
    yield shared_server.running(server_environment(redis_url=settings.REDIS_URL), server_kind)
    error = shared_server.exited()
    if error is not None:
        print(f"the server exited during the test:\n{error}", file=sys.stderr)
        shared_server.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _read(stream: IO[bytes]) -> str:
    stream.seek(0)
    return stream.read().decode(errors="replace")


def set_server_password(user: User, password: str) -> None:
    """Give the user a password the server can check.

    The suite hashes with MD5 for speed, but the server runs with the project's settings, which do
    not accept MD5 hashes. A PBKDF2 hash with few iterations is quick and accepted by both.
    """
    user.password = PBKDF2PasswordHasher().encode(password, "browser-test-salt", iterations=1000)
    user.save(update_fields=["password"])


def session_cookie(user: User) -> dict[str, str]:
    """A logged-in session for the user, as a cookie the server accepts (same database and
    SECRET_KEY): for clients that need a session without going through the login form."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {name: client.cookies[name].value}

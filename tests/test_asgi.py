"""HTTP through the ASGI application, in process: every response is closed once it is sent."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from concurrent.futures import Future
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_finished

from config import asgi
from config.asgi import RequestExecutor, http_app


def scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
    }


async def get(path: str) -> tuple[int, bytes]:
    communicator = ApplicationCommunicator(http_app, scope(path))
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(10)
    body = b""
    while True:
        message = await communicator.receive_output(10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(10)
    return start["status"], body


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sent_response_is_closed_so_django_finishes_the_request() -> None:
    """Closing the response sends request_finished, which returns the connection to the pool;
    without it each worker thread would keep one until its next request."""
    finished: list[object] = []

    def receiver(sender: object, **kwargs: object) -> None:
        finished.append(sender)

    request_finished.connect(receiver)
    try:
        status, body = asyncio.run(get("/accounts/login/"))
    finally:
        request_finished.disconnect(receiver)
    assert status == 200 and b"<form" in body
    assert len(finished) == 1


def test_the_close_of_a_vote_goes_ahead_of_requests_waiting_for_a_worker_thread() -> None:
    """Under a burst of ballots the chair's close would otherwise wait behind all of them."""
    executor = RequestExecutor(1)
    started, release = threading.Event(), threading.Event()
    order: list[str] = []

    def busy() -> None:
        started.set()
        release.wait(10)

    def submit(name: str, *, urgent: bool) -> Future[None]:
        def in_context() -> Future[None]:
            asgi._urgent.set(urgent)
            return executor.submit(order.append, name)

        return contextvars.copy_context().run(in_context)

    try:
        executor.submit(busy)
        assert started.wait(10)
        waiting = [
            submit("ballot 1", urgent=False),
            submit("ballot 2", urgent=False),
            submit("close", urgent=True),
            submit("ballot 3", urgent=False),
        ]
        release.set()
        for future in waiting:
            future.result(10)
    finally:
        release.set()
        executor.shutdown()
    assert order == ["close", "ballot 1", "ballot 2", "ballot 3"]


@pytest.mark.parametrize(
    ("method", "path", "urgent"),
    [
        ("POST", "/meetings/3/polls/12/close/", True),
        ("POST", "/api/v1/meetings/3/polls/12/close/", True),
        ("GET", "/meetings/3/polls/12/close/", False),
        ("POST", "/meetings/3/polls/12/vote/", False),
        ("POST", "/meetings/3/polls/12/close/extra/", False),
    ],
)
def test_only_the_close_of_a_vote_is_urgent(method: str, path: str, urgent: bool) -> None:
    assert asgi.is_urgent({**scope(path), "method": method}) is urgent

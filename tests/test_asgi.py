"""HTTP through the ASGI application, in process: every response is closed once it is sent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_finished

from config.asgi import http_app


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

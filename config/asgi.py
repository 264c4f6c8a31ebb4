"""The ASGI application: WebSockets through Channels, HTTP through Django's WSGI handler.

Django's ASGI handler runs each synchronous middleware and the view through `sync_to_async`:
about a dozen hops between the event loop and a thread for every request. Every view here is
synchronous, so each HTTP request instead runs whole, middleware and view, in one call on a
worker thread (`WsgiToAsgi`, one hop), as it would under a WSGI server; the server's CPU per
request fell by a third to a half (docs/PERFORMANCE.md, the ballot burst).

The worker threads take requests in the order they came, except the chair's close of a vote:
under a burst of ballots the queue holds seconds of them, and the close would wait behind them
all (and then refuse them); it goes to the front of the queue instead.
"""

import asyncio
import contextvars
import itertools
import os
import queue
import re
import weakref
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from asgiref.wsgi import WsgiToAsgi, WsgiToAsgiInstance
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_wsgi_app = get_wsgi_application()

# These imports need the app registry that get_wsgi_application() has just filled.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import StaticFilesHandler  # noqa: E402

from realtime.origin import SameOriginValidator  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402


def closing(wsgi_application: Any) -> Any:
    """The application with its response closed once sent, as WSGI servers must do and
    asgiref's adapter does not: closing a Django response sends `request_finished`, which hands
    the database connection back to the pool, and closes a file response's file."""

    def application(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        response = wsgi_application(environ, start_response)
        try:
            yield from response
        finally:
            # Also when the adapter stops early (at Content-Length) and drops this generator.
            response.close()

    return application


# Requests that go ahead of the others waiting for a worker thread: closing a vote, from the
# chair's console or the API. Only the place in the queue changes; the view checks the right.
URGENT_PATHS = re.compile(r"/(api/v1/)?meetings/\d+/polls/\d+/close/")
_urgent: contextvars.ContextVar[bool] = contextvars.ContextVar("urgent", default=False)


def is_urgent(scope: dict[str, Any]) -> bool:
    return scope.get("method") == "POST" and bool(URGENT_PATHS.fullmatch(scope.get("path", "")))


class _UrgentFirst:
    """The executor's work queue: urgent work first, otherwise first come, first served.

    ThreadPoolExecutor puts each submitted work item (and None, to stop a thread) in this queue
    from the submitting thread; for a request that is the event loop, in the request's own
    context, so the context variable tells an urgent request's work apart."""

    def __init__(self) -> None:
        self.items: queue.PriorityQueue[tuple[int, int, Any]] = queue.PriorityQueue()
        self.order = itertools.count()

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        # Stopping comes after any work waiting, as in the plain queue.
        rank = 2 if item is None else (0 if _urgent.get() else 1)
        self.items.put((rank, next(self.order), item))

    def put_nowait(self, item: Any) -> None:
        self.put(item)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        return self.items.get(block, timeout)[2]

    def get_nowait(self) -> Any:
        return self.items.get_nowait()[2]

    def empty(self) -> bool:
        return self.items.empty()


class RequestExecutor(ThreadPoolExecutor):
    def __init__(self, max_workers: int, thread_name_prefix: str = "") -> None:
        super().__init__(max_workers, thread_name_prefix=thread_name_prefix)
        self._work_queue = _UrgentFirst()  # type: ignore[assignment]


class _RequestOnWorkerThread(WsgiToAsgiInstance):
    # asgiref runs the WSGI application on its one shared thread (thread_sensitive); requests
    # are independent, so they run on the event loop's worker threads instead.
    run_wsgi_app = sync_to_async(
        WsgiToAsgiInstance.__dict__["run_wsgi_app"].func, thread_sensitive=False
    )


class WsgiOnWorkerThreads(WsgiToAsgi):
    def __init__(self, wsgi_application: Any) -> None:
        super().__init__(wsgi_application)
        self.loops: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        loop = asyncio.get_running_loop()
        if loop not in self.loops:
            # As many worker threads as database connections: nearly every request reads the
            # database, and more threads would only wait for a connection. The loop's own
            # executor, so that the loop waits for requests in flight when it shuts down.
            loop.set_default_executor(
                RequestExecutor(settings.DATABASE_POOL_SIZE, thread_name_prefix="http")
            )
            self.loops.add(loop)
        token = _urgent.set(is_urgent(scope))
        try:
            instance = _RequestOnWorkerThread(self.wsgi_application, self.duplicate_header_limit)
            await instance(scope, receive, send)
        finally:
            _urgent.reset(token)


http_app = WsgiOnWorkerThreads(
    closing(StaticFilesHandler(django_wsgi_app) if settings.SERVE_STATIC else django_wsgi_app)
)

application = ProtocolTypeRouter(
    {
        "http": http_app,
        # The Origin's host must be allowed, and the Origin must be the socket's own origin.
        "websocket": AllowedHostsOriginValidator(
            SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)

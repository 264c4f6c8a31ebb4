"""The ASGI application: WebSockets through Channels, HTTP through Django's WSGI handler.

Django's ASGI handler runs each synchronous middleware and the view through `sync_to_async`:
about a dozen hops between the event loop and a thread for every request. Every view here is
synchronous, so each HTTP request instead runs whole, middleware and view, in one call on a
worker thread (`WsgiToAsgi`, one hop), as it would under a WSGI server; the server's CPU per
request fell by a third to a half (docs/PERFORMANCE.md, the ballot burst).
"""

import asyncio
import os
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
                ThreadPoolExecutor(settings.DATABASE_POOL_SIZE, thread_name_prefix="http")
            )
            self.loops.add(loop)
        instance = _RequestOnWorkerThread(self.wsgi_application, self.duplicate_header_limit)
        await instance(scope, receive, send)


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

"""The WebSocket handshake's Origin check: scheme, host and port, as the browser sent them.

Channels' AllowedHostsOriginValidator compares the Origin's host name with ALLOWED_HOSTS and
ignores its scheme and port, so a page served by another program on the same host (another
port), or the plain-http page of an https site, could open a member's socket with their cookie.
A handshake is let through only when its Origin is the origin the socket was opened on (the
Host header, with http for ws and https for wss; behind a proxy the server takes the scheme
from X-Forwarded-Proto), or one listed in CSRF_TRUSTED_ORIGINS, as Django's CSRF check does
for forms.
"""

from __future__ import annotations

from typing import Any

from channels.security.websocket import WebsocketDenier
from django.conf import settings


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def expected_origin(scope: dict[str, Any]) -> str | None:
    host = _header(scope, b"host")
    if not host:
        return None
    scheme = "https" if scope.get("scheme") in {"wss", "https"} else "http"
    return f"{scheme}://{host}".lower()


def same_origin(scope: dict[str, Any]) -> bool:
    origin = _header(scope, b"origin")
    if not origin:
        return False
    origin = origin.lower()
    trusted = {item.lower() for item in settings.CSRF_TRUSTED_ORIGINS}
    return origin == expected_origin(scope) or origin in trusted


class SameOriginValidator:
    """ASGI middleware refusing (HTTP 403) a WebSocket handshake from another origin."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not same_origin(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)

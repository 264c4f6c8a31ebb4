"""Session lifetimes: an idle timeout (a tablet left alone signs itself out) and an absolute
lifetime (a session never lasts longer than this, however busy), as ASVS V3.3 asks.

Django's SESSION_COOKIE_AGE alone is neither: every change to a session extends it. This
middleware keeps two times in the session, when it signed in (written at the sign-in, by
`stamp_sign_in`) and when it was last used, and signs out a session past either limit; the next
page asks to sign in again. The last use is written at most once a minute, not on every
request.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

SIGNED_IN_AT = "signed_in_at"
LAST_USED_AT = "last_used_at"
# How stale the recorded last use may be: a write per request would cost every ballot a write.
WRITE_EVERY_SECONDS = 60.0


def stamp_sign_in(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """On `user_logged_in`: the session's start, saved with the sign-in itself."""
    request.session[SIGNED_IN_AT] = time.time()


class SessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        now = time.time()
        session = request.session
        # A session from before this middleware counts from now.
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        last_used_at = session.get(LAST_USED_AT, signed_in_at)
        idle = float(settings.SESSION_IDLE_SECONDS)
        if now - last_used_at > idle or now - signed_in_at > settings.SESSION_MAX_AGE_SECONDS:
            logout(request)  # flushes the session; request.user becomes anonymous
            return
        if now - last_used_at >= min(WRITE_EVERY_SECONDS, idle / 2):
            session[LAST_USED_AT] = now

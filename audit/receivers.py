"""Sign-ins and failed sign-ins, from Django's own signals."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest

from audit.models import Entry
from audit.trail import record


def _address(request: HttpRequest | None) -> dict[str, str]:
    if request is None:
        return {}
    return {"address": request.META.get("REMOTE_ADDR", "")}


def record_sign_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    record(Entry.Action.SIGNED_IN, actor=user, details=_address(request))


def record_sign_in_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in `credentials`; only the name is kept.
    name = str(credentials.get("username", ""))[:150]
    record(Entry.Action.SIGN_IN_FAILED, actor=None, person_name=name, details=_address(request))

"""Sign-ins and failed sign-ins, from Django's own signals; and what the administrators
change about people and groups (their groups, permissions, administrator flags) in Django's
admin, from the admin's own log, written in the same transaction as the change."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from django.utils import translation

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


def record_admin_change(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    # django-stubs does not type LogEntry's foreign keys.
    content_type = cast("ContentType | None", instance.content_type)
    if not created or content_type is None or content_type.app_label != "auth":
        return
    if content_type.model not in {"user", "group"}:
        return
    is_person = content_type.model == "user"
    record(
        Entry.Action.ADMIN_CHANGED,
        actor=cast(User, instance.user),
        person=User.objects.filter(pk=instance.object_id).first() if is_person else None,
        person_name="" if is_person else instance.object_repr[:150],
        details={
            "what": content_type.model,
            "action": {1: "added", 2: "changed", 3: "deleted"}.get(instance.action_flag, ""),
            # In the site's language, whoever made the change: it is part of the record.
            "change": _change_message(instance),
        },
    )


def _change_message(entry: LogEntry) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return entry.get_change_message()

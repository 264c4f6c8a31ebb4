"""Making and revoking tokens. Both are in the audit trail."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Collection
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apitokens.models import ApiToken, Scope, digest
from audit import trail
from audit.models import Entry
from core.errors import ServiceError

MAX_DAYS = 365


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def token_create(*, actor: User, name: str, scopes: Collection[str], days: int) -> NewToken:
    """A token acting as `actor` with the given scopes, for `days` days (1 to 365)."""
    name = name.strip()
    if not name:
        raise ServiceError(_("Name the token after what will use it."), field="name")
    unknown = set(scopes) - set(Scope.values)
    if unknown or not scopes:
        raise ServiceError(
            _("Choose among the scopes %(scopes)s.") % {"scopes": ", ".join(Scope.values)},
            field="scopes",
        )
    if not 1 <= days <= MAX_DAYS:
        raise ServiceError(
            _("A token lasts from 1 to %(days)s days.") % {"days": MAX_DAYS}, field="days"
        )
    prefix = secrets.token_hex(6)
    secret = f"mt_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=prefix,
            digest=digest(secret),
            scopes=sorted(set(scopes)),
            expires_at=timezone.now() + datetime.timedelta(days=days),
        )
        trail.record(
            Entry.Action.TOKEN_CREATED,
            actor=actor,
            details={"token": prefix, "scopes": token.scopes, "days": days},
        )
    return NewToken(token=token, secret=secret)


def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's tokens at once; revoking it again changes nothing."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk, user=actor)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            trail.record(Entry.Action.TOKEN_REVOKED, actor=actor, details={"token": token.prefix})
    return token

"""Re-authentication: proof, taken just now, that the person at the device owns the account.

A screen that needs it (checking in remotely) asks for the person's factors again with
`ReauthForm`; when they hold, the moment is kept in the session, and the service that needs a
fresh proof is given that moment and checks its age with `is_fresh`. Today the one factor is the
password, checked through Django's authentication, so django-axes counts a wrong one as it
counts one on the sign-in form, and locks the name out after as many. A second factor joins
with `register_factor`: the form then asks for it too, from those who have one.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SESSION_KEY = "reauthenticated_at"


@dataclass(frozen=True)
class Factor:
    """Something the person proves again: a form field, whom it applies to, and its check."""

    name: str
    field: Callable[[], forms.Field]
    applies: Callable[[User], bool]
    verify: Callable[[HttpRequest, User, str], bool]
    refused: str | Promise


def _password_holds(request: HttpRequest, user: User, password: str) -> bool:
    # Through the authentication backends, so that the lockout sees every wrong password.
    return authenticate(request, username=user.get_username(), password=password) == user


PASSWORD = Factor(
    name="password",
    field=lambda: forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    ),
    applies=lambda user: user.has_usable_password(),
    verify=_password_holds,
    refused=_("This is not your password."),
)
_factors: list[Factor] = [PASSWORD]


def register_factor(factor: Factor) -> None:
    """Ask for one more factor, from those it applies to (called from an AppConfig.ready)."""
    if all(known.name != factor.name for known in _factors):
        _factors.append(factor)


def factors_for(user: User) -> list[Factor]:
    return [factor for factor in _factors if factor.applies(user)]


class ReauthForm(forms.Form):
    """The person's factors, asked again. Bound, it needs the request: it is valid only when
    every factor holds, and then the moment is kept in the session (`reauthenticated_at`)."""

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        user: User,
        request: HttpRequest | None = None,
        prefix: str | None = None,
    ) -> None:
        super().__init__(data, prefix=prefix)
        self.user = user
        self.request = request
        self.factors = factors_for(user)
        for factor in self.factors:
            self.fields[factor.name] = factor.field()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.request is None:
            raise ValueError("A bound ReauthForm needs the request.")
        if not self.factors:
            raise forms.ValidationError(_("Your account has no password to confirm who you are."))
        for factor in self.factors:
            value = cleaned.get(factor.name)
            if value and not factor.verify(self.request, self.user, str(value)):
                self.add_error(factor.name, str(factor.refused))
        if not self.errors:
            self.request.session[SESSION_KEY] = timezone.now().timestamp()
        return cleaned


def reauthenticated_at(request: HttpRequest) -> datetime.datetime | None:
    """When the person last proved who they are in this session, if they did."""
    stamp = request.session.get(SESSION_KEY)
    if not isinstance(stamp, int | float):
        return None
    return datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC)


def is_fresh(moment: datetime.datetime | None) -> bool:
    """Whether a proof taken at `moment` still holds (REAUTH_MAX_AGE_SECONDS)."""
    if moment is None:
        return False
    age = timezone.now() - moment
    return (
        datetime.timedelta(0) <= age <= datetime.timedelta(seconds=settings.REAUTH_MAX_AGE_SECONDS)
    )

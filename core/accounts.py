"""Signing in beyond the password (django-allauth): who must have a second factor, the HTTP Basic
entry point of the API, and how fresh a sign-in must be for an act such as signing the minutes
or checking in remotely.

Which roles a person holds only the meetings app knows: it registers them with
`register_roles` in its AppConfig.ready. `MFA_REQUIRED_ROLES` names the roles that must have a
second factor ("staff", "secretariat", "chair", "member").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from allauth.account import views as account_views
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, update_session_auth_hash
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from drf_spectacular.authentication import BasicScheme
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.request import Request

from core.sessions import SIGNED_IN_AT

Roles = Callable[[User], set[str]]
_roles: list[Roles] = []
# Set in the session once its person has a second factor or needs none: the check costs no
# query on later requests. A role given during a session counts from the next sign-in.
SECOND_FACTOR_CHECKED = "second_factor_checked"
# Pages a person without the required second factor may still open: enrolling one, signing
# out, the language switch, and the static files.
OPEN_PATHS = ("/accounts/", "/i18n/", "/static/")


def register_roles(roles: Roles) -> None:
    """Add a source of the roles a person holds (besides "staff", which Django knows)."""
    _roles.append(roles)


def roles_of(user: User) -> set[str]:
    roles = {"member"}
    if user.is_staff or user.is_superuser:
        roles.add("staff")
    for source in _roles:
        roles |= source(user)
    return roles


def second_factor_required(user: User) -> bool:
    return bool(roles_of(user) & set(settings.MFA_REQUIRED_ROLES))


def has_second_factor(user: User) -> bool:
    """An authenticator app or a security key (recovery codes alone are not a factor)."""
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


class SecondFactorRequiredMiddleware:
    """Sends a person whose role needs a second factor and who has none to enrol one; the API
    answers them 403 with the same message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and settings.MFA_REQUIRED_ROLES
            and not request.session.get(SECOND_FACTOR_CHECKED)
            and not request.path.startswith(OPEN_PATHS)
        ):
            assert isinstance(user, User)
            if second_factor_required(user) and not has_second_factor(user):
                message = _(
                    "Your role needs a second factor: add an authenticator app or a security "
                    "key before you go on."
                )
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": message}, status=403)
                messages.warning(request, message)
                return redirect("mfa_index")
            request.session[SECOND_FACTOR_CHECKED] = True
        return self.get_response(request)


class PasswordBasicAuthentication(BasicAuthentication):
    """HTTP Basic on the API for people who sign in with a password alone. A person with a
    second factor, or whose role needs one, is refused: a password alone would get round it."""

    def authenticate_credentials(
        self, userid: str, password: str, request: Request | None = None
    ) -> tuple[User | AnonymousUser, None]:
        user, auth = super().authenticate_credentials(userid, password, request)
        assert isinstance(user, User)
        if has_second_factor(user) or second_factor_required(user):
            raise exceptions.AuthenticationFailed(
                _(
                    "This account signs in with a second factor, which HTTP Basic cannot "
                    "carry: sign in on the site instead."
                )
            )
        return user, auth


class PasswordBasicScheme(BasicScheme):
    """The schema's basicAuth is this class (drf-spectacular registers it by subclassing)."""

    target_class = "core.accounts.PasswordBasicAuthentication"


def last_authenticated_at(request: HttpRequest | Request) -> float:
    """When the person last typed a password or a second factor in this session (the sign-in
    or a later confirmation). 0 for a session that never did."""
    user = request.user
    if not isinstance(user, User):
        return 0.0
    times = [float(request.session.get(SIGNED_IN_AT, 0.0))]
    times += [float(record["at"]) for record in get_authentication_records(request, user)]
    return max(times)


def proved_at(request: HttpRequest | Request) -> float:
    """When the person behind the request last proved who they are: now for HTTP Basic, which
    carries the password with the request; for a session, when it last typed a password or a
    second factor; never (0) for anything else that authenticated the request on the API (an
    API token proves that its holder has the token, not who is there)."""
    if isinstance(request, Request):
        authenticator = request.successful_authenticator
        if isinstance(authenticator, BasicAuthentication):
            return time.time()
        if not isinstance(authenticator, SessionAuthentication):
            return 0.0
    return last_authenticated_at(request)


def recently_authenticated(request: HttpRequest | Request) -> bool:
    """Whether the person proved who they are within REAUTHENTICATION_SECONDS (`proved_at`)."""
    return is_recent(proved_at(request))


def is_recent(authenticated_at: float) -> bool:
    """Whether a password or second factor typed at `authenticated_at` (a timestamp, as
    `last_authenticated_at` gives it) still proves who the person is: for a service that
    needs the proof (checking in remotely) and is handed the moment rather than the request."""
    return time.time() - authenticated_at < settings.REAUTHENTICATION_SECONDS


def reauthentication_url(request: HttpRequest, next_url: str) -> str:
    """Where the person confirms who they are (their password, or a second factor for those
    without one), coming back to `next_url`; the sign-in page for those who have neither (who
    signed in through single sign-on)."""
    methods = get_account_adapter().get_reauthentication_methods(request.user)
    target = methods[0]["url"] if methods else reverse("login")
    return f"{target}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


class LoginView(account_views.LoginView):
    """allauth's sign-in, offering the single sign-on providers of the settings (allauth's
    own list would ask the database on every sign-in page)."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        apps = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]
        context["single_sign_on"] = [
            (
                app["name"],
                reverse("openid_connect_login", kwargs={"provider_id": app["provider_id"]}),
            )
            for app in apps
        ]
        return context


def no_password_reset(request: HttpRequest) -> HttpResponse:
    """django-allauth's reset by e-mail: accounts belong to the secretariat, which sets a new
    password for whoever forgot theirs."""
    raise Http404("No password reset by e-mail.")


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are made by the secretariat, never by their holders.
        return False

    def reauthenticate(self, user: AbstractBaseUser, password: str) -> bool:
        """The password confirmed on "Confirm who you are". Django saves a password stored
        under older hashing settings (each release raises the iterations) hashed anew when it
        is typed; the session then follows the new hash, or it would be signed out."""
        confirmed = super().reauthenticate(user, password)
        if confirmed:
            assert isinstance(user, User)
            user.refresh_from_db(fields=["password"])
            update_session_auth_hash(context.request, user)
        return confirmed


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """A person whose role must have a second factor cannot switch off their last
        authenticator app (they may add a security key first)."""
        user = authenticator.user
        if not second_factor_required(user):
            return True
        others = Authenticator.objects.filter(
            user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exclude(pk=authenticator.pk)
        return others.exists()


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: object) -> bool:
        # Single sign-on signs in the person the provider's verified e-mail address names;
        # it never creates one.
        return False


def logout(request: HttpRequest) -> HttpResponse:
    """django-allauth's sign-out, which also tells the browser to forget what the site stored
    on it: the papers kept for offline reading and the notes not yet sent, the service worker
    and its copies, the HTTP cache. A shared tablet keeps nothing of the person who signed out
    (docs/offline.md)."""
    response = account_views.logout(request)
    if request.method == "POST":
        response["Clear-Site-Data"] = '"cache", "storage"'
    return response

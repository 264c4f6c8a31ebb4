"""Re-authentication (core.reauth): the password again, kept as a moment in the session, fresh
for a while; and a second factor joins the same step through `register_factor`."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django import forms
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest, QueryDict
from django.test import RequestFactory, override_settings
from django.utils import timezone

from core import reauth
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
RIGHT = "correct horse battery staple"


def post(user: User, **data: str) -> HttpRequest:
    request = RequestFactory().post("/", data)
    request.user = user
    request.session = SessionStore()
    return request


def form_for(request: HttpRequest) -> reauth.ReauthForm:
    data = QueryDict(mutable=True)
    data.update(request.POST)
    return reauth.ReauthForm(data, user=request.user, request=request)  # type: ignore[arg-type]


def test_the_right_password_records_the_moment() -> None:
    request = post(UserFactory(), password=RIGHT)
    assert form_for(request).is_valid()
    moment = reauth.reauthenticated_at(request)
    assert moment is not None and reauth.is_fresh(moment)


def test_a_wrong_password_records_nothing() -> None:
    request = post(UserFactory(), password="something else")
    form = form_for(request)
    assert not form.is_valid() and form.errors["password"] == ["This is not your password."]
    assert reauth.reauthenticated_at(request) is None


@override_settings(REAUTH_MAX_AGE_SECONDS=60)
def test_a_proof_holds_for_a_while_only() -> None:
    now = timezone.now()
    assert reauth.is_fresh(now - datetime.timedelta(seconds=59))
    assert not reauth.is_fresh(now - datetime.timedelta(seconds=61))
    assert not reauth.is_fresh(now + datetime.timedelta(seconds=5))
    assert not reauth.is_fresh(None)


@pytest.fixture
def second_factor() -> Iterator[reauth.Factor]:
    factor = reauth.Factor(
        name="code",
        field=lambda: forms.CharField(label="Code"),
        applies=lambda user: user.username.startswith("otp-"),
        verify=lambda request, user, value: value == "123456",
        refused="Wrong code.",
    )
    reauth.register_factor(factor)
    yield factor
    reauth._factors.remove(factor)


def test_a_second_factor_is_asked_of_those_who_have_one(second_factor: reauth.Factor) -> None:
    holder, other = UserFactory(username="otp-holder"), UserFactory()
    assert list(reauth.ReauthForm(user=holder).fields) == ["password", "code"]
    assert list(reauth.ReauthForm(user=other).fields) == ["password"]
    wrong = post(holder, password=RIGHT, code="000000")
    assert not form_for(wrong).is_valid() and reauth.reauthenticated_at(wrong) is None
    right = post(holder, password=RIGHT, code="123456")
    assert form_for(right).is_valid() and reauth.reauthenticated_at(right) is not None

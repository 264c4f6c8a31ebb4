"""Signing in: every password entry point locks after repeated failures, for a while; and
passwords follow ASVS's rules (12 characters or more, not a common one)."""

from __future__ import annotations

import base64
import datetime
import time

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery staple"
LIMIT = 5


@pytest.fixture
def official(db: None) -> User:
    return UserFactory(username="official")


def form_login(client: Client, password: str) -> int:
    response = client.post("/accounts/login/", {"login": "official", "password": password})
    return response.status_code


def basic_login(client: Client, password: str) -> int:
    token = base64.b64encode(f"official:{password}".encode()).decode()
    return client.get("/api/v1/bodies/", HTTP_AUTHORIZATION=f"Basic {token}").status_code


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_after_repeated_failures_even_the_right_password_is_refused(official: User) -> None:
    """Forty wrong passwords, then the right one, signed in."""
    client = Client()
    for _ in range(LIMIT):
        form_login(client, "wrong password")
    assert form_login(client, RIGHT) == 429
    assert not signed_in(client)


def test_the_admin_takes_no_password_and_sends_to_the_sign_in(official: User) -> None:
    """The admin's own form would take a password without the second factor."""
    official.is_staff = True
    official.save()
    client = Client()
    response = client.post("/admin/login/", {"username": "official", "password": RIGHT})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert not signed_in(client)


def test_the_lockout_page_says_so_in_vietnamese_too(official: User) -> None:
    client = Client(headers={"accept-language": "vi"})
    for _ in range(LIMIT):
        form_login(client, "wrong password")
    response = client.post("/accounts/login/", {"login": "official", "password": RIGHT})
    assert response.status_code == 429
    assert "Tạm khóa" in response.content.decode()


def test_http_basic_locks_too(official: User) -> None:
    client = APIClient()
    for _ in range(LIMIT):
        assert basic_login(client, "wrong password") == 403
    assert basic_login(client, RIGHT) in {401, 403, 429}
    assert basic_login(APIClient(), RIGHT) in {401, 403, 429}


def test_fewer_failures_do_not_lock(official: User) -> None:
    client = Client()
    for _ in range(LIMIT - 1):
        assert form_login(client, "wrong password") == 200
    assert form_login(client, RIGHT) == 302
    assert signed_in(client)


def test_the_lockout_ends_after_the_cool_off(official: User, settings: object) -> None:
    settings.AXES_COOLOFF_TIME = datetime.timedelta(seconds=1)  # type: ignore[attr-defined]
    client = Client()
    for _ in range(LIMIT):
        form_login(client, "wrong password")
    assert form_login(client, RIGHT) == 429
    time.sleep(1.2)
    assert form_login(client, RIGHT) == 302
    assert signed_in(client)


@pytest.mark.parametrize("password", ["12345678", "password", "short-pass1", "123456789012"])
def test_weak_passwords_are_refused(official: User, password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password, official)


def test_a_long_uncommon_password_is_accepted(official: User) -> None:
    validate_password("paper lanterns over the river", official)


def test_the_admins_add_user_form_refuses_a_common_password(official: User) -> None:
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "newcomer",
            "password1": "password",
            "password2": "password",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="newcomer").exists()


def test_an_idle_session_is_signed_out(official: User, settings: object) -> None:
    settings.SESSION_IDLE_SECONDS = 1  # type: ignore[attr-defined]
    client = Client()
    assert form_login(client, RIGHT) == 302
    assert client.get("/").status_code == 200
    time.sleep(1.3)
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not signed_in(client)


def test_a_busy_session_still_ends_at_its_absolute_lifetime(
    official: User, settings: object
) -> None:
    settings.SESSION_MAX_AGE_SECONDS = 2  # type: ignore[attr-defined]
    client = Client()
    assert form_login(client, RIGHT) == 302
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        assert client.get("/").status_code == 200  # in use all along
        time.sleep(0.3)
    time.sleep(0.8)
    assert client.get("/").status_code == 302
    assert not signed_in(client)


def test_the_api_answers_a_flood_with_429(official: User, monkeypatch: pytest.MonkeyPatch) -> None:
    # DRF binds the rates when it loads; a small one here stands for the settings' rate.
    rates = {"anon": "3/minute", "user": "5/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    person = APIClient()
    person.force_login(official)
    codes = [person.get("/api/v1/bodies/").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert "Retry-After" in person.get("/api/v1/bodies/")


def test_confirming_the_password_counts_towards_the_lockout(official: User) -> None:
    """The password typed again before signing is a password entry point like the others."""
    client = Client()
    client.force_login(official)
    for _ in range(LIMIT):
        client.post("/accounts/reauthenticate/", {"password": "wrong password"})
    assert form_login(Client(), RIGHT) == 429


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"])
def test_confirming_a_password_that_is_hashed_again_keeps_the_person_signed_in(
    official: User,
) -> None:
    """A password stored under older hashing settings (as after an upgrade of Django, which
    raises its iterations) is saved hashed anew when typed: the session follows it."""
    older = PBKDF2PasswordHasher().encode(RIGHT, "older-salt", iterations=1000)
    official.password = older
    official.save(update_fields=["password"])
    client = Client()
    client.force_login(official)
    response = client.post("/accounts/reauthenticate/", {"password": RIGHT})
    assert response.status_code == 302
    official.refresh_from_db()
    assert official.password != older  # hashed anew
    assert signed_in(client)
    assert client.get("/").status_code == 200


def test_a_forgotten_password_is_set_by_the_secretariat_not_by_mail(official: User) -> None:
    page = Client(headers={"accept-language": "vi"}).get("/accounts/login/").content.decode()
    assert "bộ phận thư ký đặt mật khẩu mới" in page
    assert Client().get("/accounts/password/reset/").status_code == 404

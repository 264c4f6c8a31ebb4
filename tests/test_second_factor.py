"""Second factors (django-allauth): an authenticator app's code after the password, recovery
codes that work once, and the roles that must have a second factor before they use the site.
The codes are computed here with pyotp, from the secret the person enrolled, as their phone
would."""

from __future__ import annotations

import base64

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.conftest import Personas
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def password_step(client: Client, user: User) -> str:
    """The sign-in form; answers where it sends the person next."""
    response = client.post(reverse("login"), {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return str(response["Location"])


def enrol_totp(user: User) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def official(db: None) -> User:
    return UserFactory(username="official")


def test_an_authenticator_code_completes_the_sign_in(official: User) -> None:
    secret = enrol_totp(official)
    client = Client()
    assert password_step(client, official) == reverse("mfa_authenticate")
    assert not signed_in(client)  # the password alone is not enough
    response = client.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response["Location"] == reverse("meetings:my_meetings")
    assert signed_in(client)


def test_a_wrong_code_is_refused(official: User) -> None:
    secret = enrol_totp(official)
    client = Client()
    password_step(client, official)
    right = pyotp.TOTP(secret).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert not signed_in(client)
    assert client.get(reverse("meetings:my_meetings")).status_code == 302


def test_the_code_page_speaks_vietnamese(official: User) -> None:
    enrol_totp(official)
    client = Client(headers={"accept-language": "vi"})
    password_step(client, official)
    html = client.get(reverse("mfa_authenticate")).content.decode()
    assert "Xác thực hai lớp" in html and "Mã" in html
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "Mã không đúng." in response.content.decode()


def test_a_recovery_code_works_once(official: User) -> None:
    enrol_totp(official)
    code = RecoveryCodes.activate(official).get_unused_codes()[0]
    client = Client()
    password_step(client, official)
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert signed_in(client)
    client.post(reverse("logout"))
    again = Client()
    password_step(again, official)
    response = again.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200 and not signed_in(again)


def test_enrolling_an_authenticator_app_on_the_pages(official: User) -> None:
    """Confirm the password, read the secret, type the app's code: enrolled, with recovery
    codes offered next."""
    client = Client()
    password_step(client, official)
    response = client.get(reverse("mfa_activate_totp"))
    # Adding a factor asks for the password again first.
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("account_reauthenticate")
    )
    client.post(response["Location"], {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert secret in page.content.decode()
    response = client.post(reverse("mfa_activate_totp"), {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=official, type=Authenticator.Type.TOTP).exists()


@pytest.fixture
def required(settings: pytest.FixtureRequest) -> None:
    settings.MFA_REQUIRED_ROLES = ["staff", "secretariat"]  # type: ignore[attr-defined]


def test_a_secretary_without_a_second_factor_is_sent_to_enrol(
    government: Personas, required: None
) -> None:
    client = Client()
    assert password_step(client, government.secretary) == reverse("meetings:my_meetings")
    response = client.get(reverse("meetings:my_meetings"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
    html = client.get(reverse("mfa_index")).content.decode()
    assert "Your role needs a second factor" in html
    api = client.get("/api/v1/bodies/")
    assert api.status_code == 403 and "second factor" in api.json()["detail"]


def test_the_secretariat_and_the_admin_are_held_too(
    secretariat: User, official: User, required: None
) -> None:
    official.is_staff = True
    official.save()
    for person in (secretariat, official):
        client = Client()
        client.force_login(person)
        assert client.get(reverse("meetings:my_meetings"))["Location"] == reverse("mfa_index")
        assert client.get("/admin/")["Location"] == reverse("mfa_index")


def test_a_secretary_with_a_second_factor_goes_on(government: Personas, required: None) -> None:
    secret = enrol_totp(government.secretary)
    client = Client()
    password_step(client, government.secretary)
    client.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(secret).now()})
    assert client.get(reverse("meetings:my_meetings")).status_code == 200
    assert client.get("/api/v1/bodies/").status_code == 200


def test_a_member_needs_none(government: Personas, required: None) -> None:
    client = Client()
    password_step(client, government.members[0])
    assert client.get(reverse("meetings:my_meetings")).status_code == 200


def test_with_the_setting_empty_nobody_is_held(government: Personas, settings) -> None:
    settings.MFA_REQUIRED_ROLES = []
    client = Client()
    client.force_login(government.secretary)
    assert client.get(reverse("meetings:my_meetings")).status_code == 200


def basic(user: User) -> APIClient:
    client = APIClient()
    token = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    return client


def test_http_basic_is_for_those_who_sign_in_with_a_password_alone(
    government: Personas, required: None
) -> None:
    """A password alone would get round the second factor: HTTP Basic refuses the roles that
    need one and everyone who enrolled one, and still serves the others."""
    assert basic(government.members[0]).get("/api/v1/bodies/").status_code == 200
    refused = basic(government.secretary).get("/api/v1/bodies/")
    assert refused.status_code in {401, 403} and "second factor" in refused.json()["detail"]
    enrol_totp(government.members[1])
    assert basic(government.members[1]).get("/api/v1/bodies/").status_code in {401, 403}


def test_guessing_codes_is_held_back(official: User) -> None:
    secret = enrol_totp(official)
    client = Client()
    password_step(client, official)
    right = pyotp.TOTP(secret).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(10):
        client.post(reverse("mfa_authenticate"), {"code": wrong})
    response = client.post(reverse("mfa_authenticate"), {"code": right})
    assert "Too many failed login attempts" in response.content.decode()
    assert not signed_in(client)


def test_a_secretary_cannot_switch_off_the_last_authenticator_app(
    government: Personas, official: User, required: None
) -> None:
    for person, kept in ((government.secretary, True), (official, False)):
        enrol_totp(person)
        client = Client()
        client.force_login(person)
        confirm = client.get(reverse("mfa_deactivate_totp"))["Location"]
        client.post(confirm, {"password": PASSWORD})
        client.post(reverse("mfa_deactivate_totp"))
        totp = Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP)
        assert totp.exists() is kept

"""Signing the minutes asks who is there again when the last sign-in is older than
REAUTHENTICATION_SECONDS: on the screen the signer confirms their password (or second factor)
and signs; on the API a stale session is refused, and HTTP Basic carries the password."""

from __future__ import annotations

import base64

import pyotp
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from minutes.models import Minutes
from tests.conftest import Personas, signed_in_long_ago
from tests.minutes.conftest import PASSPHRASE, Held, Keys, approved

PASSWORD = "correct horse battery staple"
S = Minutes.Status


def sign(client: Client, held: Held, key: bytes) -> str:
    response = client.post(
        reverse("minutes:action", args=[held.meeting.pk, "sign"]),
        {"pkcs12": SimpleUploadedFile("me.p12", key), "passphrase": PASSPHRASE},
    )
    assert response.status_code == 302
    return str(response["Location"])


def status(held: Held) -> str:
    return Minutes.objects.get(meeting=held.meeting).status


def test_a_fresh_sign_in_signs_at_once(government: Personas, held: Held, keys: Keys) -> None:
    approved(government, held)
    client = Client()
    client.force_login(government.secretary)
    assert sign(client, held, keys.secretary) == reverse("minutes:minutes", args=[held.meeting.pk])
    assert status(held) == S.SECRETARY_SIGNED


def test_an_old_sign_in_confirms_the_password_then_signs(
    government: Personas, held: Held, keys: Keys
) -> None:
    approved(government, held)
    page = reverse("minutes:minutes", args=[held.meeting.pk])
    client = signed_in_long_ago(Client(), government.secretary)
    html = client.get(page).content.decode()
    assert "Confirm who you are" in html and 'name="passphrase"' not in html
    confirm = sign(client, held, keys.secretary)
    assert confirm == f"{reverse('account_reauthenticate')}?next={page.replace('/', '%2F')}"
    assert status(held) == S.APPROVED  # nothing signed
    refused = client.post(confirm, {"password": "not my password"})
    assert refused.status_code == 200
    assert sign(client, held, keys.secretary) == confirm
    response = client.post(confirm, {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == page
    assert 'name="passphrase"' in client.get(page).content.decode()
    assert sign(client, held, keys.secretary) == page
    assert status(held) == S.SECRETARY_SIGNED


def test_a_signer_with_an_authenticator_app_may_confirm_with_its_code(
    government: Personas, held: Held, keys: Keys
) -> None:
    approved(government, held)
    secret = generate_totp_secret()
    TOTP.activate(government.secretary, secret)
    client = signed_in_long_ago(Client(), government.secretary)
    sign(client, held, keys.secretary)
    response = client.post(reverse("mfa_reauthenticate"), {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    sign(client, held, keys.secretary)
    assert status(held) == S.SECRETARY_SIGNED


def api_sign(client: APIClient, held: Held, key: bytes) -> int:
    response = client.post(
        reverse("minutes_api:minutes-sign", args=[held.meeting.pk]),
        {"pkcs12": SimpleUploadedFile("k.p12", key), "passphrase": PASSPHRASE},
        format="multipart",
    )
    return response.status_code


def test_the_api_refuses_an_old_session(government: Personas, held: Held, keys: Keys) -> None:
    approved(government, held)
    client = signed_in_long_ago(APIClient(), government.secretary)
    response = client.post(
        reverse("minutes_api:minutes-sign", args=[held.meeting.pk]),
        {"pkcs12": SimpleUploadedFile("k.p12", keys.secretary), "passphrase": PASSPHRASE},
        format="multipart",
    )
    assert response.status_code == 403
    assert "recent sign-in" in response.json()["detail"]
    assert status(held) == S.APPROVED


def test_the_api_signs_with_a_fresh_session(government: Personas, held: Held, keys: Keys) -> None:
    approved(government, held)
    client = APIClient()
    client.force_login(government.secretary)
    assert api_sign(client, held, keys.secretary) == 200
    assert status(held) == S.SECRETARY_SIGNED


def test_http_basic_carries_the_password_with_the_request(
    government: Personas, held: Held, keys: Keys
) -> None:
    approved(government, held)
    client = APIClient()
    token = base64.b64encode(f"{government.secretary.username}:{PASSWORD}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    assert api_sign(client, held, keys.secretary) == 200
    assert status(held) == S.SECRETARY_SIGNED

"""Single sign-on with OpenID Connect, set up by settings, against a real provider: panva's
oidc-provider (OpenID Certified), run by Node.js from tests/oidc (installed by `make test`).

The browser's part is played by two clients sharing nothing but the addresses they are sent
to: Django's test client for this site, httpx for the provider (its sign-in page and consent).
The site exchanges the code for the tokens with the provider itself, over HTTP."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.server import free_port

pytestmark = pytest.mark.django_db

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc"
CLIENT_ID, CLIENT_SECRET = "meetings", "tests-only-client-secret"
CALLBACK = "http://testserver/accounts/oidc/sso/login/callback/"


@dataclass(frozen=True)
class Provider:
    url: str


@pytest.fixture(scope="module")
def provider_process() -> Iterator[Provider]:
    node = shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("The OpenID provider is not installed: run `make test-deps` (npm ci).")
    port = free_port()
    process = subprocess.Popen(
        [node, "provider.mjs", str(port), CLIENT_ID, CLIENT_SECRET, CALLBACK],
        cwd=PROVIDER_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == b"ready"
        yield Provider(url=f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def provider(provider_process: Provider, settings) -> Provider:
    """The site set up for the provider, as the OIDC_* settings do."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "Government SSO",
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {
                        "server_url": provider_process.url,
                        "token_auth_method": "client_secret_post",
                    },
                }
            ]
        }
    }
    return provider_process


def sign_in_at_the_provider(site: Client, login: str) -> Client:
    """Start at the site's button, sign in and consent at the provider, come back with the
    code; answers the site's client (signed in or not)."""
    page = site.get(reverse("login")).content.decode()
    start = reverse("openid_connect_login", kwargs={"provider_id": "sso"})
    assert f'action="{start}"' in page and "Continue with Government SSO" in page
    response = site.post(start)
    assert response.status_code == 302
    location = response["Location"]
    with httpx.Client(timeout=10) as browser:
        for _ in range(10):
            if location.startswith(CALLBACK):
                break
            answer = browser.get(location)
            if answer.status_code == 200:  # the provider's sign-in or consent page
                form = {"prompt": "login", "login": login, "password": "any"}
                if 'value="consent"' in answer.text:
                    form = {"prompt": "consent"}
                answer = browser.post(str(answer.url), data=form)
            assert answer.status_code in {302, 303}, answer.text
            location = str(answer.next_request.url if answer.next_request else "")
            location = location or answer.headers["location"]
        else:
            pytest.fail("The provider never sent back to the site.")
    callback = urlsplit(location)
    site.get(f"{callback.path}?{callback.query}")
    return site


@pytest.fixture
def official(db: None) -> User:
    return UserFactory(username="lthuong", email="lthuong@gov.example.vn")


def test_an_official_signs_in_with_the_organisations_provider(
    provider: Provider, official: User
) -> None:
    site = sign_in_at_the_provider(Client(), "lthuong@gov.example.vn")
    assert site.session.get("_auth_user_id") == str(official.pk)
    assert site.get(reverse("meetings:my_meetings")).status_code == 200
    # Linked from now on, by the provider's subject.
    assert official.socialaccount_set.get().uid == "lthuong@gov.example.vn"


def test_nobody_is_created_for_an_unknown_address(provider: Provider, official: User) -> None:
    site = sign_in_at_the_provider(Client(), "stranger@gov.example.vn")
    assert "_auth_user_id" not in site.session
    assert not User.objects.filter(email="stranger@gov.example.vn").exists()


def test_an_unverified_address_signs_in_nobody(provider: Provider, official: User) -> None:
    site = sign_in_at_the_provider(Client(), "unverified.lthuong@gov.example.vn")
    assert "_auth_user_id" not in site.session


def test_without_the_settings_there_is_no_button(db: None) -> None:
    page = Client().get(reverse("login")).content.decode()
    assert "/accounts/oidc/" not in page

"""Security keys and passkeys (WebAuthn) in Chromium, with a virtual authenticator added over
the DevTools protocol: a person enrols a key, then signs in with the password and the key, and
with the passkey alone."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.webauthn.internal.auth import WebAuthn
from playwright.sync_api import Page, expect

from tests.browser.chromium import chromium
from tests.factories import UserFactory
from tests.server import RunningServer, set_server_password

PASSWORD = "correct horse battery staple"


def add_virtual_authenticator(page: Page) -> None:
    """A platform authenticator that holds passkeys, verifies its user and answers at once."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def log_in(page: Page, base_url: str, username: str, next_path: str = "/") -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()


@pytest.mark.browser
def test_a_security_key_is_enrolled_then_signs_in(running_server: RunningServer) -> None:
    person = UserFactory(username="keyholder")
    set_server_password(person, PASSWORD)
    # WebAuthn names the site by its domain: an IP address will not do.
    base_url = f"http://localhost:{running_server.port}"
    with chromium() as browser:
        page = browser.new_page()
        add_virtual_authenticator(page)
        log_in(page, base_url, "keyholder", "/accounts/2fa/webauthn/add/")
        # Adding a factor asks for the password again first.
        expect(page.get_by_role("heading", name="Confirm Access")).to_be_visible()
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("heading", name="Add Security Key")).to_be_visible()
        page.get_by_label("Passwordless").check()
        page.get_by_role("button", name="Add", exact=True).click()
        # Recovery codes are offered with the first factor.
        expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
        page.get_by_role("button", name="Log out").click()

        # The password, then the key.
        log_in(page, base_url, "keyholder")
        expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
        page.get_by_role("button", name="Use a security key").click()
        expect(page.get_by_role("link", name="My meetings")).to_be_visible()
        page.get_by_role("button", name="Log out").click()

        # The passkey alone.
        page.goto(f"{base_url}/accounts/login/")
        page.get_by_role("button", name="Use a passkey").click()
        expect(page.get_by_role("link", name="My meetings")).to_be_visible()
    key = Authenticator.objects.get(user=person, type=Authenticator.Type.WEBAUTHN)
    assert WebAuthn(key).is_passwordless is True

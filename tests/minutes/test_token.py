"""Signing with keys on a PKCS#11 token (SoftHSM2, a real module): through the service, the
screen and the API; the PIN, the token, the key and the module each refused with their own
message and nothing changed; the same rights as with a key file; and nothing offered while the
setting is off."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core.errors import ServiceError
from minutes import verify
from minutes.models import Minutes
from minutes.services import signing as signing_services
from realtime.models import MeetingEvent
from tests.conftest import Personas
from tests.minutes.conftest import (
    PASSPHRASE,
    Held,
    Keys,
    Tokens,
    approved,
    make_token,
)
from tests.minutes.test_pdf import pdfsig

S = Minutes.Status


def assert_pdfsig_trusts(pdf: bytes, keys: Keys, tmp_path: Path, count: int) -> None:
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    report = pdfsig(path, keys.ca_pem, tmp_path)
    assert report.count("Signature Validation: Signature is Valid.") == count, report
    assert report.count("Certificate Validation: Certificate is Trusted.") == count, report
    assert report.count("Signature Type: ETSI.CAdES.detached") == count, report


def unchanged(minutes: Minutes, before: str, events: int) -> None:
    """A refusal leaves the minutes approved, their PDF as it was, no signature, no event."""
    minutes.refresh_from_db()
    assert minutes.status == S.APPROVED and minutes.pdf_sha256 == before
    assert not minutes.signatures.exists()
    assert MeetingEvent.objects.filter(meeting=minutes.meeting).count() == events


def test_the_secretary_and_the_chair_sign_with_their_tokens(
    government: Personas, held: Held, keys: Keys, tokens: Tokens, tmp_path: Path
) -> None:
    minutes = approved(government, held)
    minutes = signing_services.minutes_sign_with_token(
        actor=government.secretary, minutes=minutes, pin=tokens.pin
    )
    assert minutes.status == S.SECRETARY_SIGNED
    event = MeetingEvent.objects.filter(meeting=minutes.meeting).order_by("seq").last()
    assert event is not None and event.type == "minutes.minutes_secretary_signed"
    minutes = signing_services.minutes_sign_with_token(
        actor=government.chair, minutes=minutes, pin=tokens.pin
    )
    assert minutes.status == S.SIGNED
    signatures = list(minutes.signatures.order_by("signed_at"))
    assert [(s.role, s.signer) for s in signatures] == [
        ("secretary", government.secretary),
        ("chair", government.chair),
    ]
    assert "Lý Thu Hương" in signatures[0].certificate_subject
    assert "Trần Quang Minh" in signatures[1].certificate_subject
    pdf = bytes(minutes.pdf)
    assert_pdfsig_trusts(pdf, keys, tmp_path, 2)
    checks = verify.verify_pdf(pdf, verify.load_trust_roots([keys.ca_pem]))
    assert [(c.signer, c.ok) for c in checks] == [
        ("Lý Thu Hương", True),
        ("Trần Quang Minh", True),
    ]


def test_a_token_and_a_key_file_sign_the_same_minutes(
    government: Personas, held: Held, keys: Keys, tokens: Tokens, tmp_path: Path
) -> None:
    minutes = approved(government, held)
    minutes = signing_services.minutes_sign_with_token(
        actor=government.secretary, minutes=minutes, pin=tokens.pin
    )
    minutes = signing_services.minutes_sign(
        actor=government.chair, minutes=minutes, pkcs12=keys.chair, passphrase=PASSPHRASE
    )
    assert minutes.status == S.SIGNED
    assert_pdfsig_trusts(bytes(minutes.pdf), keys, tmp_path, 2)


def test_one_shared_token_with_a_key_per_signer(
    government: Personas, held: Held, keys: Keys, tokens: Tokens, settings, tmp_path: Path
) -> None:
    make_token(
        tokens,
        "Minutes",
        {
            f"minutes-{government.secretary.username}": keys.secretary,
            f"minutes-{government.chair.username}": keys.chair,
        },
    )
    settings.MINUTES_PKCS11_TOKEN_LABEL = "Minutes"
    settings.MINUTES_PKCS11_KEY_LABEL = "minutes-{username}"
    minutes = approved(government, held)
    for signer in (government.secretary, government.chair):
        minutes = signing_services.minutes_sign_with_token(
            actor=signer, minutes=minutes, pin=tokens.pin
        )
    assert minutes.status == S.SIGNED
    assert_pdfsig_trusts(bytes(minutes.pdf), keys, tmp_path, 2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pin": "000000"}, "The PIN is wrong."),
        (
            {"MINUTES_PKCS11_KEY_LABEL": "nobody-{username}"},
            "The token holds no key and certificate labelled nobody-",
        ),
        (
            {"MINUTES_PKCS11_TOKEN_LABEL": "absent-{username}"},
            "There is no signing token named absent-",
        ),
        (
            {"MINUTES_PKCS11_MODULE": "/nonexistent/libpkcs11.so"},
            "The signing token cannot be reached on this server",
        ),
    ],
)
def test_a_refused_token_signs_nothing_and_says_why(
    government: Personas,
    held: Held,
    tokens: Tokens,
    settings,
    caplog: pytest.LogCaptureFixture,
    change: dict[str, str],
    message: str,
) -> None:
    minutes = approved(government, held)
    before = minutes.pdf_sha256
    events = MeetingEvent.objects.filter(meeting=minutes.meeting).count()
    pin = change.pop("pin", tokens.pin)
    for name, value in change.items():
        setattr(settings, name, value)
    with caplog.at_level(logging.DEBUG), pytest.raises(ServiceError) as refusal:
        signing_services.minutes_sign_with_token(
            actor=government.secretary, minutes=minutes, pin=pin
        )
    assert refusal.value.message.startswith(message), refusal.value.message
    assert refusal.value.field == "pin"
    unchanged(minutes, before, events)
    # The administrator reads why in the log; nobody reads the PIN there.
    assert "Token signing refused" in caplog.text
    assert pin not in caplog.text


def test_a_token_whose_certificate_is_not_trusted_signs_nothing(
    government: Personas, held: Held, keys: Keys, tokens: Tokens, settings
) -> None:
    make_token(tokens, "Stranger", {government.secretary.username: keys.stranger})
    settings.MINUTES_PKCS11_TOKEN_LABEL = "Stranger"
    minutes = approved(government, held)
    before = minutes.pdf_sha256
    events = MeetingEvent.objects.filter(meeting=minutes.meeting).count()
    with pytest.raises(ServiceError, match="not issued by a trusted authority") as refusal:
        signing_services.minutes_sign_with_token(
            actor=government.secretary, minutes=minutes, pin=tokens.pin
        )
    assert refusal.value.field == "pin"
    unchanged(minutes, before, events)


@pytest.mark.parametrize("who", ["chair", "member"])
def test_only_the_signer_whose_turn_it_is_may_open_a_token(
    government: Personas, held: Held, keys: Keys, tokens: Tokens, who: str
) -> None:
    """The chair before the secretary, or a member, is refused before the token is opened:
    even with a wrong PIN the answer is the refusal, not the PIN (nobody else spends the
    signer's PIN attempts)."""
    person = government.chair if who == "chair" else government.members[0]
    if who == "member":
        make_token(tokens, person.username, {person.username: keys.secretary})
    minutes = approved(government, held)
    before = minutes.pdf_sha256
    events = MeetingEvent.objects.filter(meeting=minutes.meeting).count()
    for pin in (tokens.pin, "000000"):
        with pytest.raises(PermissionDenied, match="secretary signs"):
            signing_services.minutes_sign_with_token(actor=person, minutes=minutes, pin=pin)
    unchanged(minutes, before, events)


def test_with_the_setting_off_the_service_refuses_the_token(
    government: Personas, held: Held, keys: Keys
) -> None:
    minutes = approved(government, held)
    with pytest.raises(ServiceError, match="not set up on this server"):
        signing_services.minutes_sign_with_token(
            actor=government.secretary, minutes=minutes, pin="1234"
        )
    minutes.refresh_from_db()
    assert minutes.status == S.APPROVED


def test_a_missing_module_is_reported_at_start_up(settings, tmp_path: Path) -> None:
    from minutes.checks import token_module_present

    assert token_module_present() == []  # off
    settings.MINUTES_PKCS11_MODULE = str(tmp_path / "libmissing.so")
    (error,) = token_module_present()
    assert error.id == "minutes.E002" and "libmissing.so" in error.msg
    assert "MINUTES_PKCS11_MODULE" in error.hint


# The screen


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_signing_with_the_token_on_the_screen(
    government: Personas, held: Held, keys: Keys, tokens: Tokens, tmp_path: Path
) -> None:
    meeting = held.meeting
    minutes = approved(government, held)
    secretary, chair = client_for(government.secretary), client_for(government.chair)
    page = reverse("minutes:minutes", args=[meeting.pk])
    sign = reverse("minutes:action", args=[meeting.pk, "sign"])
    html = secretary.get(page).content.decode()
    assert "Sign with the token" in html and 'name="pin"' in html
    assert "Sign with the key file" in html and 'name="pkcs12"' in html
    response = secretary.post(sign, {"pin": "000000"})
    assert response.status_code == 400
    assert "The PIN is wrong." in response.content.decode()
    response = secretary.post(
        sign, {"pin": tokens.pin, "pkcs12": SimpleUploadedFile("k.p12", keys.secretary)}
    )
    assert response.status_code == 400
    assert "either with your key file or with the token" in response.content.decode()
    response = secretary.post(sign, {})
    assert response.status_code == 400
    assert "Choose your key file, or type your token PIN." in response.content.decode()
    minutes.refresh_from_db()
    assert minutes.status == S.APPROVED
    # The chair is not the one who signs first, whatever the PIN.
    assert chair.post(sign, {"pin": tokens.pin}).status_code == 403
    assert secretary.post(sign, {"pin": tokens.pin}).status_code == 302
    assert chair.post(sign, {"pin": tokens.pin}).status_code == 302
    minutes.refresh_from_db()
    assert minutes.status == S.SIGNED
    assert_pdfsig_trusts(bytes(minutes.pdf), keys, tmp_path, 2)


def test_a_member_cannot_reach_the_token_on_the_screen(
    government: Personas, held: Held, tokens: Tokens
) -> None:
    minutes = approved(government, held)
    member = client_for(government.members[0])
    response = member.post(
        reverse("minutes:action", args=[held.meeting.pk, "sign"]), {"pin": tokens.pin}
    )
    assert response.status_code == 404
    minutes.refresh_from_db()
    assert minutes.status == S.APPROVED


def test_with_the_setting_off_the_screen_offers_no_token(
    government: Personas, held: Held, keys: Keys
) -> None:
    minutes = approved(government, held)
    secretary = client_for(government.secretary)
    html = secretary.get(reverse("minutes:minutes", args=[held.meeting.pk])).content.decode()
    assert 'name="pkcs12"' in html
    assert 'name="pin"' not in html and "Sign with the token" not in html
    response = secretary.post(
        reverse("minutes:action", args=[held.meeting.pk, "sign"]), {"pin": "1234"}
    )
    assert response.status_code == 400
    assert "Signing with a token is not set up on this server." in response.content.decode()
    minutes.refresh_from_db()
    assert minutes.status == S.APPROVED


# The API


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def sign_url(held: Held) -> str:
    return reverse("minutes_api:minutes-sign", args=[held.meeting.pk])


def test_signing_with_the_token_through_the_api(
    government: Personas, held: Held, keys: Keys, tokens: Tokens, tmp_path: Path
) -> None:
    approved(government, held)
    secretary, chair = api(government.secretary), api(government.chair)
    response = secretary.post(sign_url(held), {"pin": "000000"}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"detail": "The PIN is wrong.", "field": "pin"}
    response = secretary.post(
        sign_url(held),
        {"pin": tokens.pin, "pkcs12": SimpleUploadedFile("k.p12", keys.secretary)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "not both" in str(response.json())
    response = chair.post(sign_url(held), {"pin": tokens.pin}, format="multipart")
    assert response.status_code == 403
    for client, status in ((secretary, "secretary_signed"), (chair, "signed")):
        response = client.post(sign_url(held), {"pin": tokens.pin}, format="multipart")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == status
    body = response.json()
    assert [s["role"] for s in body["signatures"]] == ["secretary", "chair"]
    # Neither a field nor a value gives the PIN back (a signer may be called Espinoza).
    answer = response.content.decode()
    assert '"pin"' not in answer and f'"{tokens.pin}"' not in answer
    pdf = bytes(Minutes.objects.get(pk=body["id"]).pdf)
    assert_pdfsig_trusts(pdf, keys, tmp_path, 2)


@pytest.mark.parametrize(("who", "status"), [("member", 404), ("outsider", 404)])
def test_the_api_keeps_others_away_from_the_token(
    government: Personas, held: Held, tokens: Tokens, outsider: User, who: str, status: int
) -> None:
    approved(government, held)
    person = government.members[0] if who == "member" else outsider
    response = api(person).post(sign_url(held), {"pin": tokens.pin}, format="multipart")
    assert response.status_code == status
    assert Minutes.objects.get().status == S.APPROVED


def test_with_the_setting_off_the_api_refuses_the_pin(
    government: Personas, held: Held, keys: Keys
) -> None:
    approved(government, held)
    response = api(government.secretary).post(sign_url(held), {"pin": "1234"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["pin"] == ["Signing with a token is not set up on this server."]
    assert Minutes.objects.get().status == S.APPROVED

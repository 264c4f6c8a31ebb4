"""Signing with key files the server keeps for the signers (MINUTES_PKCS12_PATH): through the
service, the screen and the API, with the passphrase the signer types or the one the server
holds; a missing file, a wrong passphrase and an unreadable file each refused in words, with
nothing changed; the same rights as the other keys, checked before the file is read; and
nothing offered while the setting is off."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import ServiceError
from minutes import signing, verify
from minutes.checks import key_file_path_per_signer
from minutes.models import Minutes
from minutes.services import signing as signing_services
from realtime.models import MeetingEvent
from tests.conftest import Personas
from tests.minutes.conftest import PASSPHRASE, Held, Keys, Tokens, approved
from tests.minutes.test_token import api, assert_pdfsig_trusts, client_for, sign_url, unchanged

S = Minutes.Status


@dataclass
class Kept:
    folder: Path

    def file_of(self, user: User) -> Path:
        return self.folder / f"{user.username}.p12"


@pytest.fixture
def kept(government: Personas, keys: Keys, tmp_path: Path, settings) -> Kept:
    """The secretary's and the chair's key files kept in a folder, by user name; the signer
    types the passphrase."""
    folder = tmp_path / "keys"
    folder.mkdir()
    kept = Kept(folder=folder)
    kept.file_of(government.secretary).write_bytes(keys.secretary)
    kept.file_of(government.chair).write_bytes(keys.chair)
    settings.MINUTES_PKCS12_PATH = str(folder / "{username}.p12")
    settings.MINUTES_PKCS12_PASSPHRASE = ""
    return kept


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The kept files read, in order."""
    read: list[Path] = []
    real = signing.read_key_file

    def recorded(path: Path) -> bytes:
        read.append(path)
        return real(path)

    monkeypatch.setattr(signing, "read_key_file", recorded)
    return read


def events_of(minutes: Minutes) -> int:
    return MeetingEvent.objects.filter(meeting=minutes.meeting).count()


# The service


def test_the_secretary_and_the_chair_sign_with_their_kept_keys(
    government: Personas, held: Held, keys: Keys, kept: Kept, reads: list[Path], tmp_path: Path
) -> None:
    minutes = approved(government, held)
    minutes = signing_services.minutes_sign_with_stored_key(
        actor=government.secretary, minutes=minutes, passphrase=PASSPHRASE
    )
    assert minutes.status == S.SECRETARY_SIGNED
    event = MeetingEvent.objects.filter(meeting=minutes.meeting).order_by("seq").last()
    assert event is not None and event.type == "minutes.minutes_secretary_signed"
    minutes = signing_services.minutes_sign_with_stored_key(
        actor=government.chair, minutes=minutes, passphrase=PASSPHRASE
    )
    assert minutes.status == S.SIGNED
    event = MeetingEvent.objects.filter(meeting=minutes.meeting).order_by("seq").last()
    assert event is not None and event.type == "minutes.minutes_signed"
    assert reads == [kept.file_of(government.secretary), kept.file_of(government.chair)]
    signatures = list(minutes.signatures.order_by("signed_at"))
    assert [(s.role, s.signer) for s in signatures] == [
        ("secretary", government.secretary),
        ("chair", government.chair),
    ]
    pdf = bytes(minutes.pdf)
    assert_pdfsig_trusts(pdf, keys, tmp_path, 2)
    checks = verify.verify_pdf(pdf, verify.load_trust_roots([keys.ca_pem]))
    assert [(c.signer, c.ok) for c in checks] == [
        ("Lý Thu Hương", True),
        ("Trần Quang Minh", True),
    ]


def test_with_the_passphrase_on_the_server_nobody_types_it(
    government: Personas, held: Held, keys: Keys, kept: Kept, settings
) -> None:
    settings.MINUTES_PKCS12_PASSPHRASE = PASSPHRASE
    minutes = approved(government, held)
    for signer in (government.secretary, government.chair):
        # A passphrase typed anyway is not the one used.
        minutes = signing_services.minutes_sign_with_stored_key(
            actor=signer, minutes=minutes, passphrase="whatever"
        )
    assert minutes.status == S.SIGNED
    checks = verify.verify_pdf(bytes(minutes.pdf), verify.load_trust_roots([keys.ca_pem]))
    assert [c.ok for c in checks] == [True, True]


def test_a_kept_key_and_an_uploaded_one_sign_the_same_minutes(
    government: Personas, held: Held, keys: Keys, kept: Kept, tmp_path: Path
) -> None:
    minutes = approved(government, held)
    minutes = signing_services.minutes_sign_with_stored_key(
        actor=government.secretary, minutes=minutes, passphrase=PASSPHRASE
    )
    minutes = signing_services.minutes_sign(
        actor=government.chair, minutes=minutes, pkcs12=keys.chair, passphrase=PASSPHRASE
    )
    assert minutes.status == S.SIGNED
    assert_pdfsig_trusts(bytes(minutes.pdf), keys, tmp_path, 2)


@pytest.mark.parametrize(
    ("case", "message", "field"),
    [
        ("no file", "No key is kept on the server for you", "stored_key"),
        ("folder", "No key is kept on the server for you", "stored_key"),
        ("wrong passphrase", "could not be opened with this passphrase", "passphrase"),
        ("not a key file", "could not be opened with this passphrase", "passphrase"),
        ("too large", "cannot be read: tell the administrator", "stored_key"),
        ("wrong server passphrase", "could not be opened: tell the administrator", "stored_key"),
        ("no passphrase", "Type the passphrase of your key kept on the server.", "passphrase"),
    ],
)
def test_a_refused_kept_key_signs_nothing_and_says_why(
    government: Personas,
    held: Held,
    kept: Kept,
    settings,
    caplog: pytest.LogCaptureFixture,
    case: str,
    message: str,
    field: str,
) -> None:
    minutes = approved(government, held)
    before, events = minutes.pdf_sha256, events_of(minutes)
    path = kept.file_of(government.secretary)
    passphrase = PASSPHRASE
    if case == "no file":
        path.unlink()
    elif case == "folder":
        path.unlink()
        path.mkdir()
    elif case == "wrong passphrase":
        passphrase = "not-the-passphrase"
    elif case == "not a key file":
        path.write_bytes(b"%PDF-1.7 not a key")
    elif case == "too large":
        path.write_bytes(b"\0" * (signing.MAX_KEY_FILE_BYTES + 1))
    elif case == "wrong server passphrase":
        settings.MINUTES_PKCS12_PASSPHRASE = passphrase = "not-the-passphrase"
    elif case == "no passphrase":
        passphrase = ""
    with caplog.at_level(logging.DEBUG), pytest.raises(ServiceError) as refusal:
        signing_services.minutes_sign_with_stored_key(
            actor=government.secretary, minutes=minutes, passphrase=passphrase
        )
    assert message in refusal.value.message, refusal.value.message
    assert refusal.value.field == field
    unchanged(minutes, before, events)
    if case != "no passphrase":
        # The administrator reads why in the log; nobody reads the passphrase there.
        assert "Stored key signing refused" in caplog.text
        assert str(path) in caplog.text
    if passphrase:
        assert passphrase not in caplog.text


def test_a_kept_key_whose_certificate_is_not_trusted_signs_nothing(
    government: Personas, held: Held, keys: Keys, kept: Kept
) -> None:
    kept.file_of(government.secretary).write_bytes(keys.stranger)
    minutes = approved(government, held)
    before, events = minutes.pdf_sha256, events_of(minutes)
    with pytest.raises(ServiceError, match="not issued by a trusted authority") as refusal:
        signing_services.minutes_sign_with_stored_key(
            actor=government.secretary, minutes=minutes, passphrase=PASSPHRASE
        )
    assert refusal.value.field == "stored_key"
    unchanged(minutes, before, events)


@pytest.mark.parametrize("who", ["chair", "member"])
def test_only_the_signer_whose_turn_it_is_gets_a_kept_key_read(
    government: Personas, held: Held, keys: Keys, kept: Kept, reads: list[Path], who: str
) -> None:
    """The chair before the secretary, or a member with a file of their own, is refused before
    any file is read, whatever the passphrase: nobody tries passphrases on a kept key out of
    turn."""
    person = government.chair if who == "chair" else government.members[0]
    kept.file_of(person).write_bytes(keys.secretary)
    minutes = approved(government, held)
    before, events = minutes.pdf_sha256, events_of(minutes)
    for passphrase in (PASSPHRASE, "not-the-passphrase"):
        with pytest.raises(PermissionDenied, match="secretary signs"):
            signing_services.minutes_sign_with_stored_key(
                actor=person, minutes=minutes, passphrase=passphrase
            )
    assert reads == []
    unchanged(minutes, before, events)


def test_with_the_setting_off_the_service_refuses_a_kept_key(
    government: Personas, held: Held, keys: Keys, reads: list[Path]
) -> None:
    minutes = approved(government, held)
    with pytest.raises(ServiceError, match="not set up on this server") as refusal:
        signing_services.minutes_sign_with_stored_key(
            actor=government.secretary, minutes=minutes, passphrase=PASSPHRASE
        )
    assert refusal.value.field == "stored_key"
    assert reads == []
    minutes.refresh_from_db()
    assert minutes.status == S.APPROVED


@pytest.mark.parametrize("username", ["..", ".", "a/b", "a\\b", "a\0b", ""])
def test_a_user_name_cannot_lead_out_of_the_key_folder(username: str) -> None:
    assert signing.key_file_path("/srv/keys/{username}/key.p12", username) is None


def test_the_path_is_made_from_the_user_name() -> None:
    path = signing.key_file_path("/srv/keys/{username}.p12", "lthuong")
    assert path == Path("/srv/keys/lthuong.p12")


def test_a_path_without_the_user_name_is_reported_at_start_up(settings) -> None:
    assert key_file_path_per_signer() == []  # off
    settings.MINUTES_PKCS12_PATH = "/srv/keys/{username}.p12"
    assert key_file_path_per_signer() == []
    settings.MINUTES_PKCS12_PATH = "/srv/keys/minutes.p12"
    (error,) = key_file_path_per_signer()
    assert error.id == "minutes.E003" and "/srv/keys/minutes.p12" in error.msg


# The screen


def page_and_sign(held: Held) -> tuple[str, str]:
    meeting = held.meeting
    return (
        reverse("minutes:minutes", args=[meeting.pk]),
        reverse("minutes:action", args=[meeting.pk, "sign"]),
    )


def test_signing_with_the_kept_key_on_the_screen(
    government: Personas, held: Held, keys: Keys, kept: Kept, tmp_path: Path
) -> None:
    minutes = approved(government, held)
    page, sign = page_and_sign(held)
    secretary, chair = client_for(government.secretary), client_for(government.chair)
    html = secretary.get(page).content.decode()
    assert "Sign with the key kept on the server" in html and 'name="stored_passphrase"' in html
    assert "Sign with the key file" in html and 'name="pkcs12"' in html
    response = secretary.post(sign, {"stored_key": "1", "stored_passphrase": "nope"})
    assert response.status_code == 400
    assert "could not be opened with this passphrase" in response.content.decode()
    response = secretary.post(sign, {"stored_key": "1"})
    assert response.status_code == 400
    assert "Type the passphrase of your key kept on the server." in response.content.decode()
    response = secretary.post(
        sign,
        {
            "stored_key": "1",
            "stored_passphrase": PASSPHRASE,
            "pkcs12": SimpleUploadedFile("k.p12", keys.secretary),
        },
    )
    assert response.status_code == 400
    assert "Sign with one key" in response.content.decode()
    minutes.refresh_from_db()
    assert minutes.status == S.APPROVED
    # The chair is not the one who signs first, whatever the passphrase.
    assert chair.post(sign, {"stored_key": "1", "stored_passphrase": PASSPHRASE}).status_code == 403
    for client in (secretary, chair):
        response = client.post(sign, {"stored_key": "1", "stored_passphrase": PASSPHRASE})
        assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.status == S.SIGNED
    assert_pdfsig_trusts(bytes(minutes.pdf), keys, tmp_path, 2)


def test_the_screen_offers_the_kept_key_first_beside_the_token_and_the_file(
    government: Personas, held: Held, keys: Keys, kept: Kept, tokens: Tokens
) -> None:
    approved(government, held)
    page, sign = page_and_sign(held)
    secretary = client_for(government.secretary)
    html = secretary.get(page).content.decode()
    kept_at, token_at, file_at = (
        html.index(text)
        for text in (
            "Sign with the key kept on the server",
            "Sign with the token",
            "Sign with the key file",
        )
    )
    assert kept_at < token_at < file_at
    card = html[html.index('id="sign-title"') :]
    card = card[: card.index("</section>")]
    assert card.count("button button-primary") == 1
    response = secretary.post(
        sign, {"stored_key": "1", "stored_passphrase": PASSPHRASE, "pin": tokens.pin}
    )
    assert response.status_code == 400
    assert "Sign with one key" in response.content.decode()
    assert secretary.post(sign, {"pin": tokens.pin}).status_code == 302


def test_the_screen_asks_no_passphrase_the_server_holds(
    government: Personas, held: Held, keys: Keys, kept: Kept, settings
) -> None:
    settings.MINUTES_PKCS12_PASSPHRASE = PASSPHRASE
    minutes = approved(government, held)
    page, sign = page_and_sign(held)
    secretary = client_for(government.secretary)
    html = secretary.get(page).content.decode()
    assert "Sign with the key kept on the server" in html
    assert 'name="stored_passphrase"' not in html
    assert secretary.post(sign, {"stored_key": "1"}).status_code == 302
    minutes.refresh_from_db()
    assert minutes.status == S.SECRETARY_SIGNED


def test_the_screen_offers_no_kept_key_to_a_signer_without_one(
    government: Personas, held: Held, keys: Keys, kept: Kept
) -> None:
    kept.file_of(government.secretary).unlink()
    minutes = approved(government, held)
    page, sign = page_and_sign(held)
    secretary = client_for(government.secretary)
    html = secretary.get(page).content.decode()
    assert 'name="pkcs12"' in html
    assert "Sign with the key kept on the server" not in html
    assert 'name="stored_key"' not in html
    response = secretary.post(sign, {"stored_key": "1", "stored_passphrase": PASSPHRASE})
    assert response.status_code == 400
    assert "No key is kept on the server for you" in response.content.decode()
    minutes.refresh_from_db()
    assert minutes.status == S.APPROVED


def test_a_member_cannot_reach_a_kept_key_on_the_screen(
    government: Personas, held: Held, keys: Keys, kept: Kept, reads: list[Path]
) -> None:
    minutes = approved(government, held)
    member = government.members[0]
    kept.file_of(member).write_bytes(keys.secretary)
    _, sign = page_and_sign(held)
    response = client_for(member).post(sign, {"stored_key": "1", "stored_passphrase": PASSPHRASE})
    assert response.status_code == 404
    assert reads == []
    minutes.refresh_from_db()
    assert minutes.status == S.APPROVED


def test_with_the_setting_off_the_screen_offers_no_kept_key(
    government: Personas, held: Held, keys: Keys, tmp_path: Path
) -> None:
    # A file where the setting would look, which must not matter while it is off.
    (tmp_path / f"{government.secretary.username}.p12").write_bytes(keys.secretary)
    minutes = approved(government, held)
    page, sign = page_and_sign(held)
    secretary = client_for(government.secretary)
    html = secretary.get(page).content.decode()
    assert 'name="pkcs12"' in html
    assert "kept on the server" not in html and 'name="stored_key"' not in html
    response = secretary.post(sign, {"stored_key": "1", "stored_passphrase": PASSPHRASE})
    assert response.status_code == 400
    assert "Signing with a key kept on the server is not set up" in response.content.decode()
    minutes.refresh_from_db()
    assert minutes.status == S.APPROVED


# The API


def test_signing_with_the_kept_key_through_the_api(
    government: Personas, held: Held, keys: Keys, kept: Kept, tmp_path: Path
) -> None:
    approved(government, held)
    secretary, chair = api(government.secretary), api(government.chair)
    url = sign_url(held)
    response = secretary.post(url, {"stored_key": True, "passphrase": "nope"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["field"] == "passphrase"
    assert "could not be opened with this passphrase" in response.json()["detail"]
    response = secretary.post(
        url,
        {
            "stored_key": True,
            "passphrase": PASSPHRASE,
            "pkcs12": SimpleUploadedFile("k.p12", keys.secretary),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "Sign with one key" in str(response.json())
    response = chair.post(url, {"stored_key": True, "passphrase": PASSPHRASE}, format="multipart")
    assert response.status_code == 403
    for client, status in ((secretary, "secretary_signed"), (chair, "signed")):
        response = client.post(
            url, {"stored_key": True, "passphrase": PASSPHRASE}, format="multipart"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == status
    body = response.json()
    assert [s["role"] for s in body["signatures"]] == ["secretary", "chair"]
    assert PASSPHRASE not in str(body)
    assert_pdfsig_trusts(bytes(Minutes.objects.get(pk=body["id"]).pdf), keys, tmp_path, 2)


def test_the_api_signs_with_the_passphrase_the_server_holds(
    government: Personas, held: Held, keys: Keys, kept: Kept, settings
) -> None:
    settings.MINUTES_PKCS12_PASSPHRASE = PASSPHRASE
    approved(government, held)
    response = api(government.secretary).post(
        sign_url(held), {"stored_key": "true"}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "secretary_signed"


def test_the_api_says_when_no_key_is_kept_for_the_signer(
    government: Personas, held: Held, keys: Keys, kept: Kept
) -> None:
    kept.file_of(government.secretary).unlink()
    approved(government, held)
    response = api(government.secretary).post(
        sign_url(held), {"stored_key": True, "passphrase": PASSPHRASE}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "stored_key"
    assert response.json()["detail"].startswith("No key is kept on the server for you")
    assert Minutes.objects.get().status == S.APPROVED


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_the_api_keeps_others_away_from_the_kept_keys(
    government: Personas,
    held: Held,
    keys: Keys,
    kept: Kept,
    outsider: User,
    reads: list[Path],
    who: str,
) -> None:
    approved(government, held)
    person = government.members[0] if who == "member" else outsider
    kept.file_of(person).write_bytes(keys.secretary)
    response = api(person).post(
        sign_url(held), {"stored_key": True, "passphrase": PASSPHRASE}, format="multipart"
    )
    assert response.status_code == 404
    assert reads == []
    assert Minutes.objects.get().status == S.APPROVED


def test_with_the_setting_off_the_api_refuses_a_kept_key(
    government: Personas, held: Held, keys: Keys
) -> None:
    approved(government, held)
    response = api(government.secretary).post(
        sign_url(held), {"stored_key": True, "passphrase": PASSPHRASE}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["stored_key"] == [
        "Signing with a key kept on the server is not set up on this server."
    ]
    assert Minutes.objects.get().status == S.APPROVED

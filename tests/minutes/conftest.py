"""A Government meeting held and closed through the services, a demo PKI in a temporary
folder, and SoftHSM2 tokens holding the signers' keys: the minutes are tested against a real
record, real keys and a real PKCS#11 module."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pkcs11
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12 as pkcs12_files
from django.contrib.auth.models import User
from pkcs11.util.rsa import decode_rsa_private_key
from pkcs11.util.x509 import decode_x509_certificate

from agendas import services as agenda_services
from meetings import services as meeting_services
from meetings.models import Attendance, Meeting
from minutes import pki, signing
from minutes.models import Minutes
from minutes.services import minutes as minutes_services
from minutes.services import signing as signing_services
from tests.agendas.conftest import AgendaPlan, build_agenda
from tests.conftest import Personas, check_in
from tests.factories import UserFactory
from tests.prebuilt import prebuilt_fixture
from voting import services as voting_services
from voting.models import Poll

PASSPHRASE = "test-passphrase"


@dataclass
class Held:
    plan: AgendaPlan
    meeting: Meeting
    excused: User
    represented: User
    substitute: User
    speaker: User
    recused: User
    named_poll: Poll
    secret_poll: Poll


def hold_meeting(government: Personas, meeting: Meeting) -> Held:
    """20 of 27 members present, one excused, one represented; a break; the decree discussed
    with a speaker and a comment, one member recused, a roll call and a secret ballot; then
    the meeting closed."""
    secretary, chair = government.secretary, government.chair
    plan = build_agenda(government, meeting)
    agenda_services.agenda_publish(actor=secretary, meeting=meeting)
    voters = government.voters
    check_in(meeting, voters[:20])
    excused, represented = voters[20], voters[21]
    substitute = UserFactory(first_name="Đức", last_name="Phạm Văn")
    attendance = {a.user_id: a for a in Attendance.objects.filter(meeting=meeting)}
    meeting_services.attendance_record(
        actor=secretary,
        attendance=attendance[excused.pk],
        status=Attendance.Status.EXCUSED,
        reason="Công tác nước ngoài",
    )
    meeting_services.attendance_record(
        actor=secretary,
        attendance=attendance[represented.pk],
        status=Attendance.Status.REPRESENTED,
        substitute=substitute,
    )
    meeting_services.meeting_start(actor=chair, meeting=meeting)
    # A break, which the minutes read from the event log.
    meeting_services.meeting_adjourn(actor=chair, meeting=meeting)
    meeting_services.meeting_reconvene(actor=chair, meeting=meeting)
    item = plan.decree
    agenda_services.agenda_item_start(actor=chair, item=item)
    speaker = voters[5]
    turn = agenda_services.speaker_request(actor=speaker, item=item)
    agenda_services.floor_give(actor=chair, speaker=turn)
    agenda_services.floor_end(actor=chair, speaker=turn)
    agenda_services.comment_post(actor=voters[6], item=item, text="Cần bổ sung đánh giá tác động.")
    hidden = agenda_services.comment_post(actor=voters[7], item=item, text="Off the record")
    agenda_services.comment_hide(actor=chair, comment=hidden)
    recused = voters[8]
    voting_services.recusal_declare(actor=recused, item=item, reason="Related company")

    def vote(secrecy: str, question: str) -> Poll:
        poll = voting_services.poll_create(
            actor=chair, item=item, question=question, secrecy=secrecy
        )
        voting_services.poll_open(actor=chair, poll=poll)
        for voter in voters[:16]:
            if voter != recused:
                voting_services.ballot_cast(actor=voter, poll=poll, answer="yes")
        for voter in voters[16:20]:
            voting_services.ballot_cast(actor=voter, poll=poll, answer="no")
        return voting_services.poll_close(actor=chair, poll=poll)

    named = vote(Poll.Secrecy.NAMED, "Adopt the decree on e-government")
    secret = vote(Poll.Secrecy.SECRET, "Appoint the rapporteur")
    agenda_services.agenda_item_end(actor=chair, item=item)
    meeting_services.meeting_adjourn(actor=chair, meeting=meeting)
    meeting_services.meeting_close(actor=secretary, meeting=meeting)
    meeting.refresh_from_db()
    return Held(
        plan=plan,
        meeting=meeting,
        excused=excused,
        represented=represented,
        substitute=substitute,
        speaker=speaker,
        recused=recused,
        named_poll=named,
        secret_poll=secret,
    )


@prebuilt_fixture
def held(government: Personas, meeting: Meeting) -> Held:
    return hold_meeting(government, meeting)


@dataclass
class Keys:
    ca_pem: Path
    secretary: bytes
    chair: bytes
    stranger: bytes


@pytest.fixture(scope="session")
def pki_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, bytes, bytes]:
    folder = tmp_path_factory.mktemp("pki")
    authority = pki.make_authority("Test Minutes Root", "Văn phòng Chính phủ")
    (folder / "ca.pem").write_bytes(authority.pem)

    def issue(authority: pki.Authority, name: str) -> bytes:
        return pki.issue_signer_pkcs12(
            authority,
            common_name=name,
            organisation="Văn phòng Chính phủ",
            email="signer@example.org",
            passphrase=PASSPHRASE.encode(),
        )

    other = pki.make_authority("Unknown Root", "Elsewhere")
    return (
        folder / "ca.pem",
        issue(authority, "Lý Thu Hương"),
        issue(authority, "Trần Quang Minh"),
        issue(other, "Người Lạ"),
    )


@pytest.fixture
def keys(pki_files: tuple[Path, bytes, bytes, bytes], settings: pytest.FixtureRequest) -> Keys:
    ca_pem, secretary, chair, stranger = pki_files
    settings.MINUTES_TRUST_ROOTS = [str(ca_pem)]  # type: ignore[attr-defined]
    return Keys(ca_pem=ca_pem, secretary=secretary, chair=chair, stranger=stranger)


def drafted(held: Held) -> Minutes:
    """The draft written when the meeting closed."""
    return Minutes.objects.select_related("meeting").get(meeting=held.meeting, corrects=None)


def approved(government: Personas, held: Held) -> Minutes:
    minutes = drafted(held)
    minutes = minutes_services.minutes_submit(actor=government.secretary, minutes=minutes)
    return minutes_services.minutes_approve(actor=government.chair, minutes=minutes)


def signed(government: Personas, held: Held, keys: Keys) -> Minutes:
    minutes = approved(government, held)
    minutes = signing_services.minutes_sign(
        actor=government.secretary, minutes=minutes, pkcs12=keys.secretary, passphrase=PASSPHRASE
    )
    return signing_services.minutes_sign(
        actor=government.chair, minutes=minutes, pkcs12=keys.chair, passphrase=PASSPHRASE
    )


# SoftHSM2 (Debian softhsm2): a PKCS#11 module keeping its tokens in files, here in a temporary
# folder named by SOFTHSM2_CONF.
SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN_PIN = "246810"
TOKEN_SO_PIN = "13579135"
INSTALL_SOFTHSM = "apt-get install softhsm2 (or make system-deps)"


@dataclass
class Tokens:
    module: str
    pin: str
    folder: Path


def _put_key_on_token(session: pkcs11.Session, pkcs12: bytes, label: str) -> None:
    """The PKCS#12 file's key and certificate, as token objects sharing a label and an id, the
    way an HSM's enrolment leaves them."""
    key, certificate, _ = pkcs12_files.load_key_and_certificates(pkcs12, PASSPHRASE.encode())
    assert key is not None and certificate is not None
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    object_id = label.encode()
    session.create_object(
        {
            **decode_rsa_private_key(der_key),
            pkcs11.Attribute.TOKEN: True,
            pkcs11.Attribute.PRIVATE: True,
            pkcs11.Attribute.SENSITIVE: True,
            pkcs11.Attribute.EXTRACTABLE: False,
            pkcs11.Attribute.LABEL: label,
            pkcs11.Attribute.ID: object_id,
        }
    )
    session.create_object(
        {
            **decode_x509_certificate(certificate.public_bytes(serialization.Encoding.DER)),
            pkcs11.Attribute.TOKEN: True,
            pkcs11.Attribute.LABEL: label,
            pkcs11.Attribute.ID: object_id,
        }
    )


def make_token(tokens: Tokens, label: str, keys: dict[str, bytes]) -> None:
    """A new token labelled `label` holding each given PKCS#12 key under its label."""
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            label,
            "--pin",
            tokens.pin,
            "--so-pin",
            TOKEN_SO_PIN,
        ],
        check=True,
        capture_output=True,
    )
    # The module reads its tokens when it is initialised: initialise it again to see this one.
    library = signing.token_library(tokens.module)
    library.reinitialize()
    with library.get_token(token_label=label).open(user_pin=tokens.pin, rw=True) as session:
        for key_label, pkcs12 in keys.items():
            _put_key_on_token(session, pkcs12, key_label)


@pytest.fixture
def tokens(
    government: Personas,
    keys: Keys,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings: pytest.FixtureRequest,
) -> Tokens:
    """The default arrangement: a token for the secretary and one for the chair, each labelled
    with their user name and holding their key under that name; token signing switched on."""
    if shutil.which("softhsm2-util") is None or not Path(SOFTHSM_MODULE).is_file():
        pytest.fail(f"SoftHSM2 is missing: {INSTALL_SOFTHSM}")
    folder = tmp_path / "softhsm"
    (folder / "tokens").mkdir(parents=True)
    config = folder / "softhsm2.conf"
    config.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\n"
    )
    monkeypatch.setenv("SOFTHSM2_CONF", str(config))
    tokens = Tokens(module=SOFTHSM_MODULE, pin=TOKEN_PIN, folder=folder)
    for user, pkcs12 in ((government.secretary, keys.secretary), (government.chair, keys.chair)):
        make_token(tokens, user.username, {user.username: pkcs12})
    settings.MINUTES_PKCS11_MODULE = SOFTHSM_MODULE  # type: ignore[attr-defined]
    settings.MINUTES_PKCS11_TOKEN_LABEL = "{username}"  # type: ignore[attr-defined]
    settings.MINUTES_PKCS11_KEY_LABEL = "{username}"  # type: ignore[attr-defined]
    return tokens

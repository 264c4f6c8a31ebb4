"""Draft -> submitted -> (returned -> edited -> submitted) -> approved -> signed twice: each
step by the right person, in the right state, and nothing after the signatures."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from audit import trail
from audit.models import Entry
from core.errors import ServiceError
from minutes.models import Minutes, MinutesSignature, MinutesVersion
from minutes.services import minutes as minutes_services
from minutes.services import signing as signing_services
from realtime.models import MeetingEvent
from tests.conftest import Personas
from tests.minutes.conftest import PASSPHRASE, Held, Keys, approved, drafted, signed

S = Minutes.Status


def last_event(minutes: Minutes) -> str:
    event = MeetingEvent.objects.filter(meeting=minutes.meeting).order_by("seq").last()
    assert event is not None
    assert event.payload == {"minutes": minutes.pk, "status": minutes.status}
    return event.type


@pytest.fixture
def draft(held: Held) -> Minutes:
    return drafted(held)


def test_the_secretary_edits_and_each_edit_keeps_a_version(
    government: Personas, draft: Minutes
) -> None:
    minutes = minutes_services.minutes_edit(
        actor=government.secretary,
        minutes=draft,
        texts={"opening": "Phiên họp khai mạc lúc 8 giờ."},
    )
    assert minutes.sections[0]["text"] == "Phiên họp khai mạc lúc 8 giờ."
    assert last_event(minutes) == "minutes.minutes_edited"
    versions = list(minutes.versions.order_by("number"))
    assert [v.event for v in versions] == [
        MinutesVersion.Event.DRAFTED,
        MinutesVersion.Event.EDITED,
    ]
    assert versions[0].sections[0]["text"] != versions[1].sections[0]["text"]
    # The same text again is not a new version.
    minutes_services.minutes_edit(
        actor=government.secretary,
        minutes=minutes,
        texts={"opening": "Phiên họp khai mạc lúc 8 giờ."},
    )
    assert minutes.versions.count() == 2


def test_unknown_sections_are_refused(government: Personas, draft: Minutes) -> None:
    with pytest.raises(ServiceError, match="do not exist"):
        minutes_services.minutes_edit(
            actor=government.secretary, minutes=draft, texts={"nope": "x"}
        )


@pytest.mark.parametrize("who", ["chair", "member"])
def test_only_the_secretariat_edits_and_submits(government: Personas, draft: Minutes, who) -> None:
    person = government.chair if who == "chair" else government.members[0]
    with pytest.raises(PermissionDenied):
        minutes_services.minutes_edit(actor=person, minutes=draft, texts={"opening": "x"})
    with pytest.raises(PermissionDenied):
        minutes_services.minutes_submit(actor=person, minutes=draft)
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_submit_return_correct_and_approve_as_corrected(
    government: Personas, draft: Minutes
) -> None:
    secretary, chair = government.secretary, government.chair
    minutes = minutes_services.minutes_submit(actor=secretary, minutes=draft)
    assert minutes.status == S.SUBMITTED and last_event(minutes) == "minutes.minutes_submitted"
    with pytest.raises(ServiceError, match="Only a draft or returned"):
        minutes_services.minutes_edit(actor=secretary, minutes=minutes, texts={"opening": "x"})
    with pytest.raises(ServiceError, match="Say what should change"):
        minutes_services.minutes_return(actor=chair, minutes=minutes, remarks="  ")
    minutes = minutes_services.minutes_return(
        actor=chair, minutes=minutes, remarks="Thêm kết luận."
    )
    assert minutes.status == S.RETURNED and minutes.remarks == "Thêm kết luận."
    assert last_event(minutes) == "minutes.minutes_returned"
    minutes = minutes_services.minutes_edit(
        actor=secretary, minutes=minutes, texts={"conclusions": "Kết luận của Thủ tướng."}
    )
    minutes = minutes_services.minutes_submit(actor=secretary, minutes=minutes)
    minutes = minutes_services.minutes_approve(actor=chair, minutes=minutes)
    assert minutes.status == S.APPROVED
    assert minutes.approved_as_corrected is True
    assert minutes.approved_by == chair
    assert bytes(minutes.pdf).startswith(b"%PDF-")
    assert len(minutes.pdf_sha256) == 64
    assert last_event(minutes) == "minutes.minutes_approved"
    assert [v.event for v in minutes.versions.order_by("number")] == [
        "drafted",
        "submitted",
        "returned",
        "edited",
        "submitted",
        "approved",
    ]


def test_approved_without_changes_is_not_as_corrected(government: Personas, held: Held) -> None:
    assert approved(government, held).approved_as_corrected is False


@pytest.mark.parametrize("who", ["secretary", "member"])
def test_only_the_chair_approves_and_returns(government: Personas, draft: Minutes, who) -> None:
    minutes = minutes_services.minutes_submit(actor=government.secretary, minutes=draft)
    person = government.secretary if who == "secretary" else government.members[0]
    with pytest.raises(PermissionDenied):
        minutes_services.minutes_approve(actor=person, minutes=minutes)
    with pytest.raises(PermissionDenied):
        minutes_services.minutes_return(actor=person, minutes=minutes, remarks="No")
    minutes.refresh_from_db()
    assert minutes.status == S.SUBMITTED


def test_a_draft_cannot_be_approved_returned_or_signed(
    government: Personas, draft: Minutes, keys: Keys
) -> None:
    with pytest.raises(ServiceError, match="Only submitted"):
        minutes_services.minutes_approve(actor=government.chair, minutes=draft)
    with pytest.raises(ServiceError, match="Only submitted"):
        minutes_services.minutes_return(actor=government.chair, minutes=draft, remarks="x")
    with pytest.raises(ServiceError, match="Only approved"):
        signing_services.minutes_sign(
            actor=government.secretary, minutes=draft, pkcs12=keys.secretary, passphrase=PASSPHRASE
        )


def test_the_secretary_signs_first_then_the_chair(
    government: Personas, held: Held, keys: Keys
) -> None:
    minutes = approved(government, held)
    with pytest.raises(PermissionDenied, match="secretary signs"):
        signing_services.minutes_sign(
            actor=government.chair, minutes=minutes, pkcs12=keys.chair, passphrase=PASSPHRASE
        )
    minutes = signing_services.minutes_sign(
        actor=government.secretary, minutes=minutes, pkcs12=keys.secretary, passphrase=PASSPHRASE
    )
    assert minutes.status == S.SECRETARY_SIGNED
    assert last_event(minutes) == "minutes.minutes_secretary_signed"
    with pytest.raises(PermissionDenied, match="chair signs"):
        signing_services.minutes_sign(
            actor=government.secretary,
            minutes=minutes,
            pkcs12=keys.secretary,
            passphrase=PASSPHRASE,
        )
    minutes = signing_services.minutes_sign(
        actor=government.chair, minutes=minutes, pkcs12=keys.chair, passphrase=PASSPHRASE
    )
    assert minutes.status == S.SIGNED and last_event(minutes) == "minutes.minutes_signed"
    signatures = list(MinutesSignature.objects.filter(minutes=minutes).order_by("signed_at"))
    assert [(s.role, s.signer) for s in signatures] == [
        ("secretary", government.secretary),
        ("chair", government.chair),
    ]
    assert "Lý Thu Hương" in signatures[0].certificate_subject
    assert signatures[1].pdf_sha256 == minutes.pdf_sha256


def test_a_wrong_passphrase_or_an_untrusted_key_signs_nothing(
    government: Personas, held: Held, keys: Keys
) -> None:
    minutes = approved(government, held)
    before = minutes.pdf_sha256
    with pytest.raises(ServiceError, match="could not be opened"):
        signing_services.minutes_sign(
            actor=government.secretary, minutes=minutes, pkcs12=keys.secretary, passphrase="wrong"
        )
    with pytest.raises(ServiceError, match="could not be opened"):
        signing_services.minutes_sign(
            actor=government.secretary, minutes=minutes, pkcs12=b"not a key", passphrase=""
        )
    with pytest.raises(ServiceError, match="not issued by a trusted authority"):
        signing_services.minutes_sign(
            actor=government.secretary, minutes=minutes, pkcs12=keys.stranger, passphrase=PASSPHRASE
        )
    minutes.refresh_from_db()
    assert minutes.status == S.APPROVED and minutes.pdf_sha256 == before
    assert not minutes.signatures.exists()


def test_signed_minutes_never_change_and_a_correction_links_to_them(
    government: Personas, held: Held, keys: Keys
) -> None:
    minutes = signed(government, held, keys)
    secretary, chair = government.secretary, government.chair
    with pytest.raises(ServiceError):
        minutes_services.minutes_edit(actor=secretary, minutes=minutes, texts={"opening": "x"})
    with pytest.raises(ServiceError):
        minutes_services.minutes_submit(actor=secretary, minutes=minutes)
    with pytest.raises(ServiceError):
        minutes_services.minutes_approve(actor=chair, minutes=minutes)
    with pytest.raises(ServiceError):
        signing_services.minutes_sign(
            actor=chair, minutes=minutes, pkcs12=keys.chair, passphrase=PASSPHRASE
        )
    with pytest.raises(PermissionDenied):
        minutes_services.minutes_correction_start(actor=chair, minutes=minutes)
    correction = minutes_services.minutes_correction_start(actor=secretary, minutes=minutes)
    assert correction.corrects == minutes and correction.status == S.DRAFT
    assert correction.number == "2/BB-G"
    with pytest.raises(ServiceError, match="already under way"):
        minutes_services.minutes_correction_start(actor=secretary, minutes=minutes)
    correction = minutes_services.minutes_edit(
        actor=secretary, minutes=correction, texts={"opening": "Đính chính."}
    )
    minutes.refresh_from_db()
    assert minutes.status == S.SIGNED and minutes.sections[0]["text"] != "Đính chính."


def test_votes_and_signatures_are_in_the_audit_trail(
    government: Personas, held: Held, keys: Keys
) -> None:
    signed(government, held, keys)
    meeting = held.meeting.pk
    entries = Entry.objects.filter(meeting_id=meeting).order_by("seq")
    chair, secretary = government.chair.username, government.secretary.username
    assert [(entry.action, entry.actor_name) for entry in entries] == [
        (Entry.Action.POLL_OPENED, chair),
        (Entry.Action.POLL_CLOSED, chair),
        (Entry.Action.POLL_OPENED, chair),
        (Entry.Action.POLL_CLOSED, chair),
        (Entry.Action.MINUTES_SIGNED, secretary),
        (Entry.Action.MINUTES_SIGNED, chair),
    ]
    closed = entries[1]
    assert closed.details == {
        "poll": held.named_poll.pk,
        "item": held.named_poll.item_id,
        "passed": True,
        "void": False,
    }
    minutes = Minutes.objects.get(meeting=held.meeting, corrects=None)
    assert entries[5].details["pdf_sha256"] == minutes.pdf_sha256
    assert entries[5].details["role"] == "chair"
    assert trail.verify().intact

"""The minutes screens, for each persona: the secretary writes, the chair reviews, both sign;
members and others see the signed minutes only; outsiders and anonymous visitors see nothing
(404 and the login page); anyone may check a PDF."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from minutes.models import Minutes
from minutes.services import minutes as minutes_services
from tests.conftest import Personas
from tests.minutes.conftest import PASSPHRASE, Held, Keys, approved, drafted, signed

S = Minutes.Status


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def persona(government: Personas, outsider: User, who: str) -> User | None:
    return {
        "secretary": government.secretary,
        "chair": government.chair,
        "member": government.members[0],
        "outsider": outsider,
        "anonymous": None,
    }[who]


def test_the_whole_workflow_on_the_screens(government: Personas, held: Held, keys: Keys) -> None:
    meeting = held.meeting
    secretary, chair = client_for(government.secretary), client_for(government.chair)
    page = reverse("minutes:minutes", args=[meeting.pk])
    detail = secretary.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    assert page in detail and "Open the minutes" in detail
    # Written when the meeting closed: the secretary finds the editor filled in.
    html = secretary.get(page).content.decode()
    assert 'name="section-opening"' in html and "Draft decree on e-government" in html
    minutes = Minutes.objects.get()
    response = secretary.post(
        reverse("minutes:action", args=[meeting.pk, "edit"]),
        {"section-opening": "Khai mạc lúc 8 giờ.", "submit": "1"},
    )
    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.status == S.SUBMITTED and minutes.sections[0]["text"] == "Khai mạc lúc 8 giờ."
    html = chair.get(page).content.decode()
    assert "Approve the minutes" in html and "Return with remarks" in html
    response = chair.post(reverse("minutes:action", args=[meeting.pk, "return"]), {"remarks": ""})
    assert response.status_code == 400
    chair.post(reverse("minutes:action", args=[meeting.pk, "return"]), {"remarks": "Sửa mục 2."})
    assert "Sửa mục 2." in secretary.get(page).content.decode()
    secretary.post(
        reverse("minutes:action", args=[meeting.pk, "edit"]),
        {"section-opening": "Khai mạc lúc 8 giờ 02.", "submit": "1"},
    )
    assert chair.post(reverse("minutes:action", args=[meeting.pk, "approve"])).status_code == 302
    minutes.refresh_from_db()
    assert minutes.status == S.APPROVED and minutes.approved_as_corrected
    assert "Sign as the secretary" in secretary.get(page).content.decode()
    assert "Sign as" not in chair.get(page).content.decode()

    def sign(client: Client, key: bytes, passphrase: str = PASSPHRASE) -> int:
        return client.post(
            reverse("minutes:action", args=[meeting.pk, "sign"]),
            {"pkcs12": SimpleUploadedFile("me.p12", key), "passphrase": passphrase},
        ).status_code

    assert sign(secretary, keys.secretary, "wrong") == 400
    assert sign(secretary, keys.secretary) == 302
    assert sign(chair, keys.chair) == 302
    minutes.refresh_from_db()
    assert minutes.status == S.SIGNED
    pdf = secretary.get(reverse("minutes:minutes_pdf", args=[meeting.pk, minutes.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf).startswith(b"%PDF-")
    check = secretary.get(reverse("minutes:verify_archived", args=[meeting.pk, minutes.pk]))
    html = check.content.decode()
    assert html.count("Valid: the signed content is intact") == 2
    assert html.count("Trusted root") == 2


@pytest.mark.parametrize(
    ("who", "sees_page", "sees_pdf"),
    [
        ("secretary", 200, 200),
        ("chair", 200, 200),
        ("member", 200, 200),
        ("outsider", 404, 404),
        ("anonymous", 302, 302),
    ],
)
def test_who_sees_signed_minutes(
    government: Personas, held: Held, keys: Keys, outsider: User, who, sees_page, sees_pdf
) -> None:
    minutes = signed(government, held, keys)
    client = client_for(persona(government, outsider, who))
    meeting = held.meeting
    assert client.get(reverse("minutes:minutes", args=[meeting.pk])).status_code == sees_page
    pdf = client.get(reverse("minutes:minutes_pdf", args=[meeting.pk, minutes.pk]))
    assert pdf.status_code == sees_pdf
    verify = client.get(reverse("minutes:verify_archived", args=[meeting.pk, minutes.pk]))
    assert verify.status_code == sees_pdf
    if who == "member":
        detail = client.get(reverse("meetings:meeting_detail", args=[meeting.pk]))
        assert (
            reverse("minutes:minutes_pdf", args=[meeting.pk, minutes.pk]) in detail.content.decode()
        )


@pytest.mark.parametrize(
    ("who", "status"),
    [("secretary", 200), ("chair", 200), ("member", 404), ("outsider", 404), ("anonymous", 302)],
)
def test_unsigned_minutes_are_the_secretariat_and_the_chair_s(
    government: Personas, held: Held, outsider: User, who, status
) -> None:
    minutes = approved(government, held)
    client = client_for(persona(government, outsider, who))
    meeting = held.meeting
    assert client.get(reverse("minutes:minutes", args=[meeting.pk])).status_code == status
    pdf = client.get(reverse("minutes:minutes_pdf", args=[meeting.pk, minutes.pk]))
    assert pdf.status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("secretary", 200), ("chair", 200), ("member", 404), ("outsider", 404), ("anonymous", 302)],
)
def test_the_preview_prints_the_current_text(
    government: Personas, held: Held, outsider: User, who, status, tmp_path
) -> None:
    import subprocess

    minutes_services.minutes_edit(
        actor=government.secretary, minutes=drafted(held), texts={"opening": "Bản xem trước."}
    )
    client = client_for(persona(government, outsider, who))
    response = client.get(reverse("minutes:preview", args=[held.meeting.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
        assert "Bản xem trước." in text and "BIÊN BẢN" in text
        assert not drafted(held).pdf_sha256  # nothing stored


@pytest.mark.parametrize(
    ("who", "action", "status"),
    [
        ("chair", "draft", 403),
        ("member", "draft", 404),
        ("outsider", "draft", 404),
        ("anonymous", "draft", 302),
        ("member", "submit", 404),
        ("chair", "edit", 403),
        ("secretary", "approve", 403),
        ("secretary", "return", 403),
        ("member", "approve", 404),
        ("outsider", "sign", 404),
        ("secretary", "nonsense", 404),
    ],
)
def test_actions_refused_to_the_wrong_people(
    government: Personas, held: Held, outsider: User, who, action, status
) -> None:
    if action == "draft":
        Minutes.objects.all().delete()
    else:
        minutes = drafted(held)
        if action in ("approve", "return"):
            minutes_services.minutes_submit(actor=government.secretary, minutes=minutes)
    client = client_for(persona(government, outsider, who))
    response = client.post(
        reverse("minutes:action", args=[held.meeting.pk, action]),
        {"remarks": "x", "section-opening": "changed"},
    )
    assert response.status_code == status
    assert not Minutes.objects.filter(sections__0__text="changed").exists()
    assert not Minutes.objects.filter(status__in=[S.APPROVED, S.RETURNED]).exists()


def test_drafting_by_hand_when_the_draft_is_missing(government: Personas, held: Held) -> None:
    Minutes.objects.all().delete()
    secretary = client_for(government.secretary)
    page = reverse("minutes:minutes", args=[held.meeting.pk])
    assert "Draft the minutes" in secretary.get(page).content.decode()
    response = secretary.post(reverse("minutes:action", args=[held.meeting.pk, "draft"]))
    assert response.status_code == 302
    assert 'name="section-opening"' in secretary.get(page).content.decode()
    response = secretary.post(reverse("minutes:action", args=[held.meeting.pk, "draft"]))
    assert response.status_code == 400
    assert "already drafted" in response.content.decode()


def test_a_refused_step_shows_why(government: Personas, held: Held) -> None:
    response = client_for(government.chair).post(
        reverse("minutes:action", args=[held.meeting.pk, "approve"])
    )
    assert response.status_code == 400
    assert "Only submitted minutes can be approved." in response.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_anyone_can_check_a_signed_pdf(
    government: Personas, held: Held, keys: Keys, outsider: User, who
) -> None:
    pdf = bytes(signed(government, held, keys).pdf)
    client = client_for(persona(government, outsider, who))
    page = reverse("minutes:verify")
    assert client.get(page).status_code == 200
    response = client.post(page, {"file": SimpleUploadedFile("m.pdf", pdf)})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Valid: the signed content is intact") == 2
    assert "Lý Thu Hương" in html and "Trần Quang Minh" in html
    assert "Checked file: m.pdf" in html
    assert "All 2 signatures are valid and trusted" in html
    assert "Do not rely on this document" not in html
    tampered = bytearray(pdf)
    tampered[tampered.index(b"stream", 1000) + 40] ^= 1
    html = client.post(
        page, {"file": SimpleUploadedFile("m.pdf", bytes(tampered))}
    ).content.decode()
    assert html.count("Invalid: the signed content was altered") == 2
    assert "Do not rely on this document" in html and "are valid and trusted" not in html


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"hello, not a pdf", "This file is not a PDF."),
        (b"%PDF-1.4\n%%EOF\n", "damaged"),
    ],
)
def test_bad_uploads_are_explained(db: None, content: bytes, message: str) -> None:
    response = Client().post(
        reverse("minutes:verify"), {"file": SimpleUploadedFile("x.pdf", content)}
    )
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_unsigned_pdf_and_a_huge_one_are_refused(
    government: Personas, held: Held, settings
) -> None:
    pdf = bytes(approved(government, held).pdf)
    client = Client()
    response = client.post(reverse("minutes:verify"), {"file": SimpleUploadedFile("a.pdf", pdf)})
    assert response.status_code == 400
    assert "This PDF carries no signature." in response.content.decode()
    settings.MINUTES_VERIFY_MAX_BYTES = 1024
    response = client.post(reverse("minutes:verify"), {"file": SimpleUploadedFile("a.pdf", pdf)})
    assert response.status_code == 400
    assert "The file is too large" in response.content.decode()
    response = client.post(reverse("minutes:verify"), {})
    assert response.status_code == 400

"""The minutes API and the PDF check, as a client sees them: every endpoint for the people who
may use it and those who may not, and bad input answered with a 4xx that says why."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from minutes.models import Minutes
from minutes.services import minutes as minutes_services
from tests.conftest import Personas
from tests.minutes.conftest import PASSPHRASE, Held, Keys, approved, drafted, signed

S = Minutes.Status
NOT_FOUND = {"detail": "Not found."}
NOT_SIGNED_IN = {"detail": "Authentication credentials were not provided."}


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"minutes_api:{name}", args=args)


def test_the_workflow_through_the_api(government: Personas, held: Held, keys: Keys) -> None:
    meeting = held.meeting.pk
    secretary, chair = api(government.secretary), api(government.chair)
    response = secretary.get(url("minutes", meeting))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "draft" and body["number"] == "1/BB-G"
    assert [s["key"] for s in body["sections"]][:2] == ["opening", "attendance"]
    assert body["record"]["attendance"]["represented"][0]["substitute"] == "Đức Phạm Văn"
    response = secretary.patch(
        url("minutes", meeting), {"texts": {"opening": "Khai mạc."}}, format="json"
    )
    assert response.status_code == 200 and response.json()["sections"][0]["text"] == "Khai mạc."
    assert secretary.post(url("minutes-submit", meeting), {}, format="json").status_code == 200
    response = chair.post(url("minutes-return", meeting), {"remarks": "Bổ sung."}, format="json")
    assert response.json()["status"] == "returned" and response.json()["remarks"] == "Bổ sung."
    secretary.patch(url("minutes", meeting), {"texts": {"opening": "Khai mạc 8h."}}, format="json")
    secretary.post(url("minutes-submit", meeting), {}, format="json")
    response = chair.post(url("minutes-approve", meeting), {}, format="json")
    assert response.json()["status"] == "approved"
    assert response.json()["approved_as_corrected"] is True
    for client, key, status in (
        (secretary, keys.secretary, "secretary_signed"),
        (chair, keys.chair, "signed"),
    ):
        response = client.post(
            url("minutes-sign", meeting),
            {"pkcs12": SimpleUploadedFile("k.p12", key), "passphrase": PASSPHRASE},
            format="multipart",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == status
    body = response.json()
    assert [s["role"] for s in body["signatures"]] == ["secretary", "chair"]
    pdf = api(government.members[0]).get(url("minutes-pdf", meeting))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["X-Content-SHA256"] == body["pdf_sha256"]
    report = api(government.members[0]).get(url("minutes-verify", meeting)).json()
    assert [(s["signer"], s["ok"]) for s in report["signatures"]] == [
        ("Lý Thu Hương", True),
        ("Trần Quang Minh", True),
    ]
    assert report["sha256"] == body["pdf_sha256"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("secretary", 200), ("chair", 200), ("member", 404), ("outsider", 404), ("anonymous", 403)],
)
def test_reading_unsigned_minutes(
    government: Personas, held: Held, outsider: User, who: str, status: int
) -> None:
    approved(government, held)
    user = {
        "secretary": government.secretary,
        "chair": government.chair,
        "member": government.members[0],
        "outsider": outsider,
        "anonymous": None,
    }[who]
    for name in ("minutes", "minutes-pdf"):
        response = api(user).get(url(name, held.meeting.pk))
        assert response.status_code == status
        if status == 404:
            assert response.json() == NOT_FOUND
        if status == 403:
            assert response.json() == NOT_SIGNED_IN


@pytest.mark.parametrize(
    ("who", "name", "data", "status"),
    [
        ("chair", "minutes", None, 403),
        ("member", "minutes", None, 404),
        ("outsider", "minutes", None, 404),
        ("anonymous", "minutes", None, 403),
        ("chair", "minutes-submit", {}, 403),
        ("member", "minutes-submit", {}, 404),
        ("secretary", "minutes-approve", {}, 403),
        ("secretary", "minutes-return", {"remarks": "x"}, 403),
        ("outsider", "minutes-approve", {}, 404),
        ("anonymous", "minutes-sign", {}, 403),
    ],
)
def test_writes_refused_to_the_wrong_people(
    government: Personas, held: Held, outsider: User, who: str, name: str, data: Any, status: int
) -> None:
    user = {
        "secretary": government.secretary,
        "chair": government.chair,
        "member": government.members[0],
        "outsider": outsider,
        "anonymous": None,
    }[who]
    if name == "minutes":
        Minutes.objects.all().delete()
    elif name == "minutes-sign":
        approved(government, held)
    elif name in ("minutes-approve", "minutes-return"):
        minutes_services.minutes_submit(actor=government.secretary, minutes=drafted(held))
    before = list(Minutes.objects.values("status", "sections"))
    response = api(user).post(url(name, held.meeting.pk), data or {}, format="json")
    assert response.status_code == status
    assert list(Minutes.objects.values("status", "sections")) == before


def test_drafting_through_the_api_when_the_draft_is_missing(
    government: Personas, held: Held
) -> None:
    Minutes.objects.all().delete()
    meeting = held.meeting.pk
    assert api(government.secretary).get(url("minutes", meeting)).status_code == 404
    response = api(government.secretary).post(url("minutes", meeting), {}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "draft"


def test_bad_input_is_explained(government: Personas, held: Held, keys: Keys) -> None:
    meeting = held.meeting.pk
    secretary, chair = api(government.secretary), api(government.chair)
    response = secretary.post(url("minutes", meeting), {}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "The minutes of this meeting are already drafted."
    response = secretary.patch(url("minutes", meeting), {"texts": {"nope": "x"}}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "sections"
    response = secretary.patch(url("minutes", meeting), {"status": "signed"}, format="json")
    assert response.status_code == 400
    response = secretary.post(url("minutes-approve", meeting), {}, format="json")
    assert response.status_code == 403
    response = chair.post(url("minutes-approve", meeting), {}, format="json")
    assert response.status_code == 400
    assert "Only submitted minutes can be approved." in response.json()["detail"]
    secretary.post(url("minutes-submit", meeting), {}, format="json")
    response = chair.post(url("minutes-return", meeting), {}, format="json")
    assert response.status_code == 400 and "remarks" in response.json()
    chair.post(url("minutes-approve", meeting), {}, format="json")
    response = secretary.post(url("minutes-sign", meeting), {}, format="multipart")
    assert response.status_code == 400 and "pkcs12" in response.json()
    response = secretary.post(
        url("minutes-sign", meeting),
        {"pkcs12": SimpleUploadedFile("k.p12", keys.stranger), "passphrase": PASSPHRASE},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "pkcs12"
    assert "not issued by a trusted authority" in response.json()["detail"]


def test_anyone_checks_a_pdf_through_the_api(
    government: Personas, held: Held, keys: Keys, settings
) -> None:
    pdf = bytes(signed(government, held, keys).pdf)
    response = APIClient().post(
        url("verify-pdf"), {"file": SimpleUploadedFile("m.pdf", pdf)}, format="multipart"
    )
    assert response.status_code == 200
    checks = response.json()["signatures"]
    assert [c["valid"] and c["trusted"] for c in checks] == [True, True]
    assert [c["whole_document"] for c in checks] == [False, True]
    tampered = bytearray(pdf)
    tampered[tampered.index(b"stream", 1000) + 40] ^= 1
    response = APIClient().post(
        url("verify-pdf"),
        {"file": SimpleUploadedFile("m.pdf", bytes(tampered))},
        format="multipart",
    )
    assert [c["valid"] for c in response.json()["signatures"]] == [False, False]
    # With other trust roots the same file is intact but not trusted.
    settings.MINUTES_TRUST_ROOTS = []
    response = APIClient().post(
        url("verify-pdf"), {"file": SimpleUploadedFile("m.pdf", pdf)}, format="multipart"
    )
    assert [(c["valid"], c["trusted"]) for c in response.json()["signatures"]] == [
        (True, False),
        (True, False),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"GIF89a", "This file is not a PDF."), (b"%PDF-1.7\n1 0 obj\n", "damaged")],
)
def test_bad_uploads_get_a_400(db: None, content: bytes, message: str) -> None:
    response = APIClient().post(
        url("verify-pdf"), {"file": SimpleUploadedFile("x.pdf", content)}, format="multipart"
    )
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_a_huge_upload_gets_a_400(db: None, settings) -> None:
    settings.MINUTES_VERIFY_MAX_BYTES = 10
    response = APIClient().post(
        url("verify-pdf"),
        {"file": SimpleUploadedFile("x.pdf", b"%PDF-" + b"0" * 100)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "too large" in response.json()["file"][0]
    assert APIClient().post(url("verify-pdf"), {}, format="multipart").status_code == 400


def test_the_schema_documents_the_minutes(tmp_path: Any) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in (
        "/api/v1/meetings/{meeting_id}/minutes/:",
        "/api/v1/meetings/{meeting_id}/minutes/submit/:",
        "/api/v1/meetings/{meeting_id}/minutes/return/:",
        "/api/v1/meetings/{meeting_id}/minutes/approve/:",
        "/api/v1/meetings/{meeting_id}/minutes/sign/:",
        "/api/v1/meetings/{meeting_id}/minutes/pdf/:",
        "/api/v1/verify-pdf/:",
    ):
        assert path in schema
    assert "MinutesStatusEnum" in schema

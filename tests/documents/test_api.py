"""The documents API: the same rules as the screens, in JSON, with multipart uploads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from documents.models import Document
from meetings.models import Membership
from tests.documents.conftest import (
    Board,
    add_document,
    docx_bytes,
    encrypted_pdf_bytes,
    pdf_bytes,
    publish_packet,
    stored_files,
    upload,
)

C = Document.Classification


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def documents_url(board: Board, *rest: object) -> str:
    tail = "".join(f"{part}/" for part in rest)
    return f"/api/v1/meetings/{board.meeting.pk}/documents/{tail}"


def test_the_secretariat_uploads_a_pdf(board: Board) -> None:
    response = api(board.secretary).post(
        documents_url(board),
        {
            "file": upload(pdf_bytes(2), "budget.pdf"),
            "title": "Draft budget",
            "classification": "confidential",
            "agenda_item": board.budget.pk,
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["title"], data["classification"], data["agenda_item"]) == (
        "Draft budget",
        "confidential",
        board.budget.pk,
    )
    assert data["rights"] == ["view", "download", "annotate"]
    [version] = data["versions"]
    assert (version["number"], version["pages"], len(version["page_digests"])) == (1, 2, 2)
    assert data["view_url"].endswith(f"/documents/{data['id']}/view/")


def test_a_word_upload_is_converted(board: Board) -> None:
    response = api(board.secretary).post(
        documents_url(board),
        {"file": upload(docx_bytes("Tờ trình"), "to-trinh.docx"), "title": "Submission"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["versions"][0]["pages"] == 1


def test_a_refused_upload_says_why_and_stores_nothing(board: Board, media: Path) -> None:
    response = api(board.secretary).post(
        documents_url(board),
        {"file": upload(encrypted_pdf_bytes(), "budget.pdf"), "title": "Budget"},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "file"
    assert "password" in response.json()["detail"]
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_an_agenda_item_of_another_meeting_is_refused(board: Board) -> None:
    response = api(board.secretary).post(
        documents_url(board),
        {"file": upload(pdf_bytes(1)), "title": "Budget", "agenda_item": 999_999},
        format="multipart",
    )
    assert response.status_code == 400
    assert "agenda_item" in response.json()


def test_members_cannot_upload(board: Board) -> None:
    response = api(board.member).post(
        documents_url(board),
        {"file": upload(pdf_bytes(1)), "title": "Mine"},
        format="multipart",
    )
    assert response.status_code == 403


def test_members_list_what_they_may_read_in_agenda_order(board: Board) -> None:
    publish_packet(board.meeting)
    audit = add_document(board, title="Audit", item=board.audit)
    budget = add_document(board, title="Budget", item=board.budget, classification=C.SECRET)
    data = api(board.member).get(documents_url(board)).json()
    assert [row["id"] for row in data["results"]] == [budget.pk, audit.pk]
    assert data["results"][0]["rights"] == ["view", "annotate"]


def test_replace_edit_grant_revoke_and_delete(board: Board) -> None:
    document = add_document(board)
    client = api(board.secretary)
    version = client.post(
        documents_url(board, document.pk, "versions"),
        {"file": upload(pdf_bytes(4))},
        format="multipart",
    )
    assert version.status_code == 201 and version.json()["number"] == 2
    edited = client.patch(
        documents_url(board, document.pk),
        {"classification": "secret", "title": "Budget (revised)"},
        format="json",
    )
    assert edited.status_code == 200
    assert (edited.json()["classification"], edited.json()["title"]) == (
        "secret",
        "Budget (revised)",
    )
    granted = client.post(
        documents_url(board, document.pk, "grants"),
        {"role": Membership.Role.OBSERVER, "rights": ["view", "annotate"]},
        format="json",
    )
    assert granted.status_code == 200
    assert granted.json()["roles"] == [{"role": "observer", "rights": ["view", "annotate"]}]
    person = client.post(
        documents_url(board, document.pk, "grants"),
        {"user": board.member.pk, "rights": ["view"]},
        format="json",
    )
    assert person.json()["people"][0]["user"]["id"] == board.member.pk
    revoked = client.post(
        documents_url(board, document.pk, "grants", "revoke"),
        {"user": board.member.pk, "rights": ["view"]},
        format="json",
    )
    assert revoked.json()["people"] == []
    both: dict[str, Any] = {"user": board.member.pk, "role": "member", "rights": ["view"]}
    assert (
        client.post(documents_url(board, document.pk, "grants"), both, format="json").status_code
        == 400
    )
    assert client.delete(documents_url(board, document.pk)).status_code == 204
    assert not Document.objects.exists()


def test_a_published_document_cannot_be_deleted(board: Board) -> None:
    document = add_document(board)
    publish_packet(board.meeting)
    response = api(board.secretary).delete(documents_url(board, document.pk))
    assert response.status_code == 400
    assert "record" in response.json()["detail"]


def test_a_download_link_is_issued_and_works_in_the_session_that_asked(board: Board) -> None:
    publish_packet(board.meeting)
    document = add_document(board)
    client = api(board.member)
    response = client.post(documents_url(board, document.pk, "download-link"), {})
    assert response.status_code == 201
    data = response.json()
    assert data["version"] == 1 and data["expires_at"]
    assert client.get(data["url"]).status_code == 200
    browser = Client()
    browser.force_login(board.member)  # the same person in another session
    assert browser.get(data["url"]).status_code == 404
    assert Client().get(data["url"]).status_code == 404
    earlier = api(board.member).post(
        documents_url(board, document.pk, "download-link"), {"version": 7}
    )
    assert earlier.status_code == 404


def test_the_schema_documents_the_endpoints() -> None:
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    prefix = "/api/v1/meetings/{meeting_id}/documents/"
    assert set(paths[prefix]) == {"get", "post"}
    assert set(paths[prefix + "{document_id}/"]) == {"get", "patch", "delete"}
    assert set(paths[prefix + "{document_id}/versions/"]) == {"post"}
    assert set(paths[prefix + "{document_id}/grants/"]) == {"get", "post"}
    assert set(paths[prefix + "{document_id}/grants/revoke/"]) == {"post"}
    assert set(paths[prefix + "{document_id}/download-link/"]) == {"post"}
    assert set(paths[prefix + "copies/{copy_id}/"]) == {"get"}
    assert "multipart/form-data" in paths[prefix]["post"]["requestBody"]["content"]

"""The documents screens as the secretariat and the members use them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from documents.models import Access, Document
from tests.documents.conftest import (
    Board,
    add_document,
    docx_bytes,
    pdf_bytes,
    publish_packet,
    stored_files,
    upload,
)

C = Document.Classification


def documents_page(board: Board) -> str:
    return reverse("documents:documents", kwargs={"pk": board.meeting.pk})


def address(name: str, document: Document) -> str:
    return reverse(f"documents:{name}", kwargs={"pk": document.meeting_id, "doc_pk": document.pk})


def test_the_meeting_page_links_to_its_documents(client: Client, board: Board) -> None:
    client.force_login(board.member)
    response = client.get(reverse("meetings:meeting_detail", args=[board.meeting.pk]))
    assert documents_page(board) in response.content.decode()


def test_the_secretariat_uploads_on_the_documents_page(client: Client, board: Board) -> None:
    client.force_login(board.secretary)
    page = client.get(documents_page(board)).content.decode()
    assert "Add a document" in page and "Trace a copy" in page
    response = client.post(
        reverse("documents:upload", kwargs={"pk": board.meeting.pk}),
        {
            "title": "Submission on the budget",
            "kind": "report",
            "classification": "internal",
            "agenda_item": board.budget.pk,
            "file": upload(docx_bytes("Tờ trình ngân sách"), "to-trinh.docx"),
        },
    )
    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == address("document", document)
    listing = client.get(documents_page(board)).content.decode()
    assert listing.index("Budget") < listing.index("Submission on the budget")


def test_a_refused_upload_is_shown_on_the_form(client: Client, board: Board, media: Path) -> None:
    client.force_login(board.secretary)
    response = client.post(
        reverse("documents:upload", kwargs={"pk": board.meeting.pk}),
        {
            "title": "Budget",
            "kind": "report",
            "classification": "internal",
            "file": upload(docx_bytes("not a pdf"), "budget.pdf"),
        },
    )
    assert response.status_code == 400
    assert "but its content is not a PDF file" in response.content.decode()
    assert stored_files(media) == []


def test_members_do_not_get_the_secretariats_forms(client: Client, board: Board) -> None:
    publish_packet(board.meeting)
    document = add_document(board)
    client.force_login(board.member)
    page = client.get(documents_page(board)).content.decode()
    assert "Add a document" not in page and document.title in page
    detail = client.get(address("document", document)).content.decode()
    assert "Give access" not in detail and "Download" in detail
    response = client.post(
        reverse("documents:upload", kwargs={"pk": board.meeting.pk}),
        {
            "title": "Mine",
            "kind": "report",
            "classification": "public",
            "file": upload(pdf_bytes()),
        },
    )
    assert response.status_code == 404
    assert client.post(address("edit", document), {"title": "Mine"}).status_code == 404


def test_the_secretariat_replaces_reclassifies_and_grants(client: Client, board: Board) -> None:
    publish_packet(board.meeting)
    document = add_document(board)
    client.force_login(board.secretary)
    assert (
        client.post(address("replace", document), {"file": upload(pdf_bytes(6))}).status_code == 302
    )
    assert document.versions.count() == 2
    response = client.post(
        address("edit", document),
        {"title": "Draft budget", "kind": "report", "classification": "secret", "agenda_item": ""},
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.classification, document.agenda_item) == ("secret", None)
    client.post(address("revoke", document), {"user": board.member.pk, "rights": "view"})
    client.post(address("grant", document), {"role": "member", "rights": ["view", "annotate"]})
    detail = client.get(address("document", document)).content.decode()
    assert "Everyone with the role Member" in detail
    refused = client.post(address("grant", document), {"rights": ["view"]})
    assert refused.status_code == 400
    assert "Choose a person or a role." in refused.content.decode()


@pytest.mark.parametrize("person", ["abc", "²", str(2**70), "999999"])
def test_withdrawing_access_from_no_such_person_is_refused(
    client: Client, board: Board, person: str
) -> None:
    """Among them "²", a digit to Python's isdigit() but not a number to int()."""
    document = add_document(board)
    client.force_login(board.secretary)
    response = client.post(address("revoke", document), {"user": person, "rights": "view"})
    assert response.status_code == 400
    assert "No such person." in response.content.decode()


def test_the_secretariat_deletes_an_unpublished_document(client: Client, board: Board) -> None:
    document = add_document(board)
    client.force_login(board.secretary)
    response = client.post(address("delete", document))
    assert response.status_code == 302 and response["Location"] == documents_page(board)
    assert not Document.objects.exists()


def test_a_published_document_is_kept_for_the_record(client: Client, board: Board) -> None:
    document = add_document(board)
    publish_packet(board.meeting)
    client.force_login(board.secretary)
    response = client.post(address("delete", document))
    assert response.status_code == 400
    assert "belongs to the record" in response.content.decode()


def test_the_trace_page_finds_the_reader_of_a_copy(client: Client, board: Board) -> None:
    publish_packet(board.meeting)
    document = add_document(board, classification=C.CONFIDENTIAL)
    client.force_login(board.member)
    client.get(address("view", document))
    copy_id = Access.objects.get().copy_id
    client.force_login(board.secretary)
    trace = reverse("documents:trace", kwargs={"pk": board.meeting.pk})
    found = client.get(trace, {"copy_id": str(copy_id)}).content.decode()
    assert "Nguyễn Thị Lan" in found and document.title in found
    unknown = client.get(trace, {"copy_id": "0f8fad5b-d9cb-469f-a165-70867728950e"})
    assert "No copy of this meeting" in unknown.content.decode()
    assert client.get(trace, {"copy_id": "not-an-id"}).status_code == 400


def test_the_documents_page_speaks_vietnamese(client: Client, board: Board) -> None:
    publish_packet(board.meeting)
    add_document(board, classification=C.CONFIDENTIAL)
    client.force_login(board.member)
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    page = client.get(documents_page(board)).content.decode()
    assert "<h1>Tài liệu</h1>" in page
    assert "Tiêu đề" in page and "Chức danh" not in page
    assert "Mật" in page

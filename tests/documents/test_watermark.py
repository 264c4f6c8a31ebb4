"""The stamp on confidential copies: readable by a person and by pdftotext, on every page, and
traceable back to its reader."""

from __future__ import annotations

import datetime
import io
import subprocess
import uuid
from pathlib import Path

import pikepdf
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from documents.models import Access, Document
from documents.watermark import stamp, watermark_lines
from tests.documents.conftest import Board, add_document, pdf_bytes, publish_packet

C = Document.Classification
LAN = "Nguyễn Thị Lan"


def text_of(content: bytes, tmp_path: Path) -> list[str]:
    """pdftotext of each page."""
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(content)
    output = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return output.split("\f")[:-1]


def test_the_lines_name_the_reader_the_local_time_and_the_copy() -> None:
    copy_id = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")
    at = datetime.datetime(2026, 11, 22, 2, 5, tzinfo=datetime.UTC)
    assert watermark_lines(reader=LAN, at=at, copy_id=copy_id) == [
        LAN,
        "2026-11-22 09:05 (UTC+0700)",
        "Copy 0f8fad5b-d9cb-469f-a165-70867728950e",
    ]


def test_every_page_is_stamped_whatever_its_size_rotation_or_origin(tmp_path: Path) -> None:
    copy_id = uuid.uuid4()
    lines = watermark_lines(reader=LAN, at=datetime.datetime.now(datetime.UTC), copy_id=copy_id)
    with pikepdf.open(io.BytesIO(pdf_bytes(4))) as pdf:
        pdf.pages[1].obj.Rotate = 90
        pdf.pages[2].obj.MediaBox = pikepdf.Array([100, 200, 695, 1042])
        with pikepdf.open(io.BytesIO(pdf_bytes(1, size=(842, 595)))) as landscape:
            pdf.pages[3] = landscape.pages[0]
        stamp(pdf, lines)
        out = io.BytesIO()
        pdf.save(out)
    pages = text_of(out.getvalue(), tmp_path)
    assert len(pages) == 4
    for number, page in enumerate(pages, start=1):
        flat = " ".join(page.split())
        assert LAN in flat, number
        assert str(copy_id) in flat, number


def test_a_downloaded_confidential_copy_names_its_reader_and_traces_back(
    client: Client, board: Board, tmp_path: Path
) -> None:
    publish_packet(board.meeting)
    document = add_document(board, classification=C.CONFIDENTIAL, title="Audit findings")
    client.force_login(board.member)
    link = client.get(
        reverse("documents:download", kwargs={"pk": board.meeting.pk, "doc_pk": document.pk})
    )
    response = client.get(link["Location"])
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    pages = text_of(content, tmp_path)
    access = Access.objects.get(user=board.member, action=Access.Action.DOWNLOAD)
    assert access.copy_id is not None
    assert len(pages) == 3
    for page in pages:
        flat = " ".join(page.split())
        assert LAN in flat
        assert str(access.copy_id) in flat
        assert "Budget, page" in flat  # the paper itself is still there
    # The secretariat traces the copy id printed on the leaked pages back to its reader.
    api = APIClient()
    api.force_login(board.secretary)
    traced = api.get(
        f"/api/v1/meetings/{board.meeting.pk}/documents/copies/{access.copy_id}/"
    ).json()
    assert traced["user"]["name"] == LAN
    assert (traced["document"], traced["version"], traced["action"]) == (
        document.pk,
        1,
        "download",
    )


def test_internal_papers_go_out_as_stored(client: Client, board: Board) -> None:
    publish_packet(board.meeting)
    content = pdf_bytes(2)
    document = add_document(board, classification=C.INTERNAL, content=content)
    client.force_login(board.member)
    link = client.get(
        reverse("documents:download", kwargs={"pk": board.meeting.pk, "doc_pk": document.pk})
    )
    response = client.get(link["Location"])
    assert b"".join(response.streaming_content) == content  # type: ignore[attr-defined]


def test_the_viewer_gets_a_stamped_copy_of_a_secret_paper(
    client: Client, board: Board, tmp_path: Path
) -> None:
    publish_packet(board.meeting)
    document = add_document(board, classification=C.SECRET)
    client.force_login(board.member)
    response = client.get(
        reverse("documents:view", kwargs={"pk": board.meeting.pk, "doc_pk": document.pk})
    )
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    access = Access.objects.get(user=board.member)
    assert access.action == Access.Action.VIEW
    assert str(access.copy_id) in " ".join(text_of(content, tmp_path)[0].split())

"""Papers sent with a written-opinion poll: the secretariat attaches them to the draft (read and
converted as meeting papers are), everyone who sees the poll reads them, and once the poll is
sent they are what the members were asked about and no longer change."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import DataError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from consultations import services
from consultations.models import Attachment, Consultation
from core.errors import ServiceError
from tests.consultations.conftest import Board, client_for
from tests.documents.conftest import (
    docx_bytes,
    encrypted_pdf_bytes,
    pdf_bytes,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db

PAPER = pdf_bytes(3, text="Flood relief budget")


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


def attach(
    board: Board, poll: Consultation, content: bytes = PAPER, name: str = "budget.pdf"
) -> Attachment:
    return services.attachment_add(
        actor=board.secretary,
        consultation=poll,
        title="Budget annex",
        file=upload(content, name),
    )


def stored(attachment: Attachment) -> bytes:
    with attachment.file.open("rb") as source:
        return source.read()


# The service


def test_the_secretariat_attaches_a_pdf_as_it_is(
    board: Board, draft: Consultation, media: Path
) -> None:
    paper = attach(board, draft)
    paper.refresh_from_db()
    assert paper.pages == 3 and paper.size == len(PAPER)
    assert paper.sha256 == hashlib.sha256(PAPER).hexdigest()
    assert stored(paper) == PAPER
    assert paper.original_name == "budget.pdf" and paper.uploaded_by == board.secretary
    # The stored name says nothing about the paper.
    assert "budget" not in paper.file.name and paper.file.name.endswith(".pdf")
    assert stored_files(media) == [media / paper.file.name]


def test_a_word_file_is_converted_to_pdf(board: Board, draft: Consultation) -> None:
    paper = attach(board, draft, docx_bytes("Relief fund rules"), "rules.docx")
    content = stored(paper)
    assert content.startswith(b"%PDF-") and paper.pages == 1
    assert paper.sha256 == hashlib.sha256(content).hexdigest() and paper.size == len(content)
    assert paper.original_name == "rules.docx"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (docx_bytes("Not a PDF"), "The file is named “budget.pdf” but its content is not a PDF"),
        (encrypted_pdf_bytes(), "The file is protected by a password."),
    ],
    ids=["mislabelled", "encrypted"],
)
def test_a_refused_file_leaves_no_row_and_no_file(
    board: Board, draft: Consultation, media: Path, content: bytes, message: str
) -> None:
    with pytest.raises(ServiceError) as refused:
        attach(board, draft, content)
    assert message in refused.value.message and refused.value.field == "file"
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_papers_are_fixed_once_the_poll_is_sent(
    board: Board, draft: Consultation, media: Path
) -> None:
    paper = attach(board, draft)
    services.consultation_send(actor=board.secretary, consultation=draft)
    with pytest.raises(ServiceError, match="This poll has been sent: its papers"):
        attach(board, draft)
    with pytest.raises(ServiceError, match="This poll has been sent: its papers"):
        services.attachment_remove(actor=board.secretary, attachment=paper)
    assert list(Attachment.objects.all()) == [paper] and len(stored_files(media)) == 1


def test_removing_a_paper_deletes_its_file_once_committed(
    board: Board,
    draft: Consultation,
    media: Path,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    paper = attach(board, draft)
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(actor=board.secretary, attachment=paper)
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_only_the_secretariat_attaches(board: Board, draft: Consultation, media: Path) -> None:
    with pytest.raises(PermissionDenied):
        services.attachment_add(
            actor=board.chair, consultation=draft, title="Annex", file=upload(PAPER)
        )
    assert not Attachment.objects.exists() and stored_files(media) == []


# Who reads and changes papers, on screen and through the API

PEOPLE = ["secretary", "recipient", "non_voting", "outsider", "anonymous"]


def person(board: Board, who: str) -> User | None:
    return {
        "secretary": board.secretary,
        "recipient": board.members[0],
        "non_voting": board.non_voting,
        "outsider": board.outsider,
        "anonymous": None,
    }[who]


def web(user: User | None) -> Client:
    return client_for(user) if user is not None else Client()


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def screen_file(poll: Consultation, paper_id: int) -> str:
    return reverse("consultations:attachment", args=[poll.body_id, poll.pk, paper_id])


def api_file(poll: Consultation, paper_id: int) -> str:
    return reverse(
        "consultations_api:consultation-attachment", args=[poll.body_id, poll.pk, paper_id]
    )


def assert_pdf(response: Any) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store, private"
    assert response["Content-Disposition"] == 'inline; filename="budget-annex.pdf"'
    assert b"".join(response.streaming_content) == PAPER


@pytest.mark.parametrize("who", PEOPLE)
def test_who_reads_the_papers_of_a_sent_poll(board: Board, draft: Consultation, who: str) -> None:
    paper = attach(board, draft)
    services.consultation_send(actor=board.secretary, consultation=draft)
    user = person(board, who)
    on_screen = web(user).get(screen_file(draft, paper.pk))
    through_api = api(user).get(api_file(draft, paper.pk))
    missing_screen = client_for(board.secretary).get(screen_file(draft, paper.pk + 1000))
    missing_api = api(board.secretary).get(api_file(draft, paper.pk + 1000))
    assert missing_screen.status_code == 404 and missing_api.status_code == 404
    if who == "anonymous":
        assert on_screen.status_code == 302 and "/login" in on_screen["Location"]
        assert through_api.status_code == 403
    elif who == "outsider":
        assert on_screen.status_code == 404
        assert through_api.status_code == 404 and through_api.json() == missing_api.json()
    else:
        # Everyone who sees the body sees a sent poll and its papers, with a vote or not.
        assert_pdf(on_screen)
        assert_pdf(through_api)


@pytest.mark.parametrize("who", PEOPLE)
def test_a_drafts_papers_are_the_secretariats(board: Board, draft: Consultation, who: str) -> None:
    paper = attach(board, draft)
    user = person(board, who)
    on_screen = web(user).get(screen_file(draft, paper.pk))
    through_api = api(user).get(api_file(draft, paper.pk))
    if who == "secretary":
        assert_pdf(on_screen)
        assert_pdf(through_api)
    elif who == "anonymous":
        assert on_screen.status_code == 302 and through_api.status_code == 403
    else:
        missing = api(board.secretary).get(api_file(draft, paper.pk + 1000))
        assert on_screen.status_code == 404
        assert through_api.status_code == 404 and through_api.json() == missing.json()


@pytest.mark.parametrize(
    ("who", "screen_add", "screen_remove", "api_add", "api_remove"),
    [
        ("secretary", 302, 302, 201, 204),
        ("recipient", 404, 404, 404, 404),
        ("non_voting", 404, 404, 404, 404),
        ("outsider", 404, 404, 404, 404),
        ("anonymous", 302, 302, 403, 403),
    ],
)
def test_who_attaches_and_removes_papers(
    board: Board,
    draft: Consultation,
    media: Path,
    who: str,
    screen_add: int,
    screen_remove: int,
    api_add: int,
    api_remove: int,
) -> None:
    paper = attach(board, draft)
    user = person(board, who)
    body, poll = board.body.pk, draft.pk
    added = web(user).post(
        reverse("consultations:attachment_add", args=[body, poll]),
        {"title": "Second annex", "file": upload(PAPER, "annex.pdf")},
    )
    assert added.status_code == screen_add
    added_api = api(user).post(
        reverse("consultations_api:consultation-attachments", args=[body, poll]),
        {"title": "Third annex", "file": upload(PAPER, "annex.pdf")},
        format="multipart",
    )
    assert added_api.status_code == api_add
    removed = web(user).post(
        reverse("consultations:attachment_remove", args=[body, poll, paper.pk])
    )
    assert removed.status_code == screen_remove
    second = Attachment.objects.exclude(pk=paper.pk).first()
    target = second.pk if second is not None and who == "secretary" else paper.pk
    removed_api = api(user).delete(
        reverse("consultations_api:consultation-attachment", args=[body, poll, target])
    )
    assert removed_api.status_code == api_remove
    if who == "secretary":
        assert added_api.json()["attachments"][-1]["title"] == "Third annex"
        assert list(Attachment.objects.values_list("title", flat=True)) == ["Third annex"]
    else:
        assert list(Attachment.objects.all()) == [paper]
        assert stored_files(media) == [media / paper.file.name]


def test_the_missing_and_the_forbidden_look_the_same_to_the_api(
    board: Board, draft: Consultation
) -> None:
    paper = attach(board, draft)
    body, poll = board.body.pk, draft.pk
    forbidden = api(board.members[0]).delete(
        reverse("consultations_api:consultation-attachment", args=[body, poll, paper.pk])
    )
    missing = api(board.secretary).delete(
        reverse("consultations_api:consultation-attachment", args=[body, poll, paper.pk + 1000])
    )
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()


def test_a_refused_upload_shows_the_edit_page_with_the_reason(
    board: Board, draft: Consultation, media: Path
) -> None:
    response = client_for(board.secretary).post(
        reverse("consultations:attachment_add", args=[board.body.pk, draft.pk]),
        {"title": "Annex", "file": upload(encrypted_pdf_bytes())},
    )
    assert response.status_code == 400
    assert "The file is protected by a password." in response.content.decode()
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_the_api_refuses_a_paper_for_a_sent_poll_with_the_reason(
    board: Board, sent: Consultation, media: Path
) -> None:
    response = api(board.secretary).post(
        reverse("consultations_api:consultation-attachments", args=[board.body.pk, sent.pk]),
        {"title": "Late annex", "file": upload(PAPER)},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("This poll has been sent: its papers")
    assert not Attachment.objects.exists() and stored_files(media) == []


# What the pages and the API show


def test_the_pages_and_the_api_list_the_papers(board: Board, draft: Consultation) -> None:
    paper = attach(board, draft)
    secretary = client_for(board.secretary)
    edit = secretary.get(reverse("consultations:edit", args=[board.body.pk, draft.pk]))
    text = edit.content.decode()
    assert 'enctype="multipart/form-data"' in text
    remove = reverse("consultations:attachment_remove", args=[board.body.pk, draft.pk, paper.pk])
    assert remove in text
    assert "Budget annex" in text
    services.consultation_send(actor=board.secretary, consultation=draft)
    member = client_for(board.members[0])
    link = screen_file(draft, paper.pk)
    for name in ("consultations:answer", "consultations:detail"):
        page = member.get(reverse(name, args=[board.body.pk, draft.pk])).content.decode()
        assert "Budget annex" in page and link in page and "3 pages" in page
    detail = api(board.members[0]).get(
        reverse("consultations_api:consultation-detail", args=[board.body.pk, draft.pk])
    )
    assert detail.json()["attachments"] == [
        {
            "id": paper.pk,
            "title": "Budget annex",
            "pages": 3,
            "size": len(PAPER),
            "sha256": hashlib.sha256(PAPER).hexdigest(),
            "url": api_file(draft, paper.pk),
        }
    ]


def test_a_file_saved_for_a_row_the_database_refuses_is_deleted_again(
    board: Board, draft: Consultation, media: Path
) -> None:
    # PostgreSQL refuses NUL in text, after the PDF was already written to storage (the
    # screens and the API refuse such a title before it gets this far).
    with pytest.raises(DataError):
        services.attachment_add(
            actor=board.secretary, consultation=draft, title="Annex\x00", file=upload(PAPER)
        )
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_the_schema_documents_the_papers(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    base = "/api/v1/bodies/{body_id}/consultations/{consultation_id}/attachments/"
    assert f"{base}:" in schema and f"{base}{{attachment_id}}/:" in schema
    assert "ConsultationAttachment:" in schema


def test_the_screens_refuse_changing_the_papers_of_a_sent_poll_with_the_reason(
    board: Board, draft: Consultation, media: Path
) -> None:
    paper = attach(board, draft)
    services.consultation_send(actor=board.secretary, consultation=draft)
    secretary = client_for(board.secretary)
    added = secretary.post(
        reverse("consultations:attachment_add", args=[board.body.pk, draft.pk]),
        {"title": "Late annex", "file": upload(PAPER)},
    )
    removed = secretary.post(
        reverse("consultations:attachment_remove", args=[board.body.pk, draft.pk, paper.pk])
    )
    for response in (added, removed):
        assert response.status_code == 400
        assert "This poll has been sent: its papers" in response.content.decode()
    assert list(Attachment.objects.all()) == [paper] and len(stored_files(media)) == 1

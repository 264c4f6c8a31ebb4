"""Papers in headless Chromium: the secretariat uploads a confidential paper on the documents
page; a member opens it and downloads a copy stamped with her name."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from documents.models import Access, Document
from tests.browser.chromium import TABLET, chromium
from tests.browser.test_vote import PASSWORD, log_in
from tests.conftest import Personas
from tests.documents.conftest import Board, board, pdf_bytes, publish_packet  # noqa: F401
from tests.server import RunningServer, set_server_password


@pytest.fixture
def media_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: object) -> Path:
    """One media directory for the test and the server process it starts."""
    root = tmp_path / "media"
    root.mkdir()
    monkeypatch.setenv("MEDIA_ROOT", str(root))
    settings.MEDIA_ROOT = str(root)  # type: ignore[attr-defined]
    return root


def open_documents(page: Page, base_url: str, user: User, path: str) -> None:
    log_in(page, base_url, user.username, path)
    expect(page.get_by_role("heading", name="Documents", exact=True)).to_be_visible()


@pytest.mark.browser
def test_a_confidential_paper_from_upload_to_a_stamped_copy(
    media_root: Path,
    committee: Personas,
    board: Board,  # noqa: F811
    running_server: RunningServer,
    tmp_path: Path,
) -> None:
    for person in (board.secretary, board.member):
        set_server_password(person, PASSWORD)
    source = tmp_path / "kiem-toan.pdf"
    source.write_bytes(pdf_bytes(3, text="Kết luận kiểm toán"))
    documents_path = f"/meetings/{board.meeting.pk}/documents/"

    with chromium() as browser:
        secretary = browser.new_context(viewport=TABLET).new_page()
        open_documents(secretary, running_server.url, board.secretary, documents_path)
        secretary.get_by_label("Title").fill("Audit findings")
        secretary.get_by_label("Agenda item").select_option(label="2 Audit")
        secretary.get_by_label("Classification").select_option("confidential")
        secretary.get_by_label("File").set_input_files(str(source))
        secretary.get_by_role("button", name="Upload").click()
        expect(secretary.get_by_role("heading", name="Audit findings")).to_be_visible()
        expect(secretary.locator("body")).to_contain_text("Document added.")

    document = Document.objects.get()
    assert (document.agenda_item, document.classification) == (board.audit, "confidential")
    publish_packet(board.meeting)

    with chromium() as browser:
        tablet = browser.new_context(viewport=TABLET, accept_downloads=True).new_page()
        open_documents(tablet, running_server.url, board.member, documents_path)
        tablet.get_by_role("link", name="Audit findings").click()
        expect(tablet.locator("body")).to_contain_text("Every copy is stamped with your name")
        with tablet.expect_download() as download_info:
            tablet.get_by_role("link", name="Download").first.click()
        copy = tmp_path / "copy.pdf"
        download_info.value.save_as(copy)

    text = " ".join(
        subprocess.run(
            ["pdftotext", str(copy), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    access = Access.objects.get(user=board.member)
    assert "Nguyễn Thị Lan" in text and str(access.copy_id) in text
    assert "Kết luận kiểm toán" in text

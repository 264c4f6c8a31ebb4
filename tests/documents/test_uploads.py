"""Reading uploads: what a file is comes from its content; refused files leave nothing."""

from __future__ import annotations

import hashlib
import io
import subprocess
import zipfile
import zlib
from pathlib import Path

import pikepdf
import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError
from django.test import override_settings

from core.errors import ServiceError
from documents import services, uploads
from documents.models import Document, DocumentVersion
from documents.uploads import UploadRefused, read_upload
from tests.documents.conftest import (
    Board,
    add_document,
    docx_bytes,
    encrypted_pdf_bytes,
    odt_bytes,
    pdf_bytes,
    stored_files,
    upload,
)

# A password-protected .docx: an OLE2 container holding the encrypted package.
ENCRYPTED_OOXML = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + bytes(512)
)


def test_a_pdf_is_read_with_its_pages_and_digests() -> None:
    content = pdf_bytes(4)
    read = read_upload(upload(content, "Dự thảo ngân sách.pdf"))
    assert read.content == content
    assert read.sha256 == hashlib.sha256(content).hexdigest()
    assert (read.size, read.pages, len(read.page_digests)) == (len(content), 4, 4)
    assert len(set(read.page_digests)) == 4
    assert (read.original_name, read.original_type) == ("Dự thảo ngân sách.pdf", uploads.PDF)


def test_an_unchanged_page_keeps_its_digest_in_a_new_version() -> None:
    first = read_upload(upload(pdf_bytes(3)))
    # The new version: page 2 rewritten, a page added at the front.
    with (
        pikepdf.open(io.BytesIO(pdf_bytes(3))) as pdf,
        pikepdf.open(io.BytesIO(pdf_bytes(1, text="Cover"))) as cover,
    ):
        pdf.pages[1].obj.Contents = pdf.make_stream(b"BT ET")
        pdf.pages.insert(0, cover.pages[0])
        out = io.BytesIO()
        pdf.save(out)
    second = read_upload(upload(out.getvalue()))
    assert second.page_digests[1] == first.page_digests[0]
    assert second.page_digests[2] != first.page_digests[1]
    assert second.page_digests[3] == first.page_digests[2]


def test_a_word_file_is_converted_to_pdf() -> None:
    read = read_upload(
        upload(docx_bytes("Báo cáo kinh tế xã hội"), "report.docx", "application/pdf")
    )
    assert read.content.startswith(b"%PDF-")
    assert read.pages == 1
    assert read.original_type == uploads.DOCX
    assert read.original_name == "report.docx"


def test_an_opendocument_text_is_converted_to_pdf(tmp_path: Path) -> None:
    read = read_upload(upload(odt_bytes("Biên bản họp"), "minutes.odt", "text/plain"))
    assert read.content.startswith(b"%PDF-")
    assert read.original_type == uploads.ODT
    target = tmp_path / "converted.pdf"
    target.write_bytes(read.content)

    text = subprocess.run(
        ["pdftotext", str(target), "-"], capture_output=True, text=True, check=True
    )
    assert "Biên bản họp" in text.stdout


def test_a_word_file_without_a_name_is_known_by_its_content() -> None:
    read = read_upload(upload(docx_bytes("Memo"), "scan", "application/octet-stream"))
    assert read.original_type == uploads.DOCX


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (encrypted_pdf_bytes(), "budget.pdf", "password"),
        (pdf_bytes(3)[:-600], "budget.pdf", "damaged"),
        (b"%PDF-1.7\n garbage that is no PDF at all", "budget.pdf", "damaged"),
        (docx_bytes("Memo"), "budget.pdf", "named “budget.pdf” but its content is not a PDF"),
        (pdf_bytes(1), "memo.docx", "not a DOCX"),
        (b"MZ\x90\x00 an executable", "budget.pdf", "not a PDF, Word, PowerPoint or OpenDocument"),
        (b"", "budget.pdf", "empty"),
        (odt_bytes("Secret", encrypted=True), "minutes.odt", "password"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + "EncryptedPackage".encode("utf-16-le")
            + bytes(512),
            "memo.docx",
            "password",
        ),
    ],
    ids=[
        "encrypted-pdf",
        "truncated-pdf",
        "corrupt-pdf",
        "docx-named-pdf",
        "pdf-named-docx",
        "other-content",
        "empty",
        "encrypted-odt",
        "encrypted-docx",
    ],
)
def test_unreadable_files_are_refused_with_a_reason(
    content: bytes, name: str, message: str
) -> None:
    with pytest.raises(UploadRefused) as refusal:
        read_upload(upload(content, name))
    assert message in refusal.value.message


@override_settings(DOCUMENTS_MAX_UPLOAD_BYTES=10_000)
def test_a_file_over_the_limit_is_refused() -> None:
    with pytest.raises(UploadRefused, match="too large"):
        read_upload(upload(pdf_bytes(40)))


@override_settings(DOCUMENTS_SOFFICE="no-such-office-suite")
def test_without_libreoffice_office_files_are_refused_clearly() -> None:
    with pytest.raises(UploadRefused, match="LibreOffice is not installed"):
        read_upload(upload(docx_bytes("Memo"), "memo.docx"))
    # PDFs need no conversion.
    assert read_upload(upload(pdf_bytes(1))).pages == 1


def test_a_damaged_zip_claiming_to_be_word_is_refused() -> None:
    content = docx_bytes("Memo")
    broken = content[:30] + bytes(len(content) - 30)
    with pytest.raises(UploadRefused):
        read_upload(upload(broken, "memo.docx"))
    assert zipfile.is_zipfile(io.BytesIO(content))


@pytest.mark.parametrize(
    "content",
    [encrypted_pdf_bytes(), pdf_bytes(2)[:-600], docx_bytes("Memo")],
    ids=["encrypted", "corrupt", "misnamed"],
)
def test_a_refused_upload_stores_nothing(board: Board, media: Path, content: bytes) -> None:
    with pytest.raises(ServiceError) as refusal:
        add_document(board, content=content)
    assert refusal.value.field == "file"
    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()
    assert stored_files(media) == []


def test_a_failed_write_removes_the_stored_file(
    board: Board, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database refuses the new version's row after its file was written (a concurrent
    replace took the number): the file goes with the rolled-back transaction."""
    document = add_document(board)
    assert len(stored_files(media)) == 1
    store = services._store_version

    def clashing(
        document: Document, read: uploads.ReadPdf, actor: User, stored: list[str]
    ) -> DocumentVersion:
        version = store(document, read, actor, stored)
        DocumentVersion.objects.filter(pk=version.pk).update(number=1)
        raise IntegrityError("version_number_once")

    monkeypatch.setattr(services, "_store_version", clashing)
    with pytest.raises(IntegrityError):
        services.document_replace(
            actor=board.secretary, document=document, file=upload(pdf_bytes(2))
        )
    assert document.versions.count() == 1
    assert len(stored_files(media)) == 1


def bomb_pdf(inflated: int) -> bytes:
    """A one-page PDF of about a megabyte whose content stream inflates to `inflated` bytes."""
    squeeze = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    compressed = b"".join(squeeze.compress(chunk) for _ in range(inflated // len(chunk)))
    compressed += squeeze.flush()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    contents = pikepdf.Stream(pdf, compressed)
    contents[pikepdf.Name.Filter] = pikepdf.Name.FlateDecode
    pdf.pages[0].obj[pikepdf.Name.Contents] = contents
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


@override_settings(DOCUMENTS_PDF_MEMORY_BYTES=256 * 1024 * 1024)
def test_a_decompression_bomb_is_refused_and_stores_nothing(board: Board, media: Path) -> None:
    """A 1 MB PDF inflating to gigabytes was accepted, the server's memory growing to match."""
    content = bomb_pdf(600 * 1024 * 1024)
    assert len(content) < 2 * 1024 * 1024
    with pytest.raises(ServiceError) as refusal:
        add_document(board, content=content)
    assert refusal.value.field == "file"
    assert "too much memory or time" in refusal.value.message
    assert not Document.objects.exists()
    assert stored_files(media) == []


@override_settings(DOCUMENTS_MAX_PAGES=3)
def test_a_pdf_with_too_many_pages_is_refused() -> None:
    with pytest.raises(UploadRefused) as refusal:
        read_upload(upload(pdf_bytes(4), "long.pdf"))
    assert "more than 3 pages" in refusal.value.message

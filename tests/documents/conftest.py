"""Papers for a committee meeting, uploaded as the secretariat would, and the files to upload:
PDFs drawn with ReportLab, Word and OpenDocument files written as the zip archives they are."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from reportlab.pdfgen import canvas

from agendas import services as agenda_services
from agendas.models import AgendaItem
from documents import permissions, services
from documents.fonts import FONT, register_fonts
from documents.models import Document, Packet
from meetings import services as meeting_services
from meetings.models import Meeting
from tests.conftest import Personas, check_in, plan_meeting
from tests.prebuilt import prebuilt_fixture

READER_NAME = ("Nguyễn Thị", "Lan")


def pdf_bytes(
    pages: int = 3, *, text: str = "Budget", size: tuple[float, float] = (595, 842)
) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=size)
    for number in range(1, pages + 1):
        drawing.setFont(FONT, 14)
        drawing.drawString(72, size[1] - 72, f"{text}, page {number}")
        drawing.showPage()
    drawing.save()
    return buffer.getvalue()


def upload(
    content: bytes, name: str = "paper.pdf", content_type: str = "application/pdf"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


OOXML = "http://schemas.openxmlformats.org"
OFFICE_DOCUMENT = f"{OOXML}/officeDocument/2006/relationships/officeDocument"
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
ODF = "urn:oasis:names:tc:opendocument:xmlns"
ODT_TYPE = "application/vnd.oasis.opendocument.text"
XML = '<?xml version="1.0" encoding="UTF-8"?>'


def docx_bytes(text: str) -> bytes:
    """The smallest Word document: the three parts Word itself requires."""
    buffer = io.BytesIO()
    rels_type = "application/vnd.openxmlformats-package.relationships+xml"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'{XML}<Types xmlns="{OOXML}/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="{rels_type}"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{WORD_MAIN}"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'{XML}<Relationships xmlns="{OOXML}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{OFFICE_DOCUMENT}" Target="word/document.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "word/document.xml",
            f'{XML}<w:document xmlns:w="{OOXML}/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def odt_bytes(text: str, *, encrypted: bool = False) -> bytes:
    """The smallest OpenDocument text: its mimetype first and uncompressed, as the format says.
    An encrypted one declares its encryption in the manifest, as LibreOffice writes it."""
    buffer = io.BytesIO()
    encryption = (
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x">'
        '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" '
        'manifest:initialisation-vector="x"/></manifest:encryption-data>'
        if encrypted
        else ""
    )
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", ODT_TYPE)
        archive.writestr(
            "META-INF/manifest.xml",
            f'{XML}<manifest:manifest xmlns:manifest="{ODF}:manifest:1.0" '
            'manifest:version="1.2">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODT_TYPE}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" '
            f'manifest:media-type="text/xml">{encryption}</manifest:file-entry>'
            "</manifest:manifest>",
            compress_type=zipfile.ZIP_DEFLATED,
        )
        archive.writestr(
            "content.xml",
            f'{XML}<office:document-content xmlns:office="{ODF}:office:1.0" '
            f'xmlns:text="{ODF}:text:1.0" office:version="1.2">'
            f"<office:body><office:text><text:p>{text}</text:p></office:text></office:body>"
            "</office:document-content>",
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return buffer.getvalue()


def encrypted_pdf_bytes() -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf_bytes(2))) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(owner="owner-secret", user="reader-secret"))
    return out.getvalue()


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()]


@pytest.fixture(autouse=True)
def media(settings: pytest.FixtureRequest, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)  # type: ignore[attr-defined]
    return root


@dataclass
class Board:
    """A committee meeting with an agenda: its members attend; the secretary prepares it."""

    personas: Personas
    meeting: Meeting
    budget: AgendaItem
    audit: AgendaItem

    @property
    def secretary(self) -> User:
        return self.personas.secretary

    @property
    def member(self) -> User:
        return self.personas.members[0]

    @property
    def other_member(self) -> User:
        return self.personas.members[1]


@prebuilt_fixture
def board(committee: Personas) -> Board:
    member = committee.members[0]
    member.first_name, member.last_name = READER_NAME
    member.save()
    draft = plan_meeting(
        committee, starts_in=datetime.timedelta(hours=1), title="Finance Committee"
    )
    meeting = meeting_services.meeting_schedule(actor=committee.secretary, meeting=draft)

    def add(title: str) -> AgendaItem:
        return agenda_services.agenda_item_create(
            actor=committee.secretary, meeting=meeting, title=title
        )

    return Board(personas=committee, meeting=meeting, budget=add("Budget"), audit=add("Audit"))


def add_document(
    board: Board,
    *,
    classification: str = Document.Classification.INTERNAL,
    title: str = "Draft budget",
    item: AgendaItem | None = None,
    content: bytes | None = None,
) -> Document:
    return services.document_create(
        actor=board.secretary,
        meeting=board.meeting,
        file=upload(content or pdf_bytes(3)),
        title=title,
        classification=classification,
        agenda_item=item if item is not None else board.budget,
    )


def publish_packet(meeting: Meeting, documents: Iterable[Document] | None = None) -> None:
    """What publishing the packet does to rights: from now on attendees read their papers."""
    Packet.objects.update_or_create(meeting=meeting, defaults={"published_at": timezone.now()})
    meeting.refresh_from_db()
    papers = list(documents) if documents is not None else list(meeting.documents.all())
    permissions.grant_defaults(papers, permissions.default_readers(meeting))


def close_meeting(board: Board) -> None:
    meeting = board.meeting
    check_in(meeting, board.personas.voters)
    meeting_services.meeting_start(actor=board.personas.chair, meeting=meeting)
    meeting_services.meeting_adjourn(actor=board.personas.chair, meeting=meeting)
    meeting_services.meeting_close(actor=board.secretary, meeting=meeting)

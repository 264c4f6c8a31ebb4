"""Meeting papers as the secretariat would have uploaded them: real PDFs (drawn by ReportLab,
one line of text per page) stored as document versions, with a digest per page."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from agendas import services as agenda_services
from agendas.models import AgendaItem
from documents import services
from documents.fonts import FONT, register_fonts
from documents.models import Document, DocumentVersion
from meetings.models import Meeting
from tests.agendas.conftest import AgendaPlan, build_agenda
from tests.conftest import Personas

C = Document.Classification


def make_pdf(texts: list[str], *, pagesize: tuple[float, float] = A4) -> bytes:
    """A PDF with one page per text, the text written on it."""
    register_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=pagesize)
    for text in texts:
        pdf.setFont(FONT, 14)
        pdf.drawString(72, pagesize[1] - 100, text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def page_digests(data: bytes) -> list[str]:
    """One SHA-256 per page, of what the page draws."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [
            hashlib.sha256(
                b"".join(
                    stream.read_bytes()
                    for stream in (
                        page.obj.Contents
                        if isinstance(page.obj.Contents, pikepdf.Array)
                        else [page.obj.Contents]
                    )
                )
            ).hexdigest()
            for page in pdf.pages
        ]


def add_version(
    document: Document, texts: list[str], *, by: User | None = None, data: bytes | None = None
) -> DocumentVersion:
    """A new version of the document: one page per text, or the PDF `data` as it is."""
    if data is None:
        data = make_pdf(texts)
    digests = page_digests(data)
    number = (document.versions.count() or 0) + 1
    version = DocumentVersion(
        document=document,
        number=number,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        pages=len(digests),
        page_digests=digests,
        original_name=f"{document.title}.pdf",
        original_type="application/pdf",
        uploaded_by=by,
    )
    version.file.save(f"{document.pk}.pdf", ContentFile(data), save=False)
    version.save()
    return version


def add_document(
    meeting: Meeting,
    title: str,
    *,
    item: AgendaItem | None = None,
    classification: str = C.INTERNAL,
    pages: int = 2,
    kind: str = Document.Kind.REPORT,
    position: int = 0,
) -> Document:
    document = Document.objects.create(
        meeting=meeting,
        agenda_item=item,
        title=title,
        kind=kind,
        classification=classification,
        position=position,
    )
    add_version(document, [f"{title} - page {n}" for n in range(1, pages + 1)])
    return document


@pytest.fixture
def media_root(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Uploaded files go to a directory of the test's own (a server process reads it too)."""
    root = tmp_path / "media"
    root.mkdir(exist_ok=True)  # the documents tests' own fixture may have made it
    settings.MEDIA_ROOT = str(root)
    monkeypatch.setenv("MEDIA_ROOT", str(root))
    return root


@dataclass
class Papers:
    plan: AgendaPlan
    budget_report: Document  # internal, 3 pages, item 1
    revenue_note: Document  # confidential, 2 pages, item 1.1
    decree_draft: Document  # public draft resolution, 4 pages, item 2
    decree_annex: Document  # secret, 2 pages, item 2
    programme: Document  # internal, 1 page, the whole meeting

    @property
    def meeting(self) -> Meeting:
        return self.plan.meeting

    @property
    def all(self) -> list[Document]:
        return [
            self.budget_report,
            self.revenue_note,
            self.decree_draft,
            self.decree_annex,
            self.programme,
        ]


def build_papers(government: Personas, meeting: Meeting) -> Papers:
    plan = build_agenda(government, meeting)
    agenda_services.agenda_publish(actor=government.secretary, meeting=meeting)
    return Papers(
        plan=plan,
        budget_report=add_document(meeting, "Budget report", item=plan.budget, pages=3),
        revenue_note=add_document(
            meeting, "Revenue estimates", item=plan.budget_revenue, classification=C.CONFIDENTIAL
        ),
        decree_draft=add_document(
            meeting,
            "Draft decree",
            item=plan.decree,
            classification=C.PUBLIC,
            pages=4,
            kind=Document.Kind.DRAFT_RESOLUTION,
        ),
        decree_annex=add_document(
            meeting, "Security annex", item=plan.decree, classification=C.SECRET, position=1
        ),
        programme=add_document(meeting, "Programme of the day", pages=1),
    )


@pytest.fixture
def papers(government: Personas, meeting: Meeting, media_root: Path) -> Papers:
    """The meeting's papers uploaded, the agenda published, the packet not yet."""
    return build_papers(government, meeting)


@pytest.fixture
def packet(government: Personas, papers: Papers) -> Iterator[Papers]:
    """The packet published: the attendees may read."""
    services.packet_publish(actor=government.secretary, meeting=papers.meeting)
    papers.meeting.refresh_from_db()
    yield papers

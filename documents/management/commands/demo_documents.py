"""Papers for the demo meeting within the hour (after `demo_agendas`): a draft law, a
confidential draft decree and a report, filed under their agenda items, and the packet
published, so that members can read, annotate and download at once. Idempotent."""

import io
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from agendas.models import AgendaItem
from documents import services
from documents.fonts import FONT, FONT_BOLD, register_fonts
from documents.models import Document
from meetings.models import Meeting

MEETING = "Thematic meeting on law-making"
C = Document.Classification
# (agenda item, title, kind, classification, pages of text)
PAPERS: list[tuple[str, str, str, str, list[str]]] = [
    (
        "Draft Law on Digital Technology Industry",
        "Dự thảo Luật Công nghiệp công nghệ số",
        Document.Kind.DRAFT_RESOLUTION,
        C.INTERNAL,
        [
            "Chương I. Những quy định chung: phạm vi điều chỉnh và đối tượng áp dụng.",
            "Chương II. Phát triển công nghiệp công nghệ số và doanh nghiệp bán dẫn.",
            "Chương III. Ưu đãi, hỗ trợ đầu tư; nguồn nhân lực công nghệ số.",
            "Chương IV. Điều khoản thi hành.",
        ],
    ),
    (
        "Draft Decree on personal data protection",
        "Dự thảo Nghị định về bảo vệ dữ liệu cá nhân",
        Document.Kind.DRAFT_RESOLUTION,
        C.CONFIDENTIAL,
        [
            "Điều 1. Phạm vi điều chỉnh: dữ liệu cá nhân và xử lý dữ liệu cá nhân.",
            "Điều 2. Quyền và nghĩa vụ của chủ thể dữ liệu.",
            "Điều 3. Trách nhiệm của bên kiểm soát và bên xử lý dữ liệu.",
        ],
    ),
    (
        "Law-making programme for 2027",
        "Báo cáo Chương trình xây dựng luật năm 2027",
        Document.Kind.REPORT,
        C.PUBLIC,
        [
            "Tình hình thực hiện Chương trình năm 2026 và đề xuất cho năm 2027.",
            "Danh mục các dự án luật trình Quốc hội năm 2027.",
        ],
    ),
]


def paper(title: str, pages: list[str]) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=A4)
    drawing.setTitle(title)
    width, height = A4
    for number, text in enumerate(pages, start=1):
        drawing.setFont(FONT_BOLD, 14)
        drawing.drawString(60, height - 80, title)
        drawing.setFont(FONT, 11)
        drawing.drawString(60, height - 120, text)
        drawing.drawRightString(width - 60, 40, f"{number}/{len(pages)}")
        drawing.showPage()
    drawing.save()
    return buffer.getvalue()


class Command(BaseCommand):
    help = "File papers for the demo meeting within the hour and publish its packet."

    def handle(self, *args: Any, **options: Any) -> None:
        secretary = User.objects.filter(username="govsecretary").first()
        meeting = Meeting.objects.filter(title=MEETING, status=Meeting.Status.SCHEDULED).first()
        if secretary is None or meeting is None:
            self.stdout.write("No demo meeting: run demo_data and demo_agendas first.")
            return
        if Document.objects.filter(meeting=meeting).exists():
            return
        for item_title, title, kind, classification, pages in PAPERS:
            services.document_create(
                actor=secretary,
                meeting=meeting,
                file=SimpleUploadedFile(f"{kind}.pdf", paper(title, pages), "application/pdf"),
                title=title,
                kind=kind,
                classification=classification,
                agenda_item=AgendaItem.objects.get(meeting=meeting, title=item_title),
            )
        services.packet_publish(actor=secretary, meeting=meeting)
        self.stdout.write(f"Packet of {meeting.title!r}: {len(PAPERS)} papers, published.")

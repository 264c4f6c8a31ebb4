from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command

from documents import permissions
from documents.models import Document
from meetings.models import Meeting


def test_the_demo_meeting_gets_its_papers_published(db: None) -> None:
    call_command("demo_data", stdout=StringIO())
    call_command("demo_agendas", stdout=StringIO())
    call_command("demo_documents", stdout=StringIO())
    call_command("demo_documents", stdout=StringIO())  # a second run adds nothing
    meeting = Meeting.objects.get(title="Thematic meeting on law-making")
    papers = {document.title: document for document in Document.objects.filter(meeting=meeting)}
    assert len(papers) == 3
    assert permissions.packet_published(meeting)
    finance = User.objects.get(username="finance")
    decree = papers["Dự thảo Nghị định về bảo vệ dữ liệu cá nhân"]
    assert decree.classification == Document.Classification.CONFIDENTIAL
    assert decree.versions.get().pages == 3
    assert permissions.DOWNLOAD_DOCUMENT in permissions.document_rights(finance, decree)

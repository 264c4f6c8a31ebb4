"""The members' packet page, the packet API and the read receipts read a fixed number of
queries, however long the agenda and however many the papers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from agendas import services as agenda_services
from agendas.models import AgendaItem
from documents import permissions, services
from documents.models import Access, Document, DocumentVersion
from meetings.models import Meeting
from tests.conftest import Personas
from tests.documents.reading.conftest import add_document


def grow(meeting: Meeting, *, items: int, documents_per_item: float) -> None:
    """Add items (some nested) and documents in bulk: the pages read them, whoever wrote them."""
    start = AgendaItem.objects.filter(meeting=meeting, parent=None).count()
    tops = AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, title=f"Item {n}", position=start + n)
        for n in range(items // 2)
    )
    subs = AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, parent=top, title=f"Sub-item of {top.pk}", position=0)
        for top in tops
    )
    every = [*tops, *subs]
    count = int(len(every) * documents_per_item)
    classes = list(Document.Classification.values)
    docs = Document.objects.bulk_create(
        Document(
            meeting=meeting,
            agenda_item=every[n % len(every)],
            title=f"Paper {n}",
            classification=classes[n % len(classes)],
            position=n,
        )
        for n in range(count)
    )
    versions = DocumentVersion.objects.bulk_create(
        DocumentVersion(
            document=doc,
            number=number,
            file=f"documents/{meeting.pk}/{doc.pk}-{number}.pdf",
            sha256="0" * 64,
            size=1000,
            pages=3,
            page_digests=[f"{doc.pk}-{number}-{page}" for page in range(3)],
            original_name="paper.pdf",
            original_type="application/pdf",
        )
        for doc in docs
        for number in (1, 2)
    )
    permissions.grant_defaults(docs, permissions.default_readers(meeting))
    # The member read the first version of every third paper: those are marked as changed.
    member = User.objects.get(username="reader")
    Access.objects.bulk_create(
        Access(version=version, user=member, action=Access.Action.VIEW)
        for version in versions
        if version.number == 1 and version.document_id % 3 == 0
    )


def count(request: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        request()
    return len(queries)


@pytest.fixture
def published(government: Personas, meeting: Meeting, media_root: object) -> Meeting:
    government.members[0].username = "reader"
    government.members[0].save()
    item = agenda_services.agenda_item_create(
        actor=government.secretary, meeting=meeting, title="Opening"
    )
    agenda_services.agenda_publish(actor=government.secretary, meeting=meeting)
    add_document(meeting, "Opening remarks", item=item)
    services.packet_publish(actor=government.secretary, meeting=meeting)
    return meeting


def test_the_packet_page_reads_a_fixed_number_of_queries(
    client: Client, government: Personas, published: Meeting
) -> None:
    member = government.members[0]
    client.force_login(member)
    secretary = Client()
    secretary.force_login(government.secretary)
    rest = APIClient()
    rest.force_login(member)
    pages: dict[str, Callable[[], object]] = {
        "member's packet page": lambda: client.get(
            reverse("documents:packet", args=[published.pk])
        ),
        "packet API": lambda: rest.get(f"/api/v1/meetings/{published.pk}/packet/"),
        "secretariat's packet page": lambda: secretary.get(
            reverse("documents:packet", args=[published.pk])
        ),
        "read receipts": lambda: secretary.get(
            reverse("documents:read_receipts", args=[published.pk])
        ),
    }
    grow(published, items=20, documents_per_item=1.5)
    for request in pages.values():
        request()  # the first request fills the session and caches
    small = {name: count(request) for name, request in pages.items()}
    grow(published, items=180, documents_per_item=1.5)
    assert Document.objects.filter(meeting=published).count() == 1 + 30 + 270
    assert AgendaItem.objects.filter(meeting=published).count() == 201
    html = client.get(reverse("documents:packet", args=[published.pk])).content.decode()
    assert html.count("Changed since you read it") > 50
    large = {name: count(request) for name, request in pages.items()}
    assert large == small
    assert small["member's packet page"] <= 20

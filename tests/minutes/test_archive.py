"""The archive's search on PostgreSQL: what each persona finds, and what they never see."""

from __future__ import annotations

import datetime
import io

from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from documents import services as document_services
from documents.models import Document, DocumentVersion
from documents.uploads import pdf_text
from meetings import services as meeting_services
from meetings.models import Meeting
from minutes import archive
from minutes.models import Minutes
from tests.conftest import Personas, plan_meeting
from tests.documents.conftest import (  # noqa: F401  (fixtures)
    Board,
    add_document,
    board,
    media,
    pdf_bytes,
    publish_packet,
)

C = Document.Classification
SEARCH = "/api/v1/archive/search/"
BUDGET_TEXT = "Hội đồng thông qua dự toán ngân sách năm 2027 và giao Bộ Tài chính tổng hợp."


def minutes_for(meeting: Meeting, author: User, status: str, text: str = BUDGET_TEXT) -> Minutes:
    """Minutes as the workflow leaves them, their search vector stored as its services store
    it: the rows only, the workflow is tested elsewhere."""
    minutes = Minutes.objects.create(
        meeting=meeting,
        number=f"{meeting.pk}/BB-HĐ",
        status=status,
        sections=[{"key": "conclusions", "title": "Kết luận", "text": text}],
        record={"items": [{"title": "Dự toán"}]},
        language="vi",
        created_by=author,
    )
    archive.minutes_index(minutes)
    return minutes


def search(user: User, **params: str) -> dict[str, object]:
    client = Client()
    client.force_login(user)
    response = client.get(SEARCH, params)
    assert response.status_code == 200, response.content
    return response.json()


def titles(result: dict[str, object]) -> list[str]:
    hits = result["results"]
    assert isinstance(hits, list)
    return [hit["title"] for hit in hits]


def test_signed_minutes_found_by_a_member_with_vietnamese_words(
    board: Board,  # noqa: F811
) -> None:
    minutes = minutes_for(board.meeting, board.secretary, Minutes.Status.SIGNED)
    result = search(board.member, q="ngân sách")
    assert titles(result) == [minutes.number]
    hit = result["results"][0]  # type: ignore[index]
    assert "<mark>ngân</mark> <mark>sách</mark>" in hit["snippet"]
    assert hit["url"] == reverse("minutes:minutes", args=[board.meeting.pk])
    # Typed without diacritics or in capitals, they are the same words.
    assert titles(search(board.member, q="ngan sach")) == [minutes.number]
    assert titles(search(board.member, q="NGÂN SÁCH")) == [minutes.number]


def test_unsigned_minutes_are_the_secretariats_and_the_chairs(
    board: Board,  # noqa: F811
) -> None:
    minutes = minutes_for(board.meeting, board.secretary, Minutes.Status.APPROVED)
    assert titles(search(board.member, q="ngân sách")) == []
    assert titles(search(board.secretary, q="ngân sách")) == [minutes.number]
    assert titles(search(board.personas.chair, q="ngân sách")) == [minutes.number]


def test_minutes_of_a_meeting_not_seen_are_not_found(
    board: Board,  # noqa: F811
    outsider: User,
) -> None:
    minutes_for(board.meeting, board.secretary, Minutes.Status.SIGNED)
    assert search(outsider, q="ngân sách")["count"] == 0


def test_document_text_is_read_at_upload() -> None:
    assert "Quyết toán ngân sách" in pdf_text(pdf_bytes(1, text="Quyết toán ngân sách"))


def test_index_documents_reads_the_text_of_older_versions(
    board: Board,  # noqa: F811
) -> None:
    document = add_document(board, content=pdf_bytes(1, text="Kiểm toán ngân sách"))
    DocumentVersion.objects.filter(document=document).update(text="")
    out = io.StringIO()
    call_command("index_documents", stdout=out)
    assert "1 document versions indexed." in out.getvalue()
    assert "Kiểm toán ngân sách" in DocumentVersion.objects.get(document=document).text


def test_confidential_paper_only_for_those_who_may_read_it(
    board: Board,  # noqa: F811
    outsider: User,
) -> None:
    public = add_document(board, title="Agenda note", content=pdf_bytes(1, text="Lịch họp"))
    secret = add_document(
        board,
        title="Báo cáo mật",
        classification=C.CONFIDENTIAL,
        content=pdf_bytes(2, text="Thanh tra ngân sách tỉnh"),
    )
    # Published with only the public paper given to attendees: the confidential one is granted
    # to one member by name.
    publish_packet(board.meeting, [public])
    document_services.document_grant(
        actor=board.secretary, document=secret, rights=["view"], user=board.member
    )
    found = search(board.member, q="thanh tra")
    assert titles(found) == ["Báo cáo mật"]
    assert "<mark>Thanh</mark> <mark>tra</mark>" in found["results"][0]["snippet"]  # type: ignore[index]
    for other in (board.other_member, outsider):
        result = search(other, q="thanh tra")
        assert result == {"count": 0, "page": 1, "pages": 1, "results": []}
        # Not even by its title.
        assert search(other, q="mật")["count"] == 0
    assert titles(search(board.secretary, q="thanh tra")) == ["Báo cáo mật"]

    document_services.document_revoke(
        actor=board.secretary, document=secret, rights=["view"], user=board.member
    )
    assert search(board.member, q="thanh tra")["count"] == 0


def test_unpublished_papers_are_the_secretariats(
    board: Board,  # noqa: F811
) -> None:
    add_document(board, title="Draft budget", content=pdf_bytes(1, text="ngân sách"))
    assert search(board.member, q="ngân sách")["count"] == 0
    assert titles(search(board.secretary, q="ngân sách")) == ["Draft budget"]


def test_filters_by_body_date_item_and_kind(
    board: Board,  # noqa: F811
    government: Personas,
) -> None:
    document = add_document(
        board, title="Budget paper", item=board.audit, content=pdf_bytes(1, text="ngân sách")
    )
    minutes = minutes_for(board.meeting, board.secretary, Minutes.Status.SIGNED)
    publish_packet(board.meeting)
    # Another body's meeting, whose secretary is also on the board: the body filter splits them.
    other = plan_meeting(
        government, starts_in=datetime.timedelta(days=40), title="Government meeting"
    )
    minutes_for(other, government.secretary, Minutes.Status.SIGNED)
    member = board.member
    both = {minutes.number, document.title}
    assert set(titles(search(member, q="ngân sách"))) == both
    assert set(titles(search(member, q="ngân sách", body=str(board.personas.body.pk)))) == both
    # Days are the body's local days: in the evening UTC they are already tomorrow here.
    day = timezone.localdate(board.meeting.starts_at)
    assert set(titles(search(member, q="ngân sách", **{"from": str(day), "to": str(day)}))) == both
    later = str(day + datetime.timedelta(days=1))
    assert search(member, q="ngân sách", **{"from": later})["count"] == 0
    assert titles(search(member, q="ngân sách", kind="minutes")) == [minutes.number]
    assert titles(search(member, q="ngân sách", kind="document")) == [document.title]
    assert titles(search(member, q="ngân sách", item="audit", kind="document")) == [document.title]
    assert search(member, q="ngân sách", item="budget", kind="document")["count"] == 0
    # The government secretary finds the government's minutes and only those there.
    own = search(government.secretary, q="ngân sách", body=str(government.body.pk))
    assert titles(own) == [f"{other.pk}/BB-HĐ"]


def test_bad_input_is_refused_with_a_reason(
    board: Board,  # noqa: F811
    government: Personas,
) -> None:
    client = Client()
    client.force_login(board.member)
    cases = {
        "from": {"q": "x", "from": "2026-13-45"},
        "body": {"q": "x", "body": str(government.body.pk)},
        "q": {"q": "x" * 201},
        "kind": {"q": "x", "kind": "letters"},
    }
    for field, params in cases.items():
        response = client.get(SEARCH, params)
        assert response.status_code == 400
        assert field in response.json()
    response = client.get(SEARCH, {"q": "x", "from": "2026-02-01", "to": "2026-01-01"})
    assert response.status_code == 400
    assert client.get(SEARCH).status_code == 400


def test_anonymous_is_refused(
    board: Board,  # noqa: F811
) -> None:
    assert Client().get(SEARCH, {"q": "x"}).status_code == 403
    page = Client().get(reverse("minutes:archive"), {"q": "x"})
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))


def test_the_screen_shows_highlighted_hits(
    board: Board,  # noqa: F811
) -> None:
    text = "<script>alert(1)</script> Thu & chi ngân sách"
    minutes_for(board.meeting, board.secretary, Minutes.Status.SIGNED, text=text)
    client = Client()
    client.force_login(board.member)
    page = client.get(reverse("minutes:archive"), {"q": "ngân sách"})
    assert page.status_code == 200
    html = page.content.decode()
    # The minutes' own text is never markup: only the highlight is.
    assert "Thu &amp; chi <mark>ngân</mark> <mark>sách</mark>" in html
    assert "<script>alert" not in html
    assert client.get(reverse("minutes:archive")).status_code == 200
    assert client.get(reverse("minutes:archive"), {"q": "x", "from": "no"}).status_code == 400


def test_a_page_costs_the_same_for_5_and_50_hits(
    board: Board,  # noqa: F811
) -> None:
    def add(count: int) -> None:
        for number in range(count):
            add_document(board, title=f"Paper {number}", content=pdf_bytes(1, text="ngân sách"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            result = archive.archive_search(board.member, archive.ArchiveQuery(text="ngân sách"))
        assert result.hits
        return len(captured)

    minutes_for(board.meeting, board.secretary, Minutes.Status.SIGNED)
    add(4)
    publish_packet(board.meeting)
    five = queries()
    add(45)
    publish_packet(board.meeting)
    result = archive.archive_search(board.member, archive.ArchiveQuery(text="ngân sách"))
    assert result.count == 50
    assert len(result.hits) == archive.PAGE_SIZE
    assert queries() == five <= 4
    second = archive.archive_search(board.member, archive.ArchiveQuery(text="ngân sách"), 3)
    assert len(second.hits) == 10


def test_a_paper_granted_to_a_role_is_found_by_its_holders(
    board: Board,  # noqa: F811
    outsider: User,
) -> None:
    public = add_document(board, title="Agenda note", content=pdf_bytes(1, text="Lịch họp"))
    paper = add_document(
        board, classification=C.CONFIDENTIAL, content=pdf_bytes(1, text="Thanh tra thuế")
    )
    publish_packet(board.meeting, [public])
    document_services.document_grant(
        actor=board.secretary, document=paper, rights=["view"], role="member"
    )
    assert search(board.other_member, q="thuế")["count"] == 1
    assert search(outsider, q="thuế")["count"] == 0


def test_document_text_has_its_gin_index(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'documents_version_text_fts'"
        )
        (definition,) = cursor.fetchone()
    assert "USING gin (to_tsvector('archive'::regconfig, COALESCE(text, ''::text)))" in definition


def test_minutes_are_found_by_their_stored_vector_after_an_edit_and_the_approval(
    government: Personas,
) -> None:
    from minutes.services import minutes as minutes_services
    from tests.minutes.conftest import drafted, hold_meeting

    meeting = plan_meeting(government, starts_in=datetime.timedelta(hours=1))
    meeting = meeting_services.meeting_schedule(actor=government.secretary, meeting=meeting)
    minutes = drafted(hold_meeting(government, meeting))
    stored = Minutes.objects.values_list("search_vector", flat=True).get(pk=minutes.pk)
    assert stored and "'decree'" in stored

    def found(words: str) -> list[str]:
        result = archive.archive_search(government.secretary, archive.ArchiveQuery(text=words))
        return [hit.title for hit in result.hits]

    assert found("thủy lợi") == found("đê điều") == []
    for text in ("Rà soát đê điều.", "Giao Bộ Nông nghiệp rà soát các công trình thủy lợi."):
        minutes = minutes_services.minutes_edit(
            actor=government.secretary, minutes=minutes, texts={"conclusions": text}
        )
    minutes = minutes_services.minutes_submit(actor=government.secretary, minutes=minutes)
    minutes = minutes_services.minutes_approve(actor=government.chair, minutes=minutes)
    assert found("thủy lợi") == [minutes.number]
    # The vector follows the text: the words edited away are no longer found.
    assert found("đê điều") == []


def test_the_minutes_search_reads_the_stored_vector_in_a_fixed_number_of_queries(
    board: Board,  # noqa: F811
    committee: Personas,
) -> None:
    def queries() -> tuple[int, list[str]]:
        query = archive.ArchiveQuery(text="ngân sách", kind="minutes")
        with CaptureQueriesContext(connection) as captured:
            result = archive.archive_search(board.secretary, query)
        assert result.hits
        return len(captured), [q["sql"] for q in captured]

    minutes_for(board.meeting, board.secretary, Minutes.Status.SIGNED)
    one, sql = queries()
    for number in range(5):
        meeting = plan_meeting(
            board.personas, starts_in=datetime.timedelta(days=number + 2), title=f"M{number}"
        )
        minutes_for(meeting, board.secretary, Minutes.Status.SIGNED)
    assert queries()[0] == one == 2
    # Matched and ranked on the stored column, not on a vector computed row by row.
    where = sql[-1].split("WHERE", 1)[1]
    assert '"minutes_minutes"."search_vector" @@' in where
    assert "to_tsvector" not in where


def test_the_minutes_search_vector_has_its_gin_index_and_the_migration_fills_it(
    board: Board,  # noqa: F811
) -> None:
    import importlib

    from django.apps import apps

    minutes = minutes_for(board.meeting, board.secretary, Minutes.Status.SIGNED)
    Minutes.objects.filter(pk=minutes.pk).update(search_vector=None)
    assert archive.archive_search(board.member, archive.ArchiveQuery(text="ngân sách")).count == 0
    # 0004 filled it in the 'simple' configuration, 0005 again in the archive's.
    migration = importlib.import_module("minutes.migrations.0005_archive_search_config")
    with connection.schema_editor() as editor:
        migration.forwards(apps, editor)
    assert archive.archive_search(board.member, archive.ArchiveQuery(text="ngân sách")).count == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'minutes_minutes_search_vector_gin'"
        )
        (definition,) = cursor.fetchone()
    assert "USING gin (search_vector)" in definition

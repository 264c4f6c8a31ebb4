"""The packet and notes API as a client sees it. Every endpoint is tried by those who may use
it and by those who may not; bad input gets a 4xx with a reason, never a 500."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from guardian.shortcuts import remove_perm
from rest_framework.test import APIClient

from documents import permissions, services
from documents.models import Note
from meetings import services as meeting_services
from meetings.models import Membership
from tests.conftest import Personas
from tests.documents.reading.conftest import Papers
from tests.documents.reading.test_views import PERSONAS, persona
from tests.meetings.test_api import NOT_FOUND, NOT_SIGNED_IN, api

API = "/api/v1"


def test_a_member_reads_the_packet_in_agenda_order(government: Personas, packet: Papers) -> None:
    response = api(government.members[0]).get(f"{API}/meetings/{packet.meeting.pk}/packet/")
    assert response.status_code == 200
    body = response.json()
    assert body["is_published"] is True
    items = [(item["number"], [d["title"] for d in item["documents"]]) for item in body["items"]]
    assert items == [
        ("1", ["Budget report"]),
        ("1.1", ["Revenue estimates"]),
        ("1.2", []),
        ("2", ["Draft decree", "Security annex"]),
        ("3", []),
    ]
    annex = body["items"][3]["documents"][1]
    assert annex == {
        "id": packet.decree_annex.pk,
        "title": "Security annex",
        "kind": "report",
        "classification": "secret",
        "version": 1,
        "pages": 2,
        "read_version": None,
        "is_new": True,
        "is_changed": False,
        "changed_pages": [],
        "can_download": False,
        "can_annotate": True,
    }
    assert [d["title"] for d in body["meeting_papers"]] == ["Programme of the day"]


def test_who_may_read_the_packet_and_its_receipts(
    government: Personas, packet: Papers, outsider: User
) -> None:
    meeting = packet.meeting.pk
    leaving = government.members[3]
    meeting_services.membership_end(
        actor=government.secretary,
        membership=Membership.objects.get(body=government.body, user=leaving),
    )
    for path in ("packet/", "packet.pdf", "packet/receipts/"):
        assert api().get(f"{API}/meetings/{meeting}/{path}").json() == NOT_SIGNED_IN
        for user in (outsider, leaving):
            response = api(user).get(f"{API}/meetings/{meeting}/{path}")
            assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert api(government.members[0]).get(f"{API}/meetings/{meeting}/packet/receipts/").json() == (
        NOT_FOUND
    )
    receipts = api(government.secretary).get(f"{API}/meetings/{meeting}/packet/receipts/").json()
    assert receipts["overdue"] is True
    assert [d["title"] for d in receipts["documents"]] == [
        "Budget report",
        "Revenue estimates",
        "Draft decree",
        "Security annex",
        "Programme of the day",
    ]
    # Every member who opened nothing; not the secretary, who prepared the papers.
    flagged = {row["user"]["id"]: row["flagged"] for row in receipts["readers"]}
    assert flagged.pop(government.secretary.pk) is False
    assert all(flagged.values())
    assert all(r["readable"] for row in receipts["readers"] for r in row["receipts"][:1])
    pdf = api(government.members[0]).get(f"{API}/meetings/{meeting}/packet.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    receipts = api(government.secretary).get(f"{API}/meetings/{meeting}/packet/receipts/").json()
    member_row = next(
        row for row in receipts["readers"] if row["user"]["id"] == government.members[0].pk
    )
    assert member_row["flagged"] is False
    assert [r["latest_version"] for r in member_row["receipts"]] == [1, 1, 1, None, 1]


def test_only_the_secretariat_publishes_through_the_api(
    government: Personas, papers: Papers, outsider: User
) -> None:
    meeting = papers.meeting.pk
    for user in (outsider, government.members[0]):
        response = api(user).post(f"{API}/meetings/{meeting}/packet/publish/")
        assert response.status_code in (403, 404)
    assert not permissions.packet_published(papers.meeting)
    response = api(government.secretary).post(f"{API}/meetings/{meeting}/packet/publish/")
    assert response.status_code == 200 and response.json()["is_published"] is True
    again = api(government.secretary).post(f"{API}/meetings/{meeting}/packet/publish/")
    assert again.json() == {"detail": "The packet is already published.", "field": None}
    response = api(government.secretary).post(
        f"{API}/meetings/{meeting}/packet/unpublish/", {"force": True}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"force": ["This field is not accepted here."]}


def test_notes_through_the_api_are_private_and_checked(
    government: Personas, packet: Papers, outsider: User
) -> None:
    member, other = government.members[0], government.members[1]
    notes = f"{API}/documents/{packet.budget_report.pk}/notes/"
    created = api(member).post(notes, {"page": 2, "text": "Ask about it"}, format="json")
    assert created.status_code == 201
    note = created.json()
    assert (note["page"], note["text"], note["version"], note["page_changed"]) == (
        2,
        "Ask about it",
        1,
        False,
    )
    assert api(other).get(notes).json() == []
    assert len(api(member).get(notes).json()) == 1
    detail = f"{notes}{note['id']}/"
    for user in (other, outsider, government.secretary):
        response = api(user).patch(detail, {"text": "Hijacked"}, format="json")
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
        assert api(user).delete(detail).status_code == 404
    assert api(outsider).get(notes).json() == NOT_FOUND
    assert api().get(notes).json() == NOT_SIGNED_IN
    changed = api(member).patch(detail, {"text": "Asked"}, format="json")
    assert changed.status_code == 200 and changed.json()["text"] == "Asked"
    assert api(member).delete(detail).status_code == 204
    assert not Note.objects.exists()


@pytest.mark.parametrize(
    ("payload", "content_type", "expected"),
    [
        ('{"page": 1, "text": ', "application/json", "JSON parse error"),
        ({"page": 1, "text": ""}, None, {"text": ["This field may not be blank."]}),
        (
            {"page": 1, "text": "  "},
            None,
            {"detail": "Write something in the note.", "field": "text"},
        ),
        (
            {"page": 0, "text": "x"},
            None,
            {"page": ["Ensure this value is greater than or equal to 1."]},
        ),
        (
            {"page": 4, "text": "x"},
            None,
            {"detail": "Choose a page between 1 and 3.", "field": "page"},
        ),
        ({"page": "two", "text": "x"}, None, {"page": ["A valid integer is required."]}),
        ({"text": "x"}, None, {"page": ["This field is required."]}),
    ],
)
def test_bad_notes_get_a_reason(
    government: Personas, packet: Papers, payload: Any, content_type: str | None, expected: Any
) -> None:
    client = api(government.members[0])
    notes = f"{API}/documents/{packet.budget_report.pk}/notes/"
    if content_type:
        response = client.generic("POST", notes, payload, content_type=content_type)
    else:
        response = client.post(notes, payload, format="json")
    assert response.status_code == 400
    if isinstance(expected, str):
        assert expected in json.dumps(response.json())
    else:
        assert response.json() == expected
    assert not Note.objects.exists()


def test_a_member_without_the_right_to_annotate_is_refused(
    government: Personas, packet: Papers
) -> None:
    member = government.members[0]
    remove_perm(permissions.ANNOTATE_DOCUMENT, member, packet.budget_report)
    response = api(member).post(
        f"{API}/documents/{packet.budget_report.pk}/notes/", {"page": 1, "text": "x"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "You may not keep notes on this document."}
    services.note_add(actor=government.secretary, document=packet.budget_report, page=1, text="s")


def test_schema_documents_the_packet(tmp_path: Any) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in (
        "/api/v1/meetings/{meeting_id}/packet/:",
        "/api/v1/meetings/{meeting_id}/packet.pdf:",
        "/api/v1/meetings/{meeting_id}/packet/publish/:",
        "/api/v1/meetings/{meeting_id}/packet/receipts/:",
        "/api/v1/documents/{document_id}/notes/{note_id}/:",
    ):
        assert path in schema
    assert "application/pdf" in schema


Call = Callable[[APIClient, Papers, int], Any]

ENDPOINTS: dict[str, tuple[Call, dict[str, int]]] = {
    "packet": (
        lambda c, p, n: c.get(f"{API}/meetings/{p.meeting.pk}/packet/"),
        {"without_right": 200, "member": 200, "secretariat": 200},
    ),
    "packet pdf": (
        lambda c, p, n: c.get(f"{API}/meetings/{p.meeting.pk}/packet.pdf"),
        {"without_right": 200, "member": 200, "secretariat": 200},
    ),
    "read receipts": (
        lambda c, p, n: c.get(f"{API}/meetings/{p.meeting.pk}/packet/receipts/"),
        {"secretariat": 200},
    ),
    "unpublish": (
        lambda c, p, n: c.post(f"{API}/meetings/{p.meeting.pk}/packet/unpublish/"),
        {"without_right": 403, "member": 403, "secretariat": 200},
    ),
    "notes": (
        lambda c, p, n: c.get(f"{API}/documents/{p.budget_report.pk}/notes/"),
        {"member": 200, "secretariat": 200},
    ),
    "add a note": (
        lambda c, p, n: c.post(
            f"{API}/documents/{p.budget_report.pk}/notes/", {"page": 1, "text": "x"}, format="json"
        ),
        {"member": 201, "secretariat": 201},
    ),
    "edit a note": (
        lambda c, p, n: c.patch(
            f"{API}/documents/{p.budget_report.pk}/notes/{n}/", {"text": "y"}, format="json"
        ),
        {"member": 200},
    ),
    "delete a note": (
        lambda c, p, n: c.delete(f"{API}/documents/{p.budget_report.pk}/notes/{n}/"),
        {"member": 204},
    ),
}


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_who_may_use_each_endpoint(
    government: Personas, packet: Papers, outsider: User, who: str, endpoint: str
) -> None:
    note = services.note_add(
        actor=government.members[0], document=packet.budget_report, page=2, text="Mine"
    )
    user = persona(who, government, packet, outsider)
    call, allowed = ENDPOINTS[endpoint]
    before = list(Note.objects.values("pk", "text"))
    published = permissions.packet_published(packet.meeting)
    response = call(api(user), packet, note.pk)
    if user is None:
        assert (response.status_code, response.json()) == (403, NOT_SIGNED_IN)
    else:
        expected = allowed.get(who, 404)
        assert response.status_code == expected
        if expected == 404:
            assert response.json() == NOT_FOUND
    if response.status_code >= 400:
        # A refusal changes nothing.
        assert list(Note.objects.values("pk", "text")) == before
        packet.meeting.refresh_from_db()
        assert permissions.packet_published(packet.meeting) == published

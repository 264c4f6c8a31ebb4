"""The packet as a live region: a personal region, rendered only for those an event concerns,
so that a paper's title never reaches someone who may not read it."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from agendas import services as agenda_services
from documents import services
from documents.models import Access, Document, DocumentVersion
from meetings import services as meeting_services
from meetings.models import Meeting, Membership
from realtime import regions
from realtime.models import MeetingEvent
from tests.conftest import pushed_message
from tests.documents.conftest import Board, add_document
from tests.factories import UserFactory
from tests.rendering import drawings


def rendered(meeting: Meeting, type: str) -> dict[str, Any]:
    event = MeetingEvent.objects.filter(meeting=meeting, type=type).latest("seq")
    return pushed_message(event, [])


def packets(message: dict[str, Any]) -> dict[int, str]:
    """Each person's packet, in English, by user id."""
    return {
        int(key.split("|")[0]): json.loads(frame)["regions"].get("packet", "")
        for key, frame in message["personal"].items()
        if key.endswith("|en")
    }


def test_a_papers_title_reaches_only_those_who_may_read_it(board: Board) -> None:
    meeting = board.meeting
    add_document(board, title="Draft budget")
    created = rendered(meeting, "documents.document_created")
    # Before the packet is published, only the secretariat's packet changes.
    assert board.secretary.pk in packets(created)
    assert not {board.member.pk, board.other_member.pk} & set(packets(created))
    assert "Draft budget" in packets(created)[board.secretary.pk]
    assert "Draft budget" not in json.dumps(created["frames"])

    agenda_services.agenda_publish(actor=board.secretary, meeting=meeting)
    services.packet_publish(actor=board.secretary, meeting=meeting)
    published = packets(rendered(meeting, "documents.packet_published"))
    assert "Draft budget" in published[board.member.pk]
    assert "Draft budget" in published[board.other_member.pk]

    secret = add_document(
        board, title="Sanctions list", classification=Document.Classification.CONFIDENTIAL
    )
    services.document_revoke(
        actor=board.secretary, document=secret, rights=["view"], user=board.member
    )
    revoked = packets(rendered(meeting, "documents.access_revoked"))
    assert set(revoked) == {board.member.pk}
    assert "Sanctions list" not in revoked[board.member.pk]
    assert "Draft budget" in revoked[board.member.pk]

    services.document_edit(actor=board.secretary, document=secret, title="Sanctions list v2")
    changed = rendered(meeting, "documents.document_changed")
    concerned = packets(changed)
    assert board.member.pk not in concerned
    assert "Sanctions list v2" in concerned[board.other_member.pk]
    assert "Sanctions list v2" in concerned[board.secretary.pk]
    # Nothing shared carries a title.
    assert "Sanctions" not in json.dumps(changed["frames"])


def test_a_whole_bodys_packets_cost_the_same_queries_and_one_drawing_per_state(
    board: Board,
) -> None:
    meeting = board.meeting
    paper = add_document(board, title="Draft budget")
    agenda_services.agenda_publish(actor=board.secretary, meeting=meeting)
    services.packet_publish(actor=board.secretary, meeting=meeting)
    services.version_open(
        reader=board.member,
        version=DocumentVersion.objects.get(document=paper),
        action=Access.Action.VIEW,
        session_key=None,
    )

    def publish_again() -> tuple[dict[int, str], int, int]:
        services.packet_unpublish(actor=board.secretary, meeting=meeting)
        services.packet_publish(actor=board.secretary, meeting=meeting)
        with (
            drawings("documents/_packet.html") as drawn,
            CaptureQueriesContext(connection) as queries,
        ):
            message = rendered(meeting, "documents.packet_published")
        return packets(message), len(queries), len(drawn)

    before, queries_before, drawn_before = publish_again()
    for _ in range(6):
        meeting_services.membership_create(
            actor=board.secretary,
            body=meeting.body,
            user=UserFactory(),
            role=Membership.Role.MEMBER,
        )
    after, queries_after, drawn_after = publish_again()

    assert len(after) == len(before) + 6
    assert queries_after == queries_before
    # The newcomers were not granted the paper, which went out before they joined: one more
    # state, drawn once per language for the six of them.
    assert "Draft budget" not in after[max(after)]
    assert drawn_after == drawn_before + len(regions.languages())
    # Who opened the paper sees it as read, the others as new.
    assert "mark-new" not in after[board.member.pk]
    assert "mark-new" in after[board.other_member.pk]
    assert "Publish the packet" not in after[board.member.pk]
    assert "Withdraw the packet" in after[board.secretary.pk]

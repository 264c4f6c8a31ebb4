"""A paper added while the meeting closes: the meeting's lock orders the two, so the paper
cannot reach the members with rights the closing is taking away."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from documents import permissions, services
from documents.models import Document
from meetings import services as meeting_services
from meetings.signals import meeting_closed
from tests.conftest import check_in
from tests.documents.conftest import Board, add_document, pdf_bytes, publish_packet, upload

C = Document.Classification


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_confidential_paper_added_during_the_close_is_handed_back_too(board: Board) -> None:
    publish_packet(board.meeting)
    add_document(board, classification=C.CONFIDENTIAL, title="Audit findings")
    check_in(board.meeting, board.personas.voters)
    meeting_services.meeting_start(actor=board.personas.chair, meeting=board.meeting)
    meeting_services.meeting_adjourn(actor=board.personas.chair, meeting=board.meeting)

    closing = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []
    added: list[Document] = []

    def hold_the_close(sender: Any, **kwargs: Any) -> None:
        # Runs inside meeting_close's transaction, after the papers were handed back.
        closing.set()
        release.wait(timeout=30)

    def close() -> None:
        try:
            meeting_services.meeting_close(actor=board.secretary, meeting=board.meeting)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    def add() -> None:
        try:
            added.append(
                services.document_create(
                    actor=board.secretary,
                    meeting=board.meeting,
                    file=upload(pdf_bytes(1)),
                    title="Late annex",
                    classification=C.CONFIDENTIAL,
                )
            )
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    meeting_closed.connect(hold_the_close, dispatch_uid="test.hold_the_close")
    try:
        closer = threading.Thread(target=close)
        closer.start()
        assert closing.wait(timeout=30)
        adder = threading.Thread(target=add)
        adder.start()
        adder.join(timeout=2)
        assert adder.is_alive(), "the paper was added while the meeting was closing"
        release.set()
        closer.join(timeout=30)
        adder.join(timeout=30)
    finally:
        release.set()
        meeting_closed.disconnect(dispatch_uid="test.hold_the_close")
    assert errors == []
    [late] = added
    late = Document.objects.select_related("meeting__packet").get(pk=late.pk)
    assert permissions.document_rights(board.member, late) == frozenset()
    assert permissions.document_rights(board.secretary, late) == permissions.DOCUMENT_RIGHTS

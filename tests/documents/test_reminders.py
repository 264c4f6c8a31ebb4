"""The 3-day rule (Decree 39/2022/ND-CP): from three days before a meeting, the secretariat is
warned while the papers are not published, and members who have not opened theirs are
reminded; each person once, whatever the number of runs."""

from __future__ import annotations

import datetime

from django.utils import timezone, translation

from documents.models import Access, Packet
from documents.reminders import papers_reminders_send_due
from meetings.models import Meeting
from notices import kinds
from notices.models import Notice, NoticeEmail
from tests.documents.conftest import Board, add_document, publish_packet


def told(kind: str) -> set[int]:
    return set(Notice.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_the_secretariat_is_warned_once_when_the_papers_are_late(board: Board) -> None:
    add_document(board)  # the meeting starts in an hour; the packet is not published

    warned = papers_reminders_send_due()
    assert papers_reminders_send_due() == 0  # the next tick

    # The body's secretary and the secretariat's officer who prepare the meeting; no member.
    secretariat = told(kinds.PAPERS_LATE)
    assert board.secretary.pk in secretariat
    assert len(secretariat) == warned == Notice.objects.count()
    assert not secretariat & {person.pk for person in board.personas.voters}
    assert told(kinds.PAPERS_UNREAD) == set()
    notice = Notice.objects.filter(recipient=board.secretary).get()
    with translation.override("vi"):
        assert "Nghị định 39/2022/NĐ-CP" in kinds.render(notice.kind, notice.params)
    assert NoticeEmail.objects.filter(recipient=board.secretary).count() == 1


def test_members_who_opened_nothing_are_reminded_once(board: Board) -> None:
    document = add_document(board)
    publish_packet(board.meeting)
    Packet.objects.filter(meeting=board.meeting).update(
        published_at=timezone.now() - datetime.timedelta(days=2)
    )
    Access.objects.create(
        version=document.versions.get(), user=board.member, action=Access.Action.VIEW
    )

    papers_reminders_send_due()
    papers_reminders_send_due()

    voters = {person.pk for person in board.personas.voters}
    assert told(kinds.PAPERS_UNREAD) == voters - {board.member.pk}
    assert Notice.objects.filter(kind=kinds.PAPERS_UNREAD).count() == len(voters) - 1
    assert told(kinds.PAPERS_LATE) == set()


def test_no_reminder_a_day_after_the_papers_arrived_nor_before_the_three_days(
    board: Board,
) -> None:
    add_document(board)
    publish_packet(board.meeting)  # just now: members have a day to open them
    assert papers_reminders_send_due() == 0

    starts_at = timezone.now() + datetime.timedelta(days=4)
    Meeting.objects.filter(pk=board.meeting.pk).update(
        starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=2)
    )
    Packet.objects.filter(meeting=board.meeting).delete()
    assert papers_reminders_send_due() == 0  # late papers only count from three days before
    assert not Notice.objects.exists()

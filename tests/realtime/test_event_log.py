"""The meeting event log: what services publish, and gap-free numbering under concurrency."""

import datetime
import threading
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from meetings import services
from meetings.models import Attendance, Meeting
from realtime import events
from realtime.models import MeetingEvent
from tests.conftest import Personas, _build_body, check_in, plan_meeting


def logged(meeting: Meeting) -> list[tuple[int, str]]:
    return list(
        MeetingEvent.objects.filter(meeting=meeting).order_by("seq").values_list("seq", "type")
    )


def test_the_lifecycle_is_logged_in_order(government: Personas, meeting: Meeting) -> None:
    check_in(meeting, government.voters[:18])
    services.meeting_start(actor=government.chair, meeting=meeting)
    services.meeting_adjourn(actor=government.chair, meeting=meeting)
    services.meeting_reconvene(actor=government.chair, meeting=meeting)
    services.meeting_adjourn(actor=government.chair, meeting=meeting)
    services.meeting_close(actor=government.secretary, meeting=meeting)
    types = [t for _, t in logged(meeting)]
    assert types == [
        "meetings.meeting_scheduled",
        *["meetings.attendance_changed"] * 18,
        "meetings.meeting_started",
        "meetings.meeting_adjourned",
        "meetings.meeting_reconvened",
        "meetings.meeting_adjourned",
        "meetings.meeting_closed",
        "minutes.minutes_drafted",
    ]
    assert [seq for seq, _ in logged(meeting)] == list(range(1, 26))


def test_a_check_in_event_carries_the_new_quorum(
    government: Personas, meeting: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    check_in(meeting, government.voters[:17])
    with django_capture_on_commit_callbacks() as pushes:
        services.attendance_check_in(actor=government.voters[17], meeting=meeting)
    event = MeetingEvent.objects.filter(meeting=meeting).latest("seq")
    assert event.type == "meetings.attendance_changed"
    assert event.payload["user"] == government.voters[17].pk
    assert event.payload["status"] == "present"
    assert event.payload["quorum"] == {"present": 18, "members": 27, "required": 18, "met": True}
    invited = Attendance.objects.filter(meeting=meeting).count()
    assert event.payload["room"] == {"present": 18, "invited": invited}
    assert len(pushes) == 1  # pushed once, after commit


def test_a_refused_change_logs_nothing(government: Personas, meeting: Meeting) -> None:
    before = logged(meeting)
    with pytest.raises(Exception, match="quorum"):
        services.meeting_start(actor=government.chair, meeting=meeting)
    assert logged(meeting) == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_publishing_outside_a_transaction_is_a_programming_error(secretariat: object) -> None:
    gov = _build_body(secretariat, name="Board", kind="board", vice_chairs=0, members=1)  # type: ignore[arg-type]
    meeting = plan_meeting(gov, starts_in=datetime.timedelta(hours=1))
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        events.publish(meeting=meeting, type="test.nothing", payload={})
    assert logged(meeting) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rolled_back_event_gives_its_number_back(secretariat: object) -> None:
    gov = _build_body(secretariat, name="Government", kind="government", vice_chairs=0, members=2)  # type: ignore[arg-type]
    meeting = services.meeting_schedule(
        actor=gov.secretary, meeting=plan_meeting(gov, starts_in=datetime.timedelta(hours=1))
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(meeting=meeting, type="test.lost", payload={})
        raise RuntimeError("rolled back")
    services.attendance_check_in(actor=gov.chair, meeting=meeting)
    assert logged(meeting) == [
        (1, "meetings.meeting_scheduled"),
        (2, "meetings.attendance_changed"),
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_check_ins_are_numbered_without_gaps(secretariat: object) -> None:

    gov = _build_body(secretariat, name="Government", kind="government", vice_chairs=4, members=22)  # type: ignore[arg-type]
    meeting = services.meeting_schedule(
        actor=gov.secretary, meeting=plan_meeting(gov, starts_in=datetime.timedelta(hours=1))
    )
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def arrive(people: list[object]) -> None:
        try:
            barrier.wait()
            for person in people:
                services.attendance_check_in(actor=person, meeting=meeting)  # type: ignore[arg-type]
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    groups = [gov.voters[i::8] for i in range(8)]
    threads = [threading.Thread(target=arrive, args=(group,)) for group in groups]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    seqs = [seq for seq, _ in logged(meeting)]
    assert seqs == list(range(1, 29))  # scheduled + 27 check-ins, no gap, no repeat
    # Each event's quorum counts exactly the check-ins numbered before it and itself.
    check_ins = MeetingEvent.objects.filter(meeting=meeting, seq__gt=1).order_by("seq")
    assert [e.payload["quorum"]["present"] for e in check_ins] == list(range(1, 28))
    assert [e.payload["room"]["present"] for e in check_ins] == list(range(1, 28))

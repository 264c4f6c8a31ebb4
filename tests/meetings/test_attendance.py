"""Check-in, check-out, attendance recorded by the secretariat, substitutes, and the quorum."""

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from core.errors import ServiceError
from meetings import permissions, selectors, services
from meetings.models import Attendance, Meeting
from tests.conftest import Personas, check_in, plan_meeting
from tests.factories import UserFactory


def attendance(meeting: Meeting, user: object) -> Attendance:
    return Attendance.objects.get(meeting=meeting, user=user)


def test_check_in_marks_the_member_present_and_moves_the_quorum(
    government: Personas, meeting: Meeting
) -> None:
    check_in(meeting, government.voters[:17])
    assert not selectors.meeting_quorum(meeting).met
    row = services.attendance_check_in(actor=government.voters[17], meeting=meeting)
    assert row.status == Attendance.Status.PRESENT and row.checked_in_at is not None
    quorum = selectors.meeting_quorum(meeting)
    assert (quorum.present, quorum.members, quorum.met) == (18, 27, True)


def test_checking_out_loses_the_quorum(government: Personas, meeting: Meeting) -> None:
    check_in(meeting, government.voters[:18])
    services.attendance_check_out(actor=government.voters[0], meeting=meeting)
    assert attendance(meeting, government.voters[0]).status == Attendance.Status.LEFT
    assert not selectors.meeting_quorum(meeting).met


def test_checking_in_twice_keeps_the_first_arrival_time(
    government: Personas, meeting: Meeting
) -> None:
    first = services.attendance_check_in(actor=government.chair, meeting=meeting).checked_in_at
    again = services.attendance_check_in(actor=government.chair, meeting=meeting).checked_in_at
    assert first == again


def test_checking_in_and_out_is_kept_and_leaves_the_rest_of_the_row(
    government: Personas, meeting: Meeting
) -> None:
    member = government.voters[0]
    invited = attendance(meeting, member)
    services.attendance_check_in(actor=member, meeting=meeting)
    present = attendance(meeting, member)
    assert present.status == Attendance.Status.PRESENT and present.checked_in_at is not None
    assert present.updated_at > invited.updated_at
    assert (present.role, present.title, present.has_vote) == (
        invited.role,
        invited.title,
        invited.has_vote,
    )
    services.attendance_check_out(actor=member, meeting=meeting)
    left = attendance(meeting, member)
    assert left.status == Attendance.Status.LEFT
    assert left.checked_in_at == present.checked_in_at
    assert left.checked_out_at is not None and left.checked_out_at >= present.checked_in_at
    services.attendance_check_in(actor=member, meeting=meeting)
    back = attendance(meeting, member)
    assert back.status == Attendance.Status.PRESENT and back.checked_out_at is None
    assert back.checked_in_at is not None and back.checked_in_at >= left.checked_out_at


def test_the_secretary_does_not_count_towards_the_quorum(
    government: Personas, meeting: Meeting
) -> None:
    services.attendance_check_in(actor=government.secretary, meeting=meeting)
    assert selectors.meeting_quorum(meeting).present == 0


def test_a_person_not_invited_cannot_check_in(outsider: object, meeting: Meeting) -> None:
    with pytest.raises(ServiceError, match="not invited"):
        services.attendance_check_in(actor=outsider, meeting=meeting)  # type: ignore[arg-type]


def test_check_in_opens_three_hours_before_the_start(government: Personas) -> None:
    later = plan_meeting(government, starts_in=datetime.timedelta(hours=5))
    later = services.meeting_schedule(actor=government.secretary, meeting=later)
    with pytest.raises(ServiceError, match="Check-in opens at"):
        services.attendance_check_in(actor=government.chair, meeting=later)
    assert attendance(later, government.chair).status == Attendance.Status.INVITED


def test_check_in_is_closed_after_the_session(government: Personas, meeting: Meeting) -> None:
    check_in(meeting, government.voters[:18])
    services.meeting_start(actor=government.chair, meeting=meeting)
    services.meeting_adjourn(actor=government.chair, meeting=meeting)
    with pytest.raises(ServiceError, match="Check-in is closed"):
        services.attendance_check_in(actor=government.members[-1], meeting=meeting)


def test_checking_out_without_checking_in_is_refused(
    government: Personas, meeting: Meeting
) -> None:
    with pytest.raises(ServiceError, match="not checked in"):
        services.attendance_check_out(actor=government.chair, meeting=meeting)


@pytest.mark.parametrize("status", [Attendance.Status.ABSENT, Attendance.Status.EXCUSED])
def test_secretary_records_an_absence_with_its_reason(
    government: Personas, meeting: Meeting, status: str
) -> None:
    row = attendance(meeting, government.members[0])
    services.attendance_record(
        actor=government.secretary, attendance=row, status=status, reason="On mission abroad"
    )
    row.refresh_from_db()
    assert (row.status, row.reason) == (status, "On mission abroad")


def test_an_absence_needs_a_reason(government: Personas, meeting: Meeting) -> None:
    row = attendance(meeting, government.members[0])
    with pytest.raises(ServiceError, match="reason"):
        services.attendance_record(
            actor=government.secretary, attendance=row, status="absent", reason="  "
        )
    assert attendance(meeting, government.members[0]).status == Attendance.Status.INVITED


def test_secretary_checks_a_member_in(government: Personas, meeting: Meeting) -> None:
    row = attendance(meeting, government.members[0])
    services.attendance_record(actor=government.secretary, attendance=row, status="present")
    assert attendance(meeting, government.members[0]).checked_in_at is not None


@pytest.mark.parametrize("who", ["chair", "member"])
def test_only_the_secretariat_records_attendance(
    government: Personas, meeting: Meeting, who: str
) -> None:
    actor = government.chair if who == "chair" else government.members[1]
    row = attendance(meeting, government.members[0])
    with pytest.raises(PermissionDenied):
        services.attendance_record(actor=actor, attendance=row, status="absent", reason="Ill")
    assert attendance(meeting, government.members[0]).status == Attendance.Status.INVITED


def test_unknown_status_is_refused(government: Personas, meeting: Meeting) -> None:
    row = attendance(meeting, government.members[0])
    with pytest.raises(ServiceError, match="Unknown"):
        services.attendance_record(actor=government.secretary, attendance=row, status="asleep")


def represent(gov: Personas, meeting: Meeting, member: object, deputy: object) -> Attendance:
    return services.attendance_record(
        actor=gov.secretary,
        attendance=attendance(meeting, member),
        status=Attendance.Status.REPRESENTED,
        reason="Abroad, with the Prime Minister's consent",
        substitute=deputy,  # type: ignore[arg-type]
    )


def test_a_substitute_sees_the_meeting_checks_in_and_does_not_count_by_default(
    government: Personas, meeting: Meeting
) -> None:
    deputy = UserFactory()
    assert permissions.VIEW_MEETING not in permissions.meeting_rights(deputy, meeting)
    represent(government, meeting, government.members[0], deputy)
    assert permissions.VIEW_MEETING in permissions.meeting_rights(deputy, meeting)
    row = services.attendance_check_in(actor=deputy, meeting=meeting)
    assert row.user == government.members[0] and row.substitute_checked_in_at is not None
    # Decree 39: the deputy speaks but does not vote, so does not make the quorum either.
    assert selectors.meeting_quorum(meeting).present == 0


def test_a_substitute_checks_in_and_out_on_the_members_row(
    government: Personas, meeting: Meeting
) -> None:
    member, deputy = government.members[0], UserFactory()
    represent(government, meeting, member, deputy)
    services.attendance_check_in(actor=deputy, meeting=meeting)
    row = attendance(meeting, member)
    assert row.status == Attendance.Status.REPRESENTED and row.substitute == deputy
    assert row.substitute_checked_in_at is not None and row.reason
    services.attendance_check_out(actor=deputy, meeting=meeting)
    row = attendance(meeting, member)
    assert row.status == Attendance.Status.REPRESENTED and row.substitute_checked_in_at is None


def test_a_substitute_counts_where_the_rules_let_substitutes_vote(
    government: Personas, meeting: Meeting
) -> None:
    services.body_update(
        actor=government.secretary, body=government.body, substitutes_may_vote=True
    )
    deputy = UserFactory()
    represent(government, meeting, government.members[0], deputy)
    services.attendance_check_in(actor=deputy, meeting=meeting)
    assert selectors.meeting_quorum(Meeting.objects.get(pk=meeting.pk)).present == 1


def test_a_represented_member_cannot_check_in_themselves(
    government: Personas, meeting: Meeting
) -> None:
    represent(government, meeting, government.members[0], UserFactory())
    with pytest.raises(ServiceError, match="substitute attends"):
        services.attendance_check_in(actor=government.members[0], meeting=meeting)


def test_replacing_a_substitute_withdraws_the_first_ones_access(
    government: Personas, meeting: Meeting
) -> None:
    first, second = UserFactory(), UserFactory()
    represent(government, meeting, government.members[0], first)
    represent(government, meeting, government.members[0], second)
    assert permissions.VIEW_MEETING not in permissions.meeting_rights(first, meeting)
    assert permissions.VIEW_MEETING in permissions.meeting_rights(second, meeting)


@pytest.mark.parametrize(
    ("substitute", "message"),
    [("none", "Choose the substitute"), ("self", "themselves"), ("invited", "own right")],
)
def test_invalid_substitutes_are_refused(
    government: Personas, meeting: Meeting, substitute: str, message: str
) -> None:
    member = government.members[0]
    chosen = {"none": None, "self": member, "invited": government.members[1]}[substitute]
    with pytest.raises(ServiceError, match=message):
        represent(government, meeting, member, chosen)
    assert attendance(meeting, member).status == Attendance.Status.INVITED


def test_one_person_substitutes_for_one_member_only(government: Personas, meeting: Meeting) -> None:
    deputy = UserFactory()
    represent(government, meeting, government.members[0], deputy)
    with pytest.raises(ServiceError, match="already substitutes"):
        represent(government, meeting, government.members[1], deputy)
    assert attendance(meeting, government.members[1]).substitute is None


def test_committee_quorum_is_a_majority_of_its_members(committee: Personas) -> None:
    meeting = services.meeting_schedule(
        actor=committee.secretary,
        meeting=plan_meeting(committee, starts_in=datetime.timedelta(hours=1)),
    )
    check_in(meeting, committee.voters[:2])
    assert not selectors.meeting_quorum(meeting).met
    check_in(meeting, committee.voters[2:3])
    result = selectors.meeting_quorum(meeting)
    assert result.met
    assert result.explanation == (
        "Quorum met: 3 of 5 members present; more than half (3) required."
    )


def test_the_quorum_is_counted_in_one_query(
    government: Personas, meeting: Meeting, django_assert_num_queries: Any
) -> None:
    """Every check-in counts it inside its transaction, and every board shows it."""
    check_in(meeting, government.voters[:18])
    meeting = Meeting.objects.select_related("body").get(pk=meeting.pk)
    with django_assert_num_queries(1):
        result = selectors.meeting_quorum(meeting)
    assert (result.present, result.members, result.met) == (18, 27, True)


def test_attendance_is_recorded_only_for_a_scheduled_meeting(
    government: Personas, draft_meeting: Meeting
) -> None:
    services.meeting_schedule(actor=government.secretary, meeting=draft_meeting)
    services.meeting_cancel(actor=government.secretary, meeting=draft_meeting)
    row = attendance(draft_meeting, government.members[0])
    with pytest.raises(ServiceError, match="scheduled meeting"):
        services.attendance_record(actor=government.secretary, attendance=row, status="present")
    assert attendance(draft_meeting, government.members[0]).status == Attendance.Status.INVITED

"""Remote attendance: the body's three rules, checking in from outside the room with a fresh
proof of identity, and how the quorum counts remote members under each combination."""

from __future__ import annotations

import datetime
import itertools
import time
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from core.errors import ServiceError
from meetings import selectors, services
from meetings.models import Attendance, Body, Meeting
from realtime.models import MeetingEvent
from tests.conftest import Personas, check_in, plan_meeting

FRESH = "fresh"


def allow(body: Body, *, allowed: bool = True, quorum: bool = False, vote: bool = False) -> None:
    Body.objects.filter(pk=body.pk).update(
        remote_attendance_allowed=allowed, remote_counts_for_quorum=quorum, remote_may_vote=vote
    )


def check_in_remotely(meeting: Meeting, user: Any) -> Attendance:
    return services.attendance_check_in(
        actor=user, meeting=meeting, remote=True, authenticated_at=time.time()
    )


def fresh_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_related("body").get(pk=meeting.pk)


# The rules


def test_neither_preset_allows_remote_attendance(government: Personas, committee: Personas) -> None:
    for body in (government.body, committee.body):
        rules = body.decision_rules
        assert not rules.remote_attendance_allowed
        assert not rules.remote_counts_for_quorum and not rules.remote_may_vote


@pytest.mark.parametrize(
    ("allowed", "quorum", "vote"), list(itertools.product([False, True], repeat=3))
)
def test_each_combination_of_the_rules_is_kept_or_refused_by_name(
    committee: Personas, allowed: bool, quorum: bool, vote: bool
) -> None:
    fields = {
        "remote_attendance_allowed": allowed,
        "remote_counts_for_quorum": quorum,
        "remote_may_vote": vote,
    }
    refused_field = (
        "remote_counts_for_quorum"
        if quorum and not allowed
        else "remote_may_vote"
        if vote and not quorum
        else None
    )
    if refused_field is None:
        body = services.body_update(actor=committee.secretary, body=committee.body, **fields)
        body.refresh_from_db()
        assert {name: getattr(body, name) for name in fields} == fields
    else:
        with pytest.raises(ServiceError) as refused:
            services.body_update(actor=committee.secretary, body=committee.body, **fields)
        assert refused.value.field == refused_field
        committee.body.refresh_from_db()
        assert not committee.body.remote_attendance_allowed


# Checking in remotely


@pytest.fixture
def committee_meeting(committee: Personas) -> Meeting:
    draft = plan_meeting(committee, starts_in=datetime.timedelta(hours=1))
    return services.meeting_schedule(actor=committee.secretary, meeting=draft)


def test_a_remote_check_in_is_recorded_and_published(
    committee: Personas, committee_meeting: Meeting, django_capture_on_commit_callbacks: Any
) -> None:
    allow(committee.body, quorum=True)
    meeting = fresh_meeting(committee_meeting)
    member = committee.members[0]
    with django_capture_on_commit_callbacks(execute=True):
        row = check_in_remotely(meeting, member)
    row.refresh_from_db()
    assert row.status == Attendance.Status.PRESENT and row.remote
    event = MeetingEvent.objects.filter(type="meetings.attendance_changed").last()
    assert event is not None
    assert event.payload["remote"] is True and event.payload["user"] == member.pk
    assert event.payload["quorum"]["present"] == 1


def test_checking_in_remotely_needs_a_fresh_proof_of_identity(
    committee: Personas, committee_meeting: Meeting
) -> None:
    allow(committee.body, quorum=True)
    meeting = fresh_meeting(committee_meeting)
    member = committee.members[0]
    with pytest.raises(PermissionDenied, match="Confirm who you are again"):
        services.attendance_check_in(actor=member, meeting=meeting, remote=True)
    with override_settings(REAUTHENTICATION_SECONDS=300):
        with pytest.raises(PermissionDenied, match="Confirm who you are again"):
            services.attendance_check_in(
                actor=member, meeting=meeting, remote=True, authenticated_at=time.time() - 301
            )
        assert Attendance.objects.get(meeting=meeting, user=member).status == "invited"
        row = services.attendance_check_in(
            actor=member, meeting=meeting, remote=True, authenticated_at=time.time() - 240
        )
    assert row.status == Attendance.Status.PRESENT and row.remote


def test_a_body_that_does_not_allow_it_refuses_a_remote_check_in(
    committee: Personas, committee_meeting: Meeting
) -> None:
    member = committee.members[0]
    with pytest.raises(ServiceError, match="do not let members attend remotely"):
        check_in_remotely(committee_meeting, member)
    assert Attendance.objects.get(meeting=committee_meeting, user=member).status == "invited"


def test_checking_in_in_the_room_after_a_remote_check_in_moves_the_member_into_the_room(
    committee: Personas, committee_meeting: Meeting
) -> None:
    allow(committee.body)
    meeting = fresh_meeting(committee_meeting)
    member = committee.members[0]
    remote = check_in_remotely(meeting, member)
    in_room = services.attendance_check_in(actor=member, meeting=meeting)
    in_room.refresh_from_db()
    assert not in_room.remote and in_room.checked_in_at == remote.checked_in_at


def test_the_secretariat_records_presence_in_the_room(
    committee: Personas, committee_meeting: Meeting
) -> None:
    allow(committee.body, quorum=True)
    meeting = fresh_meeting(committee_meeting)
    member = committee.members[0]
    row = check_in_remotely(meeting, member)
    services.attendance_record(
        actor=committee.secretary, attendance=row, status=Attendance.Status.LEFT
    )
    row.refresh_from_db()
    assert row.status == Attendance.Status.LEFT and row.remote  # left, as they attended
    services.attendance_record(
        actor=committee.secretary, attendance=row, status=Attendance.Status.EXCUSED, reason="Ill"
    )
    services.attendance_record(
        actor=committee.secretary, attendance=row, status=Attendance.Status.PRESENT
    )
    row.refresh_from_db()
    assert row.status == Attendance.Status.PRESENT and not row.remote


def test_a_substitute_attends_in_the_room(
    government: Personas, meeting: Meeting, outsider: Any
) -> None:
    allow(government.body, quorum=True)
    row = Attendance.objects.get(meeting=meeting, user=government.members[0])
    services.attendance_record(
        actor=government.secretary,
        attendance=row,
        status=Attendance.Status.REPRESENTED,
        substitute=outsider,
    )
    with pytest.raises(ServiceError, match="substitute attends in the room"):
        check_in_remotely(fresh_meeting(meeting), outsider)


# The quorum under each combination (a committee of 5: a quorum is 3)


@pytest.mark.parametrize(
    ("allowed", "quorum", "vote", "present", "met"),
    [
        # Two in the room, one remote.
        (True, True, True, 3, True),
        (True, True, False, 3, True),
        (True, False, False, 2, False),
        # Remote attendance switched off after the member checked in remotely: not counted.
        (False, False, False, 2, False),
    ],
)
def test_the_quorum_counts_remote_members_as_the_rules_say(
    committee: Personas,
    committee_meeting: Meeting,
    allowed: bool,
    quorum: bool,
    vote: bool,
    present: int,
    met: bool,
) -> None:
    allow(committee.body, quorum=True)
    check_in(committee_meeting, committee.voters[:2])
    check_in_remotely(fresh_meeting(committee_meeting), committee.voters[2])
    allow(committee.body, allowed=allowed, quorum=quorum, vote=vote)
    result = selectors.meeting_quorum(fresh_meeting(committee_meeting))
    assert (result.present, result.members, result.met) == (present, 5, met)
    rows = Attendance.objects.filter(meeting=committee_meeting, has_vote=True)
    body_rules = fresh_meeting(committee_meeting).body.decision_rules
    assert sum(selectors.counts_toward_quorum(row, body_rules) for row in rows) == present


def test_the_session_opens_with_remote_members_only_where_they_count(
    committee: Personas, committee_meeting: Meeting
) -> None:
    allow(committee.body)
    check_in(committee_meeting, committee.voters[:2])
    check_in_remotely(fresh_meeting(committee_meeting), committee.voters[2])
    with pytest.raises(ServiceError, match="without a quorum"):
        services.meeting_start(actor=committee.chair, meeting=fresh_meeting(committee_meeting))
    allow(committee.body, quorum=True)
    started = services.meeting_start(
        actor=committee.chair, meeting=fresh_meeting(committee_meeting)
    )
    assert started.status == Meeting.Status.IN_SESSION


# The video room


@override_settings(VIDEO_ROOM_PATTERN="https://video.example.org/{slug}")
def test_a_new_meeting_gets_its_own_unguessable_video_room(committee: Personas) -> None:
    first = plan_meeting(committee, starts_in=datetime.timedelta(days=1))
    second = plan_meeting(committee, starts_in=datetime.timedelta(days=2))
    assert first.video_link.startswith("https://video.example.org/")
    assert first.video_link != second.video_link
    assert len(first.video_link.rsplit("/", 1)[1]) >= 20
    given = plan_meeting(
        committee, starts_in=datetime.timedelta(days=3), video_link="https://room.example.org/a"
    )
    assert given.video_link == "https://room.example.org/a"


@override_settings(VIDEO_ROOM_PATTERN="")
def test_without_a_pattern_a_meeting_has_no_video_room(committee: Personas) -> None:
    assert plan_meeting(committee, starts_in=datetime.timedelta(days=1)).video_link == ""

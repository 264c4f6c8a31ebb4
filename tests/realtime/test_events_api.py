"""GET /api/v1/meetings/<id>/events/: the event log over HTTP, with the socket's redaction."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client

from meetings import permissions
from meetings.models import Meeting
from realtime import events
from realtime.models import MeetingEvent
from tests.conftest import Personas, check_in


def events_of(user: User | None, meeting: Meeting, query: str = "") -> tuple[int, Any]:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(f"/api/v1/meetings/{meeting.pk}/events/{query}")
    return response.status_code, response.json()


def test_a_member_reads_the_events_after_a_number(government: Personas, meeting: Meeting) -> None:
    check_in(meeting, government.voters[:3])
    status, page = events_of(government.members[0], meeting, "?since=1")
    assert status == 200
    assert page["last_seq"] == 4
    assert [e["seq"] for e in page["events"]] == [2, 3, 4]
    assert page["events"][-1]["event"] == "meetings.attendance_changed"
    assert page["events"][-1]["payload"]["quorum"]["present"] == 3


def test_pages_follow_on_from_the_last_number(government: Personas, meeting: Meeting) -> None:
    check_in(meeting, government.voters[:5])
    _, first = events_of(government.members[0], meeting, "?since=0&limit=2")
    _, second = events_of(government.members[0], meeting, f"?since={first['events'][-1]['seq']}")
    assert [e["seq"] for e in first["events"] + second["events"]] == list(range(1, 7))


def test_restricted_payloads_are_null_for_those_without_the_right(
    government: Personas, meeting: Meeting
) -> None:
    with transaction.atomic():
        events.publish(
            meeting=meeting,
            type="test.secretariat_note",
            payload={"note": "late papers"},
            restricted_to=permissions.MANAGE_MEETING,
        )
    _, member_page = events_of(government.members[0], meeting, "?since=1")
    _, secretary_page = events_of(government.secretary, meeting, "?since=1")
    assert member_page["events"] == [
        {**secretary_page["events"][0], "event": None, "payload": None, "restricted": True}
    ]
    assert secretary_page["events"][0]["payload"] == {"note": "late papers"}
    assert "late papers" not in str(member_page)


def test_outsiders_cannot_read_or_learn_of_the_meeting(
    outsider: User, committee: Personas, meeting: Meeting
) -> None:
    assert events_of(outsider, meeting)[0] == 404
    assert events_of(committee.members[0], meeting)[0] == 404
    assert events_of(None, meeting)[0] == 403


def test_members_cannot_read_a_drafts_events(government: Personas, draft_meeting: Meeting) -> None:
    assert events_of(government.members[0], draft_meeting)[0] == 404
    assert events_of(government.secretary, draft_meeting)[0] == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?since=-1", "since"),
        ("?since=abc", "since"),
        ("?limit=0", "limit"),
        ("?limit=5000", "limit"),
    ],
)
def test_bad_parameters_are_refused_with_the_field_named(
    government: Personas, meeting: Meeting, query: str, field: str
) -> None:
    before = MeetingEvent.objects.count()
    status, body = events_of(government.members[0], meeting, query)
    assert status == 400 and field in body
    assert MeetingEvent.objects.count() == before

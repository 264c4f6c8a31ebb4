"""Checking in remotely through the REST API: the same rules as the page (where the body allows
it, for oneself, not as a substitute) and the same freshness of who is there. A session must
have signed in or confirmed who it is lately; HTTP Basic carries the password; an API token
never counts as that proof and is refused with its own message."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from meetings import services
from meetings.models import Attendance, Meeting
from realtime.models import MeetingEvent
from tests.apitokens.test_tokens import bearer, make
from tests.conftest import Personas, signed_in_long_ago
from tests.factories import UserFactory
from tests.meetings.test_api import _basic, api, url
from tests.meetings.test_views import attendance_of

TOKEN_REFUSED = (
    "An API token cannot check anyone in remotely: that needs a recent proof of who you are. "
    "Check in on the site, or with a session or HTTP Basic."
)
NOT_RECENT = (
    "Confirm who you are again to check in remotely: sign in again (or confirm who you are on "
    "the site), or send the password with HTTP Basic."
)


def check_in(client: APIClient, meeting: Meeting, **body: Any) -> Any:
    return client.post(url("check-in", meeting.pk), body, format="json")


def basic(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic " + _basic(user.username))
    return client


def long_ago(user: User) -> APIClient:
    client = APIClient()
    signed_in_long_ago(client, user)  # type: ignore[arg-type]
    return client


def nothing_written(meeting: Meeting, user: User) -> bool:
    attendance = attendance_of(meeting, user)
    return attendance.status == Attendance.Status.INVITED and not attendance.remote


def test_a_session_that_signed_in_just_now_checks_in_remotely(
    member: User, remote_meeting: Meeting
) -> None:
    response = check_in(api(member), remote_meeting, remote=True)
    assert response.status_code == 200, response.json()
    assert response.json()["remote"] is True and response.json()["status"] == "present"
    assert attendance_of(remote_meeting, member).remote
    event = MeetingEvent.objects.filter(meeting=remote_meeting).order_by("seq").last()
    assert event is not None and event.type == "meetings.attendance_changed"
    assert event.payload["remote"] is True and event.payload["user"] == member.pk


def test_a_session_that_signed_in_long_ago_is_refused(
    member: User, remote_meeting: Meeting
) -> None:
    response = check_in(long_ago(member), remote_meeting, remote=True)
    assert response.status_code == 403
    assert response.json() == {"detail": NOT_RECENT}
    assert nothing_written(remote_meeting, member)
    # In the room it needs no fresh proof: the room sees who arrives.
    assert check_in(long_ago(member), remote_meeting).status_code == 200
    assert not attendance_of(remote_meeting, member).remote


def test_http_basic_carries_the_password_and_checks_in_remotely(
    member: User, remote_meeting: Meeting
) -> None:
    response = check_in(basic(member), remote_meeting, remote=True)
    assert response.status_code == 200, response.json()
    assert attendance_of(remote_meeting, member).remote


def test_an_api_token_is_refused_whatever_its_scopes(member: User, remote_meeting: Meeting) -> None:
    token = make(member, "read", "write", "vote")
    response = check_in(bearer(token), remote_meeting, remote=True)
    assert response.status_code == 403
    assert response.json() == {"detail": TOKEN_REFUSED}
    assert nothing_written(remote_meeting, member)
    # The same token checks its person in in the room, as before.
    response = check_in(bearer(token), remote_meeting, remote=False)
    assert response.status_code == 200 and response.json()["remote"] is False


def test_the_token_refusal_is_in_vietnamese_too(member: User, remote_meeting: Meeting) -> None:
    token = make(member, "write")
    response = bearer(token).post(
        url("check-in", remote_meeting.pk),
        {"remote": True},
        format="json",
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert detail != TOKEN_REFUSED and "API" in detail
    assert nothing_written(remote_meeting, member)


def test_where_the_body_does_not_allow_it_the_check_in_is_refused(
    member: User, meeting: Meeting
) -> None:
    response = check_in(api(member), meeting, remote=True)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "This body's rules do not let members attend remotely.",
        "field": None,
    }
    assert nothing_written(meeting, member)


def test_a_substitute_attends_in_the_room(government: Personas, remote_meeting: Meeting) -> None:
    substitute = UserFactory()
    services.attendance_record(
        actor=government.secretary,
        attendance=attendance_of(remote_meeting, government.members[1]),
        status=Attendance.Status.REPRESENTED,
        substitute=substitute,
    )
    response = check_in(api(substitute), remote_meeting, remote=True)
    assert response.status_code == 400
    assert response.json()["detail"] == "A substitute attends in the room."
    assert attendance_of(remote_meeting, government.members[1]).substitute_checked_in_at is None


def test_an_outsider_gets_the_same_404_as_for_a_missing_meeting(
    outsider: User, remote_meeting: Meeting
) -> None:
    client = api(outsider)
    missing = client.post(url("check-in", 999999), {"remote": True}, format="json")
    forbidden = check_in(client, remote_meeting, remote=True)
    assert missing.status_code == forbidden.status_code == 404
    assert missing.json() == forbidden.json()
    assert not Attendance.objects.filter(meeting=remote_meeting, status="present").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"remote": "perhaps"}, "remote"), ({"remote": True, "user": 1}, "user")],
)
def test_bad_input_and_someone_elses_check_in_are_refused_by_field(
    member: User, remote_meeting: Meeting, body: dict[str, Any], field: str
) -> None:
    """The endpoint checks in the person calling it: it takes no one else's id."""
    response = check_in(api(member), remote_meeting, **body)
    assert response.status_code == 400
    assert field in response.json()
    assert nothing_written(remote_meeting, member)


def test_the_schema_documents_the_remote_check_in(member: User) -> None:
    schema = api(member).get(url("schema")).content.decode()
    assert "CheckIn" in schema and "An API token never counts as that proof" in schema

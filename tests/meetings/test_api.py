"""The REST API as a client sees it: status codes, bodies, and what changed (or did not).

Every endpoint is tried by the people who may use it and by those who may not; every refusal
leaves the database as it was and sends no e-mail.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.models import UserObjectPermission
from rest_framework.test import APIClient

from meetings import services
from meetings.models import (
    Attendance,
    Body,
    BodyUserObjectPermission,
    Meeting,
    MeetingUserObjectPermission,
    Membership,
)
from realtime.models import MeetingEvent, MeetingStream
from tests.conftest import Personas, check_in, plan_meeting
from tests.factories import UserFactory

HOUR = datetime.timedelta(hours=1)
NOT_SIGNED_IN = {"detail": "Authentication credentials were not provided."}
NOT_FOUND = {"detail": "Not found."}
WRONG_DATE = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
WRONG_DATETIME = (
    "Datetime has wrong format. Use one of these formats instead: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def url(name: str, *args: int) -> str:
    return reverse(f"api:{name}", args=args)


def refused(message: str, field: str | None = None) -> dict[str, Any]:
    return {"detail": message, "field": field}


def database_state() -> dict[str, list[dict[str, Any]]]:
    """Every row a refused request could have touched, including permissions and roles."""
    return {
        "bodies": list(Body.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "meetings": list(Meeting.objects.order_by("pk").values()),
        "attendance": list(Attendance.objects.order_by("pk").values()),
        "roles": list(User.groups.through.objects.order_by("pk").values()),
        "body_perms": list(BodyUserObjectPermission.objects.order_by("pk").values()),
        "meeting_perms": list(MeetingUserObjectPermission.objects.order_by("pk").values()),
        "generic_perms": list(UserObjectPermission.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values("pk", "username")),
        "events": list(MeetingEvent.objects.order_by("pk").values()),
        "streams": list(MeetingStream.objects.order_by("pk").values()),
    }


Unchanged = Callable[[], AbstractContextManager[None]]


@pytest.fixture
def unchanged(django_capture_on_commit_callbacks: Any) -> Unchanged:
    """`with unchanged(): ...`: the requests inside write nothing, publish no event and queue
    no e-mail."""

    @contextmanager
    def check() -> Iterator[None]:
        before = database_state()
        with django_capture_on_commit_callbacks() as callbacks:
            yield
        assert database_state() == before
        assert callbacks == []

    return check


def count_queries(request: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        request()
    return len(queries)


def attendance_of(meeting: Meeting, user: User) -> Attendance:
    return Attendance.objects.get(meeting=meeting, user=user)


def meeting_payload(body: Body, *, starts_in: datetime.timedelta = 24 * HOUR) -> dict[str, Any]:
    starts_at = timezone.now() + starts_in
    return {
        "body": body.pk,
        "title": "Extraordinary session on the budget",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + 2 * HOUR).isoformat(),
        "place": "Room 2",
    }


# Authentication, CSRF, schema

EVERY_ENDPOINT = [
    ("get", "body-list", ()),
    ("post", "body-list", ()),
    ("get", "body-detail", (1,)),
    ("patch", "body-detail", (1,)),
    ("get", "membership-list", (1,)),
    ("post", "membership-list", (1,)),
    ("get", "membership-detail", (1, 1)),
    ("patch", "membership-detail", (1, 1)),
    ("post", "membership-end", (1, 1)),
    ("get", "meeting-list", ()),
    ("post", "meeting-list", ()),
    ("get", "meeting-detail", (1,)),
    ("patch", "meeting-detail", (1,)),
    ("post", "meeting-schedule", (1,)),
    ("post", "meeting-cancel", (1,)),
    ("post", "meeting-start", (1,)),
    ("post", "meeting-adjourn", (1,)),
    ("post", "meeting-reconvene", (1,)),
    ("post", "meeting-close", (1,)),
    ("get", "attendance-list", (1,)),
    ("get", "attendance-detail", (1, 1)),
    ("patch", "attendance-detail", (1, 1)),
    ("post", "check-in", (1,)),
    ("post", "check-out", (1,)),
    ("get", "quorum", (1,)),
]


@pytest.mark.parametrize(("method", "name", "args"), EVERY_ENDPOINT)
def test_anonymous_requests_are_refused_everywhere(
    meeting: Meeting, unchanged: Unchanged, method: str, name: str, args: tuple[int, ...]
) -> None:
    with unchanged():
        response = getattr(api(), method)(url(name, *args), {}, format="json")
    assert response.status_code == 403
    assert response.json() == NOT_SIGNED_IN


def test_http_basic_authentication(government: Personas) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic " + _basic(government.chair.username))
    response = client.get(url("body-list"))
    assert response.status_code == 200
    assert [body["name"] for body in response.json()["results"]] == ["Government"]


def test_wrong_basic_password_is_refused(government: Personas) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic " + _basic(government.chair.username, "wrong"))
    response = client.get(url("body-list"))
    # DRF answers 403, not 401, when session authentication comes first.
    assert response.status_code == 403
    assert response.json() == {"detail": "Invalid username/password."}


def _basic(username: str, password: str = "correct horse battery staple") -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode()


def test_session_writes_need_the_csrf_token(
    government: Personas, meeting: Meeting, unchanged: Unchanged
) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(government.members[0])
    with unchanged():
        response = client.post(url("check-in", meeting.pk), {}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")

    # What the web pages do: send back the CSRF cookie's value in a header.
    token = "k" * 32
    client.cookies["csrftoken"] = token
    response = client.post(url("check-in", meeting.pk), {}, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert response.json()["status"] == "present"


def test_a_form_posted_from_a_web_page_is_accepted(government: Personas, meeting: Meeting) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(government.secretary)
    token = "k" * 32
    client.cookies["csrftoken"] = token
    response = client.post(
        url("meeting-cancel", meeting.pk),
        {"reason": "Postponed", "csrfmiddlewaretoken": token},
        format="multipart",
    )
    assert response.status_code == 200
    assert response.json()["cancellation_reason"] == "Postponed"


def test_schema_generates_without_warnings_and_validates(tmp_path: Any) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    assert "/api/v1/meetings/{meeting_id}/check-in/:" in schema
    assert "MeetingStatusEnum" in schema
    assert "AttendanceStatusEnum" in schema


def test_schema_is_served(db: None) -> None:
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Paperless meetings API"
    assert {
        "/api/v1/bodies/",
        "/api/v1/bodies/{body_id}/memberships/{membership_id}/end/",
        "/api/v1/meetings/{meeting_id}/quorum/",
        "/api/v1/meetings/{meeting_id}/attendance/{attendance_id}/",
    } <= set(schema["paths"])


def test_browsable_api_renders(government: Personas, meeting: Meeting) -> None:
    client = api(government.secretary)
    for address in (url("meeting-list"), url("meeting-detail", meeting.pk), url("body-list")):
        response = client.get(address, HTTP_ACCEPT="text/html")
        assert response.status_code == 200
        assert b"Government" in response.content


# Malformed requests, on every endpoint that takes input

WRITES = [
    ("post", "body-list", lambda p, m: ()),
    ("patch", "body-detail", lambda p, m: (p.body.pk,)),
    ("post", "membership-list", lambda p, m: (p.body.pk,)),
    ("patch", "membership-detail", lambda p, m: (p.body.pk, _membership(p, p.members[0]).pk)),
    ("post", "membership-end", lambda p, m: (p.body.pk, _membership(p, p.members[0]).pk)),
    ("post", "meeting-list", lambda p, m: ()),
    ("patch", "meeting-detail", lambda p, m: (m.pk,)),
    ("post", "meeting-schedule", lambda p, m: (m.pk,)),
    ("post", "meeting-cancel", lambda p, m: (m.pk,)),
    ("post", "meeting-start", lambda p, m: (m.pk,)),
    ("post", "meeting-adjourn", lambda p, m: (m.pk,)),
    ("post", "meeting-reconvene", lambda p, m: (m.pk,)),
    ("post", "meeting-close", lambda p, m: (m.pk,)),
    ("patch", "attendance-detail", lambda p, m: (m.pk, attendance_of(m, p.members[0]).pk)),
    ("post", "check-in", lambda p, m: (m.pk,)),
    ("post", "check-out", lambda p, m: (m.pk,)),
]


def _membership(personas: Personas, user: User) -> Membership:
    return Membership.objects.get(body=personas.body, user=user)


def _writer(personas: Personas, secretariat: User, name: str) -> User:
    """Someone entitled to the endpoint, so that only the input can be at fault."""
    return {
        "body-list": secretariat,
        "meeting-start": personas.chair,
        "meeting-adjourn": personas.chair,
        "meeting-reconvene": personas.chair,
        "check-in": personas.members[0],
        "check-out": personas.members[0],
    }.get(name, personas.secretary)


@pytest.mark.parametrize(("method", "name", "args"), WRITES)
def test_malformed_json_is_refused(
    government: Personas,
    secretariat: User,
    meeting: Meeting,
    unchanged: Unchanged,
    method: str,
    name: str,
    args: Callable[[Personas, Meeting], tuple[int, ...]],
) -> None:
    client = api(_writer(government, secretariat, name))
    with unchanged():
        response = getattr(client, method)(
            url(name, *args(government, meeting)),
            '{"title": "unfinished',
            content_type="application/json",
        )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


@pytest.mark.parametrize(("method", "name", "args"), WRITES)
def test_input_that_is_not_an_object_is_refused(
    government: Personas,
    secretariat: User,
    meeting: Meeting,
    unchanged: Unchanged,
    method: str,
    name: str,
    args: Callable[[Personas, Meeting], tuple[int, ...]],
) -> None:
    client = api(_writer(government, secretariat, name))
    with unchanged():
        response = getattr(client, method)(
            url(name, *args(government, meeting)), ["status", "closed"], format="json"
        )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


@pytest.mark.parametrize(("method", "name", "args"), WRITES)
def test_unknown_fields_are_refused(
    government: Personas,
    secretariat: User,
    meeting: Meeting,
    unchanged: Unchanged,
    method: str,
    name: str,
    args: Callable[[Personas, Meeting], tuple[int, ...]],
) -> None:
    """A field the endpoint does not take is an error, not silently ignored: otherwise
    `{"status": "closed"}` would look like it worked."""
    client = api(_writer(government, secretariat, name))
    with unchanged():
        response = getattr(client, method)(
            url(name, *args(government, meeting)), {"is_superuser": True}, format="json"
        )
    assert response.status_code == 400
    assert response.json()["is_superuser"] == ["This field is not accepted here."]


def test_other_content_types_are_refused(government: Personas, unchanged: Unchanged) -> None:
    with unchanged():
        response = api(government.secretary).patch(
            url("body-detail", government.body.pk), "name=x", content_type="text/plain"
        )
    assert response.status_code == 415


def test_unsupported_methods_are_refused(government: Personas, meeting: Meeting) -> None:
    client = api(government.secretary)
    assert client.delete(url("meeting-detail", meeting.pk)).status_code == 405
    assert client.get(url("meeting-start", meeting.pk)).status_code == 405
    assert client.put(url("body-detail", government.body.pk), {}, format="json").status_code == 405


@pytest.mark.parametrize("name", ["meeting-detail", "attendance-list", "quorum"])
def test_ids_beyond_the_database_range_are_simply_missing(government: Personas, name: str) -> None:
    response = api(government.secretary).get(reverse(f"api:{name}", args=[10**30]))
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_text_with_nul_characters_is_refused(
    government: Personas, meeting: Meeting, unchanged: Unchanged
) -> None:
    with unchanged():
        response = api(government.secretary).patch(
            url("meeting-detail", meeting.pk), {"title": "Budget\x00"}, format="json"
        )
    assert response.status_code == 400
    assert response.json() == {"title": ["Null characters are not allowed."]}


@pytest.mark.parametrize("field", ["title", "place"])
def test_text_on_several_lines_is_refused_where_it_goes_into_a_mail_header_or_a_file_name(
    government: Personas, meeting: Meeting, unchanged: Unchanged, field: str
) -> None:
    """A title with CR/LF was saved, then its invitation raised BadHeaderError after the commit:
    the change was reported as a 500 and every later change of the meeting failed too."""
    with unchanged():
        response = api(government.secretary).patch(
            url("meeting-detail", meeting.pk),
            {field: "Budget\r\nBcc: everyone@example.org"},
            format="json",
        )
    assert response.status_code == 400
    assert response.json() == refused("Write this on one line.", field)
    assert mail.outbox == []


# Bodies


def test_people_list_the_bodies_they_belong_to(
    government: Personas, committee: Personas, secretariat: User, outsider: User
) -> None:
    def names(user: User) -> list[str]:
        response = api(user).get(url("body-list"))
        assert response.status_code == 200
        return [body["name"] for body in response.json()["results"]]

    assert names(government.members[0]) == ["Government"]
    assert names(committee.chair) == ["Finance Committee"]
    assert names(secretariat) == ["Finance Committee", "Government"]
    assert names(outsider) == []


def test_body_list_is_paginated(government: Personas, committee: Personas) -> None:
    response = api(UserFactory(username="officer2")).get(url("body-list"))
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}
    response = api(government.secretary).get(url("body-list"), {"limit": 1})
    page = response.json()
    assert page["count"] == 1
    assert page["results"][0]["name"] == "Government"


@pytest.mark.parametrize("limit", [str(2**70), "1001"])
def test_a_page_holds_at_most_a_thousand(
    government: Personas, committee: Personas, secretariat: User, limit: str
) -> None:
    """A larger limit is answered with the largest page, not a database error."""
    response = api(secretariat).get(url("body-list"), {"limit": limit, "offset": 1})
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 2 and len(page["results"]) == 1
    assert "limit=1000" in page["previous"]


def test_secretariat_creates_a_body_with_its_kinds_rules(secretariat: User) -> None:
    response = api(secretariat).post(
        url("body-list"),
        {"name": "Audit Committee", "kind": "committee", "description": "Checks the accounts."},
        format="json",
    )
    assert response.status_code == 201
    created = response.json()
    assert created["name"] == "Audit Committee"
    assert created["quorum_numerator"] == 1
    assert created["quorum_denominator"] == 2
    assert created["quorum_strict"] is True
    assert created["majority_base"] == "votes_cast"
    assert created["tie_rule"] == "fails"
    assert created["rules_reference"] == "Robert's Rules of Order"
    # The creator manages the new body at once.
    assert api(secretariat).get(url("body-detail", created["id"])).status_code == 200


def test_secretariat_creates_a_body_with_its_own_quorum(secretariat: User) -> None:
    response = api(secretariat).post(
        url("body-list"),
        {
            "name": "Supervisory Board",
            "kind": "board",
            "quorum_numerator": 2,
            "quorum_denominator": 3,
            "quorum_strict": False,
            "rules_reference": "Charter, Art. 7",
        },
        format="json",
    )
    assert response.status_code == 201
    body = Body.objects.get(pk=response.json()["id"])
    assert body.decision_rules.quorum.describe() == "at least two thirds"
    assert body.tie_rule == "fails"  # from the board preset
    assert body.rules_reference == "Charter, Art. 7"


@pytest.mark.parametrize("who", ["chair", "secretary", "member", "outsider"])
def test_only_the_secretariat_creates_bodies(
    government: Personas, outsider: User, unchanged: Unchanged, who: str
) -> None:
    user = {
        "chair": government.chair,
        "secretary": government.secretary,
        "member": government.members[0],
        "outsider": outsider,
    }[who]
    with unchanged():
        valid = api(user).post(url("body-list"), {"name": "X", "kind": "board"}, format="json")
        invalid = api(user).post(url("body-list"), {"kind": 42}, format="json")
    for response in (valid, invalid):
        assert response.status_code == 403
        assert response.json() == {"detail": "Only the secretariat can create bodies."}


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"name": ["This field is required."], "kind": ["This field is required."]}),
        ({"name": "X", "kind": "parliament"}, {"kind": ['"parliament" is not a valid choice.']}),
        ({"name": "", "kind": "board"}, {"name": ["This field may not be blank."]}),
        (
            {"name": "X" * 201, "kind": "board"},
            {"name": ["Ensure this field has no more than 200 characters."]},
        ),
        (
            {"name": "X", "kind": "board", "quorum_strict": "perhaps"},
            {"quorum_strict": ["Must be a valid boolean."]},
        ),
        (
            {"name": "X", "kind": "board", "quorum_numerator": "half"},
            {"quorum_numerator": ["A valid integer is required."]},
        ),
        (
            {"name": "X", "kind": "board", "quorum_denominator": 0},
            {"quorum_denominator": ["Ensure this value is greater than or equal to 1."]},
        ),
        (
            {"name": "X", "kind": "board", "majority_numerator": 3},
            {
                "majority_numerator": [
                    "A quorum or majority must be a fraction between 0 and 1, such as 2/3."
                ]
            },
        ),
        (
            {"name": "X", "kind": "board", "quorum_base": "everyone"},
            {"quorum_base": ['"everyone" is not a valid choice.']},
        ),
    ],
)
def test_body_creation_refuses_bad_input(
    secretariat: User, unchanged: Unchanged, payload: dict[str, Any], errors: dict[str, Any]
) -> None:
    with unchanged():
        response = api(secretariat).post(url("body-list"), payload, format="json")
    assert response.status_code == 400
    assert response.json() == errors


def test_body_names_are_unique_whatever_their_case(
    secretariat: User, government: Personas, unchanged: Unchanged
) -> None:
    with unchanged():
        response = api(secretariat).post(
            url("body-list"), {"name": " GOVERNMENT ", "kind": "government"}, format="json"
        )
    assert response.status_code == 400
    assert response.json() == refused("A body with this name already exists.", "name")


def test_members_see_their_body(government: Personas) -> None:
    response = api(government.members[0]).get(url("body-detail", government.body.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Government"
    assert body["kind"] == "government"
    assert body["quorum_numerator"] == 2
    assert body["quorum_denominator"] == 3
    assert body["rules_reference"].startswith("Law on Government Organisation")


def test_a_body_is_missing_to_those_outside_it(
    government: Personas, committee: Personas, outsider: User
) -> None:
    missing = api(outsider).get(url("body-detail", government.body.pk + 1000))
    for user in (outsider, committee.chair):
        forbidden = api(user).get(url("body-detail", government.body.pk))
        assert forbidden.status_code == missing.status_code == 404
        assert forbidden.json() == missing.json() == NOT_FOUND


def test_the_bodys_secretary_changes_its_rules_and_the_quorum_follows(
    government: Personas, meeting: Meeting
) -> None:
    check_in(meeting, government.voters[:14])
    client = api(government.secretary)
    assert client.get(url("quorum", meeting.pk)).json()["met"] is False

    response = client.patch(
        url("body-detail", government.body.pk),
        {"quorum_numerator": 1, "quorum_denominator": 2, "quorum_strict": True},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["quorum_denominator"] == 2
    assert client.get(url("quorum", meeting.pk)).json() == {
        "present": 14,
        "members": 27,
        "required": 14,
        "met": True,
        "explanation": "Quorum met: 14 of 27 members present; more than half (14) required.",
    }


def test_the_bodys_secretary_renames_it(government: Personas) -> None:
    response = api(government.secretary).patch(
        url("body-detail", government.body.pk),
        {"name": "  Government of Viet Nam ", "description": "The executive."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Government of Viet Nam"
    assert response.json()["description"] == "The executive."


@pytest.mark.parametrize("who", ["chair", "vice_chair", "member"])
def test_members_cannot_change_their_body(
    government: Personas, unchanged: Unchanged, who: str
) -> None:
    user = {
        "chair": government.chair,
        "vice_chair": government.vice_chairs[0],
        "member": government.members[0],
    }[who]
    with unchanged():
        response = api(user).patch(
            url("body-detail", government.body.pk), {"name": "Mine"}, format="json"
        )
    assert response.status_code == 403
    assert response.json() == {"detail": "You cannot change this body."}


def test_outsiders_cannot_change_a_body(
    government: Personas, committee: Personas, unchanged: Unchanged
) -> None:
    with unchanged():
        response = api(committee.secretary).patch(
            url("body-detail", government.body.pk), {"name": "Mine"}, format="json"
        )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("payload", "status", "expected"),
    [
        (
            {"quorum_numerator": 4},
            400,
            refused(
                "A quorum or majority must be a fraction between 0 and 1, such as 2/3.",
                "quorum_numerator",
            ),
        ),
        (
            {"name": "Finance committee"},
            400,
            refused("A body with this name already exists.", "name"),
        ),
        ({"tie_rule": "coin"}, 400, {"tie_rule": ['"coin" is not a valid choice.']}),
        (
            {"created_at": "2020-01-01T00:00:00Z"},
            400,
            {"created_at": ["This field is not accepted here."]},
        ),
        ({"name": None}, 400, {"name": ["This field may not be null."]}),
    ],
)
def test_body_changes_refuse_bad_input(
    government: Personas,
    committee: Personas,
    unchanged: Unchanged,
    payload: dict[str, Any],
    status: int,
    expected: dict[str, Any],
) -> None:
    with unchanged():
        response = api(government.secretary).patch(
            url("body-detail", government.body.pk), payload, format="json"
        )
    assert response.status_code == status
    assert response.json() == expected


# Memberships


def test_members_list_their_bodys_members(government: Personas, outsider: User) -> None:
    response = api(government.members[0]).get(url("membership-list", government.body.pk))
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 28
    chair = next(m for m in page["results"] if m["role"] == "chair")
    assert chair["user"]["id"] == government.chair.pk
    assert chair["user"]["username"] == government.chair.username
    assert chair["has_vote"] is True
    assert chair["is_current"] is True
    assert "email" not in chair["user"]
    secretary = next(m for m in page["results"] if m["role"] == "secretary")
    assert secretary["has_vote"] is False

    assert api(outsider).get(url("membership-list", government.body.pk)).status_code == 404


def test_a_membership_is_read_under_its_own_body_only(
    government: Personas, committee: Personas
) -> None:
    membership = _membership(committee, committee.chair)
    client = api(government.secretary)
    response = client.get(url("membership-detail", government.body.pk, membership.pk))
    assert response.status_code == 404
    own = _membership(government, government.chair)
    response = client.get(url("membership-detail", government.body.pk, own.pk))
    assert response.status_code == 200
    assert response.json()["role"] == "chair"


def test_the_secretary_adds_a_member_who_is_invited_to_scheduled_meetings(
    government: Personas, meeting: Meeting, outsider: User, django_capture_on_commit_callbacks: Any
) -> None:
    assert api(outsider).get(url("body-detail", government.body.pk)).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        response = api(government.secretary).post(
            url("membership-list", government.body.pk),
            {"user": outsider.pk, "role": "member", "title": "Minister of Science"},
            format="json",
        )
    assert response.status_code == 201
    created = response.json()
    assert created["user"]["id"] == outsider.pk
    assert created["has_vote"] is True  # members vote unless told otherwise
    assert created["starts_on"] == timezone.localdate().isoformat()
    assert created["ends_on"] is None
    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("Invitation: Regular Government meeting", [outsider.email])
    ]

    assert api(outsider).get(url("body-detail", government.body.pk)).status_code == 200
    assert api(outsider).get(url("meeting-detail", meeting.pk)).status_code == 200
    quorum = api(outsider).get(url("quorum", meeting.pk)).json()
    assert quorum["members"] == 28


def test_the_secretary_adds_an_observer_without_a_vote(
    government: Personas, outsider: User
) -> None:
    response = api(government.secretary).post(
        url("membership-list", government.body.pk),
        {"user": outsider.pk, "role": "observer", "starts_on": "2026-01-01", "ends_on": None},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["has_vote"] is False
    assert response.json()["starts_on"] == "2026-01-01"


@pytest.mark.parametrize("who", ["chair", "member"])
def test_members_cannot_add_members(
    government: Personas, outsider: User, unchanged: Unchanged, who: str
) -> None:
    user = government.chair if who == "chair" else government.members[0]
    with unchanged():
        response = api(user).post(
            url("membership-list", government.body.pk),
            {"user": outsider.pk, "role": "member"},
            format="json",
        )
    assert response.status_code == 403
    assert response.json() == {"detail": "You cannot change this body's members."}


def test_outsiders_cannot_add_members(
    government: Personas, outsider: User, unchanged: Unchanged
) -> None:
    with unchanged():
        response = api(outsider).post(
            url("membership-list", government.body.pk),
            {"user": outsider.pk, "role": "chair"},
            format="json",
        )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"role": "member"}, {"user": ["This field is required."]}),
        ({"user": 10**9, "role": "member"}, {"user": ["No such person."]}),
        (
            {"user": "the minister", "role": "member"},
            {"user": ["Give the person's id as a number."]},
        ),
        ({"user": "OUTSIDER", "role": "king"}, {"role": ['"king" is not a valid choice.']}),
        (
            {"user": "OUTSIDER", "role": "member", "has_vote": "sometimes"},
            {"has_vote": ["Must be a valid boolean."]},
        ),
        (
            {"user": "OUTSIDER", "role": "member", "starts_on": "soon"},
            {"starts_on": [WRONG_DATE]},
        ),
        (
            {
                "user": "OUTSIDER",
                "role": "member",
                "starts_on": "2026-05-01",
                "ends_on": "2026-04-01",
            },
            refused("A membership cannot end before it starts.", "ends_on"),
        ),
        (
            {"user": "MEMBER", "role": "member"},
            refused("This person is already a member of this body.", "user"),
        ),
    ],
)
def test_adding_a_member_refuses_bad_input(
    government: Personas,
    outsider: User,
    unchanged: Unchanged,
    payload: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    people = {"OUTSIDER": outsider.pk, "MEMBER": government.members[0].pk}
    payload = {key: people.get(value, value) for key, value in payload.items()}
    with unchanged():
        response = api(government.secretary).post(
            url("membership-list", government.body.pk), payload, format="json"
        )
    assert response.status_code == 400
    assert response.json() == expected


def test_the_secretary_promotes_a_member(government: Personas, meeting: Meeting) -> None:
    promoted = government.members[0]
    membership = _membership(government, promoted)
    response = api(government.secretary).patch(
        url("membership-detail", government.body.pk, membership.pk),
        {"role": "vice_chair", "title": "Deputy Prime Minister"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["role"] == "vice_chair"
    assert response.json()["title"] == "Deputy Prime Minister"

    # The new role carries its rights: a vice-chair may open the session.
    check_in(meeting, government.voters[:18])
    response = api(promoted).post(url("meeting-start", meeting.pk))
    assert response.status_code == 200
    assert response.json()["status"] == "in_session"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            {"ends_on": "2000-01-01"},
            refused("A membership cannot end before it starts.", "ends_on"),
        ),
        ({"has_vote": None}, {"has_vote": ["This field may not be null."]}),
        ({"user": 1}, {"user": ["This field is not accepted here."]}),
        ({"title": ["Minister"]}, {"title": ["Not a valid string."]}),
    ],
)
def test_changing_a_membership_refuses_bad_input(
    government: Personas, unchanged: Unchanged, payload: dict[str, Any], expected: dict[str, Any]
) -> None:
    membership = _membership(government, government.members[0])
    with unchanged():
        response = api(government.secretary).patch(
            url("membership-detail", government.body.pk, membership.pk), payload, format="json"
        )
    assert response.status_code == 400
    assert response.json() == expected


def test_members_cannot_change_memberships(government: Personas, unchanged: Unchanged) -> None:
    membership = _membership(government, government.members[0])
    with unchanged():
        response = api(government.chair).patch(
            url("membership-detail", government.body.pk, membership.pk),
            {"has_vote": False},
            format="json",
        )
        ending = api(government.members[0]).post(
            url("membership-end", government.body.pk, membership.pk), {}, format="json"
        )
    assert response.status_code == ending.status_code == 403
    assert response.json() == {"detail": "You cannot change this body's members."}


def test_ending_a_membership_withdraws_access_and_invitations(
    government: Personas, meeting: Meeting
) -> None:
    leaving = government.members[0]
    membership = _membership(government, leaving)
    assert api(leaving).get(url("meeting-detail", meeting.pk)).status_code == 200

    response = api(government.secretary).post(
        url("membership-end", government.body.pk, membership.pk), format="json"
    )
    assert response.status_code == 200
    ended = response.json()
    assert ended["ends_on"] == timezone.localdate().isoformat()
    assert ended["is_current"] is False

    assert api(leaving).get(url("body-detail", government.body.pk)).status_code == 404
    assert api(leaving).get(url("meeting-detail", meeting.pk)).status_code == 404
    assert api(leaving).post(url("check-in", meeting.pk)).status_code == 404
    assert api(government.secretary).get(url("quorum", meeting.pk)).json()["members"] == 26


def test_a_membership_can_end_on_a_given_day(government: Personas) -> None:
    membership = _membership(government, government.members[0])
    last_day = timezone.localdate() + datetime.timedelta(days=90)
    response = api(government.secretary).post(
        url("membership-end", government.body.pk, membership.pk),
        {"ends_on": last_day.isoformat()},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["ends_on"] == last_day.isoformat()
    assert response.json()["is_current"] is True


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            {"ends_on": "2000-01-01"},
            refused("A membership cannot end before it starts.", "ends_on"),
        ),
        ({"ends_on": "next year"}, {"ends_on": [WRONG_DATE]}),
    ],
)
def test_ending_a_membership_refuses_bad_input(
    government: Personas, unchanged: Unchanged, payload: dict[str, Any], expected: dict[str, Any]
) -> None:
    membership = _membership(government, government.members[0])
    with unchanged():
        response = api(government.secretary).post(
            url("membership-end", government.body.pk, membership.pk), payload, format="json"
        )
    assert response.status_code == 400
    assert response.json() == expected


def test_ending_an_unknown_membership(government: Personas, committee: Personas) -> None:
    foreign = _membership(committee, committee.members[0])
    response = api(government.secretary).post(
        url("membership-end", government.body.pk, foreign.pk), {}, format="json"
    )
    assert response.status_code == 404


# Meetings


def test_members_list_scheduled_meetings_but_not_drafts(
    government: Personas, meeting: Meeting, outsider: User, committee: Personas
) -> None:
    draft = plan_meeting(government, starts_in=48 * HOUR, title="Next month")

    def titles(user: User, **query: Any) -> list[str]:
        response = api(user).get(url("meeting-list"), query)
        assert response.status_code == 200
        return [m["title"] for m in response.json()["results"]]

    assert titles(government.members[0]) == [meeting.title]
    assert titles(government.chair) == [meeting.title]
    assert titles(government.secretary) == [meeting.title, draft.title]
    assert titles(outsider) == []
    assert titles(committee.secretary) == []


def test_meeting_list_filters(government: Personas, committee: Personas, meeting: Meeting) -> None:
    committee_meeting = services.meeting_schedule(
        actor=committee.secretary,
        meeting=plan_meeting(committee, starts_in=72 * HOUR, title="Committee hearing"),
    )
    services.membership_create(
        actor=committee.secretary,
        body=committee.body,
        user=government.secretary,
        role=Membership.Role.SECRETARY,
    )
    draft = plan_meeting(government, starts_in=240 * HOUR, title="Later")
    client = api(government.secretary)

    def ids(**query: Any) -> list[int]:
        response = client.get(url("meeting-list"), query)
        assert response.status_code == 200
        return [m["id"] for m in response.json()["results"]]

    assert ids() == [meeting.pk, committee_meeting.pk, draft.pk]
    assert ids(body=committee.body.pk) == [committee_meeting.pk]
    assert ids(status="draft") == [draft.pk]
    assert ids(status="scheduled", body=government.body.pk) == [meeting.pk]
    in_three_days = timezone.localdate(committee_meeting.starts_at)
    assert ids(date_from=in_three_days.isoformat()) == [committee_meeting.pk, draft.pk]
    assert ids(date_to=in_three_days.isoformat()) == [meeting.pk, committee_meeting.pk]
    assert ids(date_from=in_three_days.isoformat(), date_to=in_three_days.isoformat()) == [
        committee_meeting.pk
    ]
    assert ids(body=10**9) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "postponed"}, {"status": ['"postponed" is not a valid choice.']}),
        ({"body": "government"}, {"body": ["A valid integer is required."]}),
        (
            {"date_from": "last week"},
            {"date_from": [WRONG_DATE]},
        ),
        (
            {"date_from": "2026-06-02", "date_to": "2026-06-01"},
            {"date_to": ["The end of the range comes before its start."]},
        ),
    ],
)
def test_meeting_list_refuses_bad_filters(
    government: Personas, query: dict[str, Any], expected: dict[str, Any]
) -> None:
    response = api(government.secretary).get(url("meeting-list"), query)
    assert response.status_code == 400
    assert response.json() == expected


def test_meeting_list_reads_a_fixed_number_of_queries(government: Personas) -> None:
    client = api(government.secretary)
    plan_meeting(government, starts_in=24 * HOUR)
    client.get(url("meeting-list"))  # Django's per-process content type cache is read first
    one = count_queries(lambda: client.get(url("meeting-list")))
    for days in range(2, 7):
        plan_meeting(government, starts_in=days * 24 * HOUR)
    assert count_queries(lambda: client.get(url("meeting-list"))) == one


def test_the_secretary_plans_a_meeting(government: Personas) -> None:
    payload = meeting_payload(government.body)
    response = api(government.secretary).post(url("meeting-list"), payload, format="json")
    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "draft"
    assert created["body"] == government.body.pk
    assert created["body_name"] == "Government"
    assert created["title"] == "Extraordinary session on the budget"
    assert created["kind"] == "regular"
    assert created["confidentiality"] == "internal"
    assert created["started_at"] is None
    meeting = Meeting.objects.get(pk=created["id"])
    assert meeting.starts_at.isoformat() == payload["starts_at"]

    # The draft is the secretariat's alone.
    assert api(government.secretary).get(url("meeting-detail", meeting.pk)).status_code == 200
    assert api(government.chair).get(url("meeting-detail", meeting.pk)).status_code == 404


@pytest.mark.parametrize("who", ["chair", "member"])
def test_members_cannot_plan_meetings(government: Personas, unchanged: Unchanged, who: str) -> None:
    user = government.chair if who == "chair" else government.members[0]
    with unchanged():
        response = api(user).post(
            url("meeting-list"), meeting_payload(government.body), format="json"
        )
    assert response.status_code == 403
    assert response.json() == {"detail": "You cannot plan meetings of this body."}


@pytest.mark.parametrize("body", ["other", "missing"])
def test_planning_in_a_body_one_cannot_see_looks_like_a_missing_body(
    government: Personas, committee: Personas, unchanged: Unchanged, body: str
) -> None:
    payload = meeting_payload(government.body)
    if body == "missing":
        payload["body"] = 10**9
    with unchanged():
        response = api(committee.secretary).post(url("meeting-list"), payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"body": ["No such body."]}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"body": None}, {"body": ["This field may not be null."]}),
        ({"title": "   "}, {"title": ["This field may not be blank."]}),
        (
            {"starts_at": "tomorrow morning"},
            {"starts_at": [WRONG_DATETIME]},
        ),
        ({"kind": "secret"}, {"kind": ['"secret" is not a valid choice.']}),
        ({"online_link": "not a link"}, {"online_link": ["Enter a valid URL."]}),
        ({"place": "", "online_link": ""}, refused("Give a room or an online link.", "place")),
        (
            {"ends_at": "2020-01-01T00:00:00Z"},
            refused("A meeting must end after it starts.", "ends_at"),
        ),
        ({"status": "scheduled"}, {"status": ["This field is not accepted here."]}),
    ],
)
def test_planning_a_meeting_refuses_bad_input(
    government: Personas, unchanged: Unchanged, change: dict[str, Any], expected: dict[str, Any]
) -> None:
    payload = {**meeting_payload(government.body), **change}
    with unchanged():
        response = api(government.secretary).post(url("meeting-list"), payload, format="json")
    assert response.status_code == 400
    assert response.json() == expected


def test_members_read_a_scheduled_meeting(
    government: Personas, meeting: Meeting, committee: Personas, outsider: User
) -> None:
    response = api(government.members[0]).get(url("meeting-detail", meeting.pk))
    assert response.status_code == 200
    assert response.json()["status"] == "scheduled"
    assert response.json()["place"] == "Room 1"
    missing = api(outsider).get(url("meeting-detail", meeting.pk + 1000))
    for user in (outsider, committee.chair):
        forbidden = api(user).get(url("meeting-detail", meeting.pk))
        assert forbidden.status_code == missing.status_code == 404
        assert forbidden.json() == missing.json()


def test_the_secretary_moves_a_scheduled_meeting(
    government: Personas, meeting: Meeting, django_capture_on_commit_callbacks: Any
) -> None:
    new_start = meeting.starts_at + 2 * HOUR
    with django_capture_on_commit_callbacks(execute=True):
        response = api(government.secretary).patch(
            url("meeting-detail", meeting.pk),
            {
                "starts_at": new_start.isoformat(),
                "ends_at": (new_start + HOUR).isoformat(),
                "place": "Room 3",
            },
            format="json",
        )
    assert response.status_code == 200
    assert response.json()["place"] == "Room 3"
    assert response.json()["status"] == "scheduled"
    assert len(mail.outbox) == 28
    assert {m.subject for m in mail.outbox} == {"Updated: Regular Government meeting"}
    meeting.refresh_from_db()
    assert meeting.starts_at == new_start


@pytest.mark.parametrize("who", ["chair", "member"])
def test_members_cannot_change_a_meeting(
    government: Personas, meeting: Meeting, unchanged: Unchanged, who: str
) -> None:
    user = government.chair if who == "chair" else government.members[0]
    with unchanged():
        response = api(user).patch(
            url("meeting-detail", meeting.pk), {"title": "Mine"}, format="json"
        )
    assert response.status_code == 403
    assert response.json() == {"detail": "You cannot change this meeting."}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"title": ""}, {"title": ["This field may not be blank."]}),
        (
            {"starts_at": 1750000000},
            {"starts_at": [WRONG_DATETIME]},
        ),
        (
            {"ends_at": "2000-01-01T00:00:00Z"},
            refused("A meeting must end after it starts.", "ends_at"),
        ),
        ({"body": 1}, {"body": ["This field is not accepted here."]}),
        ({"status": "closed"}, {"status": ["This field is not accepted here."]}),
    ],
)
def test_changing_a_meeting_refuses_bad_input(
    government: Personas,
    meeting: Meeting,
    unchanged: Unchanged,
    payload: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    with unchanged():
        response = api(government.secretary).patch(
            url("meeting-detail", meeting.pk), payload, format="json"
        )
    assert response.status_code == 400
    assert response.json() == expected


def test_a_meeting_in_session_cannot_be_changed(
    government: Personas, meeting: Meeting, unchanged: Unchanged
) -> None:
    check_in(meeting, government.voters[:18])
    services.meeting_start(actor=government.chair, meeting=meeting)
    with unchanged():
        response = api(government.secretary).patch(
            url("meeting-detail", meeting.pk), {"title": "Late change"}, format="json"
        )
    assert response.status_code == 400
    assert response.json() == refused("Only a meeting that has not started can be changed.")


# Lifecycle


def test_a_meeting_from_plan_to_close_through_the_api(
    government: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    secretary, chair = api(government.secretary), api(government.chair)
    payload = meeting_payload(government.body, starts_in=HOUR)
    meeting_id = secretary.post(url("meeting-list"), payload, format="json").json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        response = secretary.post(url("meeting-schedule", meeting_id))
    assert response.status_code == 200
    assert response.json()["status"] == "scheduled"
    assert len(mail.outbox) == 28
    assert {m.subject for m in mail.outbox} == {"Invitation: " + payload["title"]}
    assert chair.get(url("meeting-detail", meeting_id)).status_code == 200
    assert secretary.get(url("attendance-list", meeting_id)).json()["count"] == 28

    for voter in government.voters[:18]:
        assert api(voter).post(url("check-in", meeting_id)).status_code == 200

    response = chair.post(url("meeting-start", meeting_id))
    assert response.status_code == 200
    assert response.json()["status"] == "in_session"
    assert response.json()["started_at"] is not None

    response = chair.post(url("meeting-adjourn", meeting_id), {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "adjourned"
    assert response.json()["adjourned_at"] is not None

    response = chair.post(url("meeting-reconvene", meeting_id))
    assert response.status_code == 200
    assert response.json()["status"] == "in_session"
    assert response.json()["adjourned_at"] is None

    chair.post(url("meeting-adjourn", meeting_id))
    response = secretary.post(url("meeting-close", meeting_id))
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert response.json()["closed_at"] is not None
    assert api(government.members[0]).get(url("meeting-detail", meeting_id)).json()["status"] == (
        "closed"
    )


def test_the_secretary_cancels_a_scheduled_meeting_with_a_reason(
    government: Personas, meeting: Meeting, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = api(government.secretary).post(
            url("meeting-cancel", meeting.pk),
            {"reason": "  The Prime Minister is abroad. "},
            format="json",
        )
    assert response.status_code == 200
    cancelled = response.json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancellation_reason"] == "The Prime Minister is abroad."
    assert cancelled["cancelled_at"] is not None
    assert len(mail.outbox) == 28
    assert {m.subject for m in mail.outbox} == {"Cancelled: Regular Government meeting"}
    member_view = api(government.members[0]).get(url("meeting-detail", meeting.pk)).json()
    assert member_view["status"] == "cancelled"


def test_a_draft_is_cancelled_without_a_reason(
    government: Personas, draft_meeting: Meeting
) -> None:
    response = api(government.secretary).post(url("meeting-cancel", draft_meeting.pk))
    assert response.status_code == 200
    assert response.json()["cancellation_reason"] == ""


@pytest.mark.parametrize(
    ("who", "action", "status", "detail"),
    [
        ("member", "meeting-cancel", 403, "You cannot cancel this meeting."),
        ("chair", "meeting-cancel", 403, "You cannot cancel this meeting."),
        ("member", "meeting-start", 403, "Only the chair can open the session."),
        ("secretary", "meeting-start", 403, "Only the chair can open the session."),
        ("member", "meeting-schedule", 403, "You cannot schedule this meeting."),
        ("chair", "meeting-close", 403, "You cannot close this meeting."),
        ("secretary", "meeting-adjourn", 403, "Only the chair can adjourn."),
        ("member", "meeting-reconvene", 403, "Only the chair can reconvene."),
        ("outsider", "meeting-cancel", 404, "Not found."),
        ("outsider", "meeting-start", 404, "Not found."),
        ("committee", "meeting-schedule", 404, "Not found."),
    ],
)
def test_lifecycle_actions_are_refused_to_the_wrong_people(
    government: Personas,
    committee: Personas,
    meeting: Meeting,
    outsider: User,
    unchanged: Unchanged,
    who: str,
    action: str,
    status: int,
    detail: str,
) -> None:
    check_in(meeting, government.voters[:18])
    user = {
        "member": government.members[0],
        "chair": government.chair,
        "secretary": government.secretary,
        "outsider": outsider,
        "committee": committee.secretary,
    }[who]
    with unchanged():
        response = api(user).post(url(action, meeting.pk), {}, format="json")
    assert response.status_code == status
    assert response.json() == {"detail": detail}


def test_the_chair_cannot_act_on_a_draft_it_cannot_see(
    government: Personas, draft_meeting: Meeting, unchanged: Unchanged
) -> None:
    with unchanged():
        response = api(government.chair).post(url("meeting-start", draft_meeting.pk))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("state", "who", "action", "detail"),
    [
        ("scheduled", "secretary", "meeting-schedule", "Only a draft meeting can be scheduled."),
        ("scheduled", "secretary", "meeting-close", "Only an adjourned meeting can be closed."),
        ("scheduled", "chair", "meeting-adjourn", "Only a session in progress can adjourn."),
        ("scheduled", "chair", "meeting-reconvene", "Only an adjourned session can reconvene."),
        ("in_session", "chair", "meeting-reconvene", "Only an adjourned session can reconvene."),
        ("in_session", "chair", "meeting-start", "Only a scheduled meeting can be opened."),
        ("adjourned", "chair", "meeting-start", "Only a scheduled meeting can be opened."),
        (
            "in_session",
            "secretary",
            "meeting-cancel",
            "Only a meeting that has not started can be cancelled.",
        ),
        ("in_session", "secretary", "meeting-close", "Only an adjourned meeting can be closed."),
        ("cancelled", "secretary", "meeting-schedule", "Only a draft meeting can be scheduled."),
        (
            "cancelled",
            "secretary",
            "meeting-cancel",
            "Only a meeting that has not started can be cancelled.",
        ),
    ],
)
def test_illegal_transitions_are_refused(
    government: Personas,
    meeting: Meeting,
    unchanged: Unchanged,
    state: str,
    who: str,
    action: str,
    detail: str,
) -> None:
    if state in ("in_session", "adjourned"):
        check_in(meeting, government.voters[:18])
        services.meeting_start(actor=government.chair, meeting=meeting)
    if state == "adjourned":
        services.meeting_adjourn(actor=government.chair, meeting=meeting)
    if state == "cancelled":
        services.meeting_cancel(actor=government.secretary, meeting=meeting)
    user = government.chair if who == "chair" else government.secretary
    with unchanged():
        response = api(user).post(url(action, meeting.pk), {}, format="json")
    assert response.status_code == 400
    status = state.replace("_", " ")
    assert response.json() == refused(f"{detail} This meeting is {status}.")


def test_a_meeting_whose_time_has_passed_cannot_be_scheduled(
    government: Personas, unchanged: Unchanged
) -> None:
    past = plan_meeting(government, starts_in=-5 * HOUR)
    with unchanged():
        response = api(government.secretary).post(url("meeting-schedule", past.pk))
    assert response.status_code == 400
    assert response.json() == refused("This meeting's time has already passed; change it first.")


def test_cancel_refuses_a_reason_that_is_not_text(
    government: Personas, meeting: Meeting, unchanged: Unchanged
) -> None:
    with unchanged():
        response = api(government.secretary).post(
            url("meeting-cancel", meeting.pk), {"reason": {"why": "abroad"}}, format="json"
        )
    assert response.status_code == 400
    assert response.json() == {"reason": ["Not a valid string."]}


# Attendance and quorum


def test_members_see_the_attendance_list(
    government: Personas, meeting: Meeting, outsider: User
) -> None:
    check_in(meeting, [government.members[0]])
    response = api(government.members[1]).get(url("attendance-list", meeting.pk))
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 28
    present = [a for a in page["results"] if a["status"] == "present"]
    assert [a["user"]["id"] for a in present] == [government.members[0].pk]
    assert present[0]["checked_in_at"] is not None
    assert present[0]["substitute"] is None

    assert api(outsider).get(url("attendance-list", meeting.pk)).status_code == 404


def test_the_attendance_list_reads_a_fixed_number_of_queries(
    government: Personas, committee: Personas
) -> None:
    small = services.meeting_schedule(
        actor=committee.secretary, meeting=plan_meeting(committee, starts_in=HOUR)
    )
    large = services.meeting_schedule(
        actor=government.secretary, meeting=plan_meeting(government, starts_in=HOUR)
    )
    few = count_queries(lambda: api(committee.secretary).get(url("attendance-list", small.pk)))
    many = count_queries(lambda: api(government.secretary).get(url("attendance-list", large.pk)))
    assert few == many


def test_an_attendance_row_is_read_under_its_meeting_only(
    government: Personas, committee: Personas, meeting: Meeting
) -> None:
    other = services.meeting_schedule(
        actor=committee.secretary, meeting=plan_meeting(committee, starts_in=HOUR)
    )
    foreign = Attendance.objects.filter(meeting=other).first()
    assert foreign is not None
    client = api(government.secretary)
    assert client.get(url("attendance-detail", meeting.pk, foreign.pk)).status_code == 404
    own = attendance_of(meeting, government.chair)
    response = client.get(url("attendance-detail", meeting.pk, own.pk))
    assert response.status_code == 200
    assert response.json()["role"] == "chair"


def test_the_secretary_records_an_excused_absence(government: Personas, meeting: Meeting) -> None:
    attendance = attendance_of(meeting, government.members[0])
    response = api(government.secretary).patch(
        url("attendance-detail", meeting.pk, attendance.pk),
        {"status": "excused", "reason": "On mission abroad"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "excused"
    assert response.json()["reason"] == "On mission abroad"


def test_a_represented_members_substitute_may_attend(
    government: Personas, meeting: Meeting, outsider: User
) -> None:
    attendance = attendance_of(meeting, government.members[0])
    assert api(outsider).get(url("meeting-detail", meeting.pk)).status_code == 404

    response = api(government.secretary).patch(
        url("attendance-detail", meeting.pk, attendance.pk),
        {"status": "represented", "substitute": outsider.pk},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["substitute"]["id"] == outsider.pk

    assert api(outsider).get(url("meeting-detail", meeting.pk)).status_code == 200
    response = api(outsider).post(url("check-in", meeting.pk))
    assert response.status_code == 200
    assert response.json()["user"]["id"] == government.members[0].pk
    assert response.json()["substitute_checked_in_at"] is not None
    # Government substitutes speak but do not vote: they do not make the quorum.
    assert api(outsider).get(url("quorum", meeting.pk)).json()["present"] == 0


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, {"status": ["This field is required."]}),
        ({"status": "asleep"}, {"status": ['"asleep" is not a valid choice.']}),
        ({"status": "absent"}, refused("Give the reason for the absence.", "reason")),
        (
            {"status": "excused", "reason": "   "},
            refused("Give the reason for the absence.", "reason"),
        ),
        ({"status": "represented"}, refused("Choose the substitute.", "substitute")),
        ({"status": "represented", "substitute": 10**9}, {"substitute": ["No such person."]}),
        (
            {"status": "represented", "substitute": "MEMBER"},
            refused("A member cannot substitute for themselves.", "substitute"),
        ),
        (
            {"status": "represented", "substitute": "CHAIR"},
            refused("This person is invited in their own right.", "substitute"),
        ),
        (
            {"status": "present", "substitute": "OUTSIDER"},
            refused("Only a represented member has a substitute.", "substitute"),
        ),
        (
            {"status": "present", "checked_in_at": "2026-01-01T00:00:00Z"},
            {"checked_in_at": ["This field is not accepted here."]},
        ),
    ],
)
def test_recording_attendance_refuses_bad_input(
    government: Personas,
    meeting: Meeting,
    outsider: User,
    unchanged: Unchanged,
    payload: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    people = {
        "MEMBER": government.members[0].pk,
        "CHAIR": government.chair.pk,
        "OUTSIDER": outsider.pk,
    }
    payload = {key: people.get(value, value) for key, value in payload.items()}
    attendance = attendance_of(meeting, government.members[0])
    with unchanged():
        response = api(government.secretary).patch(
            url("attendance-detail", meeting.pk, attendance.pk), payload, format="json"
        )
    assert response.status_code == 400
    assert response.json() == expected


def test_a_person_substitutes_for_one_member_only(
    government: Personas, meeting: Meeting, outsider: User, unchanged: Unchanged
) -> None:
    services.attendance_record(
        actor=government.secretary,
        attendance=attendance_of(meeting, government.members[0]),
        status=Attendance.Status.REPRESENTED,
        substitute=outsider,
    )
    second = attendance_of(meeting, government.members[1])
    with unchanged():
        response = api(government.secretary).patch(
            url("attendance-detail", meeting.pk, second.pk),
            {"status": "represented", "substitute": outsider.pk},
            format="json",
        )
    assert response.status_code == 400
    assert response.json() == refused(
        "This person already substitutes for another member.", "substitute"
    )


@pytest.mark.parametrize("who", ["chair", "member"])
def test_only_the_secretariat_records_attendance(
    government: Personas, meeting: Meeting, unchanged: Unchanged, who: str
) -> None:
    user = government.chair if who == "chair" else government.members[0]
    attendance = attendance_of(meeting, government.members[1])
    with unchanged():
        response = api(user).patch(
            url("attendance-detail", meeting.pk, attendance.pk),
            {"status": "present"},
            format="json",
        )
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the secretariat records attendance."}


def test_attendance_of_a_closed_meeting_is_final(
    government: Personas, meeting: Meeting, unchanged: Unchanged
) -> None:
    services.meeting_cancel(actor=government.secretary, meeting=meeting)
    attendance = attendance_of(meeting, government.members[0])
    with unchanged():
        response = api(government.secretary).patch(
            url("attendance-detail", meeting.pk, attendance.pk),
            {"status": "present"},
            format="json",
        )
    assert response.status_code == 400
    assert response.json() == refused(
        "Attendance can only be recorded for a scheduled meeting, and corrected after it closes."
    )


def test_a_member_checks_in_and_out(government: Personas, meeting: Meeting) -> None:
    client = api(government.members[0])
    response = client.post(url("check-in", meeting.pk))
    assert response.status_code == 200
    assert response.json()["status"] == "present"
    assert response.json()["user"]["id"] == government.members[0].pk
    first_check_in = response.json()["checked_in_at"]

    # A second tap changes nothing.
    again = client.post(url("check-in", meeting.pk), {}, format="json")
    assert again.status_code == 200
    assert again.json()["checked_in_at"] == first_check_in

    response = client.post(url("check-out", meeting.pk))
    assert response.status_code == 200
    assert response.json()["status"] == "left"
    assert response.json()["checked_out_at"] is not None


def test_check_out_without_check_in_is_refused(
    government: Personas, meeting: Meeting, unchanged: Unchanged
) -> None:
    with unchanged():
        response = api(government.members[0]).post(url("check-out", meeting.pk))
    assert response.status_code == 400
    assert response.json() == refused("You have not checked in.")


def test_check_in_is_not_open_days_ahead(government: Personas, unchanged: Unchanged) -> None:
    later = services.meeting_schedule(
        actor=government.secretary, meeting=plan_meeting(government, starts_in=48 * HOUR)
    )
    with unchanged():
        response = api(government.members[0]).post(url("check-in", later.pk))
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Check-in opens at ")
    assert response.json()["field"] is None


@pytest.mark.parametrize("who", ["outsider", "committee member"])
def test_people_not_invited_cannot_check_in(
    government: Personas,
    committee: Personas,
    outsider: User,
    meeting: Meeting,
    unchanged: Unchanged,
    who: str,
) -> None:
    user = {"outsider": outsider, "committee member": committee.members[0]}[who]
    with unchanged():
        response = api(user).post(url("check-in", meeting.pk))
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_the_officer_who_prepares_the_meeting_is_not_on_its_attendance_list(
    secretariat: User, meeting: Meeting, unchanged: Unchanged
) -> None:
    with unchanged():
        response = api(secretariat).post(url("check-in", meeting.pk))
    assert response.status_code == 400
    assert response.json()["detail"] == "You are not invited to this meeting."


def test_the_represented_member_cannot_check_in_over_their_substitute(
    government: Personas, meeting: Meeting, outsider: User, unchanged: Unchanged
) -> None:
    services.attendance_record(
        actor=government.secretary,
        attendance=attendance_of(meeting, government.members[0]),
        status=Attendance.Status.REPRESENTED,
        substitute=outsider,
    )
    with unchanged():
        response = api(government.members[0]).post(url("check-in", meeting.pk))
    assert response.status_code == 400
    assert response.json() == refused("Your substitute attends this meeting for you.")


def test_check_in_moves_the_quorum(government: Personas, meeting: Meeting) -> None:
    """Government, 27 voting members, at least two thirds: 17 present is no quorum, 18 is."""
    chair = api(government.chair)
    assert chair.get(url("quorum", meeting.pk)).json() == {
        "present": 0,
        "members": 27,
        "required": 18,
        "met": False,
        "explanation": "No quorum: 0 of 27 members present; at least two thirds (18) required.",
    }
    for voter in government.voters[:17]:
        assert api(voter).post(url("check-in", meeting.pk)).status_code == 200
    # The secretary attends without a vote and does not count.
    assert api(government.secretary).post(url("check-in", meeting.pk)).status_code == 200

    quorum = chair.get(url("quorum", meeting.pk)).json()
    assert (quorum["present"], quorum["met"]) == (17, False)
    response = chair.post(url("meeting-start", meeting.pk))
    assert response.status_code == 400
    assert response.json() == refused(
        "The session cannot open without a quorum. "
        "No quorum: 17 of 27 members present; at least two thirds (18) required."
    )

    assert api(government.voters[17]).post(url("check-in", meeting.pk)).status_code == 200
    # Connected tablets learn it from the event the check-in published.
    event = MeetingEvent.objects.filter(meeting=meeting).last()
    assert event is not None
    assert event.type == "meetings.attendance_changed"
    assert event.payload["user"] == government.voters[17].pk
    assert event.payload["quorum"] == {"present": 18, "members": 27, "required": 18, "met": True}
    assert chair.get(url("quorum", meeting.pk)).json() == {
        "present": 18,
        "members": 27,
        "required": 18,
        "met": True,
        "explanation": "Quorum met: 18 of 27 members present; at least two thirds (18) required.",
    }
    assert chair.post(url("meeting-start", meeting.pk)).json()["status"] == "in_session"

    # Leaving the session takes the quorum away again, and reconvening is refused.
    assert api(government.voters[0]).post(url("check-out", meeting.pk)).status_code == 200
    assert chair.get(url("quorum", meeting.pk)).json()["met"] is False
    chair.post(url("meeting-adjourn", meeting.pk))
    response = chair.post(url("meeting-reconvene", meeting.pk))
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The session cannot open without a quorum.")


def test_quorum_is_read_by_those_who_see_the_meeting(
    government: Personas, committee: Personas, meeting: Meeting, outsider: User
) -> None:
    assert api(government.members[5]).get(url("quorum", meeting.pk)).status_code == 200
    for user in (outsider, committee.chair):
        response = api(user).get(url("quorum", meeting.pk))
        assert response.status_code == 404
        assert response.json() == NOT_FOUND


def test_a_draft_has_no_quorum(government: Personas, draft_meeting: Meeting) -> None:
    response = api(government.secretary).get(url("quorum", draft_meeting.pk))
    assert response.json() == {
        "present": 0,
        "members": 0,
        "required": 0,
        "met": False,
        "explanation": "No quorum: 0 of 0 members present; at least two thirds (0) required.",
    }


# A substitute without an account


def test_the_secretary_adds_a_substitute_who_has_no_account(
    government: Personas, meeting: Meeting, django_capture_on_commit_callbacks: Any
) -> None:
    attendance = attendance_of(meeting, government.members[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = api(government.secretary).post(
            url("substitute-add", meeting.pk, attendance.pk),
            {
                "name": "  Trần  Quang Minh ",
                "title": "Thứ trưởng",
                "organisation": "Bộ Tài chính",
            },
            format="json",
        )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "represented"
    assert body["substitute"]["name"] == "Trần Quang Minh"
    assert (body["substitute_title"], body["substitute_organisation"]) == (
        "Thứ trưởng",
        "Bộ Tài chính",
    )
    person = User.objects.get(pk=body["substitute"]["id"])
    assert (person.first_name, person.last_name) == ("Trần Quang", "Minh")
    assert not person.has_usable_password()
    # The substitute now follows the meeting, like one chosen from the accounts.
    assert api(person).get(url("meeting-detail", meeting.pk)).status_code == 200
    assert MeetingEvent.objects.filter(
        meeting=meeting, type="meetings.attendance_changed", payload__substitute=person.pk
    ).exists()


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, {"name": ["This field is required."]}),
        ({"name": "   "}, {"name": ["This field may not be blank."]}),
        ({"name": "A\nB"}, refused("Write this on one line.", "name")),
        (
            {"name": "A", "title": "x" * 151},
            {"title": ["Ensure this field has no more than 150 characters."]},
        ),
        ({"name": "A", "username": "root"}, {"username": ["This field is not accepted here."]}),
    ],
)
def test_adding_a_substitute_refuses_bad_input(
    government: Personas,
    meeting: Meeting,
    unchanged: Unchanged,
    payload: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    attendance = attendance_of(meeting, government.members[0])
    with unchanged():
        response = api(government.secretary).post(
            url("substitute-add", meeting.pk, attendance.pk), payload, format="json"
        )
    assert response.status_code == 400
    assert response.json() == expected


@pytest.mark.parametrize("who", ["chair", "member"])
def test_only_the_secretariat_adds_a_substitute(
    government: Personas, meeting: Meeting, unchanged: Unchanged, who: str
) -> None:
    user = government.chair if who == "chair" else government.members[0]
    attendance = attendance_of(meeting, government.members[1])
    with unchanged():
        response = api(user).post(
            url("substitute-add", meeting.pk, attendance.pk), {"name": "Lê Văn An"}, format="json"
        )
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the secretariat records attendance."}


def test_outsiders_cannot_add_a_substitute_nor_to_another_meetings_member(
    government: Personas,
    committee: Personas,
    meeting: Meeting,
    outsider: User,
    unchanged: Unchanged,
) -> None:
    attendance = attendance_of(meeting, government.members[0])
    other = services.meeting_schedule(
        actor=committee.secretary, meeting=plan_meeting(committee, starts_in=HOUR)
    )
    foreign = Attendance.objects.filter(meeting=other).first()
    assert foreign is not None
    with unchanged():
        response = api(outsider).post(
            url("substitute-add", meeting.pk, attendance.pk), {"name": "X"}, format="json"
        )
        assert response.status_code == 404
        response = api(government.secretary).post(
            url("substitute-add", meeting.pk, foreign.pk), {"name": "X"}, format="json"
        )
        assert response.status_code == 404


def test_a_substitute_for_a_cancelled_meeting_is_refused_and_no_person_is_left(
    government: Personas, meeting: Meeting, unchanged: Unchanged
) -> None:
    services.meeting_cancel(actor=government.secretary, meeting=meeting)
    attendance = attendance_of(meeting, government.members[0])
    with unchanged():
        response = api(government.secretary).post(
            url("substitute-add", meeting.pk, attendance.pk), {"name": "X"}, format="json"
        )
    assert response.status_code == 400
    assert response.json() == refused(
        "Attendance can only be recorded for a scheduled meeting, and corrected after it closes."
    )

"""The agenda API as a client sees it: the agenda, items, the speaker queue, comments and the
chair's timer.

Every endpoint is tried by those who may use it and by those who may not; a refusal changes
nothing and publishes nothing. An unpublished agenda is missing to everyone but the
secretariat.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from agendas import services
from agendas.models import Agenda, AgendaItem, Comment, CommentRevision, Speaker
from meetings.models import Meeting
from realtime.models import MeetingEvent
from tests.agendas.conftest import AgendaPlan, build_agenda, last_event
from tests.conftest import Personas, check_in, plan_meeting
from tests.meetings.test_api import (
    NOT_FOUND,
    NOT_SIGNED_IN,
    api,
    count_queries,
    database_state,
    refused,
)
from tests.prebuilt import prebuilt_fixture

HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)
REQUIRED = ["This field is required."]
NOT_ACCEPTED = ["This field is not accepted here."]
NOT_AN_INTEGER = ["A valid integer is required."]


def url(name: str, *args: int) -> str:
    return reverse(f"agendas_api:{name}", args=args)


def agenda_state() -> dict[str, list[dict[str, Any]]]:
    return {
        **database_state(),
        "agendas": list(Agenda.objects.order_by("pk").values()),
        "items": list(AgendaItem.objects.order_by("pk").values()),
        "speakers": list(Speaker.objects.order_by("pk").values()),
        "comments": list(Comment.objects.order_by("pk").values()),
        "revisions": list(CommentRevision.objects.order_by("pk").values()),
    }


Unchanged = Callable[[], AbstractContextManager[None]]


@pytest.fixture
def unchanged(django_capture_on_commit_callbacks: Any) -> Unchanged:
    """`with unchanged(): ...`: the requests inside write nothing, publish no event and queue
    no e-mail."""

    @contextmanager
    def check() -> Iterator[None]:
        before = agenda_state()
        with django_capture_on_commit_callbacks() as callbacks:
            yield
        assert agenda_state() == before
        assert callbacks == []

    return check


@dataclass
class Live:
    """A session under way: the decree is in progress, one member waits for the floor and
    another has commented."""

    plan: AgendaPlan
    speaker: Speaker
    comment: Comment

    @property
    def ids(self) -> dict[str, int]:
        return {
            "M": self.plan.meeting.pk,
            "I": self.plan.decree.pk,
            "S": self.speaker.pk,
            "C": self.comment.pk,
        }


@prebuilt_fixture
def live(government: Personas, session: AgendaPlan) -> Live:
    services.agenda_item_start(actor=government.chair, item=session.decree)
    speaker = services.speaker_request(actor=government.members[0], item=session.decree)
    comment = services.comment_post(
        actor=government.members[1], item=session.decree, text="The decree needs a budget line."
    )
    return Live(plan=session, speaker=speaker, comment=comment)


def ids(live: Live, spec: str) -> tuple[int, ...]:
    """ "MIS" -> (meeting, item, speaker) ids."""
    return tuple(live.ids[key] for key in spec)


# Every endpoint: (method, url name, ids)
EVERY_ENDPOINT = [
    ("get", "agenda", "M"),
    ("patch", "agenda", "M"),
    ("post", "agenda-publish", "M"),
    ("post", "agenda-unpublish", "M"),
    ("post", "timer", "M"),
    ("delete", "timer", "M"),
    ("post", "item-list", "M"),
    ("get", "item-detail", "MI"),
    ("patch", "item-detail", "MI"),
    ("delete", "item-detail", "MI"),
    ("post", "item-move", "MI"),
    ("post", "item-start", "MI"),
    ("post", "item-end", "MI"),
    ("post", "item-defer", "MI"),
    ("get", "speaker-list", "MI"),
    ("post", "speaker-list", "MI"),
    ("post", "speaker-next", "MI"),
    ("post", "speaker-withdraw", "MIS"),
    ("post", "speaker-floor", "MIS"),
    ("post", "speaker-end", "MIS"),
    ("get", "comment-list", "MI"),
    ("post", "comment-list", "MI"),
    ("get", "comment-detail", "MIC"),
    ("patch", "comment-detail", "MIC"),
    ("delete", "comment-detail", "MIC"),
    ("post", "comment-hide", "MIC"),
]


def _call(client: APIClient, method: str, address: str, data: Any = None) -> Any:
    return getattr(client, method)(address, {} if data is None else data, format="json")


# Authentication, missing and forbidden, schema


@pytest.mark.parametrize(("method", "name", "spec"), EVERY_ENDPOINT)
def test_anonymous_requests_are_refused_everywhere(
    live: Live, unchanged: Unchanged, method: str, name: str, spec: str
) -> None:
    with unchanged():
        response = _call(api(), method, url(name, *ids(live, spec)))
    assert response.status_code == 403
    assert response.json() == NOT_SIGNED_IN


@pytest.mark.parametrize(("method", "name", "spec"), EVERY_ENDPOINT)
def test_people_outside_the_body_find_nothing(
    live: Live,
    committee: Personas,
    outsider: User,
    unchanged: Unchanged,
    method: str,
    name: str,
    spec: str,
) -> None:
    for user in (outsider, committee.chair, committee.secretary):
        with unchanged():
            response = _call(api(user), method, url(name, *ids(live, spec)))
        assert response.status_code == 404
        assert response.json() == NOT_FOUND


@pytest.mark.parametrize(("method", "name", "spec"), EVERY_ENDPOINT)
def test_an_unpublished_agenda_is_missing_to_all_but_the_secretariat(
    government: Personas, live: Live, unchanged: Unchanged, method: str, name: str, spec: str
) -> None:
    meeting = live.plan.meeting
    # Published agendas stay published once the session has begun: take this one back
    # directly, as if the session had not started yet.
    Agenda.objects.filter(meeting=meeting).update(published_at=None)
    for user in (government.chair, government.vice_chairs[0], government.members[0]):
        with unchanged():
            response = _call(api(user), method, url(name, *ids(live, spec)))
        assert response.status_code == 404
        assert response.json() == NOT_FOUND


@pytest.mark.parametrize(("method", "name", "spec"), EVERY_ENDPOINT)
def test_objects_are_found_under_their_own_meeting_and_item_only(
    government: Personas, live: Live, unchanged: Unchanged, method: str, name: str, spec: str
) -> None:
    """Another meeting's id, another item's id or an id past the database's range: missing."""
    other = services.agenda_item_create(
        actor=government.secretary,
        meeting=plan_meeting(government, starts_in=2 * HOUR),
        title="Elsewhere",
    )
    wrong = {
        "M": [10**30],
        "I": [other.pk, 10**30],
        "S": [10**30],
        "C": [10**30],
    }
    if len(spec) > 1:
        # The item is on this meeting, not on the other one.
        wrong["M"].append(other.meeting.pk)
    if len(spec) == 3:
        # The speaker and the comment are on the decree, not on the report.
        wrong["I"].append(live.plan.report.pk)
    for position, key in enumerate(spec):
        for bad in wrong[key]:
            args = list(ids(live, spec))
            args[position] = bad
            with unchanged():
                response = _call(api(government.secretary), method, url(name, *args))
            assert response.status_code == 404, (key, bad)
            assert response.json() == NOT_FOUND


def test_schema_generates_without_warnings_and_validates(tmp_path: Any) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in (
        "/api/v1/meetings/{meeting_id}/agenda/:",
        "/api/v1/meetings/{meeting_id}/agenda/timer/:",
        "/api/v1/meetings/{meeting_id}/agenda/items/{item_id}/move/:",
        "/api/v1/meetings/{meeting_id}/agenda/items/{item_id}/speakers/next/:",
        "/api/v1/meetings/{meeting_id}/agenda/items/{item_id}/speakers/{speaker_id}/floor/:",
        "/api/v1/meetings/{meeting_id}/agenda/items/{item_id}/comments/{comment_id}/hide/:",
    ):
        assert path in schema
    for enum in ("AgendaItemKindEnum", "AgendaItemStatusEnum", "SpeakerKindEnum"):
        assert enum in schema
    # The meetings API is still there.
    assert "/api/v1/meetings/{meeting_id}/check-in/:" in schema


def test_schema_is_served_with_the_agenda(db: None) -> None:
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    prefix = "/api/v1/meetings/{meeting_id}/agenda/"
    assert set(paths[prefix]) == {"get", "patch"}
    assert set(paths[prefix + "timer/"]) == {"post", "delete"}
    assert set(paths[prefix + "items/{item_id}/"]) == {"get", "patch", "delete"}
    assert set(paths[prefix + "items/{item_id}/comments/{comment_id}/"]) == {
        "get",
        "patch",
        "delete",
    }
    assert "/api/v1/meetings/{meeting_id}/quorum/" in paths


def test_browsable_api_renders(government: Personas, live: Live) -> None:
    client = api(government.chair)
    for address, shown in (
        (url("agenda", *ids(live, "M")), "Draft decree on e-government"),
        (url("speaker-list", *ids(live, "MI")), government.members[0].username),
        (url("comment-list", *ids(live, "MI")), "budget line"),
    ):
        response = client.get(address, HTTP_ACCEPT="text/html")
        assert response.status_code == 200
        assert shown in response.content.decode()


def test_unsupported_methods_are_refused(government: Personas, agenda: AgendaPlan) -> None:
    client = api(government.secretary)
    meeting = agenda.meeting.pk
    assert client.get(url("item-list", meeting)).status_code == 405
    assert client.get(url("timer", meeting)).status_code == 405
    assert client.put(url("item-detail", meeting, agenda.decree.pk), {}).status_code == 405
    assert client.delete(url("agenda", meeting)).status_code == 405


# Malformed requests, on every endpoint that takes input. The person is entitled to the
# endpoint, so that only the input can be at fault.

WRITES = [
    ("patch", "agenda", "M", "secretary"),
    ("post", "agenda-publish", "M", "secretary"),
    ("post", "agenda-unpublish", "M", "secretary"),
    ("post", "timer", "M", "chair"),
    ("post", "item-list", "M", "secretary"),
    ("patch", "item-detail", "MI", "secretary"),
    ("post", "item-move", "MI", "secretary"),
    ("post", "item-start", "MI", "chair"),
    ("post", "item-end", "MI", "chair"),
    ("post", "item-defer", "MI", "chair"),
    ("post", "speaker-list", "MI", "member"),
    ("post", "speaker-next", "MI", "chair"),
    ("post", "speaker-withdraw", "MIS", "member"),
    ("post", "speaker-floor", "MIS", "chair"),
    ("post", "speaker-end", "MIS", "chair"),
    ("post", "comment-list", "MI", "member"),
    ("patch", "comment-detail", "MIC", "commenter"),
    ("post", "comment-hide", "MIC", "chair"),
]


def _writer(government: Personas, who: str) -> User:
    return {
        "secretary": government.secretary,
        "chair": government.chair,
        "member": government.members[0],
        "commenter": government.members[1],
    }[who]


@pytest.mark.parametrize(("method", "name", "spec", "who"), WRITES)
def test_malformed_json_is_refused(
    government: Personas,
    live: Live,
    unchanged: Unchanged,
    method: str,
    name: str,
    spec: str,
    who: str,
) -> None:
    with unchanged():
        response = getattr(api(_writer(government, who)), method)(
            url(name, *ids(live, spec)), '{"title": "unfinished', content_type="application/json"
        )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


@pytest.mark.parametrize(("method", "name", "spec", "who"), WRITES)
def test_input_that_is_not_an_object_is_refused(
    government: Personas,
    live: Live,
    unchanged: Unchanged,
    method: str,
    name: str,
    spec: str,
    who: str,
) -> None:
    with unchanged():
        response = _call(
            api(_writer(government, who)), method, url(name, *ids(live, spec)), ["seconds", 5]
        )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


@pytest.mark.parametrize(("method", "name", "spec", "who"), WRITES)
def test_unknown_fields_are_refused(
    government: Personas,
    live: Live,
    unchanged: Unchanged,
    method: str,
    name: str,
    spec: str,
    who: str,
) -> None:
    """`{"status": "done"}` sent to an item would otherwise look like it worked."""
    with unchanged():
        response = _call(
            api(_writer(government, who)), method, url(name, *ids(live, spec)), {"status": "done"}
        )
    assert response.status_code == 400
    assert response.json()["status"] == NOT_ACCEPTED


# Who may do what: the right role is needed, whatever the input


DENIED = [
    ("patch", "agenda", "M", "member", {"speaking_limit_seconds": 60}, "SPEAKING_TIME"),
    ("post", "agenda-publish", "M", "chair", None, "PUBLISH"),
    ("post", "agenda-unpublish", "M", "member", None, "PUBLISH"),
    ("post", "item-list", "M", "chair", {"title": "Any other business"}, "PREPARE"),
    ("post", "item-list", "M", "member", {"title": "Any other business"}, "PREPARE"),
    ("patch", "item-detail", "MI", "member", {"title": "Mine"}, "PREPARE"),
    ("delete", "item-detail", "MI", "chair", None, "PREPARE"),
    ("post", "item-move", "MI", "member", {"parent": None, "position": 0}, "PREPARE"),
    ("post", "item-start", "MI", "secretary", None, "LEAD"),
    ("post", "item-end", "MI", "secretary", None, "LEAD"),
    ("post", "item-defer", "MI", "member", None, "LEAD"),
    ("post", "speaker-next", "MI", "secretary", None, "LEAD"),
    ("post", "speaker-floor", "MIS", "secretary", {}, "LEAD"),
    ("post", "speaker-floor", "MIS", "member", {"limit_seconds": 60}, "LEAD"),
    ("post", "speaker-withdraw", "MIS", "commenter", None, "WITHDRAW"),
    ("patch", "comment-detail", "MIC", "member", {"text": "Not mine"}, "OWN_COMMENT"),
    ("patch", "comment-detail", "MIC", "chair", {"text": "Not mine"}, "OWN_COMMENT"),
    ("delete", "comment-detail", "MIC", "member", None, "OWN_COMMENT"),
    ("post", "comment-hide", "MIC", "member", None, "HIDE"),
    ("post", "timer", "M", "secretary", {"seconds": 60}, "TIMER"),
    ("delete", "timer", "M", "member", None, "TIMER"),
]
MESSAGES = {
    "SPEAKING_TIME": "Only the chair and the secretariat set the speaking time.",
    "PUBLISH": "Only the secretariat publishes the agenda.",
    "PREPARE": "Only the secretariat prepares the agenda.",
    "LEAD": "Only the chair leads the agenda.",
    "WITHDRAW": "Only the person who asked, or the chair, can withdraw a request.",
    "OWN_COMMENT": "You can only change your own comments.",
    "HIDE": "Only the chair and the secretariat can hide comments.",
    "TIMER": "Only the chair runs the timer.",
}


@pytest.mark.parametrize(("method", "name", "spec", "who", "payload", "message"), DENIED)
def test_the_wrong_role_is_refused(
    government: Personas,
    live: Live,
    unchanged: Unchanged,
    method: str,
    name: str,
    spec: str,
    who: str,
    payload: Any,
    message: str,
) -> None:
    with unchanged():
        response = _call(
            api(_writer(government, who)), method, url(name, *ids(live, spec)), payload
        )
    assert response.status_code == 403
    assert response.json() == {"detail": MESSAGES[message]}


# Reading the agenda


def test_the_secretariat_reads_its_draft_agenda(
    government: Personas, agenda: AgendaPlan, secretariat: User
) -> None:
    meeting = agenda.meeting
    for user in (government.secretary, secretariat):
        response = api(user).get(url("agenda", meeting.pk))
        assert response.status_code == 200
    body = response.json()
    assert {key: value for key, value in body.items() if key != "items"} == {
        "meeting": meeting.pk,
        "published": False,
        "published_at": None,
        "speaking_limit_seconds": None,
        "timer": None,
        "projected_end": body["projected_end"],
        "overrun_minutes": 0,
        "current": None,
    }
    assert [(i["number"], i["depth"], i["title"]) for i in body["items"]] == [
        ("1", 0, "State budget 2027"),
        ("1.1", 1, "Revenue"),
        ("1.2", 1, "Spending"),
        ("2", 0, "Draft decree on e-government"),
        ("3", 0, "Socio-economic report"),
    ]
    budget, revenue = body["items"][:2]
    assert budget == {
        "id": agenda.budget.pk,
        "number": "1",
        "depth": 0,
        "parent": None,
        "position": 0,
        "title": "State budget 2027",
        "description": "",
        "kind": "decision",
        "presenter": "Ministry of Finance",
        "planned_minutes": 30,
        "status": "pending",
        "started_at": None,
        "ended_at": None,
        "projected_start": budget["projected_start"],
        "projected_end": budget["projected_end"],
    }
    assert (revenue["parent"], revenue["position"]) == (agenda.budget.pk, 0)
    assert _moment(body["projected_end"]) == meeting.starts_at + 130 * MINUTE
    assert _moment(budget["projected_start"]) == meeting.starts_at
    assert _moment(revenue["projected_start"]) == meeting.starts_at + 30 * MINUTE


def _moment(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


def test_members_read_the_published_agenda(government: Personas, session: AgendaPlan) -> None:
    response = api(government.members[0]).get(url("agenda", session.meeting.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["published"] is True
    assert body["published_at"] is not None
    assert [i["number"] for i in body["items"]] == ["1", "1.1", "1.2", "2", "3"]


def test_an_agenda_nobody_has_started_is_empty_for_the_secretariat(
    government: Personas, meeting: Meeting
) -> None:
    response = api(government.secretary).get(url("agenda", meeting.pk))
    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["published"] is False
    assert response.json()["projected_end"] is None
    assert api(government.members[0]).get(url("agenda", meeting.pk)).status_code == 404


def test_the_agenda_reads_a_fixed_number_of_queries(
    government: Personas, agenda: AgendaPlan
) -> None:
    client = api(government.secretary)
    address = url("agenda", agenda.meeting.pk)
    client.get(address)  # warms the per-process caches (content types)
    few = count_queries(lambda: client.get(address))
    for number in range(20):
        services.agenda_item_create(
            actor=government.secretary,
            meeting=agenda.meeting,
            title=f"Item {number}",
            parent=agenda.decree if number % 2 else None,
        )
    response = client.get(address)
    assert len(response.json()["items"]) == 25
    assert count_queries(lambda: client.get(address)) == few


def test_speakers_and_comments_read_a_fixed_number_of_queries(
    government: Personas, live: Live
) -> None:
    client = api(government.chair)
    item = live.plan.decree
    speakers = url("speaker-list", item.meeting_id, item.pk)
    comments = url("comment-list", item.meeting_id, item.pk)
    client.get(speakers)
    client.get(comments)
    few = (count_queries(lambda: client.get(speakers)), count_queries(lambda: client.get(comments)))
    for member in government.members[1:11]:
        services.speaker_request(actor=member, item=item)
        services.comment_post(actor=member, item=item, text="Agreed.")
    services.comment_hide(actor=government.chair, comment=live.comment)
    services.floor_give_next(actor=government.chair, item=item)
    many = (
        count_queries(lambda: client.get(speakers)),
        count_queries(lambda: client.get(comments)),
    )
    assert many == few


# The agenda's settings, publication


def test_the_chair_and_the_secretariat_set_the_speaking_time(
    government: Personas, session: AgendaPlan
) -> None:
    address = url("agenda", session.meeting.pk)
    response = api(government.secretary).patch(
        address, {"speaking_limit_seconds": 180}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["speaking_limit_seconds"] == 180
    assert len(response.json()["items"]) == 5
    response = api(government.chair).patch(address, {"speaking_limit_seconds": None}, format="json")
    assert response.status_code == 200
    assert response.json()["speaking_limit_seconds"] is None
    assert last_event(session.meeting).type == "agendas.settings_changed"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, {"speaking_limit_seconds": REQUIRED}),
        ({"speaking_limit_seconds": "three minutes"}, {"speaking_limit_seconds": NOT_AN_INTEGER}),
        ({"speaking_limit_seconds": 1.5}, {"speaking_limit_seconds": NOT_AN_INTEGER}),
        (
            {"speaking_limit_seconds": 0},
            refused(
                "Give a speaking time between 1 second and 24 hours, or none.",
                "speaking_limit_seconds",
            ),
        ),
        (
            {"speaking_limit_seconds": 10**30},
            refused(
                "Give a speaking time between 1 second and 24 hours, or none.",
                "speaking_limit_seconds",
            ),
        ),
    ],
)
def test_the_speaking_time_refuses_bad_input(
    government: Personas,
    session: AgendaPlan,
    unchanged: Unchanged,
    payload: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    with unchanged():
        response = api(government.secretary).patch(
            url("agenda", session.meeting.pk), payload, format="json"
        )
    assert response.status_code == 400
    assert response.json() == expected


def test_publishing_shows_the_agenda_to_members(
    government: Personas, agenda: AgendaPlan, django_capture_on_commit_callbacks: Any
) -> None:
    meeting = agenda.meeting.pk
    member = api(government.members[0])
    assert member.get(url("agenda", meeting)).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        response = api(government.secretary).post(url("agenda-publish", meeting))
    assert response.status_code == 200
    assert response.json()["published"] is True
    assert response.json()["published_at"] is not None
    assert last_event(agenda.meeting).type == "agendas.agenda_published"
    assert any(government.members[0].email in message.to for message in mail.outbox)
    assert member.get(url("agenda", meeting)).json()["published"] is True
    assert member.get(url("item-detail", meeting, agenda.decree.pk)).status_code == 200

    response = api(government.secretary).post(url("agenda-unpublish", meeting), {}, format="json")
    assert response.status_code == 200
    assert response.json()["published"] is False
    assert response.json()["published_at"] is None
    assert member.get(url("agenda", meeting)).status_code == 404


def test_publication_follows_the_rules(
    government: Personas, meeting: Meeting, session: AgendaPlan, unchanged: Unchanged
) -> None:
    empty = plan_meeting(government, starts_in=2 * HOUR)
    client = api(government.secretary)
    with unchanged():
        twice = client.post(url("agenda-publish", session.meeting.pk))
        in_session = client.post(url("agenda-unpublish", session.meeting.pk))
        draft = client.post(url("agenda-publish", empty.pk))
    assert (twice.status_code, twice.json()) == (400, refused("The agenda is already published."))
    assert in_session.json() == refused("Once the session has begun, the agenda stays published.")
    assert draft.json() == refused(
        "Schedule the meeting first: members see its agenda from then on."
    )


# Items


def test_the_secretariat_adds_items(government: Personas, agenda: AgendaPlan) -> None:
    client = api(government.secretary)
    address = url("item-list", agenda.meeting.pk)
    response = client.post(address, {"title": "  Any other business "}, format="json")
    assert response.status_code == 201
    created = response.json()
    assert (created["number"], created["title"], created["parent"]) == (
        "4",
        "Any other business",
        None,
    )
    assert (created["kind"], created["planned_minutes"], created["status"]) == (
        "discussion",
        0,
        "pending",
    )
    response = client.post(
        address,
        {
            "title": "Public debt",
            "parent": agenda.budget.pk,
            "kind": "information",
            "presenter": "Ministry of Finance",
            "planned_minutes": 10,
            "description": "Debt ceiling.",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["number"] == "1.3"
    assert response.json()["depth"] == 1
    assert response.json()["projected_start"] is not None
    assert last_event(agenda.meeting).type == "agendas.item_created"
    titles = [
        item["title"] for item in client.get(url("agenda", agenda.meeting.pk)).json()["items"]
    ]
    assert titles[3] == "Public debt"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, {"title": REQUIRED}),
        ({"title": "   "}, {"title": ["This field may not be blank."]}),
        ({"title": "x" * 301}, {"title": ["Ensure this field has no more than 300 characters."]}),
        ({"title": "Budget\x00"}, {"title": ["Null characters are not allowed."]}),
        ({"title": "X", "kind": "gossip"}, {"kind": ['"gossip" is not a valid choice.']}),
        (
            {"title": "X", "planned_minutes": -5},
            {"planned_minutes": ["Ensure this value is greater than or equal to 0."]},
        ),
        ({"title": "X", "planned_minutes": "long"}, {"planned_minutes": NOT_AN_INTEGER}),
        ({"title": "X", "parent": "budget"}, {"parent": NOT_AN_INTEGER}),
        ({"title": "X", "parent": 10**9}, {"parent": ["No such agenda item."]}),
        ({"title": "X", "parent": 10**30}, {"parent": ["No such agenda item."]}),
        ({"title": "X", "parent": "OTHER"}, {"parent": ["No such agenda item."]}),
        ({"title": "X", "parent": "TAXES"}, refused("Items nest at most 3 levels deep.", "parent")),
        ({"title": ["X"]}, {"title": ["Not a valid string."]}),
    ],
)
def test_adding_an_item_refuses_bad_input(
    government: Personas,
    committee: Personas,
    agenda: AgendaPlan,
    unchanged: Unchanged,
    payload: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    # A parent seen elsewhere (another body's meeting) is as missing as one that is not.
    other = services.agenda_item_create(
        actor=committee.secretary,
        meeting=plan_meeting(committee, starts_in=HOUR),
        title="Committee business",
    )
    taxes = services.agenda_item_create(
        actor=government.secretary,
        meeting=agenda.meeting,
        title="Taxes",
        parent=agenda.budget_revenue,
    )
    payload = {
        key: {"OTHER": other.pk, "TAXES": taxes.pk}.get(value, value)
        if isinstance(value, str)
        else value
        for key, value in payload.items()
    }
    with unchanged():
        response = api(government.secretary).post(
            url("item-list", agenda.meeting.pk), payload, format="json"
        )
    assert response.status_code == 400
    assert response.json() == expected


def test_an_item_of_another_meeting_of_the_same_body_is_no_parent(
    government: Personas, agenda: AgendaPlan, unchanged: Unchanged
) -> None:
    elsewhere = build_agenda(government, plan_meeting(government, starts_in=3 * HOUR))
    with unchanged():
        response = api(government.secretary).post(
            url("item-list", agenda.meeting.pk),
            {"title": "X", "parent": elsewhere.budget.pk},
            format="json",
        )
    assert response.status_code == 400
    assert response.json() == {"parent": ["No such agenda item."]}


def test_the_secretariat_changes_an_item(government: Personas, agenda: AgendaPlan) -> None:
    response = api(government.secretary).patch(
        url("item-detail", agenda.meeting.pk, agenda.decree.pk),
        {"title": "Decree on digital government", "planned_minutes": 60, "kind": "discussion"},
        format="json",
    )
    assert response.status_code == 200
    item = response.json()
    assert (item["number"], item["title"], item["planned_minutes"], item["kind"]) == (
        "2",
        "Decree on digital government",
        60,
        "discussion",
    )
    assert item["presenter"] == ""
    assert last_event(agenda.meeting).type == "agendas.item_changed"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"title": ""}, {"title": ["This field may not be blank."]}),
        ({"title": None}, {"title": ["This field may not be null."]}),
        ({"parent": 1}, {"parent": NOT_ACCEPTED}),
        ({"position": 3}, {"position": NOT_ACCEPTED}),
        (
            {"planned_minutes": 40000},
            {"planned_minutes": ["Ensure this value is less than or equal to 32767."]},
        ),
    ],
)
def test_changing_an_item_refuses_bad_input(
    government: Personas,
    agenda: AgendaPlan,
    unchanged: Unchanged,
    payload: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    with unchanged():
        response = api(government.secretary).patch(
            url("item-detail", agenda.meeting.pk, agenda.decree.pk), payload, format="json"
        )
    assert response.status_code == 400
    assert response.json() == expected


def test_the_secretariat_removes_an_item_not_taken_up(
    government: Personas, agenda: AgendaPlan
) -> None:
    client = api(government.secretary)
    response = client.delete(url("item-detail", agenda.meeting.pk, agenda.budget.pk))
    assert response.status_code == 204
    assert response.content == b""
    # The sub-items go with it, and the agenda is renumbered.
    items = client.get(url("agenda", agenda.meeting.pk)).json()["items"]
    assert [(i["number"], i["title"]) for i in items] == [
        ("1", "Draft decree on e-government"),
        ("2", "Socio-economic report"),
    ]
    for gone in (agenda.budget, agenda.budget_revenue):
        response = client.get(url("item-detail", agenda.meeting.pk, gone.pk))
        assert response.status_code == 404


def test_a_discussed_item_stays_on_the_record(
    government: Personas, live: Live, unchanged: Unchanged
) -> None:
    with unchanged():
        response = api(government.secretary).delete(
            url("item-detail", live.plan.meeting.pk, live.plan.decree.pk)
        )
    assert response.status_code == 400
    assert response.json() == refused(
        "This item has been discussed and belongs to the record; defer it instead."
    )


def test_the_secretariat_moves_items(government: Personas, agenda: AgendaPlan) -> None:
    client = api(government.secretary)
    meeting = agenda.meeting.pk
    response = client.post(
        url("item-move", meeting, agenda.report.pk), {"parent": None, "position": 0}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["number"], response.json()["position"]) == ("1", 0)
    response = client.post(
        url("item-move", meeting, agenda.budget_spending.pk),
        {"parent": agenda.decree.pk, "position": 99},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["number"], response.json()["parent"]) == ("3.1", agenda.decree.pk)
    items = client.get(url("agenda", meeting)).json()["items"]
    assert [(i["number"], i["title"]) for i in items] == [
        ("1", "Socio-economic report"),
        ("2", "State budget 2027"),
        ("2.1", "Revenue"),
        ("3", "Draft decree on e-government"),
        ("3.1", "Spending"),
    ]
    assert last_event(agenda.meeting).type == "agendas.item_moved"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, {"parent": REQUIRED, "position": REQUIRED}),
        ({"parent": None}, {"position": REQUIRED}),
        ({"position": 0}, {"parent": REQUIRED}),
        ({"parent": None, "position": "first"}, {"position": NOT_AN_INTEGER}),
        ({"parent": None, "position": -1}, refused("A position cannot be negative.", "position")),
        (
            {"parent": 0, "position": 0},
            {"parent": ["Ensure this value is greater than or equal to 1."]},
        ),
        ({"parent": 10**9, "position": 0}, {"parent": ["No such agenda item."]}),
        (
            {"parent": "REVENUE", "position": 0},
            refused("An item cannot move into itself.", "parent"),
        ),
        (
            {"parent": "BUDGET", "position": 0},
            refused("An item cannot move into itself.", "parent"),
        ),
        (
            {"parent": "DECREE", "position": 0},
            refused("Items nest at most 3 levels deep.", "parent"),
        ),
    ],
)
def test_moving_an_item_refuses_bad_input(
    government: Personas,
    agenda: AgendaPlan,
    unchanged: Unchanged,
    payload: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    services.agenda_item_create(
        actor=government.secretary,
        meeting=agenda.meeting,
        title="VAT",
        parent=agenda.budget_revenue,
    )
    named = {
        "REVENUE": agenda.budget_revenue.pk,
        "BUDGET": agenda.budget.pk,
        "DECREE": agenda.decree.pk,
    }
    payload = {
        key: named.get(value, value) if isinstance(value, str) else value
        for key, value in payload.items()
    }
    with unchanged():
        response = api(government.secretary).post(
            url("item-move", agenda.meeting.pk, agenda.budget.pk), payload, format="json"
        )
    assert response.status_code == 400
    assert response.json() == expected


# Leading the session


def test_the_chair_leads_the_items(government: Personas, session: AgendaPlan) -> None:
    client = api(government.chair)
    meeting = session.meeting.pk
    response = client.post(url("item-start", meeting, session.budget.pk))
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"
    assert response.json()["started_at"] is not None
    assert client.get(url("agenda", meeting)).json()["current"] == session.budget.pk

    # Taking up the next item ends the one in progress.
    response = client.post(url("item-start", meeting, session.decree.pk), {}, format="json")
    assert response.json()["status"] == "in_progress"
    budget = client.get(url("item-detail", meeting, session.budget.pk)).json()
    assert budget["status"] == "done"
    assert budget["ended_at"] is not None

    response = client.post(url("item-defer", meeting, session.report.pk))
    assert response.status_code == 200
    assert response.json()["status"] == "deferred"
    assert response.json()["projected_start"] is None

    response = api(government.vice_chairs[0]).post(url("item-end", meeting, session.decree.pk))
    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert client.get(url("agenda", meeting)).json()["current"] is None
    assert last_event(session.meeting).type == "agendas.item_ended"


def test_items_are_led_during_the_session_only(
    government: Personas, agenda: AgendaPlan, unchanged: Unchanged
) -> None:
    services.agenda_publish(actor=government.secretary, meeting=agenda.meeting)
    with unchanged():
        response = api(government.chair).post(
            url("item-start", agenda.meeting.pk, agenda.budget.pk)
        )
    assert response.status_code == 400
    assert response.json() == refused("Only during the session. This meeting is scheduled.")


def test_only_the_item_in_progress_ends(
    government: Personas, session: AgendaPlan, unchanged: Unchanged
) -> None:
    with unchanged():
        response = api(government.chair).post(
            url("item-end", session.meeting.pk, session.decree.pk)
        )
    assert response.status_code == 400
    assert response.json() == refused("This item is pending. Only the item in progress can end.")


# The speaker queue


def test_members_ask_for_the_floor_and_the_chair_gives_it(
    government: Personas, session: AgendaPlan
) -> None:
    first, second, third = government.members[:3]
    meeting, item = session.meeting.pk, session.decree.pk
    chair = api(government.chair)
    chair.post(url("item-start", meeting, item))
    speakers = url("speaker-list", meeting, item)

    response = api(first).post(speakers)
    assert response.status_code == 201
    asked = response.json()
    assert (asked["user"]["id"], asked["kind"], asked["status"]) == (first.pk, "speech", "waiting")
    assert asked["item"] == item
    api(second).post(speakers, {"kind": "speech"}, format="json")
    response = api(third).post(speakers, {"kind": "point_of_order"}, format="json")
    assert response.status_code == 201

    queue = api(first).get(speakers).json()
    assert queue["speaking"] is None
    assert [s["user"]["id"] for s in queue["waiting"]] == [third.pk, first.pk, second.pk]
    assert queue["spoken"] == []

    response = chair.post(url("speaker-next", meeting, item))
    assert response.status_code == 200
    assert (response.json()["user"]["id"], response.json()["status"]) == (third.pk, "speaking")

    second_request = queue["waiting"][2]["id"]
    response = chair.post(
        url("speaker-floor", meeting, item, second_request), {"limit_seconds": 120}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["limit_seconds"]) == ("speaking", 120)
    assert last_event(session.meeting).type == "agendas.floor_given"

    # The speaker ends their own turn.
    response = api(second).post(url("speaker-end", meeting, item, second_request))
    assert response.status_code == 200
    assert response.json()["status"] == "done"

    queue = api(first).get(speakers).json()
    assert queue["speaking"] is None
    assert [s["user"]["id"] for s in queue["waiting"]] == [first.pk]
    assert [s["user"]["id"] for s in queue["spoken"]] == [third.pk, second.pk]


def test_the_floor_carries_the_agendas_speaking_time(government: Personas, live: Live) -> None:
    services.agenda_settings_update(
        actor=government.secretary, meeting=live.plan.meeting, speaking_limit_seconds=180
    )
    meeting, item = ids(live, "MI")
    response = api(government.chair).post(url("speaker-floor", meeting, item, live.speaker.pk))
    assert response.json()["limit_seconds"] == 180
    response = api(government.chair).post(url("speaker-end", meeting, item, live.speaker.pk))
    assert response.status_code == 200
    assert response.json()["ended_at"] is not None


def test_only_the_chair_ends_someone_elses_turn(
    government: Personas, live: Live, unchanged: Unchanged
) -> None:
    services.floor_give(actor=government.chair, speaker=live.speaker)
    with unchanged():
        response = api(government.members[1]).post(url("speaker-end", *ids(live, "MIS")))
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the chair ends someone's turn."}


def test_a_request_is_withdrawn_by_the_person_or_the_chair(
    government: Personas, live: Live
) -> None:
    response = api(government.members[0]).post(url("speaker-withdraw", *ids(live, "MIS")))
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert last_event(live.plan.meeting).type == "agendas.speaker_withdrawn"

    again = services.speaker_request(actor=government.members[0], item=live.plan.decree)
    response = api(government.chair).post(
        url("speaker-withdraw", *ids(live, "MI"), again.pk), {}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert api(government.members[0]).get(url("speaker-list", *ids(live, "MI"))).json() == {
        "speaking": None,
        "waiting": [],
        "spoken": [],
    }


@pytest.mark.parametrize(
    ("who", "payload", "expected"),
    [
        ("asked", {}, refused("You are already on the list for this item.")),
        ("absent", {}, refused("Check in first: the floor is for those in the room.")),
        ("present", {"kind": "shout"}, {"kind": ['"shout" is not a valid choice.']}),
        ("present", {"kind": None}, {"kind": ["This field may not be null."]}),
    ],
)
def test_asking_for_the_floor_follows_the_rules(
    government: Personas,
    live: Live,
    unchanged: Unchanged,
    who: str,
    payload: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    user = {
        "asked": government.members[0],
        "absent": government.members[-1],  # has not checked in
        "present": government.members[2],
    }[who]
    with unchanged():
        response = api(user).post(url("speaker-list", *ids(live, "MI")), payload, format="json")
    assert response.status_code == 400
    assert response.json() == expected


def test_a_point_of_order_concerns_the_item_in_progress(
    government: Personas, live: Live, unchanged: Unchanged
) -> None:
    with unchanged():
        response = api(government.members[2]).post(
            url("speaker-list", live.plan.meeting.pk, live.plan.report.pk),
            {"kind": "point_of_order"},
            format="json",
        )
    assert response.status_code == 400
    assert response.json() == refused("A point of order concerns the item in progress.")


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"limit_seconds": "two minutes"}, {"limit_seconds": NOT_AN_INTEGER}),
        (
            {"limit_seconds": 0},
            refused(
                "Give a speaking time between 1 second and 24 hours, or none.", "limit_seconds"
            ),
        ),
        (
            {"limit_seconds": 86401},
            refused(
                "Give a speaking time between 1 second and 24 hours, or none.", "limit_seconds"
            ),
        ),
    ],
)
def test_giving_the_floor_refuses_bad_input(
    government: Personas,
    live: Live,
    unchanged: Unchanged,
    payload: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    with unchanged():
        response = api(government.chair).post(
            url("speaker-floor", *ids(live, "MIS")), payload, format="json"
        )
    assert response.status_code == 400
    assert response.json() == expected


def test_the_floor_follows_the_rules(
    government: Personas, live: Live, unchanged: Unchanged
) -> None:
    meeting = live.plan.meeting.pk
    on_report = services.speaker_request(actor=government.members[2], item=live.plan.report)
    client = api(government.chair)
    with unchanged():
        nobody = client.post(url("speaker-next", meeting, live.plan.budget.pk))
        not_started = client.post(url("speaker-floor", meeting, live.plan.report.pk, on_report.pk))
        not_speaking = client.post(url("speaker-end", *ids(live, "MIS")))
    assert nobody.json() == refused("Nobody is waiting to speak on this item.")
    assert not_started.json() == refused(
        "Start the item first: the floor is given on the item in progress."
    )
    assert not_speaking.json() == refused("This person does not have the floor.")
    assert {nobody.status_code, not_started.status_code, not_speaking.status_code} == {400}


# Comments


def test_members_comment_and_change_their_own(government: Personas, live: Live) -> None:
    author, reader = government.members[2], government.members[3]
    comments = url("comment-list", *ids(live, "MI"))
    response = api(author).post(comments, {"text": "  I support the decree. "}, format="json")
    assert response.status_code == 201
    posted = response.json()
    assert (posted["author"]["id"], posted["text"]) == (author.pk, "I support the decree.")
    assert (posted["hidden"], posted["deleted"], posted["edited_at"]) == (False, False, None)
    assert last_event(live.plan.meeting).type == "agendas.comment_posted"

    detail = url("comment-detail", *ids(live, "MI"), posted["id"])
    response = api(author).patch(detail, {"text": "I support it, with one remark."}, format="json")
    assert response.status_code == 200
    assert response.json()["text"] == "I support it, with one remark."
    assert response.json()["edited_at"] is not None

    page = api(reader).get(comments).json()
    assert page["count"] == 2
    assert [c["text"] for c in page["results"]] == [
        "The decree needs a budget line.",
        "I support it, with one remark.",
    ]
    assert api(reader).get(detail).json()["text"] == "I support it, with one remark."


def test_the_chair_hides_a_comment_and_members_no_longer_read_it(
    government: Personas, live: Live
) -> None:
    secret = "The decree needs a budget line."
    author, reader = government.members[1], government.members[3]
    detail = url("comment-detail", *ids(live, "MIC"))
    comments = url("comment-list", *ids(live, "MI"))

    response = api(government.chair).post(url("comment-hide", *ids(live, "MIC")))
    assert response.status_code == 200
    hidden = response.json()
    assert (hidden["text"], hidden["hidden"]) == (secret, True)
    assert hidden["hidden_at"] is not None
    assert hidden["hidden_by"]["id"] == government.chair.pk
    assert last_event(live.plan.meeting).type == "agendas.comment_hidden"

    # Members, the author included, learn that it was hidden, not what it said.
    for member in (author, reader):
        for response in (api(member).get(comments), api(member).get(detail)):
            assert response.status_code == 200
            assert secret not in json.dumps(response.json())
        [listed] = api(member).get(comments).json()["results"]
        assert listed == api(member).get(detail).json()
        assert (listed["id"], listed["text"], listed["hidden"]) == (live.comment.pk, None, True)
        assert (listed["hidden_at"], listed["hidden_by"], listed["deleted_at"]) == (
            None,
            None,
            None,
        )

    # The chair and the secretariat read it in full.
    for moderator in (government.chair, government.secretary):
        [listed] = api(moderator).get(comments).json()["results"]
        assert (listed["text"], listed["hidden"]) == (secret, True)
        assert listed["hidden_by"]["id"] == government.chair.pk

    response = api(author).patch(detail, {"text": "Rephrased"}, format="json")
    assert response.status_code == 400
    assert response.json() == refused(
        "This comment was hidden by the chair and can no longer change."
    )
    assert secret not in response.content.decode()


def test_a_deleted_comment_is_gone_for_members_and_kept_for_the_record(
    government: Personas, live: Live, unchanged: Unchanged
) -> None:
    secret = "The decree needs a budget line."
    author = government.members[1]
    detail = url("comment-detail", *ids(live, "MIC"))
    comments = url("comment-list", *ids(live, "MI"))

    response = api(author).delete(detail)
    assert response.status_code == 204
    assert last_event(live.plan.meeting).type == "agendas.comment_deleted"

    for member in (author, government.members[3]):
        assert api(member).get(comments).json()["count"] == 0
        response = api(member).get(detail)
        assert response.status_code == 404
        assert secret not in response.content.decode()
        with unchanged():
            assert api(member).patch(detail, {"text": "Back"}, format="json").status_code == 404
            assert api(member).delete(detail).status_code == 404

    for moderator in (government.chair, government.secretary):
        [listed] = api(moderator).get(comments).json()["results"]
        assert (listed["text"], listed["deleted"], listed["hidden"]) == (secret, True, False)
        assert listed["deleted_at"] is not None
        assert api(moderator).get(detail).json() == listed

    with unchanged():
        response = api(government.chair).post(url("comment-hide", *ids(live, "MIC")))
    assert response.json() == refused("This comment was deleted by its author.")


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, {"text": REQUIRED}),
        ({"text": None}, {"text": ["This field may not be null."]}),
        ({"text": ["Agreed"]}, {"text": ["Not a valid string."]}),
        ({"text": "Hi\x00"}, {"text": ["Null characters are not allowed."]}),
        ({"text": ""}, refused("Write something first.", "text")),
        ({"text": "   "}, refused("Write something first.", "text")),
        ({"text": "x" * 4001}, refused("A comment has at most 4000 characters.", "text")),
    ],
)
def test_comments_refuse_bad_input(
    government: Personas,
    live: Live,
    unchanged: Unchanged,
    payload: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    author = api(government.members[1])
    with unchanged():
        posted = author.post(url("comment-list", *ids(live, "MI")), payload, format="json")
        edited = author.patch(url("comment-detail", *ids(live, "MIC")), payload, format="json")
    for response in (posted, edited):
        assert response.status_code == 400
        assert response.json() == expected


def test_the_secretariat_comments_on_its_draft_agenda(
    government: Personas, agenda: AgendaPlan
) -> None:
    comments = url("comment-list", agenda.meeting.pk, agenda.decree.pk)
    response = api(government.secretary).post(comments, {"text": "Check the annex."}, format="json")
    assert response.status_code == 201
    assert api(government.secretary).get(comments).json()["count"] == 1
    assert api(government.members[0]).get(comments).status_code == 404


def test_comments_close_with_the_meeting(
    government: Personas, live: Live, unchanged: Unchanged
) -> None:
    Meeting.objects.filter(pk=live.plan.meeting.pk).update(status=Meeting.Status.CLOSED)
    with unchanged():
        response = api(government.members[2]).post(
            url("comment-list", *ids(live, "MI")), {"text": "Late"}, format="json"
        )
    assert response.status_code == 400
    assert response.json() == refused("Comments are closed: the meeting is closed.")


# The chair's timer


def test_the_chair_runs_the_timer(government: Personas, session: AgendaPlan) -> None:
    chair = api(government.chair)
    timer = url("timer", session.meeting.pk)
    response = chair.post(timer, {"seconds": 300}, format="json")
    assert response.status_code == 200
    started, ends = (_moment(response.json()[key]) for key in ("started_at", "ends_at"))
    assert ends - started == datetime.timedelta(minutes=5)
    assert last_event(session.meeting).type == "agendas.timer_started"
    # Every tablet reads it with the agenda.
    assert api(government.members[0]).get(url("agenda", session.meeting.pk)).json()["timer"] == (
        response.json()
    )

    response = chair.delete(timer)
    assert response.status_code == 204
    assert api(government.members[0]).get(url("agenda", session.meeting.pk)).json()["timer"] is None
    response = chair.delete(timer)
    assert response.status_code == 400
    assert response.json() == refused("The timer is not running.")


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, {"seconds": REQUIRED}),
        ({"seconds": "five minutes"}, {"seconds": NOT_AN_INTEGER}),
        ({"seconds": None}, {"seconds": ["This field may not be null."]}),
        ({"seconds": 0}, refused("Give a time between 1 second and 24 hours.", "seconds")),
        ({"seconds": -60}, refused("Give a time between 1 second and 24 hours.", "seconds")),
        ({"seconds": 10**30}, refused("Give a time between 1 second and 24 hours.", "seconds")),
    ],
)
def test_the_timer_refuses_bad_input(
    government: Personas,
    session: AgendaPlan,
    unchanged: Unchanged,
    payload: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    with unchanged():
        response = api(government.chair).post(
            url("timer", session.meeting.pk), payload, format="json"
        )
    assert response.status_code == 400
    assert response.json() == expected


def test_the_timer_runs_during_the_session_only(
    government: Personas, agenda: AgendaPlan, unchanged: Unchanged
) -> None:
    services.agenda_publish(actor=government.secretary, meeting=agenda.meeting)
    with unchanged():
        response = api(government.chair).post(
            url("timer", agenda.meeting.pk), {"seconds": 60}, format="json"
        )
    assert response.status_code == 400
    assert response.json() == refused("The timer runs during the session and its breaks.")


def test_a_late_checked_in_member_may_ask_for_the_floor(government: Personas, live: Live) -> None:
    absent = government.members[-1]
    check_in(live.plan.meeting, [absent])
    response = api(absent).post(url("speaker-list", *ids(live, "MI")))
    assert response.status_code == 201
    assert (
        MeetingEvent.objects.filter(
            meeting=live.plan.meeting, type="agendas.speaker_requested"
        ).count()
        == 2
    )

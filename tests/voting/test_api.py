"""The voting API as a client sees it: votes prepared, opened, cast and closed, and conflicts of
interest declared.

Every endpoint is tried by those who may use it and by those who may not; a refusal writes
nothing and publishes nothing. A prepared vote is missing to everyone but the chair and the
secretariat. While a vote is open nobody learns how anyone voted; a secret vote never links a
ballot to a voter, not even for the voter.
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
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agendas import services as agenda_services
from agendas.models import Agenda
from meetings import services as meeting_services
from meetings.models import Attendance, Meeting
from realtime.models import MeetingEvent
from tests.agendas.conftest import AgendaPlan, build_agenda, last_event
from tests.conftest import Personas, check_in, plan_meeting
from tests.meetings.test_api import (
    NOT_FOUND,
    NOT_SIGNED_IN,
    WRONG_DATETIME,
    api,
    count_queries,
    database_state,
    refused,
)
from voting import services
from voting.models import Ballot, Option, Participation, Poll, Recusal, SealedBallot

HOUR = datetime.timedelta(hours=1)
REQUIRED = ["This field is required."]
NOT_ACCEPTED = ["This field is not accepted here."]
NOT_AN_INTEGER = ["A valid integer is required."]
NOT_A_LIST = ['Expected a list of items but got type "str".']
CHECK_IN_FIRST = "Check in first: only members in the room vote."


def url(name: str, *args: int) -> str:
    return reverse(f"voting_api:{name}", args=args)


def voting_state() -> dict[str, list[dict[str, Any]]]:
    return {
        **database_state(),
        "agendas": list(Agenda.objects.order_by("pk").values()),
        "polls": list(Poll.objects.order_by("pk").values()),
        "options": list(Option.objects.order_by("pk").values()),
        "participations": list(Participation.objects.order_by("pk").values()),
        "ballots": list(Ballot.objects.order_by("pk").values()),
        "sealed ballots": list(SealedBallot.objects.order_by("pk").values_list("pk", flat=True)),
        "recusals": list(Recusal.objects.order_by("pk").values()),
    }


Unchanged = Callable[[], AbstractContextManager[None]]


@pytest.fixture
def unchanged(django_capture_on_commit_callbacks: Any) -> Unchanged:
    """`with unchanged(): ...`: the requests inside write nothing and publish no event."""

    @contextmanager
    def check() -> Iterator[None]:
        before = voting_state()
        with django_capture_on_commit_callbacks() as callbacks:
            yield
        assert voting_state() == before
        assert callbacks == []

    return check


@dataclass
class Votes:
    """The decree under discussion: one vote taken (passed 2 to 1), one open, one prepared."""

    plan: AgendaPlan
    closed: Poll
    open: Poll
    draft: Poll

    @property
    def ids(self) -> dict[str, int]:
        return {
            "M": self.plan.meeting.pk,
            "I": self.plan.decree.pk,
            "P": self.open.pk,
            "C": self.closed.pk,
            "D": self.draft.pk,
        }


def prepare(government: Personas, plan: AgendaPlan, question: str, **fields: Any) -> Poll:
    return services.poll_create(
        actor=government.chair, item=plan.decree, question=question, **fields
    )


def take_vote(government: Personas, plan: AgendaPlan, question: str, **fields: Any) -> Poll:
    poll = prepare(government, plan, question, **fields)
    return services.poll_open(actor=government.chair, poll=poll)


@pytest.fixture
def votes(government: Personas, sitting: AgendaPlan) -> Votes:
    closed = take_vote(government, sitting, "Take up the decree today?")
    for voter, answer in zip(government.members[:3], ("yes", "yes", "no"), strict=True):
        services.ballot_cast(actor=voter, poll=closed, answer=answer)
    closed = services.poll_close(actor=government.chair, poll=closed)
    return Votes(
        plan=sitting,
        closed=closed,
        open=take_vote(government, sitting, "Adopt the decree?"),
        draft=prepare(government, sitting, "Refer the decree back to the ministry?"),
    )


def ids(votes: Votes, spec: str) -> tuple[int, ...]:
    """ "MP" -> (meeting, open poll) ids."""
    return tuple(votes.ids[key] for key in spec)


def _call(client: APIClient, method: str, address: str, data: Any = None) -> Any:
    return getattr(client, method)(address, {} if data is None else data, format="json")


def _pairs(value: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON document, however deeply nested."""
    if isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from _pairs(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _pairs(inner)


def links_a_voter_to_a_vote(document: Any) -> bool:
    """Whether any object names a person next to an answer or a choice."""
    people, votes = {"user", "voter", "name", "username"}, {"answer", "vote", "choices"}
    return any(people & obj.keys() and votes & obj.keys() for obj in _pairs(document))


# Every endpoint: (method, url name, ids)
EVERY_ENDPOINT = [
    ("get", "poll-list", "MI"),
    ("post", "poll-list", "MI"),
    ("get", "poll-detail", "MP"),
    ("post", "poll-open", "MD"),
    ("post", "poll-close", "MP"),
    ("post", "ballot", "MP"),
    ("post", "recusal", "MI"),
]


# Authentication, missing and forbidden, schema


@pytest.mark.parametrize(("method", "name", "spec"), EVERY_ENDPOINT)
def test_anonymous_requests_are_refused_everywhere(
    votes: Votes, unchanged: Unchanged, method: str, name: str, spec: str
) -> None:
    with unchanged():
        response = _call(api(), method, url(name, *ids(votes, spec)))
    assert response.status_code == 403
    assert response.json() == NOT_SIGNED_IN


@pytest.mark.parametrize(("method", "name", "spec"), EVERY_ENDPOINT)
def test_people_outside_the_body_find_nothing(
    votes: Votes,
    committee: Personas,
    outsider: User,
    unchanged: Unchanged,
    method: str,
    name: str,
    spec: str,
) -> None:
    for user in (outsider, committee.chair, committee.secretary):
        with unchanged():
            response = _call(api(user), method, url(name, *ids(votes, spec)), {"answer": "yes"})
        assert response.status_code == 404
        assert response.json() == NOT_FOUND


@pytest.mark.parametrize(("method", "name", "spec"), EVERY_ENDPOINT)
def test_an_unpublished_agenda_hides_its_votes(
    government: Personas, votes: Votes, unchanged: Unchanged, method: str, name: str, spec: str
) -> None:
    # As if the session had not begun: the agenda is the secretariat's draft.
    Agenda.objects.filter(meeting=votes.plan.meeting).update(published_at=None)
    for user in (government.chair, government.members[0]):
        with unchanged():
            response = _call(api(user), method, url(name, *ids(votes, spec)), {"answer": "yes"})
        assert response.status_code == 404
        assert response.json() == NOT_FOUND


@pytest.mark.parametrize(("method", "name", "spec"), EVERY_ENDPOINT)
def test_votes_are_found_under_their_own_meeting_and_item_only(
    government: Personas, votes: Votes, unchanged: Unchanged, method: str, name: str, spec: str
) -> None:
    """Another meeting's id, its item's or its vote's id, or an id past the database's range:
    missing."""
    elsewhere = build_agenda(
        government,
        meeting_services.meeting_schedule(
            actor=government.secretary,
            meeting=plan_meeting(government, starts_in=3 * HOUR),
        ),
    )
    other_poll = services.poll_create(
        actor=government.secretary, item=elsewhere.decree, question="Elsewhere?"
    )
    wrong = {
        "M": [10**30, elsewhere.meeting.pk],
        "I": [elsewhere.decree.pk, 10**30],
        "P": [other_poll.pk, 10**30],
        "D": [other_poll.pk, 10**30],
    }
    for position, key in enumerate(spec):
        for bad in wrong[key]:
            args = list(ids(votes, spec))
            args[position] = bad
            with unchanged():
                response = _call(api(government.chair), method, url(name, *args), {"reason": "x"})
            assert response.status_code == 404, (key, bad)
            assert response.json() == NOT_FOUND


def test_schema_generates_without_warnings_and_validates(tmp_path: Any) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in (
        "/api/v1/meetings/{meeting_id}/agenda/items/{item_id}/polls/:",
        "/api/v1/meetings/{meeting_id}/agenda/items/{item_id}/recusal/:",
        "/api/v1/meetings/{meeting_id}/polls/{poll_id}/:",
        "/api/v1/meetings/{meeting_id}/polls/{poll_id}/open/:",
        "/api/v1/meetings/{meeting_id}/polls/{poll_id}/close/:",
        "/api/v1/meetings/{meeting_id}/polls/{poll_id}/ballot/:",
    ):
        assert path in schema
    for enum in (
        "PollSecrecyEnum",
        "PollMethodEnum",
        "PollMajorityEnum",
        "PollStatusEnum",
        "BallotAnswerEnum",
    ):
        assert enum in schema
    # The other APIs are still there.
    assert "/api/v1/meetings/{meeting_id}/check-in/:" in schema
    assert "/api/v1/meetings/{meeting_id}/agenda/timer/:" in schema


def test_schema_is_served_with_the_votes(db: None) -> None:
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths["/api/v1/meetings/{meeting_id}/agenda/items/{item_id}/polls/"]) == {
        "get",
        "post",
    }
    assert set(paths["/api/v1/meetings/{meeting_id}/polls/{poll_id}/"]) == {"get"}
    assert set(paths["/api/v1/meetings/{meeting_id}/polls/{poll_id}/ballot/"]) == {"post"}


def test_browsable_api_renders(government: Personas, votes: Votes) -> None:
    response = api(government.chair).get(
        url("poll-detail", *ids(votes, "MP")), HTTP_ACCEPT="text/html"
    )
    assert response.status_code == 200
    assert "Adopt the decree?" in response.content.decode()


def test_unsupported_methods_are_refused(government: Personas, votes: Votes) -> None:
    client = api(government.chair)
    assert client.get(url("ballot", *ids(votes, "MP"))).status_code == 405
    assert client.get(url("recusal", *ids(votes, "MI"))).status_code == 405
    assert client.delete(url("poll-detail", *ids(votes, "MP"))).status_code == 405
    assert client.patch(url("poll-detail", *ids(votes, "MP")), {}).status_code == 405


# Malformed requests, on every endpoint that takes input. The person is entitled to the
# endpoint, so that only the input can be at fault.

WRITES = [
    ("poll-list", "MI", "chair"),
    ("poll-open", "MD", "chair"),
    ("poll-close", "MP", "chair"),
    ("ballot", "MP", "member"),
    ("recusal", "MI", "member"),
]


def _writer(government: Personas, who: str) -> User:
    return {"chair": government.chair, "member": government.members[0]}[who]


@pytest.mark.parametrize(("name", "spec", "who"), WRITES)
def test_malformed_json_is_refused(
    government: Personas, votes: Votes, unchanged: Unchanged, name: str, spec: str, who: str
) -> None:
    with unchanged():
        response = api(_writer(government, who)).post(
            url(name, *ids(votes, spec)), '{"answer": "ye', content_type="application/json"
        )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


@pytest.mark.parametrize(("name", "spec", "who"), WRITES)
def test_input_that_is_not_an_object_is_refused(
    government: Personas, votes: Votes, unchanged: Unchanged, name: str, spec: str, who: str
) -> None:
    with unchanged():
        response = _call(
            api(_writer(government, who)), "post", url(name, *ids(votes, spec)), ["answer", "yes"]
        )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


@pytest.mark.parametrize(("name", "spec", "who"), WRITES)
def test_unknown_fields_are_refused(
    government: Personas, votes: Votes, unchanged: Unchanged, name: str, spec: str, who: str
) -> None:
    """`{"voter": 7}` would otherwise look like a vote cast for someone else."""
    with unchanged():
        response = _call(
            api(_writer(government, who)), "post", url(name, *ids(votes, spec)), {"voter": 7}
        )
    assert response.status_code == 400
    assert response.json()["voter"] == NOT_ACCEPTED


# Who may do what: the right role is needed, whatever the input

PREPARE = "Only the chair and the secretariat prepare votes."
OPEN = "Only the chair opens a vote."
CLOSE = "Only the chair closes a vote."


@pytest.mark.parametrize(
    ("name", "spec", "who", "payload", "message"),
    [
        ("poll-list", "MI", "member", {"question": "Mine?"}, PREPARE),
        ("poll-open", "MD", "secretary", None, OPEN),
        ("poll-close", "MP", "secretary", None, CLOSE),
        ("poll-close", "MP", "member", None, CLOSE),
    ],
)
def test_the_wrong_role_is_refused(
    government: Personas,
    votes: Votes,
    unchanged: Unchanged,
    name: str,
    spec: str,
    who: str,
    payload: Any,
    message: str,
) -> None:
    user = {"member": government.members[0], "secretary": government.secretary}[who]
    with unchanged():
        response = _call(api(user), "post", url(name, *ids(votes, spec)), payload)
    assert response.status_code == 403
    assert response.json() == {"detail": message}


@pytest.mark.parametrize(
    ("method", "name", "payload"),
    [
        ("get", "poll-detail", None),
        ("post", "poll-open", None),
        ("post", "poll-close", None),
        ("post", "ballot", {"answer": "yes"}),
    ],
)
def test_a_prepared_vote_is_missing_to_members(
    government: Personas,
    votes: Votes,
    unchanged: Unchanged,
    method: str,
    name: str,
    payload: Any,
) -> None:
    for member in (government.members[0], government.members[-1]):
        with unchanged():
            response = _call(api(member), method, url(name, *ids(votes, "MD")), payload)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND


def test_members_list_the_votes_taken_and_open_only(government: Personas, votes: Votes) -> None:
    address = url("poll-list", *ids(votes, "MI"))
    response = api(government.members[5]).get(address)
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert [(p["question"], p["status"]) for p in response.json()["results"]] == [
        ("Take up the decree today?", "closed"),
        ("Adopt the decree?", "open"),
    ]
    for preparer in (government.chair, government.vice_chairs[0], government.secretary):
        listed = api(preparer).get(address).json()["results"]
        assert [p["status"] for p in listed] == ["closed", "open", "draft"]
        detail = api(preparer).get(url("poll-detail", *ids(votes, "MD")))
        assert detail.status_code == 200
        assert detail.json() == listed[2]


# Preparing a vote


def test_the_chair_prepares_a_vote(government: Personas, sitting: AgendaPlan) -> None:
    meeting, item = sitting.meeting, sitting.decree
    closes_at = (timezone.now() + HOUR).replace(microsecond=0)
    response = api(government.chair).post(
        url("poll-list", meeting.pk, item.pk),
        {
            "question": "  Adopt the decree? ",
            "secrecy": "secret",
            "majority": "two_thirds",
            "closes_at": closes_at.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201
    poll = Poll.objects.get()
    created = response.json()
    assert created == {
        "id": poll.pk,
        "meeting": meeting.pk,
        "item": item.pk,
        "question": "Adopt the decree?",
        "secrecy": "secret",
        "method": "yes_no",
        "max_choices": 1,
        "majority": "two_thirds",
        "procedural": False,
        "options": [],
        "status": "draft",
        "closes_at": created["closes_at"],
        "opened_at": None,
        "closed_at": None,
        "created_at": created["created_at"],
        "turnout": 0,
        "entitled": 20,
        "you": {"entitled": True, "voted": False, "answer": None, "choices": None},
        "result": None,
    }
    assert datetime.datetime.fromisoformat(created["closes_at"]) == closes_at
    assert last_event(meeting).type == "voting.poll_created"
    # Members do not see it yet.
    assert api(government.members[0]).get(url("poll-list", meeting.pk, item.pk)).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_the_secretariat_prepares_a_choice(government: Personas, sitting: AgendaPlan) -> None:
    response = api(government.secretary).post(
        url("poll-list", sitting.meeting.pk, sitting.decree.pk),
        {
            "question": "Where is the e-government centre built?",
            "method": "choice",
            "options": ["Hà Nội", "Đà Nẵng", "Huế"],
            "max_choices": 2,
        },
        format="json",
    )
    assert response.status_code == 201
    poll = response.json()
    assert (poll["method"], poll["max_choices"], poll["secrecy"]) == ("choice", 2, "named")
    assert [(o["position"], o["label"]) for o in poll["options"]] == [
        (0, "Hà Nội"),
        (1, "Đà Nẵng"),
        (2, "Huế"),
    ]
    # The secretary has no vote.
    assert poll["you"] == {"entitled": False, "voted": False, "answer": None, "choices": None}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, {"question": REQUIRED}),
        ({"question": "   "}, refused("Give the question put to the vote.", "question")),
        (
            {"question": "x" * 501},
            {"question": ["Ensure this field has no more than 500 characters."]},
        ),
        ({"question": "Adopt?\x00"}, {"question": ["Null characters are not allowed."]}),
        ({"question": ["Adopt?"]}, {"question": ["Not a valid string."]}),
        (
            {"question": "Q", "secrecy": "whispered"},
            {"secrecy": ['"whispered" is not a valid choice.']},
        ),
        ({"question": "Q", "method": "ranked"}, {"method": ['"ranked" is not a valid choice.']}),
        ({"question": "Q", "majority": "most"}, {"majority": ['"most" is not a valid choice.']}),
        (
            {"question": "Q", "options": ["A", "B"]},
            refused("A yes-or-no vote has no options.", "options"),
        ),
        (
            {"question": "Q", "method": "choice", "options": ["Only one"]},
            refused("A choice needs between 2 and 50 options.", "options"),
        ),
        (
            {"question": "Q", "method": "choice", "options": [f"O{n}" for n in range(51)]},
            refused("A choice needs between 2 and 50 options.", "options"),
        ),
        (
            {"question": "Q", "method": "choice", "options": ["A", "A"]},
            refused("Two options have the same wording.", "options"),
        ),
        (
            {"question": "Q", "method": "choice", "options": ["A", "B"], "max_choices": 3},
            refused("Each voter chooses between 1 and 2 options.", "max_choices"),
        ),
        (
            {"question": "Q", "method": "choice", "options": ["A", "B"], "max_choices": 0},
            refused("Each voter chooses between 1 and 2 options.", "max_choices"),
        ),
        (
            {"question": "Q", "method": "choice", "options": ["A", "B"], "max_choices": 10**30},
            refused("Each voter chooses between 1 and 2 options.", "max_choices"),
        ),
        ({"question": "Q", "max_choices": "two"}, {"max_choices": NOT_AN_INTEGER}),
        ({"question": "Q", "options": "A, B"}, {"options": NOT_A_LIST}),
        (
            {"question": "Q", "method": "choice", "options": ["A", ""]},
            {"options": {"1": ["This field may not be blank."]}},
        ),
        (
            {"question": "Q", "method": "choice", "options": ["A", "x" * 301]},
            {"options": {"1": ["Ensure this field has no more than 300 characters."]}},
        ),
        ({"question": "Q", "closes_at": "after lunch"}, {"closes_at": [WRONG_DATETIME]}),
        (
            {"question": "Q", "closes_at": "2020-01-01T08:00:00+07:00"},
            refused("The closing time has already passed.", "closes_at"),
        ),
    ],
)
def test_preparing_a_vote_refuses_bad_input(
    government: Personas,
    sitting: AgendaPlan,
    unchanged: Unchanged,
    payload: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    with unchanged():
        response = api(government.chair).post(
            url("poll-list", sitting.meeting.pk, sitting.decree.pk), payload, format="json"
        )
    assert response.status_code == 400
    assert response.json() == expected


def test_votes_are_not_prepared_for_a_closed_meeting(
    government: Personas, votes: Votes, unchanged: Unchanged
) -> None:
    Meeting.objects.filter(pk=votes.plan.meeting.pk).update(status=Meeting.Status.CLOSED)
    with unchanged():
        response = api(government.chair).post(
            url("poll-list", *ids(votes, "MI")), {"question": "Late?"}, format="json"
        )
    assert response.status_code == 400
    assert response.json() == refused(
        "Votes are prepared for a scheduled meeting. This meeting is closed."
    )


# Opening and closing


def test_the_chair_opens_and_closes_a_vote(government: Personas, votes: Votes) -> None:
    chair = api(government.chair)
    response = chair.post(url("poll-close", *ids(votes, "MP")))
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert last_event(votes.plan.meeting).type == "voting.poll_closed"

    response = chair.post(url("poll-open", *ids(votes, "MD")), {}, format="json")
    assert response.status_code == 200
    opened = response.json()
    assert (opened["status"], opened["turnout"], opened["entitled"]) == ("open", 0, 20)
    assert opened["opened_at"] is not None
    assert opened["result"] is None
    assert last_event(votes.plan.meeting).type == "voting.poll_opened"
    # Members see it from now on.
    member = api(government.members[0]).get(url("poll-detail", *ids(votes, "MD")))
    assert member.status_code == 200
    assert member.json()["you"] == {
        "entitled": True,
        "voted": False,
        "answer": None,
        "choices": None,
    }
    # A vice-chair leads as well.
    response = api(government.vice_chairs[0]).post(url("poll-close", *ids(votes, "MD")))
    assert response.status_code == 200
    assert response.json()["status"] == "closed"


def test_opening_and_closing_follow_the_rules(
    government: Personas, votes: Votes, unchanged: Unchanged
) -> None:
    chair = api(government.chair)
    with unchanged():
        again = chair.post(url("poll-open", *ids(votes, "MP")))
        second = chair.post(url("poll-open", *ids(votes, "MD")))
        closed = chair.post(url("poll-close", *ids(votes, "MC")))
        draft = chair.post(url("poll-close", *ids(votes, "MD")))
    assert again.json() == refused("This vote has already been opened.")
    assert second.json() == refused("Another vote is open: close it first.")
    assert closed.json() == refused("Only an open vote can be closed.")
    assert draft.json() == refused("Only an open vote can be closed.")
    assert {r.status_code for r in (again, second, closed, draft)} == {400}

    # The quorum lost while the vote was open: it closes, recorded as void.
    for voter in government.voters[:3]:
        meeting_services.attendance_check_out(actor=voter, meeting=votes.plan.meeting)
    response = chair.post(url("poll-close", *ids(votes, "MP")))
    assert response.status_code == 200
    result = response.json()["result"]
    assert (result["void"], result["passed"], result["objected"]) == (True, False, None)
    assert result["explanation"].startswith(
        "Void: no quorum when the poll closed, 17 of 27 members present"
    )


# Voting


def test_members_vote_and_see_only_the_turnout(government: Personas, votes: Votes) -> None:
    address = url("ballot", *ids(votes, "MP"))
    response = api(government.members[0]).post(address, {"answer": "yes"}, format="json")
    assert response.status_code == 200
    poll = response.json()
    assert (poll["status"], poll["turnout"], poll["entitled"]) == ("open", 1, 20)
    assert poll["you"] == {"entitled": True, "voted": True, "answer": "yes", "choices": None}
    assert poll["result"] is None
    assert last_event(votes.plan.meeting).type == "voting.ballot_cast"
    api(government.members[1]).post(address, {"answer": "no"}, format="json")

    # Nobody, the chair included, learns how anyone voted while the vote is open.
    for reader in (government.chair, government.secretary, government.members[2]):
        client = api(reader)
        for response in (
            client.get(url("poll-detail", *ids(votes, "MP"))),
            client.get(url("poll-list", *ids(votes, "MI"))),
        ):
            assert response.status_code == 200
            document = response.json()
            shown = document["results"][1] if "results" in document else document
            assert (shown["turnout"], shown["result"]) == (2, None)
            assert shown["you"]["answer"] is None
            assert '"yes"' not in json.dumps(shown) and '"no"' not in json.dumps(shown)
    # Each voter sees their own named ballot.
    own = api(government.members[1]).get(url("poll-detail", *ids(votes, "MP"))).json()
    assert own["you"] == {"entitled": True, "voted": True, "answer": "no", "choices": None}


def test_a_retried_ballot_is_recorded_once(government: Personas, votes: Votes) -> None:
    voter = api(government.members[0])
    address = url("ballot", *ids(votes, "MP"))
    ballot = {"answer": "abstain", "request_key": "tablet-7:1"}
    first = voter.post(address, ballot, format="json")
    retried = voter.post(address, ballot, format="json")
    assert (first.status_code, retried.status_code) == (200, 200)
    assert first.json() == retried.json()
    assert retried.json()["turnout"] == 1
    assert Ballot.objects.filter(poll=votes.open).count() == 1
    assert Participation.objects.filter(poll=votes.open).count() == 1
    assert (
        MeetingEvent.objects.filter(
            meeting=votes.plan.meeting, type="voting.ballot_cast", payload__poll=votes.open.pk
        ).count()
        == 1
    )


def test_a_retried_secret_ballot_is_recorded_once(
    government: Personas, votes: Votes, unchanged: Unchanged
) -> None:
    services.poll_close(actor=government.chair, poll=votes.open)
    secret = take_vote(government, votes.plan, "Elect the rapporteur?", secrecy="secret")
    voter = api(government.members[0])
    address = url("ballot", votes.plan.meeting.pk, secret.pk)
    for _ in range(2):
        response = voter.post(address, {"answer": "no", "request_key": "k1"}, format="json")
        assert response.status_code == 200
    assert SealedBallot.objects.filter(poll=secret).count() == 1
    with unchanged():
        response = voter.post(address, {"answer": "yes", "request_key": "k2"}, format="json")
    assert response.status_code == 400
    assert response.json() == refused("You have already voted; a secret vote cannot be changed.")


def test_a_named_vote_once_cast_is_final_where_the_body_says_so(
    government: Personas, votes: Votes, unchanged: Unchanged
) -> None:
    voter = api(government.members[0])
    address = url("ballot", *ids(votes, "MP"))
    assert voter.post(address, {"answer": "yes"}, format="json").status_code == 200
    # The same answer again, without a key, is a retry as well.
    assert voter.post(address, {"answer": "yes"}, format="json").status_code == 200
    with unchanged():
        response = voter.post(address, {"answer": "no"}, format="json")
    assert response.status_code == 400
    assert response.json() == refused("You have already voted; a vote once cast is final.")


def _substitute_for(government: Personas, plan: AgendaPlan, substitute: User) -> None:
    absent = government.members[-1]
    meeting_services.attendance_record(
        actor=government.secretary,
        attendance=Attendance.objects.get(meeting=plan.meeting, user=absent),
        status="represented",
        substitute=substitute,
    )
    meeting_services.attendance_check_in(actor=substitute, meeting=plan.meeting)


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("absent", CHECK_IN_FIRST),
        ("secretary", "You attend without a voting right."),
        (
            "recused",
            "You have declared a conflict of interest on this item and do not vote on it.",
        ),
        ("substitute", "Substitutes speak but do not vote in this body."),
    ],
)
def test_who_may_not_vote_hears_why(
    government: Personas,
    votes: Votes,
    outsider: User,
    unchanged: Unchanged,
    who: str,
    message: str,
) -> None:
    plan = votes.plan
    check_in(plan.meeting, [government.secretary])
    services.recusal_declare(actor=government.members[3], item=plan.decree, reason="Shares.")
    _substitute_for(government, plan, outsider)
    person = {
        "absent": government.members[-2],
        "secretary": government.secretary,
        "recused": government.members[3],
        "substitute": outsider,
    }[who]
    client = api(person)
    with unchanged():
        response = client.post(url("ballot", *ids(votes, "MP")), {"answer": "yes"}, format="json")
    assert response.status_code == 400
    assert response.json() == refused(message)
    you = client.get(url("poll-detail", *ids(votes, "MP"))).json()["you"]
    assert you == {"entitled": False, "voted": False, "answer": None, "choices": None}


def test_nothing_is_accepted_after_the_close(
    government: Personas, votes: Votes, unchanged: Unchanged
) -> None:
    for voter, key in ((government.members[0], ""), (government.members[5], "late")):
        with unchanged():
            response = api(voter).post(
                url("ballot", *ids(votes, "MC")),
                {"answer": "yes", "request_key": key},
                format="json",
            )
        assert response.status_code == 400
        assert response.json() == refused("This vote is closed; no more votes are accepted.")


def test_a_vote_past_its_closing_time_accepts_nothing(
    government: Personas, votes: Votes, unchanged: Unchanged
) -> None:
    Poll.objects.filter(pk=votes.open.pk).update(
        closes_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with unchanged():
        response = api(government.members[0]).post(
            url("ballot", *ids(votes, "MP")), {"answer": "yes"}, format="json"
        )
    assert response.status_code == 400
    assert response.json() == refused(
        "This vote closed at its set time; no more votes are accepted."
    )


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, refused("Answer yes, no or abstain.", "answer")),
        ({"answer": "maybe"}, {"answer": ['"maybe" is not a valid choice.']}),
        ({"answer": ""}, {"answer": ['"" is not a valid choice.']}),
        ({"answer": None}, {"answer": ["This field may not be null."]}),
        ({"answer": True}, {"answer": ['"True" is not a valid choice.']}),
        ({"choices": [1]}, refused("Answer yes, no or abstain.", "answer")),
        ({"answer": "yes", "choices": "1"}, {"choices": NOT_A_LIST}),
        ({"answer": "yes", "choices": ["first"]}, {"choices": {"0": NOT_AN_INTEGER}}),
        (
            {"answer": "yes", "request_key": "k" * 65},
            {"request_key": ["Ensure this field has no more than 64 characters."]},
        ),
        ({"answer": "yes", "request_key": ["k"]}, {"request_key": ["Not a valid string."]}),
    ],
)
def test_a_ballot_refuses_bad_input(
    government: Personas,
    votes: Votes,
    unchanged: Unchanged,
    payload: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    with unchanged():
        response = api(government.members[0]).post(
            url("ballot", *ids(votes, "MP")), payload, format="json"
        )
    assert response.status_code == 400
    assert response.json() == expected


def test_a_choice_among_options(government: Personas, votes: Votes, unchanged: Unchanged) -> None:
    services.poll_close(actor=government.chair, poll=votes.open)
    poll = take_vote(
        government,
        votes.plan,
        "Where is the centre built?",
        method="choice",
        options=["Hà Nội", "Đà Nẵng", "Huế"],
        max_choices=2,
    )
    first, second, third = poll.options.all()
    address = url("ballot", votes.plan.meeting.pk, poll.pk)
    response = api(government.members[0]).post(
        address, {"choices": [third.pk, first.pk]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["you"] == {
        "entitled": True,
        "voted": True,
        "answer": None,
        "choices": [first.pk, third.pk],
    }
    response = api(government.members[1]).post(address, {"answer": "abstain"}, format="json")
    assert response.json()["you"]["answer"] == "abstain"
    assert response.json()["you"]["choices"] == []

    other = prepare(government, votes.plan, "Name it?", method="choice", options=["A", "B"])
    elsewhere = other.options.first()
    assert elsewhere is not None
    voter = api(government.members[2])
    for payload, expected in (
        (
            {"choices": [first.pk, second.pk, third.pk]},
            refused("Choose at most 2 options.", "choices"),
        ),
        ({"choices": [elsewhere.pk]}, refused("Choose among the options of this vote.", "choices")),
        ({"choices": [10**30]}, refused("Choose among the options of this vote.", "choices")),
        ({"answer": "yes"}, refused("Choose among the options of this vote.", "choices")),
        ({"choices": []}, refused("Choose among the options of this vote.", "choices")),
    ):
        with unchanged():
            response = voter.post(address, payload, format="json")
        assert response.status_code == 400
        assert response.json() == expected

    services.poll_close(actor=government.chair, poll=poll)
    result = api(government.members[5]).get(url("poll-detail", votes.plan.meeting.pk, poll.pk))
    counts = result.json()["result"]["counts"]
    assert [(c["option"], c["answer"], c["count"]) for c in counts] == [
        (first.pk, None, 1),
        (second.pk, None, 0),
        (third.pk, None, 1),
        (None, "abstain", 1),
    ]
    assert result.json()["result"]["reached"] == []
    roll_call = result.json()["result"]["roll_call"]
    votes_by_member = {row["user"]: row["vote"] for row in roll_call}
    assert votes_by_member == {
        **{voter.pk: "Did not vote" for voter in government.voters},
        government.members[0].pk: "Hà Nội, Huế",
        government.members[1].pk: "Abstain",
    }


# Results


def test_a_closed_named_vote_shows_its_result_and_roll_call(
    government: Personas, votes: Votes
) -> None:
    for voter in government.voters[:14]:
        services.ballot_cast(actor=voter, poll=votes.open, answer="yes")
    for voter in government.voters[14:18]:
        services.ballot_cast(actor=voter, poll=votes.open, answer="no")
    response = api(government.chair).post(url("poll-close", *ids(votes, "MP")))
    assert response.status_code == 200
    closed = response.json()
    assert (closed["status"], closed["turnout"], closed["entitled"]) == ("closed", 18, 20)
    assert closed["closed_at"] is not None
    result = closed["result"]
    assert result["passed"] is True
    assert result["explanation"].startswith("Passed: 14 of 27 members voted yes")
    assert result["counts"] == [
        {"answer": "yes", "option": None, "label": "Yes", "count": 14},
        {"answer": "no", "option": None, "label": "No", "count": 4},
        {"answer": "abstain", "option": None, "label": "Abstain", "count": 0},
    ]
    assert (result["required"], result["base"], result["base_count"]) == (14, "all_members", 27)
    assert (result["members"], result["present"], len(result["entitled"])) == (27, 20, 20)
    assert result["reached"] is None
    # Every member with a voting right: 18 who voted and 9 who did not, absent or silent.
    assert len(result["roll_call"]) == 27 and result["recused"] == []
    minister = government.voters[14]
    row = next(row for row in result["roll_call"] if row["user"] == minister.pk)
    assert row == {
        "user": minister.pk,
        "name": minister.get_full_name(),
        "status": "no",
        "vote": "No",
        "substitute": None,
    }
    silent = government.voters[19]
    row = next(row for row in result["roll_call"] if row["user"] == silent.pk)
    assert (row["status"], row["vote"]) == ("did_not_vote", "Did not vote")

    # Everyone who sees the agenda reads the same result; each their own ballot.
    mine = api(minister).get(url("poll-detail", *ids(votes, "MP"))).json()
    assert mine["result"] == result
    assert mine["you"] == {"entitled": True, "voted": True, "answer": "no", "choices": None}
    absent = api(government.members[-1]).get(url("poll-detail", *ids(votes, "MP"))).json()
    assert absent["result"] == result
    assert absent["you"] == {"entitled": False, "voted": False, "answer": None, "choices": None}


def test_a_secret_vote_never_links_a_ballot_to_its_voter(
    government: Personas, votes: Votes
) -> None:
    services.poll_close(actor=government.chair, poll=votes.open)
    secret = take_vote(government, votes.plan, "Elect the rapporteur?", secrecy="secret")
    meeting, item = votes.plan.meeting.pk, votes.plan.decree.pk
    detail = url("poll-detail", meeting, secret.pk)
    voters = government.voters[:15]
    for number, voter in enumerate(voters):
        response = api(voter).post(
            url("ballot", meeting, secret.pk),
            {"answer": "yes" if number < 14 else "no"},
            format="json",
        )
        assert response.status_code == 200
        # Not even the voter reads back how they voted.
        assert response.json()["you"] == {
            "entitled": True,
            "voted": True,
            "answer": None,
            "choices": None,
        }
    readers = [voters[0], voters[-1], government.chair, government.secretary]
    for reader in readers:
        assert api(reader).get(detail).json()["result"] is None

    response = api(government.chair).post(url("poll-close", meeting, secret.pk))
    assert response.status_code == 200
    for reader in readers:
        client = api(reader)
        listed = client.get(url("poll-list", meeting, item)).json()["results"]
        for document in (
            client.get(detail).json(),
            next(poll for poll in listed if poll["id"] == secret.pk),
            response.json(),
        ):
            assert not links_a_voter_to_a_vote(document)
        shown = client.get(detail).json()
        assert shown["result"]["roll_call"] is None
        assert shown["result"]["passed"] is True
        assert [c["count"] for c in shown["result"]["counts"]] == [14, 1, 0]
        assert {key: shown["you"][key] for key in ("answer", "choices")} == {
            "answer": None,
            "choices": None,
        }
    # The named vote taken earlier keeps its roll call.
    named = api(government.members[0]).get(url("poll-detail", *ids(votes, "MC"))).json()
    assert links_a_voter_to_a_vote(named)


def test_reading_a_vote_takes_the_same_queries_however_many_voted(
    government: Personas, votes: Votes
) -> None:
    client = api(government.members[0])
    detail = url("poll-detail", *ids(votes, "MP"))
    listing = url("poll-list", *ids(votes, "MI"))
    client.get(detail)  # warms the per-process caches (content types)
    few = (count_queries(lambda: client.get(detail)), count_queries(lambda: client.get(listing)))
    for voter in government.voters[:20]:
        services.ballot_cast(actor=voter, poll=votes.open, answer="yes")
    assert client.get(detail).json()["turnout"] == 20
    many = (count_queries(lambda: client.get(detail)), count_queries(lambda: client.get(listing)))
    assert many == few

    closed = url("poll-detail", *ids(votes, "MC"))
    few_closed = count_queries(lambda: client.get(closed))
    services.poll_close(actor=government.chair, poll=votes.open)
    assert count_queries(lambda: client.get(detail)) <= few_closed
    assert client.get(detail).json()["result"]["counts"][0]["count"] == 20


# Conflicts of interest


def test_a_member_declares_a_conflict_of_interest(government: Personas, votes: Votes) -> None:
    member = government.members[3]
    response = api(member).post(
        url("recusal", *ids(votes, "MI")),
        {"reason": " My brother's firm bids for the contract. "},
        format="json",
    )
    assert response.status_code == 201
    declared = response.json()
    recusal = Recusal.objects.get()
    assert declared == {
        "id": recusal.pk,
        "item": votes.plan.decree.pk,
        "user": {"id": member.pk, "username": member.username, "name": member.get_full_name()},
        "reason": "My brother's firm bids for the contract.",
        "declared_at": declared["declared_at"],
    }
    assert last_event(votes.plan.meeting).type == "voting.recusal_declared"

    poll = api(member).get(url("poll-detail", *ids(votes, "MP"))).json()
    assert poll["entitled"] == 19
    assert poll["you"]["entitled"] is False
    response = api(member).post(url("ballot", *ids(votes, "MP")), {"answer": "yes"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("You have declared a conflict of interest")


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, {"reason": REQUIRED}),
        ({"reason": None}, {"reason": ["This field may not be null."]}),
        ({"reason": ""}, refused("Say what the conflict of interest is.", "reason")),
        ({"reason": "   "}, refused("Say what the conflict of interest is.", "reason")),
        (
            {"reason": "x" * 1001},
            {"reason": ["Ensure this field has no more than 1000 characters."]},
        ),
        ({"reason": "Shares\x00"}, {"reason": ["Null characters are not allowed."]}),
        ({"reason": ["Shares"]}, {"reason": ["Not a valid string."]}),
    ],
)
def test_a_declaration_refuses_bad_input(
    government: Personas,
    votes: Votes,
    unchanged: Unchanged,
    payload: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    with unchanged():
        response = api(government.members[0]).post(
            url("recusal", *ids(votes, "MI")), payload, format="json"
        )
    assert response.status_code == 400
    assert response.json() == expected


def test_a_declaration_follows_the_rules(
    government: Personas, votes: Votes, unchanged: Unchanged
) -> None:
    member = api(government.members[3])
    address = url("recusal", *ids(votes, "MI"))
    assert member.post(address, {"reason": "Shares."}, format="json").status_code == 201
    with unchanged():
        twice = member.post(address, {"reason": "Shares, again."}, format="json")
    assert twice.status_code == 400
    assert twice.json() == refused("You have already declared a conflict on this item.")

    # members[0] voted on the item's first vote: too late to declare a conflict on the item.
    with unchanged():
        voted = api(government.members[0]).post(address, {"reason": "Shares."}, format="json")
    assert voted.status_code == 400
    assert voted.json() == refused(
        "You have already voted on this item: a conflict of interest is declared before "
        "voting, and a ballot once cast stays counted."
    )

    Meeting.objects.filter(pk=votes.plan.meeting.pk).update(status=Meeting.Status.CLOSED)
    with unchanged():
        late = api(government.members[4]).post(address, {"reason": "Shares."}, format="json")
    assert late.status_code == 400
    assert late.json() == refused("Declarations are made before or during the session.")


def test_conflicts_are_declared_before_the_session(government: Personas, meeting: Meeting) -> None:
    agenda = build_agenda(government, meeting)
    agenda_services.agenda_publish(actor=government.secretary, meeting=meeting)
    response = api(government.members[0]).post(
        url("recusal", agenda.meeting.pk, agenda.budget.pk), {"reason": "Shares."}, format="json"
    )
    assert response.status_code == 201

"""Members demand an extraordinary meeting: one third of the Government's members."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from meetings import services as meeting_services
from meetings.forms import BodyForm
from meetings.models import Meeting
from meetings.rules import COMMITTEE_RULES, GOVERNMENT_RULES, extraordinary_demand
from tests.conftest import Personas, plan_meeting
from tests.meetings.test_api import NOT_FOUND, api, refused
from voting import selectors
from voting.models import ExtraordinaryRequest


def url(body_id: int) -> str:
    return reverse("voting_api:extraordinary-requests", args=[body_id])


def test_a_third_of_all_members_demand_one() -> None:
    assert not extraordinary_demand(GOVERNMENT_RULES, members=27, requesters=8).reached
    reached = extraordinary_demand(GOVERNMENT_RULES, members=27, requesters=9)
    assert reached.reached and reached.required == 9
    assert reached.explanation == (
        "An extraordinary meeting is demanded: 9 of 27 members asked for one; at least 1/3 (9) "
        "required."
    )
    with pytest.raises(ValueError, match="do not let members demand"):
        extraordinary_demand(COMMITTEE_RULES, members=5, requesters=5)


def test_members_ask_and_the_chair_and_secretary_are_told_once(
    government: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    askers = government.voters[1:10]
    for n, member in enumerate(askers, start=1):
        with django_capture_on_commit_callbacks(execute=True):
            response = api(member).post(url(government.body.pk), {"reason": f"Flood {n}"})
        assert response.status_code == 201
        demand = response.json()
        assert (demand["requesters"], demand["members"], demand["needed"]) == (n, 27, 9)
        assert demand["reached"] is (n == 9)
    # One e-mail each to the chair and the secretary.
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [government.chair.email, government.secretary.email]
    )
    notice = mail.outbox[0]
    assert "Government: an extraordinary meeting is demanded" in notice.subject
    assert "9 members of Government have asked for an extraordinary meeting" in notice.body
    assert f"{askers[0].get_full_name()} (" in notice.body and "Flood 1" in notice.body

    # A tenth request is on record; nobody is told again.
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            api(government.voters[10])
            .post(url(government.body.pk), {"reason": "Also"})
            .json()["requesters"]
            == 10
        )
    assert len(mail.outbox) == 2

    # The extraordinary meeting that follows shows who asked for it; new requests start over.
    meeting = plan_meeting(
        government, starts_in=datetime.timedelta(days=1), kind=Meeting.Kind.EXTRAORDINARY
    )
    requested_by = [request.member for request in selectors.extraordinary_requested_by(meeting)]
    assert requested_by == [*askers, government.voters[10]]
    assert api(government.chair).get(url(government.body.pk)).json()["requesters"] == 0


def test_a_member_asks_once(government: Personas) -> None:
    member = api(government.members[0])
    assert member.post(url(government.body.pk), {"reason": "Flood"}).status_code == 201
    twice = member.post(url(government.body.pk), {"reason": "Flood"})
    assert twice.status_code == 400
    assert twice.json() == refused("You have already asked for an extraordinary meeting.")
    blank = api(government.members[1]).post(url(government.body.pk), {"reason": " "})
    assert blank.json() == refused("Say why an extraordinary meeting is needed.", "reason")


def test_who_may_not_ask(government: Personas, committee: Personas, outsider: User) -> None:
    # The secretary sees the body but has no vote; an outsider does not see it at all.
    secretary = api(government.secretary).post(url(government.body.pk), {"reason": "Flood"})
    assert secretary.status_code == 403
    stranger = api(outsider).post(url(government.body.pk), {"reason": "Flood"})
    assert (stranger.status_code, stranger.json()) == (404, NOT_FOUND)
    chair_only = api(committee.members[0]).post(url(committee.body.pk), {"reason": "Flood"})
    assert chair_only.status_code == 400
    assert chair_only.json() == refused(
        "In this body only the chair calls an extraordinary meeting."
    )
    assert not ExtraordinaryRequest.objects.exists()


def requesters_url(meeting: Meeting) -> str:
    return reverse("voting_api:meeting-requesters", args=[meeting.pk])


def test_the_meeting_api_names_who_asked_for_an_extraordinary_meeting(
    government: Personas, outsider: User
) -> None:
    askers = government.voters[1:4]
    for member in askers:
        assert api(member).post(url(government.body.pk), {"reason": "Flood"}).status_code == 201
    ordinary, extraordinary = (
        meeting_services.meeting_schedule(
            actor=government.secretary,
            meeting=plan_meeting(government, starts_in=datetime.timedelta(days=1), kind=kind),
        )
        for kind in (Meeting.Kind.REGULAR, Meeting.Kind.EXTRAORDINARY)
    )
    response = api(government.members[5]).get(requesters_url(extraordinary))
    assert response.status_code == 200
    assert [row["member"]["id"] for row in response.json()] == [m.pk for m in askers]
    assert response.json()[0]["reason"] == "Flood"
    assert api(government.members[5]).get(requesters_url(ordinary)).json() == []
    # Who may not see the meeting does not learn who asked for it.
    stranger = api(outsider).get(requesters_url(extraordinary))
    assert (stranger.status_code, stranger.json()) == (404, NOT_FOUND)


def test_the_schema_documents_the_requesters() -> None:
    schema = api().get(reverse("api:schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/meetings/{meeting_id}/requested-by/"]["get"]
    [reply] = operation["responses"]["200"]["content"].values()
    assert reply["schema"]["type"] == "array"
    assert reply["schema"]["items"]["$ref"].endswith("/ExtraordinaryRequest")


# The threshold, set by the secretariat with the other rules


def test_the_secretariat_sets_who_may_demand_an_extraordinary_meeting(
    client: Any, government: Personas, committee: Personas
) -> None:
    body = committee.body
    assert body.decision_rules.extraordinary_request is None
    client.force_login(committee.secretary)
    edit = reverse("meetings:body_edit", args=[body.pk])
    form = client.get(edit).content.decode()
    assert 'name="extraordinary_numerator"' in form
    data = {k: v for k, v in BodyForm.initial_for(body).items() if v is not None}
    response = client.post(
        edit, {**data, "extraordinary_numerator": 1, "extraordinary_denominator": 4}
    )
    assert response.status_code == 302
    body.refresh_from_db()
    demand = body.decision_rules.extraordinary_request
    assert demand is not None and (demand.numerator, demand.denominator) == (1, 4)
    # Now its members may ask.
    asked = api(committee.members[0]).post(url(body.pk), {"reason": "Budget"})
    assert asked.status_code == 201
    assert (
        asked.json()["needed"]
        == extraordinary_demand(
            body.decision_rules, members=asked.json()["members"], requesters=1
        ).required
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"extraordinary_numerator": 1}, "Give both parts of the share"),
        ({"extraordinary_numerator": 3, "extraordinary_denominator": 2}, "a fraction such as 1/3"),
    ],
)
def test_a_threshold_that_is_not_a_share_is_refused(
    client: Any, government: Personas, fields: dict[str, int], message: str
) -> None:
    body = government.body
    client.force_login(government.secretary)
    data = {k: v for k, v in BodyForm.initial_for(body).items() if v is not None}
    data.pop("extraordinary_numerator"), data.pop("extraordinary_denominator")
    response = client.post(reverse("meetings:body_edit", args=[body.pk]), {**data, **fields})
    assert response.status_code == 400
    assert message in response.content.decode()
    body.refresh_from_db()
    assert (body.extraordinary_numerator, body.extraordinary_denominator) == (1, 3)
    # The API sets what it is given: the part left out is cleared here.
    cleared = {"extraordinary_numerator": None, "extraordinary_denominator": None}
    api_response = api(government.secretary).patch(
        reverse("api:body-detail", args=[body.pk]), {**cleared, **fields}, format="json"
    )
    assert api_response.status_code == 400


def test_only_the_bodys_secretariat_changes_the_threshold(government: Personas) -> None:
    body = government.body
    response = api(government.chair).patch(
        reverse("api:body-detail", args=[body.pk]),
        {"extraordinary_numerator": 1, "extraordinary_denominator": 2},
        format="json",
    )
    assert response.status_code in (403, 404)
    body.refresh_from_db()
    assert (body.extraordinary_numerator, body.extraordinary_denominator) == (1, 3)
    allowed = api(government.secretary).patch(
        reverse("api:body-detail", args=[body.pk]),
        {"extraordinary_numerator": 1, "extraordinary_denominator": 2},
        format="json",
    )
    assert allowed.status_code == 200
    assert allowed.json()["extraordinary_numerator"] == 1
    assert allowed.json()["extraordinary_denominator"] == 2

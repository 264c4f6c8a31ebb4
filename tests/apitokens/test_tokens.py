"""Integrators' API tokens: made by a signed-in person and shown once, kept as a digest, acting
as that person with at most their scopes, refused once revoked or expired."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.test import APIClient

from apitokens.models import ApiToken, digest
from audit.models import Entry
from meetings.models import Meeting
from tests.agendas.conftest import AgendaPlan
from tests.conftest import Personas
from tests.meetings.test_api import api
from tests.voting.conftest import sitting  # noqa: F401  (fixture)
from voting import services as voting_services
from voting.models import Poll

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/tokens/"
INVALID = "This token is not valid: it is wrong, revoked or expired."


def make(user: User, *scopes: str, days: int = 30) -> str:
    response = api(user).post(
        TOKENS, {"name": "Registry sync", "scopes": list(scopes), "days": days}, format="json"
    )
    assert response.status_code == 201, response.json()
    return str(response.json()["token"])


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def poll_url(plan: AgendaPlan, poll: Poll, action: str = "") -> str:
    name = f"voting_api:poll-{action}" if action else "voting_api:poll-detail"
    return reverse(name, args=(plan.meeting.pk, poll.pk))


def scope_refusal(scope: str) -> dict[str, Any]:
    return {"detail": f"This token lacks the scope “{scope}” that this request needs."}


def test_a_token_is_shown_once_and_kept_as_a_digest(government: Personas) -> None:
    secret = make(government.chair, "read")
    token = ApiToken.objects.get(user=government.chair)
    assert token.digest == digest(secret) and secret not in token.digest
    assert secret.startswith(f"mt_{token.prefix}_")
    listed = api(government.chair).get(TOKENS).json()["results"]
    assert [row["prefix"] for row in listed] == [token.prefix]
    assert "token" not in listed[0] and secret not in str(listed)
    entry = Entry.objects.get(action=Entry.Action.TOKEN_CREATED)
    assert entry.actor_id == government.chair.pk
    assert entry.details == {"token": token.prefix, "scopes": ["read"], "days": 30}


def test_a_token_reads_as_its_person(government: Personas, meeting: Meeting) -> None:
    client = bearer(make(government.members[0], "read"))
    response = client.get(reverse("api:meeting-detail", args=(meeting.pk,)))
    assert response.status_code == 200
    assert response.json()["id"] == meeting.pk
    # Never more than the person: a meeting of another body stays missing.
    assert client.get(reverse("api:meeting-detail", args=(meeting.pk + 1000,))).status_code == 404


def test_a_token_without_read_reads_nothing(government: Personas, meeting: Meeting) -> None:
    client = bearer(make(government.chair, "vote-admin"))
    response = client.get(reverse("api:meeting-detail", args=(meeting.pk,)))
    assert (response.status_code, response.json()) == (403, scope_refusal("read"))


def test_opening_and_closing_a_vote_needs_vote_admin(
    government: Personas,
    sitting: AgendaPlan,  # noqa: F811
) -> None:
    poll = voting_services.poll_create(
        actor=government.chair, item=sitting.decree, question="Adopt the decree?"
    )
    reader = bearer(make(government.chair, "read", "write", "vote"))
    response = reader.post(poll_url(sitting, poll, "open"), {}, format="json")
    assert (response.status_code, response.json()) == (403, scope_refusal("vote-admin"))
    poll.refresh_from_db()
    assert poll.status == Poll.Status.DRAFT

    chair = bearer(make(government.chair, "vote-admin"))
    assert chair.post(poll_url(sitting, poll, "open"), {}, format="json").status_code == 200
    assert chair.post(poll_url(sitting, poll, "close"), {}, format="json").status_code == 200
    poll.refresh_from_db()
    assert poll.status == Poll.Status.CLOSED
    # The trail names the person the token acts for.
    assert Entry.objects.filter(action=Entry.Action.POLL_OPENED).get().actor_id == (
        government.chair.pk
    )


def test_vote_admin_does_not_make_a_member_a_chair(
    government: Personas,
    sitting: AgendaPlan,  # noqa: F811
) -> None:
    poll = voting_services.poll_create(
        actor=government.chair, item=sitting.decree, question="Adopt the decree?"
    )
    member = bearer(make(government.members[0], "vote-admin", "read"))
    response = member.post(poll_url(sitting, poll, "open"), {}, format="json")
    # The prepared vote is the chair's alone to see: for the member it is missing.
    assert response.status_code == 404


def test_casting_a_ballot_needs_vote(
    government: Personas,
    sitting: AgendaPlan,  # noqa: F811
) -> None:
    poll = voting_services.poll_create(
        actor=government.chair, item=sitting.decree, question="Adopt the decree?"
    )
    voting_services.poll_open(actor=government.chair, poll=poll)
    voter = government.members[0]
    ballot = poll_url(sitting, poll, "") + "ballot/"
    response = bearer(make(voter, "read", "write")).post(ballot, {"answer": "yes"}, format="json")
    assert (response.status_code, response.json()) == (403, scope_refusal("vote"))
    response = bearer(make(voter, "vote")).post(ballot, {"answer": "yes"}, format="json")
    assert response.status_code == 200, response.json()


def test_a_change_outside_votes_needs_write(government: Personas, meeting: Meeting) -> None:
    check_in = reverse("api:check-in", args=(meeting.pk,))
    member = government.members[0]
    response = bearer(make(member, "read", "vote")).post(check_in, {}, format="json")
    assert (response.status_code, response.json()) == (403, scope_refusal("write"))


def test_a_revoked_token_is_refused(government: Personas, meeting: Meeting) -> None:
    secret = make(government.chair, "read")
    client = bearer(secret)
    address = reverse("api:meeting-detail", args=(meeting.pk,))
    assert client.get(address).status_code == 200
    token = ApiToken.objects.get(user=government.chair)
    revoke = f"{TOKENS}{token.pk}/revoke/"
    # Nobody else can revoke it, nor learn that it exists.
    assert api(government.members[0]).post(revoke, {}, format="json").status_code == 404
    response = api(government.chair).post(revoke, {}, format="json")
    assert response.status_code == 200 and response.json()["revoked_at"]
    response = client.get(address)
    assert (response.status_code, response.json()) == (403, {"detail": INVALID})
    assert Entry.objects.filter(action=Entry.Action.TOKEN_REVOKED).count() == 1


def test_an_expired_or_wrong_token_is_refused(government: Personas, meeting: Meeting) -> None:
    secret = make(government.chair, "read")
    address = reverse("api:meeting-detail", args=(meeting.pk,))
    token = ApiToken.objects.get(user=government.chair)
    wrong = secret[:-4] + ("aaaa" if not secret.endswith("aaaa") else "bbbb")
    assert bearer(wrong).get(address).json() == {"detail": INVALID}
    assert bearer("mt_nothing_here").get(address).json() == {"detail": INVALID}
    token.expires_at -= datetime.timedelta(days=31)
    token.save()
    response = bearer(secret).get(address)
    assert (response.status_code, response.json()) == (403, {"detail": INVALID})


def test_a_token_cannot_make_or_revoke_tokens(government: Personas) -> None:
    client = bearer(make(government.chair, "read", "write"))
    response = client.post(TOKENS, {"name": "More", "scopes": ["read"]}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Sign in to manage tokens: a token cannot make or revoke one."
    }
    token = ApiToken.objects.get(user=government.chair)
    assert client.post(f"{TOKENS}{token.pk}/revoke/", {}, format="json").status_code == 403
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"name": "x", "scopes": ["everything"]},
            {"scopes": {"0": ['"everything" is not a valid choice.']}},
        ),
        ({"name": "x", "scopes": []}, {"scopes": ["Ensure this field has at least 1 elements."]}),
        (
            {"name": "x", "scopes": ["read"], "days": 400},
            {"days": ["Ensure this value is less than or equal to 365."]},
        ),
        ({"name": " ", "scopes": ["read"]}, {"name": ["This field may not be blank."]}),
    ],
)
def test_a_bad_token_request_is_a_clear_400(
    government: Personas, data: dict[str, Any], errors: dict[str, Any]
) -> None:
    response = api(government.chair).post(TOKENS, data, format="json")
    assert (response.status_code, response.json()) == (400, errors)
    assert not ApiToken.objects.exists()


def test_the_schema_documents_the_bearer_token() -> None:
    schema = api().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    document = schema.json() if schema.status_code == 200 else None
    assert document is not None
    assert document["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"
    assert "/api/v1/tokens/" in document["paths"]

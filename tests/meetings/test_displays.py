"""Room displays: the secretariat sets one up (on its page or over the API), sees its link
once and revokes it; the projector page opens with the token alone, for the display's rights
and nobody's own; a wrong or revoked token is a 404 like any missing page."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from meetings import services
from meetings.models import Meeting
from realtime.models import DisplayToken
from tests.agendas.conftest import decree_under_discussion
from tests.conftest import Personas
from voting import services as voting_services

LINK = re.compile(r"https?://[^\"<\s]+/display/([A-Za-z0-9_-]+)/")


def signed_in(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def displays_url(meeting: Meeting) -> str:
    return reverse("meetings:displays", args=[meeting.pk])


def projector_url(token: str) -> str:
    return reverse("agendas:projector", args=[token])


def test_the_secretariat_sets_up_a_display_and_sees_its_link_once(
    government: Personas, meeting: Meeting
) -> None:
    client = signed_in(government.secretary)
    response = client.post(displays_url(meeting), {"label": "Main hall"})
    assert response.status_code == 200
    [token] = LINK.findall(response.content.decode())
    display = DisplayToken.objects.get(meeting=meeting)
    assert display.label == "Main hall" and display.created_by == government.secretary
    assert display.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert display.revoked_at is None

    again = client.get(displays_url(meeting)).content.decode()
    assert "Main hall" in again and token not in again and not LINK.search(again)


def test_the_meeting_page_links_to_the_displays_for_the_secretariat_only(
    government: Personas, meeting: Meeting
) -> None:
    detail = reverse("meetings:meeting_detail", args=[meeting.pk])
    assert displays_url(meeting) in signed_in(government.secretary).get(detail).content.decode()
    assert displays_url(meeting) not in signed_in(government.chair).get(detail).content.decode()


@pytest.mark.parametrize("who", ["chair", "member", "outsider"])
def test_only_the_secretariat_sets_up_and_revokes_displays(
    government: Personas, meeting: Meeting, outsider: User, who: str
) -> None:
    person = {
        "chair": government.chair,
        "member": government.members[0],
        "outsider": outsider,
    }[who]
    display, _token = services.display_create(actor=government.secretary, meeting=meeting)
    client = signed_in(person)
    assert client.get(displays_url(meeting)).status_code == 404
    assert client.post(displays_url(meeting), {"label": "Mine"}).status_code == 404
    revoke = reverse("meetings:display_revoke", args=[meeting.pk, display.pk])
    assert client.post(revoke).status_code == 404
    assert DisplayToken.objects.filter(meeting=meeting).count() == 1
    display.refresh_from_db()
    assert display.revoked_at is None


def test_the_secretariat_revokes_a_display(government: Personas, meeting: Meeting) -> None:
    display, _token = services.display_create(actor=government.secretary, meeting=meeting)
    client = signed_in(government.secretary)
    revoke = reverse("meetings:display_revoke", args=[meeting.pk, display.pk])
    response = client.post(revoke, follow=True)
    assert response.status_code == 200
    assert "The display is revoked" in response.content.decode()
    display.refresh_from_db()
    assert display.revoked_at is not None


def test_a_draft_has_no_display(government: Personas, draft_meeting: Meeting) -> None:
    response = signed_in(government.secretary).post(displays_url(draft_meeting), {"label": ""})
    assert response.status_code == 400
    assert "A display can follow a scheduled or running meeting only." in response.content.decode()
    assert not DisplayToken.objects.exists()


def test_a_label_on_two_lines_is_refused(government: Personas, meeting: Meeting) -> None:
    response = signed_in(government.secretary).post(displays_url(meeting), {"label": "Main\nhall"})
    assert response.status_code == 400
    assert "Write this on one line." in response.content.decode()
    assert not DisplayToken.objects.exists()


# The projector page


def test_the_projector_opens_with_its_token_alone(government: Personas, meeting: Meeting) -> None:
    _display, token = services.display_create(actor=government.secretary, meeting=meeting)
    response = Client().get(projector_url(token))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert meeting.title in html
    assert f'data-meeting-display="{token}"' in html
    assert 'id="current-item"' in html and 'id="chair-timer"' in html


def test_a_wrong_or_revoked_token_is_a_missing_page(government: Personas, meeting: Meeting) -> None:
    display, token = services.display_create(actor=government.secretary, meeting=meeting)
    wrong = Client().get(projector_url("x" + token[1:]))
    services.display_revoke(actor=government.secretary, display=display)
    revoked = Client().get(projector_url(token))
    assert wrong.status_code == revoked.status_code == 404
    # The same page, but for its form token and its own address (the language switch's).
    token_free = re.compile(rb'(content|value)="[^"]*"')
    assert token_free.sub(b"", wrong.content) == token_free.sub(b"", revoked.content)
    assert meeting.title.encode() not in revoked.content


def test_the_projector_shows_nobodys_own_boxes_in_a_signed_in_browser(
    government: Personas, meeting: Meeting
) -> None:
    plan = decree_under_discussion(government, meeting)
    poll = voting_services.poll_create(
        actor=government.chair, item=plan.decree, question="Adopt the decree?"
    )
    voting_services.poll_open(actor=government.chair, poll=poll)
    _display, token = services.display_create(actor=government.secretary, meeting=meeting)

    html = signed_in(government.members[0]).get(projector_url(token)).content.decode()
    assert "Adopt the decree?" in html and f'data-turnout="{poll.pk}"' in html
    # Not even a placeholder for a ballot or a conflict box: the display is nobody's screen.
    assert f'id="ballot-{poll.pk}"' not in html and "recusal-" not in html
    assert "data-user-id" not in html and "Log out" not in html


def test_the_projector_page_shows_a_named_votes_result_without_its_roll_call(
    government: Personas, meeting: Meeting
) -> None:
    plan = decree_under_discussion(government, meeting)
    poll = voting_services.poll_create(
        actor=government.chair, item=plan.decree, question="Adopt the decree?", secrecy="named"
    )
    voting_services.poll_open(actor=government.chair, poll=poll)
    voter = government.voters[1]
    voting_services.ballot_cast(actor=voter, poll=poll, answer="yes")
    voting_services.poll_close(actor=government.chair, poll=poll)
    _display, token = services.display_create(actor=government.secretary, meeting=meeting)

    html = Client().get(projector_url(token)).content.decode()
    assert "Adopted" in html or "Not adopted" in html
    assert "Roll call" not in html and voter.get_full_name() not in html
    # Nor the comments, nor a form of any kind.
    assert "<form" not in html.split('id="main"')[1]
    # A member's own page shows the roll call: the display leaves out what they may read.
    member = signed_in(government.members[0])
    session = member.get(reverse("agendas:session", args=[meeting.pk])).content.decode()
    assert "Roll call" in session and voter.get_full_name() in session
    # The chair's buttons are not drawn either: the page is a member's view.
    assert "Close the vote" not in html


# The API


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def test_the_api_sets_up_lists_and_revokes_displays(government: Personas, meeting: Meeting) -> None:
    client = api(government.secretary)
    listing = reverse("api:display-list", args=[meeting.pk])
    created = client.post(listing, {"label": "Hall"}, format="json")
    assert created.status_code == 201
    body = created.json()
    token = LINK.fullmatch(body["url"]).group(1)  # type: ignore[union-attr]
    assert body["label"] == "Hall" and body["revoked_at"] is None
    assert Client().get(projector_url(token)).status_code == 200

    listed = client.get(listing).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["id"] for row in rows] == [body["id"]] and "url" not in rows[0]

    revoke = reverse("api:display-revoke", args=[meeting.pk, body["id"]])
    revoked = client.post(revoke, format="json")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert Client().get(projector_url(token)).status_code == 404


def test_the_api_refuses_displays_to_others_as_missing(
    government: Personas, meeting: Meeting
) -> None:
    display, _token = services.display_create(actor=government.secretary, meeting=meeting)
    client = api(government.members[0])
    listing = reverse("api:display-list", args=[meeting.pk])
    assert client.get(listing).status_code == 404
    assert client.post(listing, {"label": "Hall"}, format="json").status_code == 404
    revoke = reverse("api:display-revoke", args=[meeting.pk, display.pk])
    assert client.post(revoke, format="json").status_code == 404
    assert api(None).post(listing, {}, format="json").status_code == 403
    assert DisplayToken.objects.count() == 1


def test_the_api_refuses_unknown_fields(government: Personas, meeting: Meeting) -> None:
    listing = reverse("api:display-list", args=[meeting.pk])
    response = api(government.secretary).post(listing, {"token": "mine"}, format="json")
    assert response.status_code == 400
    assert not DisplayToken.objects.exists()

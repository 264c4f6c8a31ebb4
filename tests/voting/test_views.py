"""Voting on the screens: the chair prepares, opens and closes from the console; members vote
on their tablets and see the result with its reason."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.agendas.conftest import AgendaPlan
from tests.conftest import Personas
from voting import services
from voting.models import Ballot, Poll, Recusal


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(response: HttpResponse) -> str:
    return response.content.decode()


def turnout(html: str) -> str:
    """The turnout figure as a tablet shows it, such as "12/20"."""
    match = re.search(r'<strong class="turnout-figure">(.*?)</strong>', html)
    assert match is not None
    return re.sub(r"<[^>]+>|&#8202;", "", match.group(1))


def open_poll(government: Personas, sitting: AgendaPlan) -> Poll:
    return services.poll_open(
        actor=government.chair,
        poll=services.poll_create(actor=government.chair, item=sitting.decree, question="Adopt?"),
    )


def closed_poll(government: Personas, sitting: AgendaPlan) -> Poll:
    return services.poll_close(actor=government.chair, poll=open_poll(government, sitting))


def from_tablet(client: Client, poll: Poll, answer: str, **extra: str) -> HttpResponse:
    """A ballot as the tablet's ballot box sends it, in the background (htmx)."""
    return client.post(
        reverse("voting:vote", args=[poll.meeting_id, poll.pk]),
        {"answer": answer, "return_to": "session"},
        headers={"HX-Request": "true"},
        **extra,
    )


def test_a_vote_from_the_console_to_the_tablets(government: Personas, sitting: AgendaPlan) -> None:
    meeting, item = sitting.meeting, sitting.decree
    chair = client_for(government.chair)
    response = chair.post(
        reverse("voting:poll_create", args=[meeting.pk, item.pk]),
        {
            "question": "Adopt the decree?",
            "secrecy": "named",
            "method": "yes_no",
            "max_choices": "1",
            "majority": "body",
            "return_to": "console",
        },
    )
    assert response.status_code == 302
    poll = Poll.objects.get()
    tablet = client_for(government.members[0])
    assert "Adopt the decree?" not in page(
        tablet.get(reverse("agendas:session", args=[meeting.pk]))
    )
    chair.post(
        reverse("voting:poll_action", args=[meeting.pk, poll.pk, "open"]), {"return_to": "console"}
    )
    session = page(tablet.get(reverse("agendas:session", args=[meeting.pk])))
    assert "Adopt the decree?" in session and turnout(session) == "0/20"
    response = tablet.post(
        reverse("voting:vote", args=[meeting.pk, poll.pk]),
        {"answer": "yes", "request_key": "k1", "return_to": "session"},
    )
    assert response.status_code == 302
    session = page(tablet.get(reverse("agendas:session", args=[meeting.pk])))
    assert "You voted: Yes." in session and turnout(session) == "1/20"
    chair.post(
        reverse("voting:poll_action", args=[meeting.pk, poll.pk, "close"]), {"return_to": "console"}
    )
    session = page(tablet.get(reverse("agendas:session", args=[meeting.pk])))
    assert "Not adopted" in session
    assert "Failed: 1 of 27 members voted yes" in session


def test_a_refused_vote_shows_why(government: Personas, sitting: AgendaPlan) -> None:
    poll = open_poll(government, sitting)
    absent = client_for(government.members[-1])
    response = absent.post(
        reverse("voting:vote", args=[sitting.meeting.pk, poll.pk]),
        {"answer": "yes", "return_to": "session"},
    )
    assert response.status_code == 400
    assert "Check in first" in page(response)
    response = client_for(government.members[0]).post(
        reverse("voting:vote", args=[sitting.meeting.pk, poll.pk]),
        {"answer": "perhaps", "return_to": "session"},
    )
    assert response.status_code == 400
    assert not Ballot.objects.exists()


def test_members_cannot_run_votes(government: Personas, sitting: AgendaPlan) -> None:
    member = client_for(government.members[0])
    response = member.post(
        reverse("voting:poll_create", args=[sitting.meeting.pk, sitting.decree.pk]),
        {
            "question": "Mine?",
            "secrecy": "named",
            "method": "yes_no",
            "max_choices": "1",
            "majority": "body",
        },
    )
    assert response.status_code == 403
    poll = services.poll_create(actor=government.chair, item=sitting.decree, question="Adopt?")
    # A prepared vote is not even visible to members.
    response = member.post(
        reverse("voting:poll_action", args=[sitting.meeting.pk, poll.pk, "open"])
    )
    assert response.status_code == 404
    assert Poll.objects.get().status == Poll.Status.DRAFT


def test_outsiders_see_no_vote(government: Personas, sitting: AgendaPlan, outsider: User) -> None:
    poll = open_poll(government, sitting)
    response = client_for(outsider).post(
        reverse("voting:vote", args=[sitting.meeting.pk, poll.pk]), {"answer": "yes"}
    )
    assert response.status_code == 404
    response = client_for(outsider).post(
        reverse("voting:vote", args=[sitting.meeting.pk, poll.pk]),
        {"answer": "yes"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 404
    assert not Ballot.objects.exists()


def test_declaring_a_conflict_of_interest(government: Personas, sitting: AgendaPlan) -> None:
    member = client_for(government.members[0])
    url = reverse("voting:recusal", args=[sitting.meeting.pk, sitting.decree.pk])
    assert member.post(url, {"reason": " ", "return_to": "session"}).status_code == 400
    assert member.post(url, {"reason": "Family firm", "return_to": "session"}).status_code == 302
    assert Recusal.objects.get().user == government.members[0]
    session = page(member.get(reverse("agendas:session", args=[sitting.meeting.pk])))
    assert "do not vote on it" in session


def test_a_vote_on_another_item_shows_on_the_session_page(
    government: Personas, sitting: AgendaPlan
) -> None:
    services.poll_open(
        actor=government.chair,
        poll=services.poll_create(
            actor=government.chair, item=sitting.budget, question="Adopt the budget?"
        ),
    )
    session = page(
        client_for(government.members[0]).get(reverse("agendas:session", args=[sitting.meeting.pk]))
    )
    assert "Adopt the budget?" in session and "Draft decree on e-government" in session


def test_members_ask_for_an_extraordinary_meeting_from_the_body_page(
    government: Personas,
) -> None:
    body_page = reverse("meetings:body_detail", args=[government.body.pk])
    ask = reverse("voting:extraordinary_request", args=[government.body.pk])
    member = client_for(government.members[0])
    html = page(member.get(body_page))
    assert "0 of 27 members asked for an extraordinary meeting; at least 1/3 (9) required." in html
    assert "Ask for an extraordinary meeting" in html

    assert member.post(ask, {"reason": " "}).status_code == 400
    response = member.post(ask, {"reason": "The flood in the central provinces"})
    assert response.status_code == 302
    html = page(member.get(body_page))
    assert "1 of 27 members asked" in html
    assert "The flood in the central provinces" in html
    assert "Ask for an extraordinary meeting" not in html  # once is enough

    # The secretary sees the requests but has no vote to ask with.
    secretary = client_for(government.secretary)
    assert "Ask for an extraordinary meeting" not in page(secretary.get(body_page))
    assert secretary.post(ask, {"reason": "Flood"}).status_code == 403


def test_an_extraordinary_meeting_shows_who_asked_for_it(government: Personas) -> None:
    import datetime

    from meetings.models import Meeting
    from tests.conftest import plan_meeting

    for member in government.members[:9]:
        services.extraordinary_request_make(actor=member, body=government.body, reason="Flood")
    meeting = plan_meeting(
        government, starts_in=datetime.timedelta(days=1), kind=Meeting.Kind.EXTRAORDINARY
    )
    html = page(
        client_for(government.secretary).get(reverse("meetings:meeting_detail", args=[meeting.pk]))
    )
    assert "9 members asked for this extraordinary meeting." in html
    assert government.members[0].get_full_name() in html


def test_a_ballot_refused_on_a_tablet_answers_with_its_box_alone(
    government: Personas, sitting: AgendaPlan
) -> None:
    """A tablet sends its ballot in the background (htmx): a refusal comes back as the ballot
    box with the reason, for the page to put in place, not the whole page drawn again."""
    poll = closed_poll(government, sitting)
    tablet = client_for(government.members[0])
    url = reverse("voting:vote", args=[sitting.meeting.pk, poll.pk])
    response = from_tablet(tablet, poll, "yes")
    assert response.status_code == 400
    html = page(response)
    assert html.startswith('<div class="ballot-box" id="ballot-')
    assert "This vote is closed; no more votes are accepted." in html
    assert "<html" not in html
    response = from_tablet(tablet, poll, "yes", HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 400 and "<html" not in page(response)
    assert "Cuộc biểu quyết đã kết thúc; không nhận thêm phiếu." in page(response)
    # A plain form post (no script) still gets the page with the reason.
    response = tablet.post(url, {"answer": "yes", "return_to": "session"})
    assert response.status_code == 400
    assert "This vote is closed; no more votes are accepted." in page(response)
    assert "<html" in page(response)
    assert not Ballot.objects.exists()


def test_a_ballot_counted_from_a_tablet_answers_with_its_box(
    government: Personas, sitting: AgendaPlan
) -> None:
    poll = open_poll(government, sitting)
    response = from_tablet(client_for(government.members[0]), poll, "yes")
    assert response.status_code == 200
    html = page(response)
    assert html.startswith(f'<div class="ballot-box" id="ballot-{poll.pk}"')
    assert "You voted: Yes." in html and "<html" not in html
    assert Ballot.objects.get().answer == "yes"


def test_the_statements_of_a_ballot_refused_after_the_close(
    government: Personas, sitting: AgendaPlan
) -> None:
    """Pinned: a burst of ballots after the close must not hold up the close's result."""
    poll = closed_poll(government, sitting)
    tablet = client_for(government.members[0])
    tablet.get(reverse("agendas:session", args=[sitting.meeting.pk]))
    with CaptureQueriesContext(connection) as captured:
        response = from_tablet(tablet, poll, "yes")
    assert response.status_code == 400
    # The session and the person (2), the poll with its meeting and the rights on it, read by the
    # view and by the service (3), then the ballot's own: a savepoint here (a transaction in
    # use), the poll held and read in one statement, whether the person already took part, and
    # the rollback (5). The whole page drawn again was 34.
    assert len(captured) == 10, "\n".join(q["sql"][:200] for q in captured)


def test_the_statements_of_a_ballot_counted_from_a_tablet(
    government: Personas, sitting: AgendaPlan
) -> None:
    """Pinned: the answer to a counted ballot reads the voter's own ballot back, not who else
    may vote (a read that grows with the body)."""
    poll = open_poll(government, sitting)
    tablet = client_for(government.members[0])
    tablet.get(reverse("agendas:session", args=[sitting.meeting.pk]))
    with CaptureQueriesContext(connection) as captured:
        response = from_tablet(tablet, poll, "no")
    assert "You voted: No." in page(response)
    # The session and the person (2), the poll with its meeting and the rights on it, read by the
    # view and by the service (3), the ballot's transaction (10, its savepoint here), and the
    # ballot read back for the box (1).
    assert len(captured) == 16, "\n".join(q["sql"][:200] for q in captured)


def test_a_bad_answer_from_a_tablet_gets_its_ballot_box_back(
    government: Personas, sitting: AgendaPlan
) -> None:
    poll = open_poll(government, sitting)
    response = from_tablet(client_for(government.members[0]), poll, "perhaps")
    assert response.status_code == 400
    html = page(response)
    assert "Choose among the options of this vote." in html
    assert 'name="answer" value="yes"' in html and "<html" not in html
    assert not Ballot.objects.exists()

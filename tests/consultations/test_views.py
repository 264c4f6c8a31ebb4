"""The written-opinion screens: the secretariat prepares and sends, members answer on their
tablets and see the notice until they have, the results show who answered what and whether
the signatures hold, and the chair records the decision."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations import services
from consultations.models import Answer, Consultation, Opinion
from tests.consultations.conftest import Board, answer, client_for

pytestmark = pytest.mark.django_db


def page(client: Client, name: str, *args: object) -> tuple[int, str]:
    response = client.get(reverse(name, args=args))
    return response.status_code, response.content.decode()


def local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_from_the_secretariat_to_the_tablet_and_back(board: Board) -> None:
    secretary = client_for(board.secretary)
    deadline = timezone.now() + datetime.timedelta(days=3)
    response = secretary.post(
        reverse("consultations:create", args=[board.body.pk]),
        {
            "subject": "Flood relief fund",
            "description": "Documents in the packet of 3 March.",
            "questions": "Create the fund?\nAppoint the Ministry of Finance to run it?",
            "deadline": local(deadline),
            "reminder_hours": "48, 4",
        },
    )
    assert response.status_code == 302
    poll = Consultation.objects.get()
    assert poll.reminder_hours == [48, 4] and poll.questions.count() == 2
    member = client_for(board.members[0])
    # A draft is the secretariat's alone.
    assert page(member, "consultations:detail", board.body.pk, poll.pk)[0] == 404
    response = secretary.post(
        reverse("consultations:action", args=[board.body.pk, poll.pk, "send"])
    )
    assert response.status_code == 302

    # The member sees the notice on their home page and answers on the tablet.
    status, home = page(member, "meetings:my_meetings")
    assert "Your written opinion is requested" in home and "Flood relief fund" in home
    status, form = page(member, "consultations:answer", board.body.pk, poll.pk)
    assert status == 200 and 'type="radio"' in form
    first, second = poll.questions.all()
    response = member.post(
        reverse("consultations:answer", args=[board.body.pk, poll.pk]),
        {
            f"opinion-{first.pk}": "agree",
            f"comment-{first.pk}": "",
            f"opinion-{second.pk}": "comment",
            f"comment-{second.pk}": "The State Bank would be better placed.",
        },
    )
    assert response.status_code == 302
    assert "Your written opinion is requested" not in page(member, "meetings:my_meetings")[1]
    stored = Answer.objects.get(question=first)
    # Signed with the tablet's own session, of which only a keyed hash is kept.
    assert member.session.session_key not in stored.session_hash

    # The secretariat sees the answer at once; other members only once the poll closed.
    status, results = page(secretary, "consultations:detail", board.body.pk, poll.pk)
    assert "The State Bank would be better placed." in results
    assert "1 of 5 members have answered every question" in results
    assert "The signatures of all 2 stored answers match." in results
    status, results = page(
        client_for(board.members[1]), "consultations:detail", board.body.pk, poll.pk
    )
    assert "The State Bank would be better placed." not in results
    assert "Who answered what is shown once the poll has closed." in results


def test_a_malformed_form_is_refused_with_its_reason_and_nothing_saved(board: Board) -> None:
    response = client_for(board.secretary).post(
        reverse("consultations:create", args=[board.body.pk]),
        {
            "subject": "Flood relief",
            "questions": "Create?",
            "deadline": "next Tuesday",
            "reminder_hours": "soon",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid date/time." in html
    assert "Give whole numbers of hours, separated by commas." in html
    assert not Consultation.objects.exists()


def test_a_deadline_in_the_past_is_refused_by_the_service(board: Board) -> None:
    response = client_for(board.secretary).post(
        reverse("consultations:create", args=[board.body.pk]),
        {
            "subject": "Flood relief",
            "questions": "Create?",
            "deadline": local(timezone.now() - datetime.timedelta(hours=1)),
        },
    )
    assert response.status_code == 400
    assert "The deadline has already passed." in response.content.decode()
    assert not Consultation.objects.exists()


def test_a_comment_without_an_answer_is_refused(board: Board, sent: Consultation) -> None:
    first = sent.questions.first()
    assert first is not None
    response = client_for(board.members[0]).post(
        reverse("consultations:answer", args=[board.body.pk, sent.pk]),
        {f"comment-{first.pk}": "I am not sure."},
    )
    assert response.status_code == 400
    assert "Choose agree, disagree or comment only for your comment." in response.content.decode()
    assert not Answer.objects.exists()


def test_an_answer_after_the_deadline_is_refused_with_a_clear_message(
    board: Board, sent: Consultation
) -> None:
    Consultation.objects.filter(pk=sent.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=5)
    )
    first = sent.questions.first()
    assert first is not None
    response = client_for(board.members[0]).post(
        reverse("consultations:answer", args=[board.body.pk, sent.pk]),
        {f"opinion-{first.pk}": "agree"},
    )
    assert response.status_code == 400
    assert "answers are no longer accepted" in response.content.decode()
    assert not Answer.objects.exists()


def test_the_chair_decides_on_the_results_page(board: Board, sent: Consultation) -> None:
    for voter in board.voters:
        answer(voter, sent, Opinion.AGREE, Opinion.DISAGREE)
    secretary = client_for(board.secretary)
    closed = secretary.post(reverse("consultations:action", args=[board.body.pk, sent.pk, "close"]))
    assert closed.status_code == 302
    chair = client_for(board.chair)
    status, html = page(chair, "consultations:detail", board.body.pk, sent.pk)
    assert "Record the decision" in html
    assert "Passed: 5 of 5 votes cast were yes" in html
    refused = chair.post(reverse("consultations:decide", args=[board.body.pk, sent.pk]), {})
    assert refused.status_code == 400
    first, second = sent.questions.order_by("position")
    response = chair.post(
        reverse("consultations:decide", args=[board.body.pk, sent.pk]),
        {
            "text": "The fund is created; the rules go back to the ministry.",
            f"adopted-{first.pk}": "yes",
            f"adopted-{second.pk}": "no",
        },
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    # The questions split: each keeps its own decision, the poll is partly adopted.
    assert sent.status == Consultation.Status.DECIDED and sent.adopted is None
    assert [q.adopted for q in sent.questions.order_by("position")] == [True, False]
    # Once closed, every member sees who answered what.
    html = page(client_for(board.observer), "consultations:detail", board.body.pk, sent.pk)[1]
    assert "The fund is created" in html and board.members[2].get_full_name() in html
    assert "Partly adopted" in html
    assert html.count("The chair's decision:") == 2


def test_early_close_with_answers_missing_says_why(board: Board, sent: Consultation) -> None:
    response = client_for(board.secretary).post(
        reverse("consultations:action", args=[board.body.pk, sent.pk, "close"])
    )
    assert response.status_code == 400
    assert "5 members have not answered every question yet" in response.content.decode()


def test_a_tampered_answer_shows_on_the_results_page(board: Board, sent: Consultation) -> None:
    answer(board.members[0], sent, Opinion.DISAGREE, Opinion.DISAGREE)
    Answer.objects.filter(user=board.members[0]).update(opinion=Opinion.AGREE)
    html = page(client_for(board.chair), "consultations:detail", board.body.pk, sent.pk)[1]
    assert "2 stored answers no longer match their signatures" in html


# Who may see and do what


def persona(board: Board, who: str) -> User:
    return {
        "secretary": board.secretary,
        "chair": board.chair,
        "member": board.members[0],
        "non_voting": board.non_voting,
        "observer": board.observer,
        "outsider": board.outsider,
    }[who]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("secretary", {"list": 200, "draft": 200, "create": 200, "sent": 200, "answer": 200}),
        ("chair", {"list": 200, "draft": 404, "create": 403, "sent": 200, "answer": 200}),
        ("member", {"list": 200, "draft": 404, "create": 403, "sent": 200, "answer": 200}),
        ("non_voting", {"list": 200, "draft": 404, "create": 403, "sent": 200, "answer": 200}),
        ("observer", {"list": 200, "draft": 404, "create": 403, "sent": 200, "answer": 200}),
        ("outsider", {"list": 404, "draft": 404, "create": 404, "sent": 404, "answer": 404}),
    ],
)
def test_who_may_see_what(board: Board, who: str, expected: dict[str, int]) -> None:
    draft = services.consultation_create(
        actor=board.secretary,
        body=board.body,
        subject="Draft",
        deadline=timezone.now() + datetime.timedelta(days=1),
        questions=["Q?"],
    )
    sent = services.consultation_send(
        actor=board.secretary,
        consultation=services.consultation_create(
            actor=board.secretary,
            body=board.body,
            subject="Sent",
            deadline=timezone.now() + datetime.timedelta(days=1),
            questions=["Q?"],
        ),
    )
    client = client_for(persona(board, who))
    body = board.body.pk
    got = {
        "list": page(client, "consultations:body_list", body)[0],
        "draft": page(client, "consultations:detail", body, draft.pk)[0],
        "create": page(client, "consultations:create", body)[0],
        "sent": page(client, "consultations:detail", body, sent.pk)[0],
        "answer": page(client, "consultations:answer", body, sent.pk)[0],
    }
    assert got == expected
    listed = page(client, "consultations:index")[1]
    assert ("Sent" in listed) == (who != "outsider")


@pytest.mark.parametrize("name", ["index", "body_list", "create", "detail", "answer"])
def test_anonymous_people_are_sent_to_sign_in(board: Board, sent: Consultation, name: str) -> None:
    args = {
        "index": [],
        "body_list": [board.body.pk],
        "create": [board.body.pk],
        "detail": [board.body.pk, sent.pk],
        "answer": [board.body.pk, sent.pk],
    }[name]
    response = Client().get(reverse(f"consultations:{name}", args=args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 302),
        ("chair", 302),
        ("non_voting", 403),
        ("observer", 403),
        ("secretary", 403),
        ("outsider", 404),
    ],
)
def test_who_may_answer(board: Board, sent: Consultation, who: str, status: int) -> None:
    first = sent.questions.first()
    assert first is not None
    response = client_for(persona(board, who)).post(
        reverse("consultations:answer", args=[board.body.pk, sent.pk]),
        {f"opinion-{first.pk}": "agree"},
    )
    assert response.status_code == status
    assert Answer.objects.exists() == (status == 302)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("secretary", 302),
        ("chair", 403),
        ("member", 403),
        ("non_voting", 403),
        ("observer", 403),
        ("outsider", 404),
    ],
)
def test_who_may_send_and_close(board: Board, draft: Consultation, who: str, status: int) -> None:
    client = client_for(persona(board, who))
    # Only the secretariat sees a draft: the others cannot even find it.
    sent = client.post(reverse("consultations:action", args=[board.body.pk, draft.pk, "send"]))
    assert sent.status_code == (302 if who == "secretary" else 404)
    services.consultation_send(
        actor=board.secretary, consultation=draft
    ) if who != "secretary" else None
    for voter in board.voters:
        answer(voter, draft, Opinion.AGREE, Opinion.AGREE)
    closed = client.post(reverse("consultations:action", args=[board.body.pk, draft.pk, "close"]))
    assert closed.status_code == status
    draft.refresh_from_db()
    assert (draft.status == Consultation.Status.CLOSED) == (status == 302)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("chair", 302),
        ("secretary", 403),
        ("member", 403),
        ("non_voting", 403),
        ("observer", 403),
        ("outsider", 404),
    ],
)
def test_who_may_decide(board: Board, sent: Consultation, who: str, status: int) -> None:
    services.consultations_close_due(now=sent.deadline)
    outcomes = {f"adopted-{q.pk}": "no" for q in sent.questions.all()}
    response = client_for(persona(board, who)).post(
        reverse("consultations:decide", args=[board.body.pk, sent.pk]),
        {"text": "Not adopted: nobody answered.", **outcomes},
    )
    assert response.status_code == status
    sent.refresh_from_db()
    assert (sent.status == Consultation.Status.DECIDED) == (status == 302)


def test_the_secretariat_edits_a_draft_but_not_a_sent_poll(
    board: Board, draft: Consultation
) -> None:
    secretary = client_for(board.secretary)
    status, form = page(secretary, "consultations:edit", board.body.pk, draft.pk)
    assert status == 200 and "Approve the relief fund&#x27;s rules?" in form
    response = secretary.post(
        reverse("consultations:edit", args=[board.body.pk, draft.pk]),
        {
            "subject": "Budget amendment 2027 (revised)",
            "questions": "Approve the revised amendment?",
            "deadline": local(timezone.now() + datetime.timedelta(days=4)),
            "reminder_hours": "",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.subject == "Budget amendment 2027 (revised)" and draft.reminder_hours == []
    assert draft.questions.count() == 1
    services.consultation_send(actor=board.secretary, consultation=draft)
    refused = secretary.post(
        reverse("consultations:edit", args=[board.body.pk, draft.pk]),
        {
            "subject": "Changed after sending",
            "questions": "Other?",
            "deadline": local(timezone.now() + datetime.timedelta(days=4)),
        },
    )
    assert refused.status_code == 400
    assert "This poll has been sent and can no longer be changed." in refused.content.decode()
    draft.refresh_from_db()
    assert draft.subject == "Budget amendment 2027 (revised)"


@pytest.mark.parametrize(
    ("who", "status"),
    [("chair", 302), ("member", 302), ("observer", 302), ("outsider", 404)],
)
def test_only_the_secretariat_reaches_the_edit_form(
    board: Board, sent: Consultation, who: str, status: int
) -> None:
    client = client_for(persona(board, who))
    response = client.post(
        reverse("consultations:edit", args=[board.body.pk, sent.pk]),
        {"subject": "Hijacked", "questions": "Q?", "deadline": "2099-01-01T10:00"},
    )
    # Others are sent back to the poll, which they may see, and nothing changes.
    assert response.status_code == status
    sent.refresh_from_db()
    assert sent.subject == "Budget amendment 2027"


def test_the_pages_speak_vietnamese(board: Board, sent: Consultation) -> None:
    client = client_for(board.members[0])
    client.cookies["django_language"] = "vi"
    html = page(client, "consultations:answer", board.body.pk, sent.pk)[1]
    assert "Đồng ý" in html and "Không đồng ý" in html and "Ý kiến khác" in html
    assert "Gửi câu trả lời" in html
    home = page(client, "meetings:my_meetings")[1]
    assert "Xin ý kiến của bạn" in home


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("secretary", True),
        ("chair", True),
        ("member", False),
        ("non_voting", False),
        ("observer", False),
    ],
)
def test_who_follows_the_answers_and_their_signatures_while_open(
    board: Board, sent: Consultation, who: str, sees: bool
) -> None:
    answer(board.members[1], sent, Opinion.DISAGREE, comment="Not in this budget year.")
    html = page(client_for(persona(board, who)), "consultations:detail", board.body.pk, sent.pk)[1]
    assert ("Not in this budget year." in html) == sees
    assert ("stored answer" in html) == sees
    assert "1 of 5 members have answered every question" not in html  # one of two questions
    assert "0 of 5 members have answered every question" in html

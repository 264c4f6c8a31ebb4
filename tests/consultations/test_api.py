"""The written-opinion API: the same rules as the screens, with a 4xx and a clear message for
bad input, and the same 404 for missing and forbidden."""

from __future__ import annotations

import base64
import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from consultations import services
from consultations.models import Answer, Consultation, Opinion
from tests.consultations.conftest import Board, answer

pytestmark = pytest.mark.django_db

SOON = (datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=2)).isoformat()


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def url(name: str, *args: int) -> str:
    return reverse(f"consultations_api:consultation-{name}", args=args)


def persona(board: Board, who: str) -> User | None:
    return {
        "secretary": board.secretary,
        "chair": board.chair,
        "member": board.members[0],
        "non_voting": board.non_voting,
        "observer": board.observer,
        "outsider": board.outsider,
        "anonymous": None,
    }[who]


def deadline(days: float = 3) -> str:
    return (timezone.now() + datetime.timedelta(days=days)).isoformat()


def test_a_poll_through_the_api(board: Board) -> None:
    secretary = api(board.secretary)
    created = secretary.post(
        url("list", board.body.pk),
        {
            "subject": "Flood relief fund",
            "description": "See the packet.",
            "deadline": deadline(),
            "questions": ["Create the fund?", "Adopt its rules?"],
            "reminder_hours": [24],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    poll = created.json()
    assert poll["status"] == "draft" and poll["reminder_hours"] == [24]
    assert [q["text"] for q in poll["questions"]] == ["Create the fund?", "Adopt its rules?"]
    member = api(board.members[0])
    assert member.get(url("list", board.body.pk)).json()["results"] == []

    sent = secretary.post(url("send", board.body.pk, poll["id"]), format="json")
    assert sent.status_code == 200 and sent.json()["recipients"] == 5
    first, second = (q["id"] for q in poll["questions"])
    answered = member.post(
        url("answers", board.body.pk, poll["id"]),
        {
            "answers": [
                {"question": first, "answer": "agree"},
                {"question": second, "answer": "comment", "comment": "Too vague."},
            ]
        },
        format="json",
    )
    assert answered.status_code == 200, answered.json()
    you = answered.json()["you"]
    assert you["recipient"] is True
    assert [(a["answer"], a["revision"]) for a in you["answers"]] == [("agree", 1), ("comment", 1)]
    changed = member.post(
        url("answers", board.body.pk, poll["id"]),
        {"answers": [{"question": first, "answer": "disagree"}]},
        format="json",
    )
    assert changed.json()["you"]["answers"][0] == {
        **changed.json()["you"]["answers"][0],
        "answer": "disagree",
        "revision": 2,
    }

    # While open: the secretariat sees who answered what, the other members do not.
    results = secretary.get(url("results", board.body.pk, poll["id"])).json()
    assert results["answered"] == 1 and results["tally"] is None
    assert {a["answer"] for a in results["answers"]} == {"disagree", "comment"}
    assert results["signatures"] == {"checked": 3, "intact": True, "broken": []}
    other = api(board.members[1]).get(url("results", board.body.pk, poll["id"])).json()
    assert other["answers"] is None and other["signatures"] is None

    Consultation.objects.filter(pk=poll["id"]).update(
        deadline=timezone.now() - datetime.timedelta(seconds=1)
    )
    refused = member.post(
        url("answers", board.body.pk, poll["id"]),
        {"answers": [{"question": first, "answer": "agree"}]},
        format="json",
    )
    assert refused.status_code == 400 and "no longer accepted" in refused.json()["detail"]
    assert services.consultations_close_due() == 1
    results = api(board.members[1]).get(url("results", board.body.pk, poll["id"])).json()
    assert results["tally"]["members"] == 5
    assert results["tally"]["questions"][0]["explanation"].startswith("Failed: 0 of 1 votes cast")
    assert results["tally"]["questions"][1]["explanation"].startswith("Failed: no votes cast")
    assert len(results["answers"]) == 2

    both = api(board.chair).post(
        url("decision", board.body.pk, poll["id"]),
        {"text": "Not adopted.", "adopted": False, "questions": {}},
        format="json",
    )
    assert both.status_code == 400
    first, second = (question["id"] for question in poll["questions"])
    strangers = api(board.chair).post(
        url("decision", board.body.pk, poll["id"]),
        {"text": "Not adopted.", "questions": {str(first): False}},
        format="json",
    )
    assert strangers.status_code == 400
    assert strangers.json()["detail"] == "Say for each question of the poll whether it is adopted."
    decided = api(board.chair).post(
        url("decision", board.body.pk, poll["id"]),
        {"text": "Not adopted.", "questions": {str(first): False, str(second): True}},
        format="json",
    )
    assert decided.status_code == 200
    assert decided.json()["status"] == "decided" and decided.json()["adopted"] is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"subject": "x", ', "JSON parse error"),
        ('{"subject": "S", "deadline": "soon", "questions": ["Q?"]}', "deadline"),
        ('{"subject": "S", "deadline": "' + SOON + '", "questions": "Q?"}', "questions"),
        (
            '{"subject": "S", "deadline": "' + SOON + '", "questions": ["Q?"], "status": "open"}',
            "status",
        ),
        ('{"subject": "", "deadline": "' + SOON + '", "questions": ["Q?"]}', "subject"),
        ('{"subject": "S", "deadline": "2090-01-01T00:00:00Z", "questions": ["Q?"]}', "a year"),
        ('{"subject": "S", "deadline": "9999-12-31T23:59:59Z", "questions": ["Q?"]}', "range"),
        (
            '{"subject": "S", "deadline": "' + SOON + '", "questions": ["Q?"], '
            '"reminder_hours": [-3]}',
            "reminder_hours",
        ),
    ],
    # Named by the reason: a deadline computed at import would make the names differ between
    # the parallel workers' collections.
    ids=[
        "JSON parse error",
        "deadline",
        "questions",
        "status",
        "subject",
        "a year",
        "range",
        "reminder_hours",
    ],
)
def test_bad_input_is_refused_with_a_reason_and_nothing_written(
    board: Board, body: str, expected: str
) -> None:
    response = api(board.secretary).post(
        url("list", board.body.pk), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not Consultation.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"answers": []},
        {"answers": [{"question": 1, "answer": "maybe"}]},
        {"answers": "agree"},
        {"answers": [{"question": "first", "answer": "agree"}]},
    ],
)
def test_malformed_answers_are_refused(
    board: Board, sent: Consultation, payload: dict[str, Any]
) -> None:
    response = api(board.members[0]).post(
        url("answers", board.body.pk, sent.pk), payload, format="json"
    )
    assert response.status_code == 400
    assert not Answer.objects.exists()


ENDPOINTS = [
    ("get", "list", False),
    ("post", "list", False),
    ("get", "detail", True),
    ("put", "detail", True),
    ("post", "send", True),
    ("post", "answers", True),
    ("post", "close", True),
    ("post", "decision", True),
    ("get", "results", True),
]


@pytest.mark.parametrize(("method", "name", "one"), ENDPOINTS)
def test_outsiders_find_nothing_and_anonymous_people_must_sign_in(
    board: Board, sent: Consultation, method: str, name: str, one: bool
) -> None:
    args = (board.body.pk, sent.pk) if one else (board.body.pk,)
    outsider = getattr(api(board.outsider), method)(url(name, *args), {}, format="json")
    assert outsider.status_code == 404 and outsider.json() == {"detail": "Not found."}
    missing_args = (board.body.pk, sent.pk + 1000) if one else (board.body.pk + 1000,)
    missing = getattr(api(board.secretary), method)(url(name, *missing_args), {}, format="json")
    assert missing.status_code == 404 and missing.json() == outsider.json()
    anonymous = getattr(api(None), method)(url(name, *args), {}, format="json")
    assert anonymous.status_code == 403


@pytest.mark.parametrize(
    ("who", "create", "send", "see_draft"),
    [
        ("secretary", 201, 200, 200),
        ("chair", 403, 404, 404),
        ("member", 403, 404, 404),
        ("non_voting", 403, 404, 404),
        ("observer", 403, 404, 404),
        ("outsider", 404, 404, 404),
        ("anonymous", 403, 403, 403),
    ],
)
def test_who_prepares_and_sends(
    board: Board, draft: Consultation, who: str, create: int, send: int, see_draft: int
) -> None:
    client = api(persona(board, who))
    created = client.post(
        url("list", board.body.pk),
        {"subject": "S", "deadline": deadline(), "questions": ["Q?"]},
        format="json",
    )
    assert created.status_code == create
    assert client.get(url("detail", board.body.pk, draft.pk)).status_code == see_draft
    assert client.post(url("send", board.body.pk, draft.pk)).status_code == send


@pytest.mark.parametrize(
    ("who", "answer_", "close", "decide", "sees_answers"),
    [
        ("secretary", 403, 200, 403, True),
        ("chair", 200, 403, 200, True),
        ("member", 200, 403, 403, False),
        ("non_voting", 403, 403, 403, False),
        ("observer", 403, 403, 403, False),
        ("outsider", 404, 404, 404, None),
        ("anonymous", 403, 403, 403, None),
    ],
)
def test_who_answers_closes_decides_and_sees_answers(
    board: Board,
    sent: Consultation,
    who: str,
    answer_: int,
    close: int,
    decide: int,
    sees_answers: bool | None,
) -> None:
    client = api(persona(board, who))
    questions = [q.pk for q in sent.questions.all()]
    answered = client.post(
        url("answers", board.body.pk, sent.pk),
        {"answers": [{"question": q, "answer": "agree"} for q in questions]},
        format="json",
    )
    assert answered.status_code == answer_
    results = client.get(url("results", board.body.pk, sent.pk))
    if sees_answers is None:
        assert results.status_code in (403, 404)
    else:
        assert (results.json()["answers"] is not None) == sees_answers
    for voter in board.voters:
        answer(voter, sent, Opinion.AGREE, Opinion.AGREE)
    assert client.post(url("close", board.body.pk, sent.pk)).status_code == close
    services.consultations_close_due(now=sent.deadline) if close != 200 else None
    decided = client.post(
        url("decision", board.body.pk, sent.pk),
        {"text": "Adopted.", "adopted": True},
        format="json",
    )
    assert decided.status_code == decide


def test_the_schema_documents_the_written_opinion_api(tmp_path: Any) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in (
        "",
        "{consultation_id}/",
        "{consultation_id}/send/",
        "{consultation_id}/answers/",
        "{consultation_id}/close/",
        "{consultation_id}/decision/",
        "{consultation_id}/results/",
    ):
        assert f"/api/v1/bodies/{{body_id}}/consultations/{path}:" in schema
    assert "ConsultationStatusEnum" in schema and "OpinionEnum" in schema


def test_ids_out_of_range_are_missing_or_refused_not_errors(
    board: Board, sent: Consultation
) -> None:
    huge = 2**70
    client = api(board.members[0])
    assert client.get(f"/api/v1/bodies/{huge}/consultations/").status_code == 404
    assert client.get(f"/api/v1/bodies/{board.body.pk}/consultations/{huge}/").status_code == 404
    response = client.post(
        url("answers", board.body.pk, sent.pk),
        {"answers": [{"question": huge, "answer": "agree"}]},
        format="json",
    )
    assert response.status_code == 400
    assert not Answer.objects.exists()


def test_an_answer_over_http_basic_is_signed_with_a_session_opened_for_it(
    board: Board, sent: Consultation
) -> None:
    member = board.members[0]
    client = APIClient()
    token = base64.b64encode(f"{member.username}:correct horse battery staple".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    question = sent.questions.first()
    assert question is not None
    response = client.post(
        url("answers", board.body.pk, sent.pk),
        {"answers": [{"question": question.pk, "answer": "disagree"}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    stored = Answer.objects.get()
    assert stored.opinion == "disagree" and len(stored.session_hash) == 64
    results = api(board.secretary).get(url("results", board.body.pk, sent.pk)).json()
    assert results["signatures"]["intact"] is True


def test_the_list_takes_the_same_queries_for_one_poll_or_many(board: Board) -> None:
    client = api(board.members[0])

    def send(subject: str) -> None:
        services.consultation_send(
            actor=board.secretary,
            consultation=services.consultation_create(
                actor=board.secretary,
                body=board.body,
                subject=subject,
                deadline=timezone.now() + datetime.timedelta(days=2),
                questions=["First?", "Second?"],
            ),
        )
        answer(board.members[0], Consultation.objects.get(subject=subject), Opinion.AGREE)

    send("One")
    with CaptureQueriesContext(connection) as one:
        assert client.get(url("list", board.body.pk)).status_code == 200
    for number in range(5):
        send(f"More {number}")
    with CaptureQueriesContext(connection) as many:
        listed = client.get(url("list", board.body.pk)).json()
    assert listed["count"] == 6
    assert len(many.captured_queries) == len(one.captured_queries)


def test_the_secretariat_changes_a_draft_and_not_a_sent_poll(
    board: Board, draft: Consultation
) -> None:
    secretary = api(board.secretary)
    changed = secretary.put(
        url("detail", board.body.pk, draft.pk),
        {
            "subject": "Flood relief fund, second reading",
            "deadline": deadline(5),
            "questions": ["Create the fund?", "Name its board?", "Adopt its rules?"],
            "reminder_hours": [48, 2],
        },
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    poll = secretary.get(url("detail", board.body.pk, draft.pk)).json()
    assert poll["subject"] == "Flood relief fund, second reading"
    assert [q["text"] for q in poll["questions"]] == [
        "Create the fund?",
        "Name its board?",
        "Adopt its rules?",
    ]
    assert poll["reminder_hours"] == [48, 2]

    assert secretary.post(url("send", board.body.pk, draft.pk)).status_code == 200
    refused = secretary.put(
        url("detail", board.body.pk, draft.pk),
        {"subject": "Too late", "deadline": deadline(), "questions": ["Q?"]},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["detail"] == "This poll has been sent and can no longer be changed."
    assert Consultation.objects.get(pk=draft.pk).subject == "Flood relief fund, second reading"


def test_a_bad_change_is_refused_and_the_draft_is_kept(board: Board, draft: Consultation) -> None:
    before = api(board.secretary).get(url("detail", board.body.pk, draft.pk)).json()
    for body, field in [
        ({"subject": "S", "deadline": deadline(-1), "questions": ["Q?"]}, "deadline"),
        ({"subject": "S", "deadline": deadline(), "questions": []}, "questions"),
        ({"subject": "S", "deadline": "soon", "questions": ["Q?"]}, "deadline"),
        ({"subject": "S", "deadline": deadline(), "questions": ["Q?"], "colour": 1}, "colour"),
    ]:
        refused = api(board.secretary).put(
            url("detail", board.body.pk, draft.pk), body, format="json"
        )
        assert refused.status_code == 400, (body, refused.json())
        assert field in str(refused.json())
    after = api(board.secretary).get(url("detail", board.body.pk, draft.pk)).json()
    assert after == before


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("secretary", 200),
        ("chair", 404),
        ("member", 404),
        ("outsider", 404),
        ("anonymous", 403),
    ],
)
def test_who_changes_a_draft(board: Board, draft: Consultation, who: str, code: int) -> None:
    changed = api(persona(board, who)).put(
        url("detail", board.body.pk, draft.pk),
        {"subject": "Changed", "deadline": deadline(), "questions": ["Q?"]},
        format="json",
    )
    assert changed.status_code == code
    assert (Consultation.objects.get(pk=draft.pk).subject == "Changed") == (code == 200)


def test_a_subject_on_several_lines_is_refused(board: Board) -> None:
    """The subject goes into the e-mail's Subject header: with CR/LF the poll was saved and
    sent, then the e-mail raised BadHeaderError and nobody was told."""
    before = Consultation.objects.count()
    response = api(board.secretary).post(
        url("list", board.body.pk),
        {
            "subject": "Budget\r\nBcc: everyone@example.org",
            "deadline": deadline(),
            "questions": ["Q?"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "subject"
    assert Consultation.objects.count() == before

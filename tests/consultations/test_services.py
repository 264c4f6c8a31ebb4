"""Written-opinion polls through their services: prepared and sent by the secretariat, answered
by the voting members, tallied against all of them, decided by the chair."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from consultations import selectors, services
from consultations.models import Answer, Consultation, Opinion, Question, Recipient
from core.errors import ServiceError
from tests.conftest import Personas
from tests.consultations.conftest import SESSION, Board, answer, in_days

pytestmark = pytest.mark.django_db

AGREE, DISAGREE, COMMENT = Opinion.AGREE, Opinion.DISAGREE, Opinion.COMMENT


# Preparing and sending


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"subject": "  "}, "subject"),
        ({"deadline": None}, "deadline"),
        ({"deadline": timezone.now() - datetime.timedelta(minutes=1)}, "deadline"),
        ({"deadline": timezone.now() + datetime.timedelta(days=400)}, "deadline"),
        ({"questions": ["", "  "]}, "questions"),
        ({"questions": ["Same?", "Same?"]}, "questions"),
        ({"reminder_hours": [0]}, "reminder_hours"),
    ],
)
def test_a_poll_needs_a_subject_a_future_deadline_and_questions(
    board: Board, fields: dict[str, object], field: str
) -> None:
    values: dict[str, object] = {
        "subject": "Budget",
        "deadline": in_days(2),
        "questions": ["Approve?"],
        **fields,
    }
    with pytest.raises(ServiceError) as refused:
        services.consultation_create(actor=board.secretary, body=board.body, **values)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert not Consultation.objects.exists()


def test_reminders_default_from_the_setting(board: Board, settings: object) -> None:
    settings.CONSULTATION_REMINDER_HOURS = [2, 48]  # type: ignore[attr-defined]
    poll = services.consultation_create(
        actor=board.secretary,
        body=board.body,
        subject="Budget",
        deadline=in_days(3),
        questions=["Approve?"],
    )
    assert poll.reminder_hours == [48, 2]
    assert poll.status == Consultation.Status.DRAFT


@pytest.mark.parametrize("who", ["chair", "member", "non_voting", "observer", "outsider"])
def test_only_the_secretariat_prepares_polls(board: Board, who: str) -> None:
    person = {
        "chair": board.chair,
        "member": board.members[0],
        "non_voting": board.non_voting,
        "observer": board.observer,
        "outsider": board.outsider,
    }[who]
    with pytest.raises(PermissionDenied):
        services.consultation_create(
            actor=person, body=board.body, subject="S", deadline=in_days(1), questions=["Q?"]
        )


def test_sending_asks_the_current_voting_members_by_mail(
    board: Board, draft: Consultation, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.consultation_send(actor=board.secretary, consultation=draft)
    asked = set(Recipient.objects.filter(consultation=draft).values_list("user_id", flat=True))
    assert asked == {user.pk for user in board.voters}
    assert board.non_voting.pk not in asked and board.observer.pk not in asked
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        user.email for user in board.voters
    )
    assert "Budget amendment 2027" in mail.outbox[0].subject
    assert "Approve the amendment?" in mail.outbox[0].body
    draft.refresh_from_db()
    assert draft.status == Consultation.Status.OPEN and draft.sent_at is not None


def test_a_sent_poll_is_sent_once_and_no_longer_changes(board: Board, sent: Consultation) -> None:
    with pytest.raises(ServiceError, match="already been sent"):
        services.consultation_send(actor=board.secretary, consultation=sent)
    with pytest.raises(ServiceError, match="can no longer be changed"):
        services.consultation_update(
            actor=board.secretary,
            consultation=sent,
            subject="Other",
            deadline=in_days(3),
            questions=["Other?"],
        )
    assert Recipient.objects.filter(consultation=sent).count() == 5


def test_only_the_secretariat_sends(board: Board, draft: Consultation) -> None:
    with pytest.raises(PermissionDenied):
        services.consultation_send(actor=board.chair, consultation=draft)
    assert not Recipient.objects.exists()


def test_a_draft_is_edited_with_its_questions_replaced(board: Board, draft: Consultation) -> None:
    services.consultation_update(
        actor=board.secretary,
        consultation=draft,
        subject="Budget amendment 2027, revised",
        deadline=in_days(6),
        questions=["Approve the revised amendment?"],
        reminder_hours=[24],
    )
    draft.refresh_from_db()
    assert draft.subject == "Budget amendment 2027, revised" and draft.reminder_hours == [24]
    assert list(draft.questions.values_list("text", flat=True)) == [
        "Approve the revised amendment?"
    ]


# Answering


def test_answers_are_signed_and_changes_are_kept_as_revisions(
    board: Board, sent: Consultation
) -> None:
    member = board.members[0]
    answer(member, sent, AGREE, DISAGREE)
    answer(member, sent, DISAGREE, comment="The relief fund needs an audit first.")
    first, second = selectors.questions(sent)
    history = list(
        Answer.objects.filter(user=member, question=first).values_list("revision", "opinion")
    )
    assert history == [(1, AGREE), (2, DISAGREE)]
    current = selectors.current_answers(sent)
    assert current[(first.pk, member.pk)].opinion == DISAGREE
    assert current[(first.pk, member.pk)].comment == "The relief fund needs an audit first."
    assert current[(second.pk, member.pk)].opinion == DISAGREE
    stored = Answer.objects.filter(user=member).first()
    assert stored is not None
    # The session key itself is never stored, only a keyed hash of it.
    assert SESSION not in stored.session_hash and len(stored.session_hash) == 64
    assert len(stored.signature) == 64
    assert selectors.signature_check(sent).intact


def test_the_same_answer_again_is_not_recorded_twice(board: Board, sent: Consultation) -> None:
    answer(board.members[0], sent, AGREE)
    answer(board.members[0], sent, AGREE)
    assert Answer.objects.count() == 1


def test_a_comment_goes_with_any_answer_but_comment_only_needs_one(
    board: Board, sent: Consultation
) -> None:
    answer(board.members[0], sent, AGREE, comment="Agreed, with thanks.")
    with pytest.raises(ServiceError, match="Write your comment"):
        answer(board.members[1], sent, COMMENT)
    answer(board.members[1], sent, COMMENT, comment="I have no position on this.")
    assert Answer.objects.count() == 2


@pytest.mark.parametrize("who", ["non_voting", "observer", "secretary"])
def test_only_the_recipients_answer(board: Board, sent: Consultation, who: str) -> None:
    person: User = getattr(board, who)
    with pytest.raises(PermissionDenied, match="you were not asked"):
        answer(person, sent, AGREE)
    assert not Answer.objects.exists()


def test_answers_to_another_polls_question_are_refused(board: Board, sent: Consultation) -> None:
    other = services.consultation_create(
        actor=board.secretary,
        body=board.body,
        subject="Other",
        deadline=in_days(1),
        questions=["Other?"],
    )
    stranger = Question.objects.get(consultation=other)
    with pytest.raises(ServiceError, match="questions of this poll"):
        services.answers_submit(
            actor=board.members[0],
            consultation=sent,
            answers=[services.AnswerInput(question=stranger.pk, opinion=AGREE)],
            session_key=SESSION,
        )
    assert not Answer.objects.exists()


def test_a_draft_cannot_be_answered(board: Board, draft: Consultation) -> None:
    with pytest.raises(ServiceError, match="not been sent"):
        answer(board.members[0], draft, AGREE)


def test_answers_after_the_deadline_are_refused(board: Board, sent: Consultation) -> None:
    Consultation.objects.filter(pk=sent.pk).update(
        deadline=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pytest.raises(ServiceError, match="answers are no longer accepted"):
        answer(board.members[0], sent, AGREE)
    assert not Answer.objects.exists()


def test_answers_after_the_close_are_refused(board: Board, sent: Consultation) -> None:
    for voter in board.voters:
        answer(voter, sent, AGREE, AGREE)
    services.consultation_close(actor=board.secretary, consultation=sent)
    with pytest.raises(ServiceError, match="closed"):
        answer(board.members[0], sent, DISAGREE, DISAGREE)
    assert not Answer.objects.filter(opinion=DISAGREE).exists()


# Signatures


def test_a_changed_answer_row_fails_the_signature_check(board: Board, sent: Consultation) -> None:
    answer(board.members[0], sent, AGREE, AGREE)
    answer(board.members[1], sent, DISAGREE, DISAGREE)
    assert selectors.signature_check(sent).checked == 4
    # Someone with database access turns a disagree into an agree.
    forged = Answer.objects.filter(user=board.members[1]).order_by("pk").first()
    assert forged is not None
    Answer.objects.filter(pk=forged.pk).update(opinion=AGREE)
    check = selectors.signature_check(sent)
    assert not check.intact and check.broken == (forged.pk,)


@pytest.mark.parametrize(
    "change",
    [
        {"comment": "added later"},
        {"answered_at": timezone.now() - datetime.timedelta(days=30)},
        {"session_hash": "0" * 64},
        {"revision": 7},
    ],
)
def test_any_signed_field_changed_is_detected(
    board: Board, sent: Consultation, change: dict[str, object]
) -> None:
    answer(board.members[0], sent, AGREE)
    stored = Answer.objects.get()
    if "revision" in change:
        # Moving the answer to another member instead.
        Answer.objects.filter(pk=stored.pk).update(user=board.members[1])
    else:
        Answer.objects.filter(pk=stored.pk).update(**change)
    assert selectors.signature_check(sent).broken == (stored.pk,)


# Closing and tallying


def test_the_secretariat_closes_early_only_when_everyone_answered(
    board: Board, sent: Consultation
) -> None:
    for voter in board.voters[:-1]:
        answer(voter, sent, AGREE, AGREE)
    answer(board.voters[-1], sent, AGREE)
    with pytest.raises(ServiceError, match="1 members have not answered"):
        services.consultation_close(actor=board.secretary, consultation=sent)
    answer(board.voters[-1], sent, AGREE, DISAGREE)
    closed = services.consultation_close(actor=board.secretary, consultation=sent)
    assert closed.status == Consultation.Status.CLOSED
    assert closed.result is not None and closed.result["closed_early"] is True


def test_only_the_secretariat_closes(board: Board, sent: Consultation) -> None:
    for voter in board.voters:
        answer(voter, sent, AGREE, AGREE)
    for person in (board.chair, board.members[0], board.observer):
        with pytest.raises(PermissionDenied):
            services.consultation_close(actor=person, consultation=sent)


def test_the_deadline_closes_and_tallies_against_all_recipients(
    board: Board, sent: Consultation
) -> None:
    """The committee decides by a majority of votes cast (Robert's Rules): comments only and
    missing answers are not votes."""
    chair, m0, m1, m2, m3 = board.voters
    answer(chair, sent, AGREE, DISAGREE)
    answer(m0, sent, AGREE, DISAGREE)
    answer(m1, sent, DISAGREE, AGREE)
    answer(m2, sent, COMMENT, AGREE, comment="Abstaining, conflict of interest.")
    # m3 never answers.
    assert services.consultations_close_due(now=sent.deadline - datetime.timedelta(seconds=1)) == 0
    assert services.consultations_close_due(now=sent.deadline) == 1
    sent.refresh_from_db()
    assert sent.status == Consultation.Status.CLOSED
    result = sent.result
    assert result is not None
    assert sorted(result["recipients"]) == sorted(user.pk for user in board.voters)
    assert result["members"] == 5 and result["closed_early"] is False
    first, second = result["questions"]
    assert (first["agree"], first["disagree"], first["comment_only"], first["unanswered"]) == (
        2,
        1,
        1,
        1,
    )
    assert first["passed"] is True
    assert first["explanation"] == (
        "Passed: 2 of 3 votes cast were yes, more than half of the votes cast "
        "(Robert's Rules of Order)."
    )
    assert (second["agree"], second["disagree"]) == (2, 2)
    assert second["passed"] is False and second["tie"] is True


def test_the_government_needs_more_than_half_of_all_members_in_writing(
    government: Personas,
) -> None:
    """Decree 39/2022: more than half of ALL members; unanswered is not consent."""
    poll = services.consultation_send(
        actor=government.secretary,
        consultation=services.consultation_create(
            actor=government.secretary,
            body=government.body,
            subject="Draft decree on e-government",
            deadline=in_days(3),
            questions=["Adopt the decree?", "Adopt the annex?"],
        ),
    )
    for voter in government.voters[:14]:
        answer(voter, poll, AGREE, AGREE if voter != government.voters[13] else DISAGREE)
    services.consultations_close_due(now=poll.deadline)
    poll.refresh_from_db()
    assert poll.result is not None
    decree, annex = poll.result["questions"]
    assert decree["passed"] is True and decree["unanswered"] == 13
    assert decree["explanation"].startswith("Passed: 14 of 27 members voted yes")
    assert annex["passed"] is False
    assert annex["explanation"].startswith(
        "Failed: 13 of 27 members voted yes; more than half of all members (14) required"
    )


def test_a_tie_of_all_members_goes_the_chairs_way(secretariat: User) -> None:
    from tests.conftest import _build_body

    gov = _build_body(
        secretariat, name="Small Government", kind="government", vice_chairs=1, members=2
    )
    poll = services.consultation_send(
        actor=gov.secretary,
        consultation=services.consultation_create(
            actor=gov.secretary,
            body=gov.body,
            subject="Tie",
            deadline=in_days(1),
            questions=["Adopt?"],
        ),
    )
    chair, vice, m0, m1 = gov.voters
    answer(chair, poll, AGREE)
    answer(vice, poll, AGREE)
    answer(m0, poll, DISAGREE)
    answer(m1, poll, DISAGREE)
    closed = services.consultation_close(actor=gov.secretary, consultation=poll)
    assert closed.result is not None
    [question] = closed.result["questions"]
    assert question["tie"] is True and question["passed"] is True
    assert "the chair voted yes" in question["explanation"]


def test_half_agreeing_with_the_rest_unanswered_is_no_tie_and_fails(secretariat: User) -> None:
    """13 agree, 0 disagree, 13 unanswered of 26, in small: the chair's side decides only as many
    for as against; unanswered is not consent."""
    from tests.conftest import _build_body

    gov = _build_body(
        secretariat, name="Small Government", kind="government", vice_chairs=1, members=2
    )
    poll = services.consultation_send(
        actor=gov.secretary,
        consultation=services.consultation_create(
            actor=gov.secretary,
            body=gov.body,
            subject="Half silent",
            deadline=in_days(1),
            questions=["Adopt?"],
        ),
    )
    chair, vice, _m0, _m1 = gov.voters
    answer(chair, poll, AGREE)
    answer(vice, poll, AGREE)
    services.consultations_close_due(now=poll.deadline)
    poll.refresh_from_db()
    assert poll.result is not None
    [question] = poll.result["questions"]
    assert (question["agree"], question["disagree"], question["unanswered"]) == (2, 0, 2)
    assert question["tie"] is False and question["passed"] is False
    assert question["explanation"].startswith(
        "Failed: 2 of 4 members voted yes; more than half of all members (3) required"
    )


# Deciding


def test_the_chair_records_the_decision_after_the_close(board: Board, sent: Consultation) -> None:
    with pytest.raises(ServiceError, match="once the poll has closed"):
        services.consultation_decide(
            actor=board.chair, consultation=sent, text="Adopted.", adopted=True
        )
    services.consultations_close_due(now=sent.deadline)
    with pytest.raises(ServiceError, match="Write the decision"):
        services.consultation_decide(actor=board.chair, consultation=sent, text=" ", adopted=True)
    decided = services.consultation_decide(
        actor=board.chair,
        consultation=sent,
        text="The amendment is not adopted for want of answers.",
        adopted=False,
    )
    assert decided.status == Consultation.Status.DECIDED
    assert decided.adopted is False and decided.decided_by == board.chair
    with pytest.raises(ServiceError, match="already been recorded"):
        services.consultation_decide(actor=board.chair, consultation=sent, text="x", adopted=True)


def test_the_chair_decides_each_question(board: Board, sent: Consultation) -> None:
    services.consultations_close_due(now=sent.deadline)
    first, second = sent.questions.order_by("position")
    with pytest.raises(ServiceError, match="for each question") as error:
        services.consultation_decide(
            actor=board.chair, consultation=sent, text="Half.", adopted={first.pk: True}
        )
    assert error.value.field == "adopted"
    sent.refresh_from_db()
    assert sent.status == Consultation.Status.CLOSED
    decided = services.consultation_decide(
        actor=board.chair,
        consultation=sent,
        text="The fund is created; its rules go back to the ministry.",
        adopted={first.pk: True, second.pk: False},
    )
    assert decided.adopted is None  # neither adopted nor rejected as a whole
    assert [q.adopted for q in decided.questions.order_by("position")] == [True, False]


@pytest.mark.parametrize("who", ["secretary", "members", "non_voting", "observer", "outsider"])
def test_only_the_chair_decides(board: Board, sent: Consultation, who: str) -> None:
    services.consultations_close_due(now=sent.deadline)
    person = getattr(board, who)
    person = person[0] if isinstance(person, list) else person
    with pytest.raises(PermissionDenied):
        services.consultation_decide(actor=person, consultation=sent, text="x", adopted=True)

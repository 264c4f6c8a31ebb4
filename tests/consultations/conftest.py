"""A committee with every kind of person a written-opinion poll meets, and polls in each state."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from consultations import services
from consultations.models import Consultation
from meetings import services as meeting_services
from meetings.models import Body, Membership
from tests.conftest import Personas
from tests.factories import UserFactory
from tests.prebuilt import prebuilt_fixture

SESSION = "a-session-key-for-tests"


@dataclass
class Board:
    """The committee (chair + 4 voting members, a secretary) plus a member without a vote and
    an observer, and someone from outside."""

    personas: Personas
    non_voting: User
    observer: User
    outsider: User

    @property
    def body(self) -> Body:
        return self.personas.body

    @property
    def chair(self) -> User:
        return self.personas.chair

    @property
    def secretary(self) -> User:
        return self.personas.secretary

    @property
    def members(self) -> list[User]:
        return self.personas.members

    @property
    def voters(self) -> list[User]:
        return self.personas.voters


@prebuilt_fixture
def board(committee: Personas, outsider: User) -> Board:
    return build_board(committee, outsider)


def build_board(committee: Personas, outsider: User) -> Board:
    def join(role: str) -> User:
        user = UserFactory()
        meeting_services.membership_create(
            actor=committee.secretary, body=committee.body, user=user, role=role, has_vote=False
        )
        return user

    return Board(
        personas=committee,
        non_voting=join(Membership.Role.MEMBER),
        observer=join(Membership.Role.OBSERVER),
        outsider=outsider,
    )


def in_days(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


@prebuilt_fixture
def draft(board: Board) -> Consultation:
    return build_draft(board)


def build_draft(board: Board) -> Consultation:
    return services.consultation_create(
        actor=board.secretary,
        body=board.body,
        subject="Budget amendment 2027",
        description="The ministry proposes moving 2% of the budget to flood relief.",
        deadline=in_days(5),
        questions=["Approve the amendment?", "Approve the relief fund's rules?"],
    )


@prebuilt_fixture
def sent(board: Board, draft: Consultation) -> Consultation:
    return services.consultation_send(actor=board.secretary, consultation=draft)


def answer(
    user: User,
    consultation: Consultation,
    *opinions: str,
    comment: str = "",
    session: str = SESSION,
) -> None:
    """Answer the poll's questions in order with the given opinions."""
    questions = list(consultation.questions.all())
    services.answers_submit(
        actor=user,
        consultation=consultation,
        answers=[
            services.AnswerInput(question=q.pk, opinion=o, comment=comment)
            for q, o in zip(questions, opinions, strict=False)
        ],
        session_key=session,
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client

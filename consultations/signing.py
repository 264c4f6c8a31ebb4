"""Signatures of written answers.

Each answer is signed with the server's secret (Django's `salted_hmac`, SHA-256) over a
canonical serialisation of everything it says: the poll, the question, who answered, the
answer, the comment, the time and the hash of the session it came from. Changing any of these
in the database, or moving an answer to another person or question, breaks the signature;
`verify` reports such rows. Rotating SECRET_KEY invalidates the signatures too (list the old key
in SECRET_KEY_FALLBACKS to keep verifying them).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

SIGNATURE_SALT = "consultations.answer"
SESSION_SALT = "consultations.session"


def session_hash(session_key: str) -> str:
    """A keyed hash of the session key: the same session always gives the same hash, and the
    hash cannot be used to take over the session."""
    return salted_hmac(SESSION_SALT, session_key, algorithm="sha256").hexdigest()


def canonical(
    *,
    consultation_id: int,
    question_id: int,
    user_id: int,
    opinion: str,
    comment: str,
    answered_at: datetime.datetime,
    session_hash: str,
) -> str:
    """The signed text: a JSON array in a fixed order, the time in UTC to the microsecond."""
    moment = answered_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return json.dumps(
        [
            "consultation-answer/1",
            consultation_id,
            question_id,
            user_id,
            opinion,
            comment,
            moment,
            session_hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def sign(text: str, *, secret: str | None = None) -> str:
    return salted_hmac(SIGNATURE_SALT, text, secret=secret, algorithm="sha256").hexdigest()


def matches(text: str, signature: str) -> bool:
    """Whether the signature was made over this text with the current or a fallback key."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(sign(text, secret=secret), signature) for secret in secrets)


class Signed(Protocol):
    """What `verify` reads of an answer row (an `Answer` fits)."""

    @property
    def pk(self) -> Any: ...
    @property
    def consultation_id(self) -> int: ...
    @property
    def question_id(self) -> int: ...
    @property
    def user_id(self) -> int: ...
    @property
    def opinion(self) -> str: ...
    @property
    def comment(self) -> str: ...
    @property
    def answered_at(self) -> datetime.datetime: ...
    @property
    def session_hash(self) -> str: ...
    @property
    def signature(self) -> str: ...


def text_of(answer: Signed) -> str:
    return canonical(
        consultation_id=answer.consultation_id,
        question_id=answer.question_id,
        user_id=answer.user_id,
        opinion=answer.opinion,
        comment=answer.comment,
        answered_at=answer.answered_at,
        session_hash=answer.session_hash,
    )


@dataclass(frozen=True)
class Verification:
    """The outcome of checking every stored answer of a poll."""

    checked: int
    broken: tuple[int, ...]

    @property
    def intact(self) -> bool:
        return not self.broken


def verify(answers: Iterable[Signed]) -> Verification:
    checked = 0
    broken = []
    for answer in answers:
        checked += 1
        if not matches(text_of(answer), answer.signature):
            broken.append(answer.pk)
    return Verification(checked=checked, broken=tuple(broken))

"""How a question of a written-opinion poll is decided: plain data in, plain data out.

Members answer in writing, so no meeting is held and no quorum applies: `voting.rules.decide`
gets `Electorate(members=<recipients>, present=None)`. Agree is a yes and disagree a no; a
comment without either, and no answer at all, are not votes. Under the body's usual majority
"of all members" (the Government's), members who did not agree work as no: unanswered is not
consent. A body whose majority counts the members present has nobody present in writing; its
threshold is applied to all the recipients instead, for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meetings.rules import DecisionRules, MajorityBase
from voting.rules import Electorate, Majority, Outcome, Tally, Vote, decide

AGREE = "agree"
DISAGREE = "disagree"


@dataclass(frozen=True)
class QuestionCount:
    agree: int
    disagree: int
    comment_only: int
    recipients: int

    @property
    def unanswered(self) -> int:
        return self.recipients - self.agree - self.disagree - self.comment_only


def written_majority(rules: DecisionRules) -> Majority:
    majority = Majority.of(rules)
    if majority.base == MajorityBase.MEMBERS_PRESENT:
        return Majority(threshold=majority.threshold, base=MajorityBase.ALL_MEMBERS)
    return majority


def decide_question(rules: DecisionRules, count: QuestionCount, *, chair_opinion: str) -> Outcome:
    """The question's outcome. `chair_opinion` is the chair's answer ("" when the chair did not
    answer or is not a recipient); the tie rule may need it."""
    chair_vote = {AGREE: Vote.YES, DISAGREE: Vote.NO}.get(chair_opinion)
    return decide(
        rules,
        Tally(yes=count.agree, no=count.disagree),
        Electorate(members=count.recipients, present=None),
        chair_vote=chair_vote,
        majority=written_majority(rules),
    )


def question_result(
    question_id: int, text: str, count: QuestionCount, outcome: Outcome
) -> dict[str, Any]:
    """A question's result as frozen in the poll's result."""
    return {
        "question": question_id,
        "text": text,
        "agree": count.agree,
        "disagree": count.disagree,
        "comment_only": count.comment_only,
        "unanswered": count.unanswered,
        "passed": outcome.passed,
        "base": str(outcome.base),
        "base_count": outcome.base_count,
        "required": outcome.required,
        "tie": outcome.tie,
        "explanation": outcome.explanation,
    }

"""A closed poll's result, decided by the rules engine and frozen as plain data: what screens,
the API, events and the minutes show, without counting again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from meetings.selectors import meeting_quorum
from voting import rules
from voting.models import Answer, Ballot, Poll
from voting.selectors import Tally, Voter

MAJORITIES = {
    Poll.Majority.TWO_THIRDS: rules.TWO_THIRDS,
    Poll.Majority.THREE_QUARTERS: rules.THREE_QUARTERS,
    Poll.Majority.UNANIMOUS: rules.UNANIMOUS,
}


def majority_of(poll: Poll) -> rules.Majority | None:
    """The poll's majority: the body's, or a stricter fraction of the body's base."""
    threshold = MAJORITIES.get(Poll.Majority(poll.majority))
    if threshold is None:
        return None
    return rules.Majority(threshold=threshold, base=poll.meeting.body.decision_rules.majority_base)


def result_of(poll: Poll, tally: Tally, entitled: dict[int, Voter], members: int) -> dict[str, Any]:
    """Decide the poll. `entitled` are the voters present at closing; `members` all members
    entitled to vote on the item (the base "all members")."""
    body_rules = poll.meeting.body.decision_rules
    electorate = rules.Electorate(members=members, present=len(entitled))
    quorum = meeting_quorum(poll.meeting)
    named = poll.secrecy == Poll.Secrecy.NAMED
    ballots = list(Ballot.objects.filter(poll=poll).select_related("voter")) if named else []
    result: dict[str, Any] = {
        "entitled": sorted(entitled),
        "members": members,
        "present": len(entitled),
    }
    if poll.method == Poll.Method.YES_NO:
        chair_vote = None
        chairs = {voter.user_id for voter in entitled.values() if voter.is_chair}
        for ballot in ballots:
            if ballot.voter_id in chairs:
                chair_vote = rules.Vote(ballot.answer)
        outcome = rules.decide(
            body_rules,
            rules.Tally(yes=tally.yes, no=tally.no, abstain=tally.abstain),
            electorate,
            chair_vote=chair_vote,
            majority=majority_of(poll),
            quorum_at_close=quorum,
        )
        explanation = outcome.explanation
        if outcome.tie and not named:
            explanation += " " + _("In a secret ballot the chair's vote is not known.")
        result.update(
            passed=outcome.passed,
            explanation=explanation,
            counts=[
                {"answer": Answer.YES, "label": str(Answer.YES.label), "count": tally.yes},
                {"answer": Answer.NO, "label": str(Answer.NO.label), "count": tally.no},
                {
                    "answer": Answer.ABSTAIN,
                    "label": str(Answer.ABSTAIN.label),
                    "count": tally.abstain,
                },
            ],
            required=outcome.required,
            base=outcome.base,
            base_count=outcome.base_count,
        )
    else:
        options = {option.pk: option.label for option in poll.options.all()}
        choice = rules.decide_choices(
            body_rules,
            list(options.values()),
            _choice_ballots(poll, options),
            electorate,
            max_selections=poll.max_choices,
            majority=majority_of(poll),
            quorum_at_close=quorum,
        )
        result.update(
            passed=bool(choice.reached),
            explanation=choice.explanation,
            counts=[
                {"option": pk, "label": label, "count": tally.choices.get(pk, 0)}
                for pk, label in options.items()
            ]
            + [
                {
                    "answer": Answer.ABSTAIN,
                    "label": str(Answer.ABSTAIN.label),
                    "count": choice.blank,
                }
            ],
            reached=list(choice.reached),
            required=choice.required,
            base=choice.majority.base,
            base_count=choice.base_count,
        )
    if named:
        result["roll_call"] = [_roll_call_row(ballot, poll) for ballot in ballots]
        result["roll_call"].sort(key=lambda row: row["name"])
    return result


def _choice_ballots(poll: Poll, options: dict[int, str]) -> list[set[str]]:
    return [
        {options[pk] for pk in chosen}
        for chosen in Ballot.objects.filter(poll=poll).values_list("choices", flat=True)
    ]


def _roll_call_row(ballot: Ballot, poll: Poll) -> dict[str, Any]:
    voter: User | None = ballot.voter
    assert voter is not None  # named ballots carry their voter
    if ballot.answer:
        vote = str(Answer(ballot.answer).label)
    else:
        labels = dict(poll.options.values_list("pk", "label"))
        vote = ", ".join(labels[pk] for pk in ballot.choices)
    return {"user": voter.pk, "name": voter.get_full_name() or voter.username, "vote": vote}


def announcement(poll: Poll) -> dict[str, Any]:
    """What the closing event carries: the outcome and the counts, never a secret ballot."""
    result = poll.result or {}
    return {
        "item": poll.item_id,
        "passed": result.get("passed"),
        "explanation": result.get("explanation"),
        "counts": result.get("counts"),
    }

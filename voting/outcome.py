"""A closed poll's result, decided by the rules engine and frozen as plain data: what screens,
the API, events and the minutes show, without counting again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from meetings.models import Attendance
from meetings.rules import MajorityBase
from meetings.selectors import meeting_quorum
from voting import rules
from voting.models import Answer, Ballot, Poll
from voting.selectors import Tally, Voter

MAJORITIES = {
    Poll.Majority.TWO_THIRDS: rules.TWO_THIRDS,
    Poll.Majority.THREE_QUARTERS: rules.THREE_QUARTERS,
    Poll.Majority.UNANIMOUS: rules.UNANIMOUS,
}


# Robert's Rules: to rescind, two thirds of the votes cast, or a majority of the entire
# membership (with previous notice the body's own majority suffices: choose that instead).
RESCIND = (
    rules.Majority(rules.TWO_THIRDS, MajorityBase.VOTES_CAST),
    rules.Majority(rules.SIMPLE_MAJORITY, MajorityBase.ALL_MEMBERS),
)


def majority_of(poll: Poll) -> rules.Majority | None:
    """The poll's majority: the body's, or a stricter fraction of the body's base."""
    threshold = MAJORITIES.get(Poll.Majority(poll.majority))
    if threshold is None:
        return None
    return rules.Majority(threshold=threshold, base=poll.meeting.body.decision_rules.majority_base)


def result_of(
    poll: Poll,
    tally: Tally,
    entitled: dict[int, Voter],
    *,
    members: int,
    present: int,
    recused: list[int],
    illegal: int = 0,
) -> dict[str, Any]:
    """Decide the poll. `entitled` are the voters who could vote at closing; `members` all
    members with a voting right (the base "all members"), `present` how many of them were in the
    room, and `recused` the members who declared a conflict on the item: shown, not subtracted."""
    body_rules = poll.meeting.body.decision_rules
    # A member who voted and then left the room was present for the vote; so was one whose
    # illegal paper ballot the tellers counted.
    present = max(present, tally.ballots + illegal)
    electorate = rules.Electorate(members=members, present=present, recused=len(recused))
    quorum = meeting_quorum(poll.meeting)
    named = poll.secrecy == Poll.Secrecy.NAMED
    ballots = list(Ballot.objects.filter(poll=poll).select_related("voter")) if named else []
    result: dict[str, Any] = {
        "entitled": sorted(entitled),
        "members": members,
        "present": present,
        "recused": recused,
    }
    if poll.majority == Poll.Majority.GENERAL_CONSENT:
        consent = rules.general_consent(
            body_rules,
            tally.no,
            electorate,
            quorum_at_close=quorum,
            procedural=poll.procedural,
        )
        result.update(
            passed=consent.adopted,
            objected=consent.objected,
            void=consent.quorum_met is False and not poll.procedural,
            explanation=consent.explanation,
            counts=[
                {"answer": Answer.NO, "label": _("Objections"), "count": tally.no},
            ],
            required=None,
            base=None,
            base_count=present,
        )
    elif poll.method == Poll.Method.YES_NO:
        chair_vote = None
        chairs = {voter.user_id for voter in entitled.values() if voter.is_chair}
        for ballot in ballots:
            if ballot.voter_id in chairs:
                chair_vote = rules.Vote(ballot.answer)
        counted = rules.Tally(yes=tally.yes, no=tally.no, abstain=tally.abstain)
        if poll.majority == Poll.Majority.RESCIND:
            outcome = rules.decide_either(
                body_rules,
                counted,
                electorate,
                RESCIND,
                chair_vote=chair_vote,
                quorum_at_close=quorum,
                procedural=poll.procedural,
            )
        else:
            outcome = rules.decide(
                body_rules,
                counted,
                electorate,
                chair_vote=chair_vote,
                majority=majority_of(poll),
                quorum_at_close=quorum,
                procedural=poll.procedural,
            )
        explanation = outcome.explanation
        if outcome.tie and not named:
            explanation += " " + _("In a secret ballot the chair's vote is not known.")
        result.update(
            passed=outcome.passed,
            void=outcome.quorum_met is False and not poll.procedural,
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
            illegal=illegal,
        )
        result.update(
            passed=bool(choice.reached),
            void=choice.quorum_met is False,
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
            ]
            # Illegal ballots are their own figure, never a choice; shown once the tellers
            # found any.
            + ([{"answer": "illegal", "label": _("Illegal"), "count": illegal}] if illegal else []),
            reached=list(choice.reached),
            illegal=illegal,
            required=choice.required,
            base=choice.majority.base,
            base_count=choice.base_count,
        )
    if named:
        result["roll_call"] = roll_call(poll, ballots, set(recused))
    return result


def _choice_ballots(poll: Poll, options: dict[int, str]) -> list[set[str]]:
    return [
        {options[pk] for pk in chosen}
        for chosen in Ballot.objects.filter(poll=poll).values_list("choices", flat=True)
    ]


def roll_call(poll: Poll, ballots: list[Ballot], recused: set[int]) -> list[dict[str, Any]]:
    """Every member with a voting right, by name: how they voted (or their substitute for them),
    that they did not vote, or that they declared a conflict of interest on the item."""
    by_voter = {ballot.voter_id: ballot for ballot in ballots}
    labels = dict(poll.options.values_list("pk", "label"))
    rows = []
    for attendance in Attendance.objects.filter(meeting=poll.meeting, has_vote=True).select_related(
        "user", "substitute"
    ):
        member = attendance.user
        row: dict[str, Any] = {"user": member.pk, "name": _name(member)}
        ballot = by_voter.get(member.pk) or by_voter.get(attendance.substitute_id)
        if member.pk in recused:
            row.update(status="recused", vote=_("Recused (conflict of interest)"))
        elif ballot is None:
            row.update(status="did_not_vote", vote=_("Did not vote"))
        else:
            if ballot.answer:
                row.update(status=ballot.answer, vote=str(Answer(ballot.answer).label))
            else:
                row.update(
                    status="chose", vote=", ".join(labels[pk] for pk in sorted(ballot.choices))
                )
            if ballot.voter_id != member.pk and attendance.substitute is not None:
                row["substitute"] = _name(attendance.substitute)
                row["vote"] = _("%(vote)s (by %(substitute)s, substitute)") % {
                    "vote": row["vote"],
                    "substitute": row["substitute"],
                }
        rows.append(row)
    rows.sort(key=lambda row: row["name"])
    return rows


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def announcement(poll: Poll) -> dict[str, Any]:
    """What the closing event carries: the outcome and the counts, never a secret ballot."""
    result = poll.result or {}
    return {
        "item": poll.item_id,
        "passed": result.get("passed"),
        "void": result.get("void", False),
        "explanation": result.get("explanation"),
        "counts": result.get("counts"),
    }

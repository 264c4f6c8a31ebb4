"""The outcome of a vote under a body's decision rules: plain data in, plain data out.

No ORM and no floats: every threshold is compared by cross-multiplying (`2 * yes > members`)
through `meetings.rules.Threshold`, so the boundaries are exact. The service that closes a poll
counts the ballots and the people, calls `decide` (yes/no polls) or `decide_choices` (polls with
options), and stores the figures and the explanation it gets back. docs/voting-rules.md has the
rules with worked examples.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from meetings.rules import (
    DecisionRules,
    MajorityBase,
    QuorumResult,
    Threshold,
    TieRule,
    quorum,
)

SIMPLE_MAJORITY = Threshold(1, 2, strict=True)
TWO_THIRDS = Threshold(2, 3, strict=False)
THREE_QUARTERS = Threshold(3, 4, strict=False)
UNANIMOUS = Threshold(1, 1, strict=False)


class Vote(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


@dataclass(frozen=True)
class Majority:
    """What a decision needs: a fraction of a base, such as "at least two thirds of votes cast".

    A poll may need another majority than its body's usual one (a constitutional matter may need
    two thirds); `Majority.of(rules)` is the body's own.
    """

    threshold: Threshold
    base: MajorityBase

    @classmethod
    def of(cls, rules: DecisionRules) -> Majority:
        return cls(threshold=rules.majority, base=rules.majority_base)


@dataclass(frozen=True)
class Tally:
    """The ballots of a yes/no poll. An abstention is a ballot, but not a vote cast."""

    yes: int
    no: int
    abstain: int = 0

    @property
    def ballots(self) -> int:
        return self.yes + self.no + self.abstain


@dataclass(frozen=True)
class Electorate:
    """Who could vote when the poll closed.

    `members`: the members with a voting right (the base "all members"), including those who
    declared a conflict of interest on the item: a recused member is still a member.
    `present`: how many of them were present (checked in, or represented by a substitute who
    may vote); `None` when no meeting was held and members answered in writing.
    `recused`: how many of the members declared a conflict on the item and do not vote; shown
    in the explanation, never subtracted from the base.
    """

    members: int
    present: int | None
    recused: int = 0


@dataclass(frozen=True)
class Outcome:
    """A yes/no poll's result with every figure it was decided on."""

    passed: bool
    yes: int
    no: int
    abstain: int
    majority: Majority
    base_count: int
    required: int
    tie: bool
    tie_decided_by_chair: bool
    quorum: QuorumResult | None
    explanation: str

    @property
    def base(self) -> MajorityBase:
        return self.majority.base

    @property
    def quorum_met(self) -> bool | None:
        """False: the vote is void. None: no meeting was held, so no quorum applied."""
        return None if self.quorum is None else self.quorum.met


@dataclass(frozen=True)
class OptionResult:
    option: str
    count: int
    reached: bool
    explanation: str


@dataclass(frozen=True)
class ChoiceOutcome:
    """A choice poll's result: per option, whether it reached the majority."""

    options: tuple[OptionResult, ...]
    reached: tuple[str, ...]
    ballots_cast: int
    blank: int
    illegal: int
    majority: Majority
    base_count: int
    required: int
    quorum: QuorumResult | None
    explanation: str

    @property
    def quorum_met(self) -> bool | None:
        return None if self.quorum is None else self.quorum.met


def decide(
    rules: DecisionRules,
    tally: Tally,
    electorate: Electorate,
    *,
    chair_vote: Vote | None,
    majority: Majority | None = None,
    quorum_at_close: QuorumResult | None = None,
    procedural: bool = False,
) -> Outcome:
    """Whether a yes/no poll passed, and why.

    Preconditions (ValueError otherwise): counts are not negative; `electorate.members >= 1`;
    `present <= members`; the ballots number at most `present` (or `members` when `present` is
    None); `chair_vote` is one of the ballots counted (None: the chair did not vote); a base of
    members present needs `present`.

    `majority` defaults to the body's (`Majority.of(rules)`). `quorum_at_close` defaults to
    `meetings.rules.quorum(rules, members=members, present=present)`, right when the body counts
    its quorum over the members entitled to vote; a body that counts all members passes the
    meeting's own (`meetings.selectors.meeting_quorum`). Without a quorum the vote is void
    (`passed` False, `quorum_met` False) unless `procedural`: only procedural acts are allowed
    without a quorum. With `present` None (written opinions) no quorum applies.

    A tie, under "more than half", is the votes for equal to the votes against, each exactly half
    of the base: the one case the majority leaves undecided. For votes cast that is yes equal to
    no; for members present or all members it also means nobody in the base abstained or stayed
    away (13 yes and 13 no of 26 members is a tie; 13 yes, 0 no and 13 silent is not, and fails:
    13 is not more than half of 26). The tie rule decides only such a tie: under TieRule.FAILS,
    or when the chair voted neither yes nor no, it fails; under CHAIR_DECIDES the chair's side
    wins.
    """
    majority = Majority.of(rules) if majority is None else majority
    _check_counts(tally.yes, tally.no, tally.abstain)
    members, present = _check_electorate(electorate, majority.base, tally.ballots)
    ballots_of = {Vote.YES: tally.yes, Vote.NO: tally.no, Vote.ABSTAIN: tally.abstain}
    if chair_vote is not None and ballots_of[chair_vote] == 0:
        raise ValueError(f"The chair voted {chair_vote}, but no such ballot was counted.")
    quorum_at_close = _quorum_at_close(rules, electorate, quorum_at_close)

    base_count = {
        MajorityBase.VOTES_CAST: tally.yes + tally.no,
        MajorityBase.MEMBERS_PRESENT: present,
        MajorityBase.ALL_MEMBERS: members,
    }[majority.base]
    required = _required(majority.threshold, base_count)
    tie = (
        _is_half(majority.threshold)
        and base_count > 0
        and tally.yes == tally.no
        and 2 * tally.yes == base_count
    )
    chair_decides = tie and rules.tie_rule == TieRule.CHAIR_DECIDES
    tie_decided_by_chair = chair_decides and chair_vote in (Vote.YES, Vote.NO)
    # A tie misses "more than half" by exactly the tie; only the chair's yes carries it.
    passed = tally.yes >= required or (tie_decided_by_chair and chair_vote == Vote.YES)

    figures = {
        "count": _count_phrase(majority.base, tally.yes, base_count),
        "rule": _rule_phrase(majority),
        "required": required,
    }
    if tally.yes + tally.no == 0 and majority.base == MajorityBase.VOTES_CAST:
        sentence = _("Failed: no votes cast (abstentions are not votes cast); %(rule)s required")
    elif tie and not chair_decides:
        sentence = _("Failed: %(count)s, exactly half: a tie, and a tie fails")
    elif tie and chair_vote == Vote.YES:
        sentence = _(
            "Passed: %(count)s, exactly half: a tie; the chair voted yes, "
            "and the chair's side wins a tie"
        )
    elif tie and chair_vote == Vote.NO:
        sentence = _(
            "Failed: %(count)s, exactly half: a tie; the chair voted no, "
            "and the chair's side wins a tie"
        )
    elif tie:
        sentence = _(
            "Failed: %(count)s, exactly half: a tie; the chair voted neither yes nor no, "
            "so the tie fails"
        )
    elif passed:
        sentence = _("Passed: %(count)s, %(rule)s")
    else:
        sentence = _("Failed: %(count)s; %(rule)s (%(required)s) required")
    explanation = _cite(sentence % figures, rules.reference)

    if (
        not passed
        and not tie
        and rules.tie_rule == TieRule.CHAIR_DECIDES
        and majority.base != MajorityBase.VOTES_CAST
        and _is_half(majority.threshold)
        and (tally.yes == tally.no > 0 or 2 * tally.yes == base_count > 0)
    ):
        explanation += " " + _(
            "It is not a tie: a tie needs as many votes for as against, each half of the members."
        )

    explanation += _recusals(majority.base, electorate.recused)

    if quorum_at_close is not None and not quorum_at_close.met:
        if procedural:
            explanation += " " + _(
                "There was no quorum (%(present)s of %(members)s members present), but a "
                "procedural motion may be decided without one."
            ) % {"present": quorum_at_close.present, "members": quorum_at_close.members}
        else:
            passed = False
            tie_decided_by_chair = False
            explanation = _void(rules, quorum_at_close)

    return Outcome(
        passed=passed,
        yes=tally.yes,
        no=tally.no,
        abstain=tally.abstain,
        majority=majority,
        base_count=base_count,
        required=required,
        tie=tie,
        tie_decided_by_chair=tie_decided_by_chair,
        quorum=quorum_at_close,
        explanation=explanation,
    )


def decide_either(
    rules: DecisionRules,
    tally: Tally,
    electorate: Electorate,
    majorities: Sequence[Majority],
    *,
    chair_vote: Vote | None,
    quorum_at_close: QuorumResult | None = None,
    procedural: bool = False,
) -> Outcome:
    """Whether a yes/no poll met any one of several majorities, as where Robert's Rules let a
    motion to rescind pass by two thirds of the votes cast or by a majority of the entire
    membership. Each majority is judged as by `decide`, with the same preconditions; the
    outcome is the first majority met, or, when none is, a failure naming them all. Without a
    quorum the poll is void, as in `decide`."""
    if not majorities:
        raise ValueError("Give at least one majority.")
    outcomes = [
        decide(
            rules,
            tally,
            electorate,
            chair_vote=chair_vote,
            majority=majority,
            quorum_at_close=quorum_at_close,
            procedural=procedural,
        )
        for majority in majorities
    ]
    met = next((outcome for outcome in outcomes if outcome.passed), None)
    if met is not None:
        return met
    first = outcomes[0]
    if first.quorum_met is False and not procedural:
        return first
    counts = "; ".join(
        dict.fromkeys(
            _count_phrase(outcome.base, tally.yes, outcome.base_count) for outcome in outcomes
        )
    )
    needed = _(" or ").join(
        f"{_rule_phrase(outcome.majority)} ({outcome.required})" for outcome in outcomes
    )
    sentence = _("Failed: %(counts)s; %(needed)s required") % {"counts": counts, "needed": needed}
    return replace(first, explanation=_cite(sentence, rules.reference))


def decide_choices(
    rules: DecisionRules,
    options: Sequence[str],
    ballots: Iterable[AbstractSet[str]],
    electorate: Electorate,
    *,
    max_selections: int,
    majority: Majority | None = None,
    quorum_at_close: QuorumResult | None = None,
    illegal: int = 0,
) -> ChoiceOutcome:
    """Count a choice poll and say which options reached the majority.

    Each ballot is the set of options it selects; an empty set is a blank ballot (an abstention).
    `illegal` counts the ballots that tellers found illegal (unintelligible, or for an ineligible
    candidate) on a paper ballot cast by a voter entitled to vote: never a choice, but where the
    rules say so (`illegal_ballots_in_base`, Robert's Rules) they are votes cast, so that a
    majority may elect no one. Per option, its count is compared with the base: the ballots cast
    (blank ones are not votes cast), the members present or all members. Options are judged
    independently; there is no tie rule and no casting vote between options, and choosing among
    several options that reached the majority (seats, a run-off) is left to the caller.

    Preconditions (ValueError otherwise): `options` are distinct and not empty;
    `1 <= max_selections <= len(options)`; every ballot selects known options, at most
    `max_selections` of them; the ballots number at most `present` (or `members`), as in `decide`.
    Without a quorum the poll is void: no option reaches the majority.
    """
    majority = Majority.of(rules) if majority is None else majority
    if not options or len(set(options)) != len(options):
        raise ValueError("A choice poll needs at least one option, and distinct options.")
    if not 1 <= max_selections <= len(options):
        raise ValueError("A ballot may select between one and all of the options.")
    known = set(options)
    counts: Counter[str] = Counter()
    cast = blank = 0
    for ballot in ballots:
        if not ballot <= known or len(ballot) > max_selections:
            raise ValueError("A ballot selects unknown options or more than it may.")
        counts.update(ballot)
        cast += bool(ballot)
        blank += not ballot
    _check_counts(illegal)
    members, present = _check_electorate(electorate, majority.base, cast + blank + illegal)
    if rules.illegal_ballots_in_base:
        cast += illegal
    quorum_at_close = _quorum_at_close(rules, electorate, quorum_at_close)
    void = quorum_at_close is not None and not quorum_at_close.met

    base_count = {
        MajorityBase.VOTES_CAST: cast,
        MajorityBase.MEMBERS_PRESENT: present,
        MajorityBase.ALL_MEMBERS: members,
    }[majority.base]
    required = _required(majority.threshold, base_count)
    rule = _rule_phrase(majority)
    results = []
    for option in options:
        option_reached = not void and counts[option] >= required
        figures = {
            "option": option,
            "count": _choice_count_phrase(majority.base, counts[option], base_count),
            "rule": rule,
            "required": required,
        }
        if option_reached:
            text = _("%(option)s: %(count)s, %(rule)s.")
        else:
            text = _("%(option)s: %(count)s; %(rule)s (%(required)s) required.")
        results.append(OptionResult(option, counts[option], option_reached, text % figures))

    # Most votes first; sorted() is stable, so equal counts keep the options' order.
    reached = tuple(
        result.option
        for result in sorted(results, key=lambda result: -result.count)
        if result.reached
    )
    if quorum_at_close is not None and void:
        explanation = _void(rules, quorum_at_close)
    elif reached:
        explanation = _cite(
            _("Reached %(rule)s: %(options)s") % {"rule": rule, "options": ", ".join(reached)},
            rules.reference,
        )
    else:
        explanation = _cite(
            _("No option reached %(rule)s (%(required)s)") % {"rule": rule, "required": required},
            rules.reference,
        )
    if not void:
        explanation += _recusals(majority.base, electorate.recused)
    return ChoiceOutcome(
        options=tuple(results),
        reached=reached,
        ballots_cast=cast,
        blank=blank,
        illegal=illegal,
        majority=majority,
        base_count=base_count,
        required=required,
        quorum=quorum_at_close,
        explanation=explanation,
    )


@dataclass(frozen=True)
class Consent:
    """The result of asking for general consent: adopted unless someone objected."""

    adopted: bool
    objections: int
    quorum: QuorumResult | None
    explanation: str

    @property
    def objected(self) -> bool:
        return self.objections > 0

    @property
    def quorum_met(self) -> bool | None:
        return None if self.quorum is None else self.quorum.met


def general_consent(
    rules: DecisionRules,
    objections: int,
    electorate: Electorate,
    *,
    quorum_at_close: QuorumResult | None = None,
    procedural: bool = False,
) -> Consent:
    """Whether a question put "if there is no objection" is adopted (Robert's Rules: general,
    or unanimous, consent). Silence and abstention are consent; a single objection means the
    question is not adopted this way and must be put to a vote under the body's majority.

    Preconditions as in `decide`: `objections` is not negative and at most `present`. Without a
    quorum the request is void, unless it is a procedural motion.
    """
    _check_counts(objections)
    _check_electorate(electorate, MajorityBase.VOTES_CAST, objections)
    quorum_at_close = _quorum_at_close(rules, electorate, quorum_at_close)
    if quorum_at_close is not None and not quorum_at_close.met and not procedural:
        return Consent(False, objections, quorum_at_close, _void(rules, quorum_at_close))
    if objections:
        sentence = ngettext(
            "Not adopted by general consent: %(count)s member objected, so the question is "
            "put to a vote",
            "Not adopted by general consent: %(count)s members objected, so the question is "
            "put to a vote",
            objections,
        ) % {"count": objections}
    else:
        sentence = _("Adopted by general consent: no member objected")
    return Consent(
        adopted=not objections,
        objections=objections,
        quorum=quorum_at_close,
        explanation=_cite(sentence, rules.reference),
    )


def chair_may_vote(
    rules: DecisionRules,
    *,
    chair: int,
    present: AbstractSet[int],
    voted: AbstractSet[int],
    closing: bool,
) -> bool:
    """Whether the chair may cast a ballot now.

    `present` holds the ids of the voters present and entitled to vote on the item, `voted` the
    ids of those who have voted; both may include the chair. When the body's rules make the chair
    vote last, the chair waits until every other voter present has voted, or the poll is about to
    close (`closing`); someone who voted and then left does not hold the chair back.
    """
    if not rules.chair_votes_last or closing:
        return True
    return present - {chair} <= voted


def _check_counts(*counts: int) -> None:
    if any(count < 0 for count in counts):
        raise ValueError("A count cannot be negative.")


def _check_electorate(electorate: Electorate, base: MajorityBase, ballots: int) -> tuple[int, int]:
    """The members and members present (members when no meeting was held), once checked."""
    members, present = electorate.members, electorate.present
    if members < 1:
        raise ValueError("A poll needs at least one member entitled to vote.")
    if present is None:
        if base == MajorityBase.MEMBERS_PRESENT:
            raise ValueError("A majority of the members present needs the number present.")
        present = members
    elif not 0 <= present <= members:
        raise ValueError("Members present must be between zero and the members.")
    if not 0 <= electorate.recused <= members:
        raise ValueError("Recused members must be between zero and the members.")
    if ballots > present:
        raise ValueError("There are more ballots than voters.")
    return members, present


def _quorum_at_close(
    rules: DecisionRules, electorate: Electorate, given: QuorumResult | None
) -> QuorumResult | None:
    if electorate.present is None:
        if given is not None:
            raise ValueError("Without a meeting there is no quorum to give.")
        return None
    if given is not None:
        return given
    return quorum(rules, members=electorate.members, present=electorate.present)


def _required(threshold: Threshold, base: int) -> int:
    # Nothing passes without a yes: "at least two thirds" of no votes cast is not a decision.
    return max(threshold.minimum(base), 1)


def _is_half(threshold: Threshold) -> bool:
    """ "More than half", the only majority that a tie misses by exactly the tie: under "at least
    half" a tie passes, and no chair's side turns half into two thirds."""
    return threshold.strict and 2 * threshold.numerator == threshold.denominator


def _count_phrase(base: MajorityBase, yes: int, count: int) -> str:
    text = {
        MajorityBase.VOTES_CAST: _("%(yes)s of %(base)s votes cast were yes"),
        MajorityBase.MEMBERS_PRESENT: _("%(yes)s of %(base)s members present voted yes"),
        MajorityBase.ALL_MEMBERS: _("%(yes)s of %(base)s members voted yes"),
    }[base]
    return text % {"yes": yes, "base": count}


def _choice_count_phrase(base: MajorityBase, votes: int, count: int) -> str:
    text = {
        MajorityBase.VOTES_CAST: _("%(votes)s of %(base)s ballots cast"),
        MajorityBase.MEMBERS_PRESENT: _("%(votes)s of %(base)s members present"),
        MajorityBase.ALL_MEMBERS: _("%(votes)s of %(base)s members"),
    }[base]
    return text % {"votes": votes, "base": count}


def _rule_phrase(majority: Majority) -> str:
    """ "more than half of all members"; unanimity reads "all of the votes cast"."""
    threshold = majority.threshold
    if threshold.numerator == threshold.denominator and not threshold.strict:
        return {
            MajorityBase.VOTES_CAST: _("all of the votes cast"),
            MajorityBase.MEMBERS_PRESENT: _("all of the members present"),
            MajorityBase.ALL_MEMBERS: _("all of the members"),
        }[majority.base]
    text = {
        MajorityBase.VOTES_CAST: _("%(threshold)s of the votes cast"),
        MajorityBase.MEMBERS_PRESENT: _("%(threshold)s of the members present"),
        MajorityBase.ALL_MEMBERS: _("%(threshold)s of all members"),
    }[majority.base]
    return text % {"threshold": threshold.describe()}


def _recusals(base: MajorityBase, recused: int) -> str:
    """A sentence on the members who declared a conflict, where the base counts them."""
    if not recused or base == MajorityBase.VOTES_CAST:
        return ""
    return " " + ngettext(
        "%(count)s member declared a conflict of interest and did not vote; a recused member "
        "is still counted among the members.",
        "%(count)s members declared a conflict of interest and did not vote; a recused member "
        "is still counted among the members.",
        recused,
    ) % {"count": recused}


def _void(rules: DecisionRules, result: QuorumResult) -> str:
    text = _(
        "Void: no quorum when the poll closed, %(present)s of %(members)s members present; "
        "%(rule)s (%(required)s) required. Without a quorum only procedural acts are allowed "
        "(adjourn, recess, fix the time to adjourn, obtain a quorum), so the vote decides nothing"
    ) % {
        "present": result.present,
        "members": result.members,
        "rule": rules.quorum.describe(),
        "required": result.required,
    }
    return _cite(text, rules.reference)


def _cite(sentence: str, reference: str) -> str:
    return f"{sentence} ({reference})." if reference else f"{sentence}."

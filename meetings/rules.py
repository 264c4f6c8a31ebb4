"""Quorum and decision thresholds as plain data: no ORM, integer arithmetic only.

A threshold "at least two thirds" or "more than half" is compared by cross-multiplying
(`3 * present >= 2 * members`), never with floats, so the boundary cases are exact.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _


class QuorumBase(StrEnum):
    VOTING_MEMBERS = "voting_members"
    ALL_MEMBERS = "all_members"


class MajorityBase(StrEnum):
    VOTES_CAST = "votes_cast"
    MEMBERS_PRESENT = "members_present"
    ALL_MEMBERS = "all_members"


class TieRule(StrEnum):
    CHAIR_DECIDES = "chair_decides"
    FAILS = "fails"


@dataclass(frozen=True)
class Threshold:
    """`strict` means "more than" the fraction; otherwise "at least"."""

    numerator: int
    denominator: int
    strict: bool

    def __post_init__(self) -> None:
        if self.denominator <= 0 or not 0 <= self.numerator <= self.denominator:
            raise ValueError(
                "A threshold is a fraction between 0 and 1 with a positive denominator."
            )

    def is_met(self, count: int, base: int) -> bool:
        if self.strict:
            return count * self.denominator > self.numerator * base
        return count * self.denominator >= self.numerator * base

    def minimum(self, base: int) -> int:
        """The smallest count that meets the threshold for this base."""
        if self.strict:
            return self.numerator * base // self.denominator + 1
        return -(-self.numerator * base // self.denominator)

    def describe(self) -> str:
        fraction = {
            (1, 2): _("half"),
            (2, 3): _("two thirds"),
            (3, 4): _("three quarters"),
            (1, 1): _("all"),
        }.get((self.numerator, self.denominator), f"{self.numerator}/{self.denominator}")
        if self.strict:
            return _("more than %(fraction)s") % {"fraction": fraction}
        return _("at least %(fraction)s") % {"fraction": fraction}


@dataclass(frozen=True)
class DecisionRules:
    quorum: Threshold
    quorum_base: QuorumBase
    majority: Threshold
    majority_base: MajorityBase
    tie_rule: TieRule
    substitutes_may_vote: bool
    chair_votes_last: bool
    reference: str
    # Whether a member may change a named vote while the poll is open.
    votes_may_change: bool = False
    # Whether illegal ballots cast by voters entitled to vote count as votes cast in an
    # election (Robert's Rules: they do, so a majority may elect no one).
    illegal_ballots_in_base: bool = True
    # How many of all members may demand an extraordinary meeting; None: only the chair calls
    # one (or the body's bylaws say how, outside this system).
    extraordinary_request: Threshold | None = None
    # Remote attendance: whether a member may check in from outside the room, whether such a
    # member counts toward the quorum, and whether they vote. Counting toward the quorum needs
    # remote attendance, and voting needs counting: a ballot is cast by someone present.
    # Neither preset allows it: the sources they cite do not provide for it, so a body turns
    # it on only where its own rules do.
    remote_attendance_allowed: bool = False
    remote_counts_for_quorum: bool = False
    remote_may_vote: bool = False

    def remote_counts(self) -> bool:
        """Whether a member checked in remotely counts toward the quorum now."""
        return self.remote_attendance_allowed and self.remote_counts_for_quorum

    def remote_votes(self) -> bool:
        """Whether a member checked in remotely may vote now."""
        return self.remote_counts() and self.remote_may_vote


# Law No. 63/2025/QH15 on Government Organisation, in force since 1 March 2025 (it replaced the
# Law of 2015), and the Government's working regulation, Decree 39/2022/ND-CP. No article is
# cited: only what has been checked against the official text is.
GOVERNMENT_REFERENCE = (
    "Law on Government Organisation 2025 (No. 63/2025/QH15); Decree 39/2022/ND-CP"
)
GOVERNMENT_RULES = DecisionRules(
    quorum=Threshold(2, 3, strict=False),
    quorum_base=QuorumBase.VOTING_MEMBERS,
    majority=Threshold(1, 2, strict=True),
    majority_base=MajorityBase.ALL_MEMBERS,
    tie_rule=TieRule.CHAIR_DECIDES,
    substitutes_may_vote=False,
    chair_votes_last=False,
    reference=GOVERNMENT_REFERENCE,
    # An extraordinary meeting is called by the Prime Minister, or on request of at least one
    # third of the members (Law on Government Organisation 2025).
    extraordinary_request=Threshold(1, 3, strict=False),
)

# Robert's Rules of Order: quorum a majority of all members, decisions a majority of votes cast.
COMMITTEE_RULES = DecisionRules(
    quorum=Threshold(1, 2, strict=True),
    quorum_base=QuorumBase.VOTING_MEMBERS,
    majority=Threshold(1, 2, strict=True),
    majority_base=MajorityBase.VOTES_CAST,
    tie_rule=TieRule.FAILS,
    substitutes_may_vote=False,
    chair_votes_last=False,
    reference="Robert's Rules of Order",
)


@dataclass(frozen=True)
class QuorumResult:
    present: int
    members: int
    required: int
    met: bool
    explanation: str


def quorum(rules: DecisionRules, *, members: int, present: int) -> QuorumResult:
    """Whether `present` of `members` make a quorum; a body with no members never has one."""
    met = members > 0 and rules.quorum.is_met(present, members)
    required = rules.quorum.minimum(members)
    figures = {
        "present": present,
        "members": members,
        "rule": rules.quorum.describe(),
        "required": required,
    }
    if met:
        explanation = _(
            "Quorum met: %(present)s of %(members)s members present; "
            "%(rule)s (%(required)s) required."
        )
    else:
        explanation = _(
            "No quorum: %(present)s of %(members)s members present; "
            "%(rule)s (%(required)s) required."
        )
    return QuorumResult(
        present=present,
        members=members,
        required=required,
        met=met,
        explanation=explanation % figures,
    )


@dataclass(frozen=True)
class DemandResult:
    requesters: int
    members: int
    required: int
    reached: bool
    explanation: str


def extraordinary_demand(rules: DecisionRules, *, members: int, requesters: int) -> DemandResult:
    """Whether `requesters` of `members` may demand an extraordinary meeting under the rules.
    Precondition: the rules allow members to demand one (`extraordinary_request` is set)."""
    threshold = rules.extraordinary_request
    if threshold is None:
        raise ValueError("These rules do not let members demand an extraordinary meeting.")
    reached = members > 0 and threshold.is_met(requesters, members)
    required = threshold.minimum(members)
    figures = {
        "requesters": requesters,
        "members": members,
        "rule": threshold.describe(),
        "required": required,
    }
    if reached:
        text = _(
            "An extraordinary meeting is demanded: %(requesters)s of %(members)s members asked "
            "for one; %(rule)s (%(required)s) required."
        )
    else:
        text = _(
            "%(requesters)s of %(members)s members asked for an extraordinary meeting; "
            "%(rule)s (%(required)s) required."
        )
    return DemandResult(requesters, members, required, reached, text % figures)

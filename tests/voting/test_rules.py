"""The decision rules of DOMAIN.md, applied to votes, without a database."""

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from meetings.rules import (
    COMMITTEE_RULES,
    GOVERNMENT_RULES,
    DecisionRules,
    MajorityBase,
    QuorumBase,
    Threshold,
    TieRule,
    quorum,
)
from voting.rules import (
    SIMPLE_MAJORITY,
    THREE_QUARTERS,
    TWO_THIRDS,
    UNANIMOUS,
    ChoiceOutcome,
    Electorate,
    Majority,
    Outcome,
    Tally,
    Vote,
    chair_may_vote,
    decide,
    decide_choices,
    decide_either,
    general_consent,
)

GOVERNMENT = "(Law on Government Organisation 2025 (No. 63/2025/QH15); Decree 39/2022/ND-CP)."
ROBERT = "(Robert's Rules of Order)."
# Robert's Rules without the quorum, for examples that are only about the majority.
ROBERT_ANY_QUORUM = replace(COMMITTEE_RULES, quorum=Threshold(0, 1, strict=False))


def by(threshold: Threshold, base: MajorityBase) -> Majority:
    return Majority(threshold, base)


def government(yes: int, no: int, abstain: int, *, present: int, members: int = 27) -> Outcome:
    return decide(
        GOVERNMENT_RULES, Tally(yes, no, abstain), Electorate(members, present), chair_vote=None
    )


def committee(
    yes: int,
    no: int,
    abstain: int = 0,
    *,
    majority: Majority | None = None,
    chair_vote: Vote | None = None,
) -> Outcome:
    ballots = yes + no + abstain
    return decide(
        ROBERT_ANY_QUORUM,
        Tally(yes, no, abstain),
        Electorate(ballots or 1, ballots),
        chair_vote=chair_vote,
        majority=majority,
    )


# Government of Viet Nam: DOMAIN.md's examples.


def test_government_vote_with_17_of_27_present_is_void() -> None:
    outcome = government(14, 0, 0, present=17)
    assert not outcome.passed
    assert outcome.quorum_met is False
    assert outcome.explanation == (
        "Void: no quorum when the poll closed, 17 of 27 members present; at least two thirds "
        "(18) required. Without a quorum only procedural acts are allowed (adjourn, recess, "
        f"fix the time to adjourn, obtain a quorum), so the vote decides nothing {GOVERNMENT}"
    )


def test_government_vote_with_18_of_27_present_has_a_quorum() -> None:
    outcome = government(14, 4, 0, present=18)
    assert outcome.quorum_met is True
    assert outcome.passed


def test_government_14_yes_4_no_2_abstain_of_27_passes() -> None:
    outcome = government(14, 4, 2, present=20)
    assert outcome.passed
    assert (outcome.yes, outcome.no, outcome.abstain) == (14, 4, 2)
    assert (outcome.base, outcome.base_count, outcome.required) == (
        MajorityBase.ALL_MEMBERS,
        27,
        14,
    )
    assert not outcome.tie and not outcome.tie_decided_by_chair
    assert outcome.explanation == (
        f"Passed: 14 of 27 members voted yes, more than half of all members {GOVERNMENT}"
    )


def test_government_13_yes_5_no_2_abstain_of_27_fails_though_a_majority_of_votes_cast() -> None:
    outcome = government(13, 5, 2, present=20)
    assert not outcome.passed
    assert outcome.explanation == (
        "Failed: 13 of 27 members voted yes; more than half of all members (14) required "
        + GOVERNMENT
    )
    by_votes_cast = decide(
        GOVERNMENT_RULES,
        Tally(13, 5, 2),
        Electorate(27, 20),
        chair_vote=None,
        majority=by(SIMPLE_MAJORITY, MajorityBase.VOTES_CAST),
    )
    assert by_votes_cast.passed
    assert by_votes_cast.explanation == (
        f"Passed: 13 of 18 votes cast were yes, more than half of the votes cast {GOVERNMENT}"
    )


def test_government_tie_goes_to_the_side_the_prime_minister_voted_on() -> None:
    def tie(chair_vote: Vote | None, abstain: int = 0) -> Outcome:
        return decide(
            GOVERNMENT_RULES,
            Tally(13, 13 - abstain, abstain),
            Electorate(26, 26),
            chair_vote=chair_vote,
        )

    yes = tie(Vote.YES)
    assert yes.passed and yes.tie and yes.tie_decided_by_chair
    assert yes.required == 14
    assert yes.explanation == (
        "Passed: 13 of 26 members voted yes, exactly half: a tie; the chair voted yes, "
        f"and the chair's side wins a tie {GOVERNMENT}"
    )
    no = tie(Vote.NO)
    assert not no.passed and no.tie and no.tie_decided_by_chair
    assert no.explanation == (
        "Failed: 13 of 26 members voted yes, exactly half: a tie; the chair voted no, "
        f"and the chair's side wins a tie {GOVERNMENT}"
    )
    silent_chair = tie(None)
    assert not silent_chair.passed and silent_chair.tie
    assert not silent_chair.tie_decided_by_chair
    assert silent_chair.explanation == (
        "Failed: 13 of 26 members voted yes, exactly half: a tie; the chair voted neither "
        f"yes nor no, so the tie fails {GOVERNMENT}"
    )


def test_thirteen_yes_of_twenty_six_without_as_many_no_is_not_a_tie_and_fails() -> None:
    # Decree 138/2016 Art. 3(3): a tie is as many votes for as against. 13 yes of 26 members is
    # not more than half, and 13 against 0 (or against 12 and an abstention) is no tie.
    for no, abstain, present in [(0, 5, 18), (12, 1, 26), (12, 0, 25), (0, 0, 18)]:
        outcome = decide(
            GOVERNMENT_RULES,
            Tally(13, no, abstain),
            Electorate(26, present),
            chair_vote=Vote.YES,
        )
        assert not outcome.tie and not outcome.tie_decided_by_chair
        assert not outcome.passed
        assert outcome.explanation == (
            "Failed: 13 of 26 members voted yes; more than half of all members (14) required "
            f"{GOVERNMENT} It is not a tie: a tie needs as many votes for as against, each half "
            "of the members."
        )


def test_equal_yes_and_no_of_an_odd_government_is_not_a_tie() -> None:
    outcome = decide(GOVERNMENT_RULES, Tally(13, 13, 1), Electorate(27, 27), chair_vote=Vote.YES)
    assert not outcome.passed and not outcome.tie
    assert outcome.explanation == (
        "Failed: 13 of 27 members voted yes; more than half of all members (14) required "
        f"{GOVERNMENT} It is not a tie: a tie needs as many votes for as against, each half of "
        "the members."
    )


def test_written_opinions_need_more_than_half_of_all_members_and_silence_is_not_consent() -> None:
    def written(yes: int, no: int) -> Outcome:
        return decide(GOVERNMENT_RULES, Tally(yes, no), Electorate(27, None), chair_vote=None)

    assert written(14, 0).passed
    assert written(14, 0).quorum is None and written(14, 0).quorum_met is None
    assert not written(13, 0).passed  # 14 members did not answer: not consent
    assert written(13, 0).explanation == (
        "Failed: 13 of 27 members voted yes; more than half of all members (14) required "
        + GOVERNMENT
    )


def test_a_written_poll_with_13_agree_of_26_and_13_unanswered_fails() -> None:
    # The Prime Minister agreed, but 13 agree against 0 disagree is not a tie.
    outcome = decide(GOVERNMENT_RULES, Tally(13, 0), Electorate(26, None), chair_vote=Vote.YES)
    assert not outcome.passed and not outcome.tie
    assert outcome.explanation.startswith(
        "Failed: 13 of 26 members voted yes; more than half of all members (14) required"
    )


# Robert's Rules of Order: DOMAIN.md's examples.


@pytest.mark.parametrize(("yes", "passed"), [(501, True), (500, False), (499, False)])
def test_robert_majority_of_1000_votes_cast(yes: int, passed: bool) -> None:
    assert committee(yes, 1000 - yes).passed is passed


def test_robert_majority_explained() -> None:
    assert committee(501, 499, 7).explanation == (
        f"Passed: 501 of 1000 votes cast were yes, more than half of the votes cast {ROBERT}"
    )
    assert committee(499, 501).explanation == (
        "Failed: 499 of 1000 votes cast were yes; more than half of the votes cast (501) "
        f"required {ROBERT}"
    )


@pytest.mark.parametrize(("yes", "passed"), [(33, False), (34, True)])
def test_robert_two_thirds_of_50_votes_cast(yes: int, passed: bool) -> None:
    outcome = committee(yes, 50 - yes, majority=by(TWO_THIRDS, MajorityBase.VOTES_CAST))
    assert outcome.passed is passed
    assert outcome.required == 34


def test_robert_two_thirds_explained() -> None:
    two_thirds = by(TWO_THIRDS, MajorityBase.VOTES_CAST)
    assert committee(33, 17, majority=two_thirds).explanation == (
        "Failed: 33 of 50 votes cast were yes; at least two thirds of the votes cast (34) "
        f"required {ROBERT}"
    )
    assert committee(34, 16, majority=two_thirds).explanation == (
        f"Passed: 34 of 50 votes cast were yes, at least two thirds of the votes cast {ROBERT}"
    )


@pytest.mark.parametrize("chair_vote", [Vote.YES, Vote.NO, Vote.ABSTAIN, None])
def test_robert_a_tie_fails_whatever_the_chair_voted(chair_vote: Vote | None) -> None:
    outcome = committee(5, 5, 1, chair_vote=chair_vote)
    assert not outcome.passed and outcome.tie and not outcome.tie_decided_by_chair
    assert outcome.explanation == (
        f"Failed: 5 of 10 votes cast were yes, exactly half: a tie, and a tie fails {ROBERT}"
    )


def test_robert_abstentions_are_not_votes_cast() -> None:
    outcome = committee(3, 2, 40)
    assert outcome.passed
    assert outcome.base_count == 5


def test_nothing_passes_without_votes_cast() -> None:
    for majority in (
        by(SIMPLE_MAJORITY, MajorityBase.VOTES_CAST),
        by(TWO_THIRDS, MajorityBase.VOTES_CAST),
        by(UNANIMOUS, MajorityBase.VOTES_CAST),
    ):
        outcome = committee(0, 0, 4, majority=majority)
        assert not outcome.passed and not outcome.tie
        assert outcome.required == 1
    assert committee(0, 0, 4).explanation == (
        "Failed: no votes cast (abstentions are not votes cast); more than half of the votes "
        f"cast required {ROBERT}"
    )


def test_robert_chair_breaks_a_tie_by_voting_under_a_chair_decides_rule() -> None:
    # A board whose rules give the chair a casting side, with the chair's ballot counted.
    board = replace(ROBERT_ANY_QUORUM, tie_rule=TieRule.CHAIR_DECIDES)
    outcome = decide(board, Tally(4, 4), Electorate(8, 8), chair_vote=Vote.YES)
    assert outcome.passed and outcome.tie_decided_by_chair


# Members present and all members: abstentions and absences work as no.


def members_present(yes: int, no: int, abstain: int, present: int) -> Outcome:
    return decide(
        ROBERT_ANY_QUORUM,
        Tally(yes, no, abstain),
        Electorate(present + 5, present),
        chair_vote=None,
        majority=by(SIMPLE_MAJORITY, MajorityBase.MEMBERS_PRESENT),
    )


def test_a_majority_of_members_present_counts_abstentions_and_silence_as_no() -> None:
    passed = members_present(11, 5, 4, present=20)
    assert passed.passed and passed.base_count == 20 and passed.required == 11
    assert passed.explanation == (
        "Passed: 11 of 20 members present voted yes, more than half of the members present "
        + ROBERT
    )
    # 9 to 2 wins the votes cast, not the members present.
    failed = members_present(9, 2, 6, present=20)
    assert not failed.passed
    assert failed.explanation == (
        "Failed: 9 of 20 members present voted yes; more than half of the members present (11) "
        f"required {ROBERT}"
    )
    assert committee(9, 2, 6).passed


def test_half_of_the_members_present_for_and_half_against_is_a_tie() -> None:
    outcome = members_present(10, 10, 0, present=20)
    assert outcome.tie and not outcome.passed
    assert outcome.explanation == (
        "Failed: 10 of 20 members present voted yes, exactly half: a tie, and a tie fails " + ROBERT
    )
    # Half for and the rest silent is no tie; it fails all the same.
    silent = members_present(10, 2, 8, present=20)
    assert not silent.tie and not silent.passed


@pytest.mark.parametrize("chair_vote", [Vote.YES, Vote.NO, None])
def test_at_least_half_is_met_by_a_tie_and_the_chair_has_no_casting_side(
    chair_vote: Vote | None,
) -> None:
    board = replace(ROBERT_ANY_QUORUM, tie_rule=TieRule.CHAIR_DECIDES)
    outcome = decide(
        board,
        Tally(5, 5),
        Electorate(10, 10),
        chair_vote=chair_vote,
        majority=by(Threshold(1, 2, strict=False), MajorityBase.VOTES_CAST),
    )
    assert outcome.passed and not outcome.tie and not outcome.tie_decided_by_chair
    assert outcome.explanation == (
        f"Passed: 5 of 10 votes cast were yes, at least half of the votes cast {ROBERT}"
    )


def test_the_chair_cannot_carry_two_thirds_with_half() -> None:
    board = replace(ROBERT_ANY_QUORUM, tie_rule=TieRule.CHAIR_DECIDES)
    outcome = decide(
        board,
        Tally(5, 5),
        Electorate(10, 10),
        chair_vote=Vote.YES,
        majority=by(TWO_THIRDS, MajorityBase.VOTES_CAST),
    )
    assert not outcome.passed and not outcome.tie


def test_a_majority_of_all_members_counts_absences_as_no() -> None:
    outcome = decide(
        ROBERT_ANY_QUORUM,
        Tally(8, 1, 0),
        Electorate(20, 9),
        chair_vote=None,
        majority=by(SIMPLE_MAJORITY, MajorityBase.ALL_MEMBERS),
    )
    assert not outcome.passed and outcome.required == 11


def test_a_majority_of_members_present_needs_the_number_present() -> None:
    with pytest.raises(ValueError):
        decide(
            GOVERNMENT_RULES,
            Tally(1, 0),
            Electorate(27, None),
            chair_vote=None,
            majority=by(SIMPLE_MAJORITY, MajorityBase.MEMBERS_PRESENT),
        )


@pytest.mark.parametrize(
    ("threshold", "base", "tally", "members", "present", "passed", "required"),
    [
        (THREE_QUARTERS, MajorityBase.VOTES_CAST, Tally(15, 5, 3), 40, 30, True, 15),
        (THREE_QUARTERS, MajorityBase.VOTES_CAST, Tally(14, 5, 3), 40, 30, False, 15),
        (THREE_QUARTERS, MajorityBase.MEMBERS_PRESENT, Tally(22, 0, 8), 40, 30, False, 23),
        (THREE_QUARTERS, MajorityBase.ALL_MEMBERS, Tally(29, 0, 1), 40, 30, False, 30),
        (THREE_QUARTERS, MajorityBase.ALL_MEMBERS, Tally(30, 0, 0), 40, 30, True, 30),
        (UNANIMOUS, MajorityBase.VOTES_CAST, Tally(7, 0, 3), 12, 10, True, 7),
        (UNANIMOUS, MajorityBase.VOTES_CAST, Tally(7, 1, 0), 12, 10, False, 8),
        (UNANIMOUS, MajorityBase.MEMBERS_PRESENT, Tally(9, 0, 1), 12, 10, False, 10),
        (UNANIMOUS, MajorityBase.MEMBERS_PRESENT, Tally(10, 0, 0), 12, 10, True, 10),
        (UNANIMOUS, MajorityBase.ALL_MEMBERS, Tally(10, 0, 0), 12, 10, False, 12),
        (TWO_THIRDS, MajorityBase.MEMBERS_PRESENT, Tally(20, 0, 0), 40, 30, True, 20),
        (TWO_THIRDS, MajorityBase.MEMBERS_PRESENT, Tally(19, 1, 0), 40, 30, False, 20),
        (TWO_THIRDS, MajorityBase.ALL_MEMBERS, Tally(27, 0, 0), 40, 30, True, 27),
        (TWO_THIRDS, MajorityBase.ALL_MEMBERS, Tally(26, 4, 0), 40, 30, False, 27),
    ],
)
def test_every_threshold_on_every_base(
    threshold: Threshold,
    base: MajorityBase,
    tally: Tally,
    members: int,
    present: int,
    passed: bool,
    required: int,
) -> None:
    outcome = decide(
        ROBERT_ANY_QUORUM,
        tally,
        Electorate(members, present),
        chair_vote=None,
        majority=by(threshold, base),
    )
    assert outcome.passed is passed
    assert outcome.required == required


def test_unanimity_explained() -> None:
    unanimous = by(UNANIMOUS, MajorityBase.VOTES_CAST)
    assert committee(5, 0, 2, majority=unanimous).explanation == (
        f"Passed: 5 of 5 votes cast were yes, all of the votes cast {ROBERT}"
    )
    assert committee(5, 1, majority=unanimous).explanation == (
        f"Failed: 5 of 6 votes cast were yes; all of the votes cast (6) required {ROBERT}"
    )


def test_a_poll_may_need_another_majority_than_its_body() -> None:
    tally, electorate = Tally(15, 12), Electorate(27, 27)
    assert decide(GOVERNMENT_RULES, tally, electorate, chair_vote=None).passed
    two_thirds = decide(
        GOVERNMENT_RULES,
        tally,
        electorate,
        chair_vote=None,
        majority=by(TWO_THIRDS, MajorityBase.ALL_MEMBERS),
    )
    assert not two_thirds.passed and two_thirds.required == 18
    assert two_thirds.majority == by(TWO_THIRDS, MajorityBase.ALL_MEMBERS)


def test_no_reference_no_parenthesis() -> None:
    rules = replace(ROBERT_ANY_QUORUM, reference="")
    outcome = decide(rules, Tally(3, 1), Electorate(4, 4), chair_vote=None)
    assert outcome.explanation == (
        "Passed: 3 of 4 votes cast were yes, more than half of the votes cast."
    )


# Quorum at closing.


def test_a_procedural_motion_may_pass_without_a_quorum() -> None:
    outcome = decide(
        COMMITTEE_RULES, Tally(2, 1), Electorate(10, 3), chair_vote=None, procedural=True
    )
    assert outcome.passed and outcome.quorum_met is False
    assert outcome.explanation == (
        f"Passed: 2 of 3 votes cast were yes, more than half of the votes cast {ROBERT} "
        "There was no quorum (3 of 10 members present), but a procedural motion may be "
        "decided without one."
    )
    substantive = decide(COMMITTEE_RULES, Tally(2, 1), Electorate(10, 3), chair_vote=None)
    assert not substantive.passed
    assert substantive.explanation.startswith("Void: no quorum when the poll closed, 3 of 10")


def test_a_void_vote_keeps_its_figures_and_no_tie_decision() -> None:
    board = replace(COMMITTEE_RULES, tie_rule=TieRule.CHAIR_DECIDES)
    outcome = decide(board, Tally(2, 2), Electorate(10, 4), chair_vote=Vote.YES)
    assert not outcome.passed and not outcome.tie_decided_by_chair
    assert (outcome.yes, outcome.no, outcome.base_count, outcome.tie) == (2, 2, 4, True)


def test_the_meetings_quorum_is_used_when_given() -> None:
    # A body counting its quorum over all members (the secretary too) passes the meeting's own.
    rules = replace(COMMITTEE_RULES, quorum_base=QuorumBase.ALL_MEMBERS)
    meeting_quorum = quorum(rules, members=7, present=3)
    outcome = decide(
        rules, Tally(3, 0), Electorate(6, 3), chair_vote=None, quorum_at_close=meeting_quorum
    )
    assert outcome.quorum is meeting_quorum and not outcome.passed
    assert decide(rules, Tally(3, 0), Electorate(6, 4), chair_vote=None).passed


# Impossible figures.


@pytest.mark.parametrize(
    ("tally", "electorate", "chair_vote"),
    [
        (Tally(-1, 0), Electorate(5, 5), None),
        (Tally(0, 0, -1), Electorate(5, 5), None),
        (Tally(3, 3), Electorate(5, 5), None),  # more ballots than voters present
        (Tally(3, 0), Electorate(5, 2), None),
        (Tally(3, 0), Electorate(5, 6), None),  # more present than members
        (Tally(0, 0), Electorate(5, -1), None),
        (Tally(0, 0), Electorate(0, 0), None),  # nobody to vote
        (Tally(3, 0), Electorate(2, None), None),  # more answers than members
        (Tally(3, 1), Electorate(5, 5), Vote.ABSTAIN),  # the chair's ballot is not counted
        (Tally(0, 1), Electorate(5, 5), Vote.YES),
        (Tally(1, 0), Electorate(5, 5), Vote.NO),
    ],
)
def test_impossible_figures_are_refused(
    tally: Tally, electorate: Electorate, chair_vote: Vote | None
) -> None:
    with pytest.raises(ValueError):
        decide(COMMITTEE_RULES, tally, electorate, chair_vote=chair_vote)


def test_written_opinions_have_no_quorum_to_give() -> None:
    with pytest.raises(ValueError):
        decide(
            GOVERNMENT_RULES,
            Tally(14, 0),
            Electorate(27, None),
            chair_vote=None,
            quorum_at_close=quorum(GOVERNMENT_RULES, members=27, present=27),
        )


# The chair votes last.

CHAIR_LAST = replace(GOVERNMENT_RULES, chair_votes_last=True)


def test_the_chair_waits_for_everyone_else_present() -> None:
    present = {1, 2, 3, 4}
    assert not chair_may_vote(CHAIR_LAST, chair=1, present=present, voted={2, 3}, closing=False)
    assert chair_may_vote(CHAIR_LAST, chair=1, present=present, voted={2, 3, 4}, closing=False)


def test_the_chair_may_vote_when_the_poll_is_closing() -> None:
    assert chair_may_vote(CHAIR_LAST, chair=1, present={1, 2, 3}, voted=set(), closing=True)


def test_someone_who_voted_and_left_does_not_hold_the_chair_back() -> None:
    assert chair_may_vote(CHAIR_LAST, chair=1, present={1, 2}, voted={2, 3}, closing=False)


def test_a_chair_who_need_not_vote_last_votes_any_time() -> None:
    assert chair_may_vote(GOVERNMENT_RULES, chair=1, present={1, 2}, voted=set(), closing=False)


# Choice polls.


def test_a_choice_poll_reports_each_option_against_the_votes_cast() -> None:
    ballots = [{"Alice"}] * 6 + [{"Bob"}] * 3 + [{"Carol"}] + [set()] * 2
    outcome = decide_choices(
        COMMITTEE_RULES, ["Alice", "Bob", "Carol"], ballots, Electorate(15, 12), max_selections=1
    )
    assert outcome.reached == ("Alice",)
    assert (outcome.ballots_cast, outcome.blank, outcome.base_count, outcome.required) == (
        10,
        2,
        10,
        6,
    )
    assert [(option.option, option.count, option.reached) for option in outcome.options] == [
        ("Alice", 6, True),
        ("Bob", 3, False),
        ("Carol", 1, False),
    ]
    assert outcome.options[0].explanation == (
        "Alice: 6 of 10 ballots cast, more than half of the votes cast."
    )
    assert outcome.options[1].explanation == (
        "Bob: 3 of 10 ballots cast; more than half of the votes cast (6) required."
    )
    assert outcome.explanation == f"Reached more than half of the votes cast: Alice {ROBERT}"


def test_several_options_may_reach_the_majority_most_votes_first() -> None:
    ballots = [{"A", "B"}] * 4 + [{"B", "C"}] + [{"C"}] * 2
    outcome = decide_choices(
        COMMITTEE_RULES, ["A", "B", "C"], ballots, Electorate(7, 7), max_selections=2
    )
    assert [option.count for option in outcome.options] == [4, 5, 3]
    assert outcome.required == 4
    assert outcome.reached == ("B", "A")
    assert outcome.explanation == f"Reached more than half of the votes cast: B, A {ROBERT}"


def test_options_with_equal_counts_keep_their_order() -> None:
    ballots = [{"A", "B"}] * 3
    outcome = decide_choices(
        COMMITTEE_RULES, ["B", "A"], ballots, Electorate(3, 3), max_selections=2
    )
    assert outcome.reached == ("B", "A")


def test_no_option_reached_the_majority() -> None:
    ballots = [{"A"}, {"A"}, {"B"}, {"B"}]
    outcome = decide_choices(
        GOVERNMENT_RULES, ["A", "B"], ballots, Electorate(27, 20), max_selections=1
    )
    assert outcome.reached == ()
    assert outcome.explanation == (
        f"No option reached more than half of all members (14) {GOVERNMENT}"
    )
    assert outcome.options[0].explanation == (
        "A: 2 of 27 members; more than half of all members (14) required."
    )


def test_a_choice_poll_without_a_quorum_is_void() -> None:
    outcome = decide_choices(
        GOVERNMENT_RULES, ["A", "B"], [{"A"}] * 17, Electorate(27, 17), max_selections=1
    )
    assert outcome.reached == () and outcome.quorum_met is False
    assert outcome.explanation.startswith("Void: no quorum when the poll closed")


@pytest.mark.parametrize(
    ("options", "ballots", "max_selections"),
    [
        ([], [], 1),
        (["A", "A"], [], 1),
        (["A", "B"], [], 0),
        (["A", "B"], [], 3),
        (["A", "B"], [{"C"}], 1),
        (["A", "B"], [{"A", "B"}], 1),
        (["A", "B"], [{"A"}] * 7, 1),  # more ballots than members present
    ],
)
def test_impossible_choice_polls_are_refused(
    options: list[str], ballots: list[set[str]], max_selections: int
) -> None:
    with pytest.raises(ValueError):
        decide_choices(
            COMMITTEE_RULES, options, ballots, Electorate(8, 6), max_selections=max_selections
        )


# Properties.

thresholds = st.builds(
    lambda d, n, strict: Threshold(n % d + 1, d, strict),
    st.integers(1, 12),
    st.integers(0, 11),
    st.booleans(),
) | st.sampled_from([SIMPLE_MAJORITY, TWO_THIRDS, THREE_QUARTERS, UNANIMOUS])

decision_rules = st.builds(
    lambda quorum_threshold, majority, base, tie_rule: DecisionRules(
        quorum=quorum_threshold,
        quorum_base=QuorumBase.VOTING_MEMBERS,
        majority=majority,
        majority_base=base,
        tie_rule=tie_rule,
        substitutes_may_vote=False,
        chair_votes_last=False,
        reference="",
    ),
    thresholds,
    thresholds,
    st.sampled_from(MajorityBase),
    st.sampled_from(TieRule),
)


@st.composite
def polls(draw: st.DrawFn) -> tuple[Tally, Electorate]:
    members = draw(st.integers(1, 60))
    present = draw(st.integers(0, members))
    yes = draw(st.integers(0, present))
    no = draw(st.integers(0, present - yes))
    abstain = draw(st.integers(0, present - yes - no))
    return Tally(yes, no, abstain), Electorate(members, present)


def chair_votes(*tallies: Tally) -> list[Vote | None]:
    """The chair's votes that every one of the tallies counts."""
    return [None] + [
        vote for vote in Vote if all(getattr(tally, vote.value) > 0 for tally in tallies)
    ]


@given(decision_rules, polls(), st.data())
def test_one_more_yes_never_turns_a_pass_into_a_fail(
    rules: DecisionRules, poll: tuple[Tally, Electorate], data: st.DataObject
) -> None:
    tally, electorate = poll
    assert electorate.present is not None
    others = []
    if tally.no:
        others.append(replace(tally, yes=tally.yes + 1, no=tally.no - 1))
    if tally.abstain:
        others.append(replace(tally, yes=tally.yes + 1, abstain=tally.abstain - 1))
    if tally.ballots < electorate.present:
        others.append(replace(tally, yes=tally.yes + 1))
    assume(others)
    more = data.draw(st.sampled_from(others))
    chair_vote = data.draw(st.sampled_from(chair_votes(tally, more)))
    before = decide(rules, tally, electorate, chair_vote=chair_vote)
    after = decide(rules, more, electorate, chair_vote=chair_vote)
    assert not before.passed or after.passed


@given(decision_rules, polls(), st.data())
def test_one_more_no_never_turns_a_fail_into_a_pass(
    rules: DecisionRules, poll: tuple[Tally, Electorate], data: st.DataObject
) -> None:
    tally, electorate = poll
    assert electorate.present is not None
    others = []
    if tally.abstain:
        others.append(replace(tally, no=tally.no + 1, abstain=tally.abstain - 1))
    if tally.ballots < electorate.present:
        others.append(replace(tally, no=tally.no + 1))
    assume(others)
    more = data.draw(st.sampled_from(others))
    chair_vote = data.draw(st.sampled_from(chair_votes(tally, more)))
    before = decide(rules, tally, electorate, chair_vote=chair_vote)
    after = decide(rules, more, electorate, chair_vote=chair_vote)
    # The one exception is the law's: a no that makes as many votes against as for, half the
    # base each, makes a tie, and the chair's side wins it.
    assert before.passed or not after.passed or after.tie_decided_by_chair


@given(decision_rules, polls())
def test_of_members_an_abstention_or_absence_works_as_no(
    rules: DecisionRules, poll: tuple[Tally, Electorate]
) -> None:
    tally, electorate = poll
    assert electorate.present is not None
    assume(rules.majority_base != MajorityBase.VOTES_CAST)
    silent = electorate.present - tally.yes - tally.no
    all_no = Tally(tally.yes, tally.no + silent, 0)
    for chair_vote in chair_votes(tally, all_no):
        first = decide(rules, tally, electorate, chair_vote=chair_vote)
        second = decide(rules, all_no, electorate, chair_vote=chair_vote)
        assert first.passed is second.passed


@given(decision_rules, polls(), st.data(), st.booleans())
def test_the_explanation_says_what_happened(
    rules: DecisionRules, poll: tuple[Tally, Electorate], data: st.DataObject, procedural: bool
) -> None:
    tally, electorate = poll
    chair_vote = data.draw(st.sampled_from(chair_votes(tally)))
    outcome = decide(rules, tally, electorate, chair_vote=chair_vote, procedural=procedural)
    if outcome.quorum_met is False and not procedural:
        assert outcome.explanation.startswith("Void: ")
    elif outcome.passed:
        assert outcome.explanation.startswith("Passed: ")
    else:
        assert outcome.explanation.startswith("Failed: ")


def exactly(threshold: Threshold, count: int, base: int) -> bool:
    fraction = Fraction(threshold.numerator, threshold.denominator) * base
    return count > fraction if threshold.strict else count >= fraction


@pytest.mark.parametrize(
    "threshold", [SIMPLE_MAJORITY, TWO_THIRDS, THREE_QUARTERS, UNANIMOUS, Threshold(3, 5, True)]
)
def test_integer_thresholds_match_the_exact_fractions_for_every_small_base(
    threshold: Threshold,
) -> None:
    majority = by(threshold, MajorityBase.ALL_MEMBERS)
    for members in range(1, 61):
        for yes in range(members + 1):
            outcome = decide(
                ROBERT_ANY_QUORUM,
                Tally(yes, 0),
                Electorate(members, members),
                chair_vote=None,
                majority=majority,
            )
            assert outcome.passed is (yes > 0 and exactly(threshold, yes, members))
            assert outcome.required == min(
                count for count in range(1, members + 2) if exactly(threshold, count, members)
            )


@given(decision_rules, polls())
def test_the_outcome_is_the_exact_fraction_unless_the_chair_decides_a_tie(
    rules: DecisionRules, poll: tuple[Tally, Electorate]
) -> None:
    tally, electorate = poll
    outcome = decide(rules, tally, electorate, chair_vote=None, procedural=True)
    assert not outcome.tie_decided_by_chair
    assert outcome.passed is (
        tally.yes > 0 and exactly(rules.majority, tally.yes, outcome.base_count)
    )


@given(decision_rules, polls(), st.integers(0, 60))
def test_abstentions_never_change_a_votes_cast_outcome(
    rules: DecisionRules, poll: tuple[Tally, Electorate], abstain: int
) -> None:
    tally, electorate = poll
    assert electorate.present is not None
    rules = replace(rules, majority_base=MajorityBase.VOTES_CAST)
    abstain = min(abstain, electorate.present - tally.yes - tally.no)
    other = replace(tally, abstain=abstain)
    chair_vote = Vote.YES if tally.yes else None
    first = decide(rules, tally, electorate, chair_vote=chair_vote, procedural=True)
    second = decide(rules, other, electorate, chair_vote=chair_vote, procedural=True)
    assert first.passed is second.passed
    assert first.explanation == second.explanation


@given(decision_rules, polls())
def test_the_chair_changes_the_result_only_by_deciding_a_tie(
    rules: DecisionRules, poll: tuple[Tally, Electorate]
) -> None:
    tally, electorate = poll
    results = {
        decide(rules, tally, electorate, chair_vote=vote).passed for vote in chair_votes(tally)
    }
    if len(results) > 1:
        assert rules.tie_rule == TieRule.CHAIR_DECIDES
        assert tally.yes == tally.no
        assert 2 * tally.yes == decide(rules, tally, electorate, chair_vote=None).base_count


@given(
    thresholds,
    st.sampled_from(MajorityBase),
    st.lists(st.frozensets(st.sampled_from("ABCD"), max_size=2), max_size=30),
)
def test_an_option_reaches_the_majority_by_the_exact_fraction(
    threshold: Threshold, base: MajorityBase, ballots: list[frozenset[str]]
) -> None:
    electorate = Electorate(40, 30)
    assume(len(ballots) <= 30)
    outcome = decide_choices(
        ROBERT_ANY_QUORUM,
        list("ABCD"),
        ballots,
        electorate,
        max_selections=2,
        majority=by(threshold, base),
    )
    cast = sum(1 for ballot in ballots if ballot)
    base_count = {MajorityBase.VOTES_CAST: cast, MajorityBase.MEMBERS_PRESENT: 30}.get(base, 40)
    for option in outcome.options:
        assert option.count == sum(option.option in ballot for ballot in ballots)
        assert option.reached is (option.count > 0 and exactly(threshold, option.count, base_count))


# General consent: "if there is no objection".


def test_general_consent_needs_no_objection_and_counts_no_silence_against() -> None:
    adopted = general_consent(ROBERT_ANY_QUORUM, 0, Electorate(21, 21))
    assert adopted.adopted and not adopted.objected
    assert adopted.explanation == f"Adopted by general consent: no member objected {ROBERT}"
    objected = general_consent(ROBERT_ANY_QUORUM, 1, Electorate(21, 21))
    assert not objected.adopted and objected.objected
    assert objected.explanation == (
        "Not adopted by general consent: 1 member objected, so the question is put to a vote "
        + ROBERT
    )


def test_general_consent_without_a_quorum_is_void_unless_procedural() -> None:
    void = general_consent(COMMITTEE_RULES, 0, Electorate(10, 3))
    assert not void.adopted and void.quorum_met is False
    assert void.explanation.startswith("Void: no quorum when the poll closed")
    assert general_consent(COMMITTEE_RULES, 0, Electorate(10, 3), procedural=True).adopted


# Elections by ballot: illegal ballots.


def test_illegal_ballots_count_in_the_base_so_a_majority_may_elect_no_one() -> None:
    ballots = [{"Alice"}] * 6 + [{"Bob"}] * 2 + [set()] * 2

    def elect(illegal: int, rules: DecisionRules = ROBERT_ANY_QUORUM) -> ChoiceOutcome:
        return decide_choices(
            rules, ["Alice", "Bob"], ballots, Electorate(15, 14), max_selections=1, illegal=illegal
        )

    assert elect(3).reached == ("Alice",)  # 6 of 11 votes cast: blanks are not votes cast
    no_one = elect(4)  # 6 of 12: not more than half
    assert no_one.reached == () and no_one.ballots_cast == 12 and no_one.illegal == 4
    assert no_one.explanation == (
        f"No option reached more than half of the votes cast (7) {ROBERT}"
    )
    # A body whose rules do not count them decides on the legal ballots alone.
    assert elect(4, replace(ROBERT_ANY_QUORUM, illegal_ballots_in_base=False)).reached == ("Alice",)
    with pytest.raises(ValueError, match="more ballots than voters"):
        elect(5)


# Either/or thresholds: Robert's Rules, rescind.

RESCIND = [by(TWO_THIRDS, MajorityBase.VOTES_CAST), by(SIMPLE_MAJORITY, MajorityBase.ALL_MEMBERS)]


def rescind(yes: int, no: int, abstain: int, *, members: int = 30) -> Outcome:
    return decide_either(
        ROBERT_ANY_QUORUM,
        Tally(yes, no, abstain),
        Electorate(members, yes + no + abstain),
        RESCIND,
        chair_vote=None,
    )


def test_rescinding_passes_by_two_thirds_of_the_votes_cast_or_a_majority_of_all() -> None:
    by_two_thirds = rescind(10, 5, 0)  # 10 of 15 cast; 10 of 30 members is not enough
    assert by_two_thirds.passed
    assert by_two_thirds.explanation == (
        f"Passed: 10 of 15 votes cast were yes, at least two thirds of the votes cast {ROBERT}"
    )
    by_the_membership = rescind(16, 14, 0)  # 16 of 30 cast is not two thirds
    assert by_the_membership.passed
    assert by_the_membership.explanation == (
        f"Passed: 16 of 30 members voted yes, more than half of all members {ROBERT}"
    )
    neither = rescind(11, 6, 2)
    assert not neither.passed
    assert neither.explanation == (
        "Failed: 11 of 17 votes cast were yes; 11 of 30 members voted yes; at least two thirds "
        f"of the votes cast (12) or more than half of all members (16) required {ROBERT}"
    )


@given(decision_rules, polls(), st.data())
def test_one_more_yes_never_makes_an_either_or_majority_fail(
    rules: DecisionRules, poll: tuple[Tally, Electorate], data: st.DataObject
) -> None:
    tally, electorate = poll
    assert electorate.present is not None
    assume(tally.ballots < electorate.present)
    more = replace(tally, yes=tally.yes + 1)
    before = decide_either(rules, tally, electorate, RESCIND, chair_vote=None)
    after = decide_either(rules, more, electorate, RESCIND, chair_vote=None)
    assert not before.passed or after.passed

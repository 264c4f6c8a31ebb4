"""The quorum thresholds of DOMAIN.md, without a database."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meetings.rules import COMMITTEE_RULES, GOVERNMENT_RULES, Threshold, quorum


@pytest.mark.parametrize(("present", "met"), [(17, False), (18, True), (27, True), (0, False)])
def test_government_quorum_is_two_thirds_of_all_27_members(present: int, met: bool) -> None:
    result = quorum(GOVERNMENT_RULES, members=27, present=present)
    assert result.met is met
    assert result.required == 18


def test_government_quorum_explains_itself() -> None:
    assert quorum(GOVERNMENT_RULES, members=27, present=17).explanation == (
        "No quorum: 17 of 27 members present; at least two thirds (18) required."
    )
    assert quorum(GOVERNMENT_RULES, members=27, present=18).explanation == (
        "Quorum met: 18 of 27 members present; at least two thirds (18) required."
    )


@pytest.mark.parametrize(
    ("members", "present", "met"),
    [
        (5, 2, False),
        (5, 3, True),
        (6, 3, False),
        (6, 4, True),
        (1000, 500, False),
        (1000, 501, True),
    ],
)
def test_committee_quorum_is_a_majority_of_all_members(
    members: int, present: int, met: bool
) -> None:
    # Robert's Rules: "a majority of the members": more than half, so half exactly is not enough.
    assert quorum(COMMITTEE_RULES, members=members, present=present).met is met


def test_a_body_without_members_has_no_quorum() -> None:
    assert not quorum(COMMITTEE_RULES, members=0, present=0).met


def test_threshold_rejects_what_is_not_a_fraction() -> None:
    with pytest.raises(ValueError):
        Threshold(3, 2, strict=False)
    with pytest.raises(ValueError):
        Threshold(1, 0, strict=False)


@pytest.mark.parametrize(
    ("threshold", "words"),
    [
        (Threshold(2, 3, strict=False), "at least two thirds"),
        (Threshold(1, 2, strict=True), "more than half"),
        (Threshold(3, 4, strict=False), "at least three quarters"),
        (Threshold(3, 5, strict=True), "more than 3/5"),
    ],
)
def test_threshold_in_words(threshold: Threshold, words: str) -> None:
    assert threshold.describe() == words


thresholds = st.builds(
    lambda d, n, strict: Threshold(n % d + 1, d, strict),
    st.integers(1, 12),
    st.integers(0, 11),
    st.booleans(),
)


@given(thresholds, st.integers(0, 5000), st.integers(0, 5000))
def test_integer_comparison_matches_the_exact_fraction(
    threshold: Threshold, count: int, base: int
) -> None:
    exact = Fraction(threshold.numerator, threshold.denominator) * base
    expected = count > exact if threshold.strict else count >= exact
    assert threshold.is_met(count, base) is expected


@given(thresholds, st.integers(1, 5000))
def test_minimum_is_the_smallest_count_that_meets_the_threshold(
    threshold: Threshold, base: int
) -> None:
    needed = threshold.minimum(base)
    assert threshold.is_met(needed, base)
    assert needed == 0 or not threshold.is_met(needed - 1, base)


@given(thresholds, st.integers(1, 500), st.integers(0, 500))
def test_one_more_present_never_loses_a_quorum(threshold: Threshold, members: int, present: int):
    if threshold.is_met(present, members):
        assert threshold.is_met(present + 1, members)

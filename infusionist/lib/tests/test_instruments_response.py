"""Measurement-based care: percent change, response, remission and loss of response."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infusionist.lib.instruments.response import (
    MADRS_REMISSION_MAX_ESKETAMINE_TRIALS,
    REMISSION_MAX_SCORE_DEFAULTS,
    is_remission,
    is_response,
    loss_of_response,
    percent_change,
)


def test_percent_change_is_negative_when_scores_fall() -> None:
    assert percent_change(20, 10) == -50.0
    assert percent_change(20, 25) == 25.0
    assert percent_change(18, 18) == 0.0


def test_percent_change_is_none_from_a_zero_baseline() -> None:
    assert percent_change(0, 5) is None


def test_response_at_exactly_50_percent() -> None:
    assert is_response(20, 10) is True
    assert is_response(20, 11) is False
    assert is_response(27, 13) is True  # 51.9%
    assert is_response(27, 14) is False  # 48.1%


def test_response_is_exact_for_awkward_fractions() -> None:
    # 50 -> 21 is exactly a 58% reduction, but (50 - 21) / 50 * 100 is 57.99999999999999 in floats.
    assert (50 - 21) / 50 * 100 < 58
    assert is_response(50, 21, threshold_pct=58) is True
    assert is_response(10, 7, threshold_pct=30) is True


def test_response_threshold_is_a_parameter() -> None:
    assert is_response(20, 14, threshold_pct=25) is True
    assert is_response(20, 14) is False


def test_response_is_none_from_a_zero_baseline() -> None:
    assert is_response(0, 0) is None


def test_negative_or_bool_scores_are_refused() -> None:
    with pytest.raises(ValueError, match="current must be a non-negative score"):
        is_response(10, -1)
    with pytest.raises(ValueError, match="baseline"):
        percent_change(True, 1)


@pytest.mark.parametrize(
    ("code", "score", "remitted"),
    [
        ("phq9", 4, True),
        ("phq9", 5, False),
        ("qids_sr16", 5, True),
        ("qids_sr16", 6, False),
        ("madrs", 10, True),
        ("madrs", 11, False),
        ("madrs", 12, False),
    ],
)
def test_remission_defaults(code: str, score: int, remitted: bool) -> None:
    assert is_remission(code, score) is remitted


def test_madrs_remission_can_use_the_esketamine_trial_definition() -> None:
    thresholds = {"madrs": MADRS_REMISSION_MAX_ESKETAMINE_TRIALS}
    assert is_remission("madrs", 12, thresholds) is True
    assert is_remission("madrs", 13, thresholds) is False
    assert REMISSION_MAX_SCORE_DEFAULTS["madrs"] == 10


def test_remission_for_an_instrument_without_a_threshold_is_refused() -> None:
    with pytest.raises(LookupError, match="gad7"):
        is_remission("gad7", 3)
    assert is_remission("gad7", 3, {"gad7": 4}) is True


def test_loss_of_response_after_two_non_responding_scores() -> None:
    assert loss_of_response(20, [15, 9, 8, 12, 14]) is True


def test_one_non_responding_score_is_not_loss() -> None:
    assert loss_of_response(20, [9, 8, 12]) is False


def test_recovered_response_is_not_loss() -> None:
    assert loss_of_response(20, [9, 12, 14, 10]) is False


def test_never_responding_is_not_loss() -> None:
    assert loss_of_response(20, [18, 16, 15, 14]) is False


def test_loss_of_response_with_custom_window_and_threshold() -> None:
    assert loss_of_response(20, [9, 12], consecutive=1) is True
    assert loss_of_response(20, [14, 15, 15], threshold_pct=30, consecutive=2) is True


def test_loss_of_response_is_none_from_a_zero_baseline() -> None:
    assert loss_of_response(0, [0, 0, 0]) is None


def test_loss_of_response_refuses_an_empty_window() -> None:
    with pytest.raises(ValueError, match="consecutive"):
        loss_of_response(20, [9, 15], consecutive=0)


@given(st.integers(1, 92), st.integers(0, 92))
def test_response_agrees_with_percent_change(baseline: int, current: int) -> None:
    change = percent_change(baseline, current)
    assert change is not None
    assert is_response(baseline, current) is ((baseline - current) * 2 >= baseline)
    assert change == pytest.approx((current - baseline) / baseline * 100)


@given(st.integers(1, 60), st.lists(st.integers(0, 60), max_size=12))
def test_loss_of_response_needs_an_earlier_response(baseline: int, scores: list[int]) -> None:
    lost = loss_of_response(baseline, scores)
    responded_before_window = any(is_response(baseline, s) for s in scores[:-2])
    if not responded_before_window:
        assert lost is False

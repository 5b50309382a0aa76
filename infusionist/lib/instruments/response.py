"""Measurement-based care: percent change, response, remission and loss of response.

Scores are symptom scores, where lower is better. A baseline of 0 leaves no room to improve, so
every ratio-based function returns None for it rather than dividing by zero. Comparisons use exact
fractions so that, for example, 20 -> 10 is exactly a 50% reduction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from types import MappingProxyType

Score = int | float

#: Response is a reduction of at least this percentage from baseline [11][14].
RESPONSE_REDUCTION_PCT_DEFAULT = 50

#: Highest score that counts as remission, by instrument code: PHQ-9 <5 [14], QIDS-SR16 ≤5 [52],
#: MADRS ≤10 [54]. Esketamine trials used MADRS ≤12 [54]; pass
#: ``{"madrs": MADRS_REMISSION_MAX_ESKETAMINE_TRIALS}`` to apply that definition, and label it.
REMISSION_MAX_SCORE_DEFAULTS: Mapping[str, Score] = MappingProxyType(
    {"phq9": 4, "qids_sr16": 5, "madrs": 10}
)
MADRS_REMISSION_MAX_ESKETAMINE_TRIALS = 12

#: Loss of response needs this many consecutive non-responding scores. Relapse definitions vary
#: by study [?]; this is a conservative default, not a sourced rule.
LOSS_OF_RESPONSE_CONSECUTIVE_DEFAULT = 2


def _check_score(name: str, value: Score) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{name} must be a non-negative score, got {value!r}")


def _reduction(baseline: Score, current: Score) -> Fraction | None:
    """Return the fractional reduction from baseline (1 = fully resolved), or None at baseline 0."""
    _check_score("baseline", baseline)
    _check_score("current", current)
    if baseline == 0:
        return None
    return (Fraction(baseline) - Fraction(current)) / Fraction(baseline)


def percent_change(baseline: Score, current: Score) -> float | None:
    """Return the change from baseline in percent (negative = better), or None at baseline 0."""
    reduction = _reduction(baseline, current)
    return None if reduction is None else float(-reduction * 100)


def is_response(
    baseline: Score, current: Score, threshold_pct: Score = RESPONSE_REDUCTION_PCT_DEFAULT
) -> bool | None:
    """Return whether the score fell by at least ``threshold_pct`` percent [11][14].

    Return None when the baseline is 0, since no reduction can be computed.
    """
    reduction = _reduction(baseline, current)
    if reduction is None:
        return None
    return reduction * 100 >= Fraction(threshold_pct)


def is_remission(code: str, score: Score, thresholds: Mapping[str, Score] | None = None) -> bool:
    """Return whether the score is at or below the remission maximum for this instrument.

    ``thresholds`` maps instrument code to the highest remitted score and overrides the
    defaults in ``REMISSION_MAX_SCORE_DEFAULTS`` (PHQ-9 <5, QIDS-SR16 ≤5, MADRS ≤10; MADRS ≤12
    in esketamine trials [54]).
    """
    _check_score("score", score)
    merged = {**REMISSION_MAX_SCORE_DEFAULTS, **(thresholds or {})}
    if code not in merged:
        known = ", ".join(sorted(merged))
        raise LookupError(f"no remission threshold for {code!r}; pass one, or use: {known}")
    return score <= merged[code]


def loss_of_response(
    baseline: Score,
    scores_in_order: Sequence[Score],
    threshold_pct: Score = RESPONSE_REDUCTION_PCT_DEFAULT,
    consecutive: int = LOSS_OF_RESPONSE_CONSECUTIVE_DEFAULT,
) -> bool | None:
    """Return whether a patient who responded has since stopped responding.

    True when some score met the response criterion and the latest ``consecutive`` scores, all
    after that response, do not. False when the patient never responded or still responds.
    None when the baseline is 0.
    """
    if consecutive < 1:
        raise ValueError(f"consecutive must be at least 1, got {consecutive}")
    responses = [is_response(baseline, score, threshold_pct) for score in scores_in_order]
    if baseline == 0:
        return None
    if len(responses) <= consecutive:
        return False
    latest = responses[-consecutive:]
    earlier = responses[:-consecutive]
    return any(earlier) and not any(latest)

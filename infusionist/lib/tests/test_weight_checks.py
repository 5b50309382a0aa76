"""Weights in the wrong unit and derived weights outside any plausible range (issue 8, items 8-9).

Worked examples: 180 typed in the kilogram field at 170 cm is a BMI of 62.3 (180 lb is
81.6 kg); 132 typed for a patient last weighed at 60 kg is +120%; 80 kg, 120 cm, female,
ideal body weight gives a Devine IBW of 45.5 + 2.3 × (120 ÷ 2.54 − 60) = 16.2 kg.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from infusionist.lib.dosing import (
    KG_PER_LB,
    DoseLimits,
    InvalidDoseInput,
    bmi_kg_per_m2,
    calculate_infusion,
    check_weight,
    checked_dosing_weight,
    ideal_body_weight_kg,
    pounds_from_kg,
)
from infusionist.lib.regimens import calculate_im_injection

STANDARD = {
    "weight_kg": 70,
    "dose_mg_per_kg": 0.5,
    "duration_min": 40,
    "vial_mg_per_ml": 10,
    "bag_volume_ml": 100,
}


def codes(check) -> list[str]:
    return [f.code for f in check.findings]


# --- item 8: pounds in the kilogram field ----------------------------------------------


def test_pounds_equivalents_hand_values() -> None:
    assert pounds_from_kg(70) == pytest.approx(154.324, abs=1e-3)
    assert pounds_from_kg(180) == pytest.approx(396.832, abs=1e-3)
    assert pounds_from_kg(60) == pytest.approx(132.277, abs=1e-3)
    assert check_weight(70).weight_lb == pytest.approx(154.324, abs=1e-3)


def test_bmi_hand_values() -> None:
    # 70 ÷ 1.7² = 24.22; 180 ÷ 1.7² = 62.28.
    assert bmi_kg_per_m2(70, 170) == pytest.approx(24.221, abs=1e-3)
    assert bmi_kg_per_m2(180, 170) == pytest.approx(62.284, abs=1e-3)


def test_180_typed_at_170_cm_is_flagged_by_bmi_and_names_the_pounds_reading() -> None:
    check = check_weight(180, height_cm=170)
    assert codes(check) == ["bmi_implausible"]
    finding = check.findings[0]
    assert finding.severity == "confirm"
    assert "BMI of 62.3 kg/m²" in finding.message and "15–45 kg/m²" in finding.message
    assert "396.8 lb" in finding.message and "81.6 kg" in finding.message


def test_132_typed_for_a_60_kg_patient_is_flagged_by_the_change() -> None:
    check = check_weight(132, previous_weight_kg=60)
    assert codes(check) == ["weight_change_large"]
    message = check.findings[0].message
    assert "+120.0% from the last recorded 60 kg (132.3 lb)" in message
    assert "typed in pounds" in message and "59.9 kg" in message
    assert check.change_pct == pytest.approx(120)


@pytest.mark.parametrize(
    ("weight_kg", "height_cm", "previous_kg", "expected"),
    [
        # 70 kg typed as 154 lb at 175 cm: BMI 50.3.
        (154, 175, None, ["bmi_implausible"]),
        # 91 kg typed as 200 lb at 180 cm: BMI 61.7, and +120% from 91 kg.
        (200, 180, 91, ["bmi_implausible", "weight_change_large"]),
        # 55 kg typed as 121 lb, height unknown: only the change can catch it.
        (121, None, 55, ["weight_change_large"]),
        # A weight typed low (a digit lost): BMI 10.8 and −57%.
        (35, 180, 82, ["bmi_implausible", "weight_change_large"]),
        # Plausible weights and small changes pass.
        (70, 170, None, []),
        (72, 170, 70, []),
        (63, 165, 70, []),  # −10%, exactly the limit
        (130, 180, None, []),  # BMI 40.1: obese, plausible
    ],
)
def test_other_weights_of_the_same_kind(weight_kg, height_cm, previous_kg, expected) -> None:
    check = check_weight(weight_kg, height_cm=height_cm, previous_weight_kg=previous_kg)
    assert codes(check) == expected


def test_the_bmi_range_and_the_change_limit_are_settings() -> None:
    limits = DoseLimits(max_bmi_kg_per_m2=65, max_weight_change_pct=150)
    assert check_weight(180, height_cm=170, previous_weight_kg=80, limits=limits).findings == ()
    off = DoseLimits(min_bmi_kg_per_m2=None, max_bmi_kg_per_m2=None, max_weight_change_pct=None)
    assert check_weight(180, height_cm=170, previous_weight_kg=60, limits=off).findings == ()
    low_only = DoseLimits(max_bmi_kg_per_m2=None)
    assert "≥ 15 kg/m²" in check_weight(35, height_cm=180, limits=low_only).findings[0].message


def test_a_bad_previous_weight_names_its_field() -> None:
    with pytest.raises(InvalidDoseInput) as caught:
        check_weight(70, previous_weight_kg=0)
    assert caught.value.field == "previous_weight_kg"


@given(st.floats(30 * KG_PER_LB, 250 * KG_PER_LB))
def test_a_weight_typed_in_pounds_is_always_flagged_against_the_last_weight(kg: float) -> None:
    typed = kg / KG_PER_LB  # the pounds figure typed into the kilogram field
    check = check_weight(typed, previous_weight_kg=kg)
    assert codes(check) == ["weight_change_large"]
    assert "typed in pounds" in check.findings[0].message


@given(st.floats(34, 227), st.floats(-10, 10))
def test_changes_within_the_limit_are_never_flagged(previous_kg: float, change_pct: float) -> None:
    weight_kg = previous_kg * (1 + change_pct / 100)
    assert check_weight(weight_kg, previous_weight_kg=previous_kg).findings == ()


@given(st.floats(120, 230), st.floats(18.5, 25))
def test_a_normal_bmi_typed_in_pounds_reads_as_2_2_times_the_bmi(height_cm, bmi) -> None:
    kg = bmi * (height_cm / 100) ** 2
    typed = kg / KG_PER_LB
    assume(kg >= 30 and typed <= 250)  # both inside the plausible weight range
    assert bmi_kg_per_m2(typed, height_cm) == pytest.approx(bmi / KG_PER_LB)
    assert check_weight(kg, height_cm=height_cm).findings == ()
    if bmi / KG_PER_LB > 45:
        assert codes(check_weight(typed, height_cm=height_cm)) == ["bmi_implausible"]


@given(st.floats(1, 500))
def test_pounds_and_kilograms_round_trip(kg: float) -> None:
    assert pounds_from_kg(kg) * KG_PER_LB == pytest.approx(kg)


# --- item 9: derived dosing weights pass the same limits --------------------------------


def test_80_kg_120_cm_female_ideal_weight_is_refused_not_dosed() -> None:
    assert ideal_body_weight_kg(120, "female") == pytest.approx(16.2, abs=0.05)
    with pytest.raises(InvalidDoseInput) as caught:
        calculate_infusion(
            **STANDARD | {"weight_kg": 80}, weight_basis="ideal", height_cm=120, sex="female"
        )
    assert caught.value.field == "weight_basis"
    assert "ideal body weight 16.2 kg is outside the plausible range 30–250 kg" in str(caught.value)


@pytest.mark.parametrize(
    ("weight_kg", "height_cm", "sex", "basis"),
    [
        (80, 120, "female", "ideal"),
        (90, 125, "male", "ideal"),  # Devine 25.2 kg
        (70, 130, "female", "ideal"),  # Devine 25.2 kg
        (250, 120, "female", "ideal"),
    ],
)
def test_derived_weights_below_the_range_are_refused_for_iv_and_im(
    weight_kg, height_cm, sex, basis
) -> None:
    with pytest.raises(InvalidDoseInput) as iv:
        calculate_infusion(
            **STANDARD | {"weight_kg": weight_kg}, weight_basis=basis, height_cm=height_cm, sex=sex
        )
    with pytest.raises(InvalidDoseInput) as im:
        calculate_im_injection(
            weight_kg=weight_kg,
            dose_mg_per_kg=0.5,
            vial_mg_per_ml=50,
            weight_basis=basis,
            height_cm=height_cm,
            sex=sex,
        )
    assert iv.value.field == im.value.field == "weight_basis"


def test_derived_weights_above_the_range_are_refused() -> None:
    # 230 cm, male: Devine 50 + 2.3 × (90.55 − 60) = 120.3 kg; adjusted from 99 kg 111.8 kg.
    limits = DoseLimits(max_weight_kg=100, use_actual_weight_below_ibw=False)
    with pytest.raises(InvalidDoseInput, match="adjusted body weight 111.8 kg"):
        checked_dosing_weight(99, "adjusted", 230, "male", limits=limits)
    with pytest.raises(InvalidDoseInput, match="ideal body weight 120.3 kg"):
        checked_dosing_weight(99, "ideal", 230, "male", limits=limits)


def test_devine_below_60_inches_says_it_is_outside_its_published_range() -> None:
    # 80 kg, 120 cm, female, adjusted: 16.2 + 0.4 × (80 − 16.2) = 41.7 kg, inside the range,
    # but resting on Devine extrapolated 12.8 in below its published start.
    calc = calculate_infusion(
        **STANDARD | {"weight_kg": 80}, weight_basis="adjusted", height_cm=120, sex="female"
    )
    assert calc.dosing_weight_kg == pytest.approx(41.7, abs=0.05)
    finding = next(w for w in calc.warnings if w.code == "formula_outside_published_range")
    assert finding.severity == "warning"
    assert "from 60 in (152.4 cm)" in finding.message and "120 cm (47.2 in)" in finding.message
    im = calculate_im_injection(
        weight_kg=70,
        dose_mg_per_kg=0.5,
        vial_mg_per_ml=50,
        weight_basis="ideal",
        height_cm=150,
        sex="female",
    )
    assert "formula_outside_published_range" in [w.code for w in im.warnings]


@pytest.mark.parametrize("height_cm", [152.4, 160, 190])
def test_devine_inside_its_range_has_no_warning(height_cm: float) -> None:
    weight = checked_dosing_weight(90, "ideal", height_cm, "male")
    assert weight.warnings == ()
    assert checked_dosing_weight(90, "actual", 140, "male").warnings == ()


def test_im_checks_the_height_like_iv() -> None:
    with pytest.raises(InvalidDoseInput) as caught:
        calculate_im_injection(
            weight_kg=70, dose_mg_per_kg=0.5, vial_mg_per_ml=50, height_cm=67, sex="male"
        )
    assert caught.value.field == "height_cm" and "inches" in caught.value.message


@given(
    st.floats(30, 250),
    st.floats(120, 230),
    st.sampled_from(["male", "female"]),
    st.sampled_from(["actual", "ideal", "adjusted"]),
    st.floats(0, 1),
)
def test_no_dose_is_ever_calculated_on_a_weight_outside_the_range(
    weight_kg, height_cm, sex, basis, factor
) -> None:
    limits = DoseLimits(adjusted_weight_factor=factor, max_dose_rate_mg_per_kg_per_h=None)
    try:
        calc = calculate_infusion(
            **STANDARD | {"weight_kg": weight_kg},
            weight_basis=basis,
            height_cm=height_cm,
            sex=sex,
            limits=limits,
        )
    except InvalidDoseInput as exc:
        assert exc.field == "weight_basis"
        assume(False)
    else:
        assert limits.min_weight_kg <= calc.dosing_weight_kg <= limits.max_weight_kg
        assert calc.dose_mg == pytest.approx(0.5 * calc.dosing_weight_kg)
        extrapolated = basis != "actual" and height_cm < 152.4
        assert extrapolated == (
            "formula_outside_published_range" in [w.code for w in calc.warnings]
        )


def test_a_vanishing_previous_weight_is_refused_not_infinite() -> None:
    with pytest.raises(InvalidDoseInput) as caught:
        check_weight(70, previous_weight_kg=5e-324)
    assert caught.value.field == "previous_weight_kg"

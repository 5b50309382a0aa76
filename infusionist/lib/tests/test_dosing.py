"""Tests for infusionist.lib.dosing: worked examples from docs/clinical-reference.md §1."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infusionist.lib import dosing
from infusionist.lib.dosing import (
    DoseLimits,
    DoseStop,
    DoseWarning,
    InvalidDoseInput,
    adjusted_body_weight_kg,
    calculate_infusion,
    dosing_weight,
    fat_free_mass_kg,
    ideal_body_weight_kg,
    pump_program,
    round_half_up,
)

STANDARD = {
    "weight_kg": 70,
    "dose_mg_per_kg": 0.5,
    "duration_min": 40,
    "vial_mg_per_ml": 10,
    "bag_volume_ml": 100,
}
NO_RATE_CAP = DoseLimits(max_dose_rate_mg_per_kg_per_h=None)


def codes(calc_warnings: list[DoseWarning]) -> list[str]:
    return [w.code for w in calc_warnings]


# --- worked examples (§1) -------------------------------------------------------


def test_it_matches_the_worked_example_into_a_100_ml_bag() -> None:
    calc = calculate_infusion(**STANDARD)

    assert calc.dose_mg == pytest.approx(35)
    assert calc.dose_rate_mg_per_h == pytest.approx(52.5)
    assert calc.draw_volume_ml == pytest.approx(3.5)
    assert calc.final_volume_ml == pytest.approx(103.5)
    assert calc.pump_rate_ml_per_h == pytest.approx(155.25)
    assert calc.warnings == []
    display = calc.as_display()
    assert display["dose"] == "35 mg"
    assert display["dose_rate"] == "52.5 mg/h"
    assert display["draw_volume"] == "3.5 mL"
    assert display["final_volume"] == "103.5 mL"
    assert display["final_concentration"] == "0.338 mg/mL"
    assert display["pump_rate"] == "155.3 mL/h"
    assert display["vtbi"] == "103.5 mL"
    assert display["dose_rate_per_kg"] == "0.75 mg/kg/h"


def test_it_matches_the_worked_example_with_an_equal_volume_withdrawn() -> None:
    calc = calculate_infusion(**STANDARD, withdraw_equal_volume=True)

    assert calc.withdraw_volume_ml == pytest.approx(3.5)
    assert calc.final_volume_ml == pytest.approx(100)
    assert calc.final_concentration_mg_per_ml == pytest.approx(0.35)
    assert calc.pump_rate_ml_per_h == pytest.approx(150)
    display = calc.as_display()
    assert display["final_volume"] == "100 mL"
    assert display["final_concentration"] == "0.35 mg/mL"
    assert display["pump_rate"] == "150 mL/h"


def test_the_drug_volume_depends_on_vial_strength() -> None:
    # §1: the drug adds 0.7 mL from 50 mg/mL and 3.5 mL from 10 mg/mL.
    calc = calculate_infusion(**{**STANDARD, "vial_mg_per_ml": 50})

    assert calc.draw_volume_ml == pytest.approx(0.7)
    assert calc.final_volume_ml == pytest.approx(100.7)


def test_it_matches_the_premixed_1_mg_per_ml_example() -> None:
    program = pump_program(dose_rate_mg_per_h=52.5, concentration_mg_per_ml=1, duration_min=40)

    assert program.pump_rate_ml_per_h == pytest.approx(52.5)
    assert program.vtbi_ml == pytest.approx(35)
    assert program.dose_mg == pytest.approx(35)


def test_it_matches_the_pain_example_from_a_premixed_bag() -> None:
    # 80 kg × 0.35 mg/kg/h × 4 h = 28 mg/h (112 mg); at 2 mg/mL → 14 mL/h, VTBI 56 mL.
    program = pump_program(
        dose_rate_mg_per_h=0.35 * 80, concentration_mg_per_ml=2, duration_min=240
    )

    assert program.dose_rate_mg_per_h == pytest.approx(28)
    assert program.dose_mg == pytest.approx(112)
    assert program.pump_rate_ml_per_h == pytest.approx(14)
    assert program.vtbi_ml == pytest.approx(56)


def test_it_accepts_a_rate_based_dose_for_the_pain_example() -> None:
    pain_limits = DoseLimits(max_dose_mg_per_kg=None)  # the pain protocol caps the rate

    calc = calculate_infusion(
        weight_kg=80,
        dose_mg_per_kg_per_h=0.35,
        duration_min=240,
        vial_mg_per_ml=2,
        bag_volume_ml=0,
        limits=pain_limits,
    )

    assert calc.dose_rate_mg_per_h == pytest.approx(28)
    assert calc.dose_mg == pytest.approx(112)
    assert calc.dose_mg_per_kg == pytest.approx(1.4)
    assert calc.pump_rate_ml_per_h == pytest.approx(14)
    assert calc.vtbi_ml == pytest.approx(56)


def test_it_accepts_a_fixed_hourly_rate() -> None:
    # CRPS regimen 22 mg/h [21]: over 4 h from 2 mg/mL.
    calc = calculate_infusion(
        weight_kg=70,
        dose_mg_per_h=22,
        duration_min=240,
        vial_mg_per_ml=2,
        bag_volume_ml=0,
        limits=DoseLimits(max_dose_mg_per_kg=None),
    )

    assert calc.dose_mg == pytest.approx(88)
    assert calc.pump_rate_ml_per_h == pytest.approx(11)


def test_it_computes_a_hand_worked_plan_from_50_mg_per_ml_into_250_ml() -> None:
    # 90 kg × 0.75 mg/kg = 67.5 mg over 60 min = 67.5 mg/h; 67.5 ÷ 50 = 1.35 mL;
    # 251.35 mL at 67.5 ÷ 251.35 = 0.26855 mg/mL; 67.5 ÷ 0.26855 = 251.35 mL/h.
    calc = calculate_infusion(
        weight_kg=90, dose_mg_per_kg=0.75, duration_min=60, vial_mg_per_ml=50, bag_volume_ml=250
    )

    assert calc.dose_mg == pytest.approx(67.5)
    assert calc.dose_rate_mg_per_h == pytest.approx(67.5)
    assert calc.draw_volume_ml == pytest.approx(1.35)
    assert calc.final_volume_ml == pytest.approx(251.35)
    assert calc.final_concentration_mg_per_ml == pytest.approx(0.268550)
    assert calc.pump_rate_ml_per_h == pytest.approx(251.35)
    assert calc.as_display()["pump_rate"] == "251.4 mL/h"


def test_a_fixed_mg_dose_reports_its_mg_per_kg() -> None:
    calc = calculate_infusion(**{**STANDARD, "dose_mg_per_kg": None, "dose_mg": 42})

    assert calc.dose_mg_per_kg == pytest.approx(0.6)
    assert calc.dose_rate_mg_per_h == pytest.approx(63)


# --- body weight ----------------------------------------------------------------


def test_devine_ideal_body_weight_hand_values() -> None:
    # 175 cm = 68.898 in → 50 + 2.3 × 8.898 = 70.465 kg; 160 cm = 62.992 in → 52.382 kg.
    assert ideal_body_weight_kg(175, "male") == pytest.approx(70.4646, abs=1e-4)
    assert ideal_body_weight_kg(160, "female") == pytest.approx(52.3819, abs=1e-4)
    assert ideal_body_weight_kg(152.4, "male") == pytest.approx(50.0)


def test_adjusted_body_weight_hand_value() -> None:
    # 70.4646 + 0.4 × (120 − 70.4646) = 90.2787 kg.
    assert adjusted_body_weight_kg(120, 175, "male") == pytest.approx(90.2787, abs=1e-4)


def test_janmahasatian_fat_free_mass_hand_value() -> None:
    # BMI 70 / 1.75² = 22.857; 9270 × 70 / (6680 + 216 × 22.857) = 55.857 kg.
    assert fat_free_mass_kg(70, 175, "male") == pytest.approx(55.857, abs=1e-3)
    # BMI 60 / 1.6² = 23.4375; 556200 / (8780 + 5718.75) = 38.362 kg.
    assert fat_free_mass_kg(60, 160, "female") == pytest.approx(38.362, abs=1e-3)


def test_dosing_weight_records_the_formula_that_produced_it() -> None:
    actual = dosing_weight(70)
    ideal = dosing_weight(120, "ideal", 175, "male")
    adjusted = dosing_weight(120, "adjusted", 175, "male")

    assert (actual.kg, actual.basis) == (70, "actual")
    assert ideal.basis == "ideal"
    assert ideal.kg == pytest.approx(70.4646, abs=1e-4)
    assert "Devine" in ideal.formula and "[9]" in ideal.formula
    assert adjusted.basis == "adjusted"
    assert adjusted.kg == pytest.approx(90.2787, abs=1e-4)
    assert "0.4" in adjusted.formula and "90.3 kg" in adjusted.formula


def test_it_doses_on_actual_weight_when_actual_is_below_ibw() -> None:
    weight = dosing_weight(55, "adjusted", 175, "male")

    assert weight.kg == 55
    assert weight.basis == "actual"
    assert "below" in weight.formula


def test_the_plan_stores_its_weight_basis_and_formula() -> None:
    calc = calculate_infusion(
        **{**STANDARD, "weight_kg": 120},
        weight_basis="adjusted",
        height_cm=175,
        sex="male",
    )

    assert calc.weight_basis == "adjusted"
    assert calc.dosing_weight_kg == pytest.approx(90.2787, abs=1e-4)
    assert calc.dose_mg == pytest.approx(0.5 * 90.2787, abs=1e-3)
    assert calc.actual_weight_kg == 120
    assert "adjusted weight" in calc.weight_formula


def test_it_requires_height_and_sex_for_ideal_weight() -> None:
    with pytest.raises(InvalidDoseInput) as missing_height:
        calculate_infusion(**STANDARD, weight_basis="ideal", sex="male")
    with pytest.raises(InvalidDoseInput) as missing_sex:
        calculate_infusion(**STANDARD, weight_basis="ideal", height_cm=175)

    assert missing_height.value.field == "height_cm"
    assert missing_sex.value.field == "sex"


# --- guards ---------------------------------------------------------------------


@pytest.mark.parametrize("weight_kg", [29.9, 20, 251, 400])
def test_it_rejects_an_implausible_weight(weight_kg: float) -> None:
    with pytest.raises(InvalidDoseInput) as error:
        calculate_infusion(**{**STANDARD, "weight_kg": weight_kg})

    assert error.value.field == "weight_kg"
    assert "plausible range 30–250 kg" in str(error.value)
    assert "pounds" in str(error.value)


def test_the_weight_range_is_a_setting() -> None:
    calc = calculate_infusion(
        **{**STANDARD, "weight_kg": 25}, limits=DoseLimits(min_weight_kg=20, max_dose_mg_per_kg=1)
    )

    assert calc.dose_mg == pytest.approx(12.5)


def test_it_rejects_a_height_in_inches() -> None:
    with pytest.raises(InvalidDoseInput) as error:
        calculate_infusion(**STANDARD, weight_basis="ideal", height_cm=69, sex="male")

    assert error.value.field == "height_cm"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weight_kg", float("nan")),
        ("weight_kg", -70),
        ("dose_mg_per_kg", 0),
        ("dose_mg_per_kg", float("inf")),
        ("dose_mg_per_kg", float("nan")),
        ("duration_min", 0),
        ("duration_min", -40),
        ("vial_mg_per_ml", 0),
        ("vial_mg_per_ml", float("-inf")),
        ("bag_volume_ml", -1),
        ("bag_volume_ml", float("nan")),
        ("dose_mg_per_kg", "0.5"),
        ("weight_kg", True),
    ],
)
def test_it_rejects_bad_numbers_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidDoseInput) as error:
        calculate_infusion(**{**STANDARD, field: value})

    assert error.value.field == field
    # The message names the input in words with its unit, never by its program name.
    assert dosing.field_words(field) in str(error.value)
    assert field not in str(error.value)


def test_it_accepts_decimals_from_forms() -> None:
    calc = calculate_infusion(**{**STANDARD, "weight_kg": Decimal("70.0")})

    assert calc.dose_mg == pytest.approx(35)


@pytest.mark.parametrize(
    "doses",
    [
        {"dose_mg_per_kg": None},
        {"dose_mg": 35},
        {"dose_mg_per_kg_per_h": 0.75},
    ],
)
def test_it_requires_exactly_one_dose(doses: dict[str, float | None]) -> None:
    with pytest.raises(InvalidDoseInput, match="exactly one dose"):
        calculate_infusion(**{**STANDARD, **doses})


def test_it_stops_a_dose_above_the_protocol_maximum() -> None:
    with pytest.raises(DoseStop) as stop:
        calculate_infusion(**{**STANDARD, "dose_mg_per_kg": 1.5, "duration_min": 60})

    assert codes(stop.value.stops) == ["dose_above_protocol_max"]
    assert "1.5 mg/kg" in str(stop.value) and "maximum of 1 mg/kg" in str(stop.value)
    # The computed plan travels with the stop so the screen can show it.
    assert stop.value.calculation.dose_mg == pytest.approx(105)


def test_it_allows_the_protocol_maximum_itself() -> None:
    calc = calculate_infusion(**{**STANDARD, "dose_mg_per_kg": 1.0})

    assert calc.dose_mg == pytest.approx(70)


def test_the_protocol_maximum_is_a_setting() -> None:
    with pytest.raises(DoseStop):
        calculate_infusion(**STANDARD, limits=DoseLimits(max_dose_mg_per_kg=0.4))


def test_it_stops_a_dose_rate_above_the_protocol_maximum() -> None:
    with pytest.raises(DoseStop) as stop:
        calculate_infusion(**{**STANDARD, "duration_min": 10})

    assert codes(stop.value.stops) == ["dose_rate_above_protocol_max"]
    assert "3 mg/kg/h" in str(stop.value)


def test_it_stops_an_undiluted_100_mg_per_ml_vial() -> None:
    with pytest.raises(DoseStop) as stop:
        calculate_infusion(**{**STANDARD, "vial_mg_per_ml": 100, "bag_volume_ml": 0})

    assert "undiluted_iv_forbidden" in codes(stop.value.stops)
    assert "never be given IV undiluted" in str(stop.value)


def test_it_stops_a_concentration_above_the_iv_maximum() -> None:
    with pytest.raises(DoseStop) as stop:
        calculate_infusion(**{**STANDARD, "vial_mg_per_ml": 100, "bag_volume_ml": 0.2})

    assert codes(stop.value.stops) == ["concentration_above_iv_max"]


def test_it_warns_that_a_100_mg_per_ml_vial_is_diluted_in_the_bag() -> None:
    calc = calculate_infusion(**{**STANDARD, "vial_mg_per_ml": 100})

    assert calc.draw_volume_ml == pytest.approx(0.35)
    assert calc.as_display()["draw_volume"] == "0.35 mL"
    assert "concentrated_vial_diluted" in codes(calc.warnings)
    assert all(w.severity == "warning" for w in calc.warnings)
    message = next(w.message for w in calc.warnings if w.code == "concentrated_vial_diluted")
    assert "undiluted IV push is forbidden" in message


def test_it_names_both_draw_volumes_when_the_vial_is_ten_times_the_usual() -> None:
    calc = calculate_infusion(**{**STANDARD, "vial_mg_per_ml": 100})

    message = next(w.message for w in calc.warnings if w.code == "vial_strength_tenfold")
    assert "35 mg is 0.35 mL of 100 mg/mL but 3.5 mL of the usual 10 mg/mL" in message


def test_it_does_not_warn_when_the_vial_is_the_usual_strength() -> None:
    calc = calculate_infusion(**STANDARD)

    assert "vial_strength_tenfold" not in codes(calc.warnings)


def test_the_usual_vial_strength_is_a_setting() -> None:
    calc = calculate_infusion(**STANDARD, limits=DoseLimits(usual_vial_mg_per_ml=100))

    assert "vial_strength_tenfold" in codes(calc.warnings)


def test_it_warns_when_the_draw_is_more_than_one_vial() -> None:
    # 210 kg × 1 mg/kg = 210 mg = 21 mL of 10 mg/mL; a Ketalar 10 mg/mL vial holds 20 mL.
    calc = calculate_infusion(
        **{**STANDARD, "weight_kg": 210, "dose_mg_per_kg": 1.0, "bag_volume_ml": 250}
    )

    message = next(w.message for w in calc.warnings if w.code == "draw_exceeds_vial")
    assert "21.00 mL" in message and "20 mL" in message and "2 vials" in message


def test_it_uses_a_given_vial_size() -> None:
    calc = calculate_infusion(**STANDARD, vial_volume_ml=2)

    assert "draw_exceeds_vial" in codes(calc.warnings)


def test_it_does_not_warn_when_the_draw_fits_the_vial() -> None:
    calc = calculate_infusion(
        **{**STANDARD, "weight_kg": 200, "dose_mg_per_kg": 1.0, "bag_volume_ml": 250}
    )

    assert "draw_exceeds_vial" not in codes(calc.warnings)


def test_it_refuses_to_withdraw_more_than_the_bag_holds() -> None:
    with pytest.raises(InvalidDoseInput) as error:
        calculate_infusion(**{**STANDARD, "bag_volume_ml": 2}, withdraw_equal_volume=True)

    assert error.value.field == "bag_volume_ml"


def test_display_rounding_is_half_up_despite_float_noise() -> None:
    assert round_half_up(155.25, 1) == Decimal("155.3")
    assert round_half_up(52.5 / (35 / 103.5), 1) == Decimal("155.3")
    assert round_half_up(0.125, 2) == Decimal("0.13")
    assert round_half_up(2.675, 2) == Decimal("2.68")


# --- properties -----------------------------------------------------------------

plans = st.fixed_dictionaries(
    {
        "weight_kg": st.floats(30, 250),
        "dose_mg_per_kg": st.floats(0.05, 1.0),
        # At least 30 min: 1.0 mg/kg faster than that is above the absolute IV rate
        # ceiling of 2 mg/kg/h, which no limits switch off.
        "duration_min": st.floats(30, 240),
        "vial_mg_per_ml": st.sampled_from([10.0, 50.0, 100.0]),
        "bag_volume_ml": st.floats(50, 1000),
        "withdraw_equal_volume": st.booleans(),
    }
)


@given(plans)
def test_rate_times_time_is_the_dose(plan: dict) -> None:
    calc = calculate_infusion(**plan, limits=NO_RATE_CAP)

    assert calc.dose_rate_mg_per_h * calc.duration_min / 60 == pytest.approx(calc.dose_mg)
    assert calc.dose_rate_mg_per_kg_per_h * calc.dosing_weight_kg == pytest.approx(
        calc.dose_rate_mg_per_h
    )


@given(plans)
def test_pump_rate_times_hours_is_the_vtbi(plan: dict) -> None:
    calc = calculate_infusion(**plan, limits=NO_RATE_CAP)

    assert calc.pump_rate_ml_per_h * calc.duration_min / 60 == pytest.approx(calc.vtbi_ml)
    # The whole bag is the dose, so the VTBI is the final volume.
    assert calc.vtbi_ml == pytest.approx(calc.final_volume_ml)


@given(plans)
def test_final_concentration_times_volume_is_the_dose(plan: dict) -> None:
    calc = calculate_infusion(**plan, limits=NO_RATE_CAP)

    assert calc.final_concentration_mg_per_ml * calc.final_volume_ml == pytest.approx(calc.dose_mg)
    assert calc.draw_volume_ml * calc.vial_mg_per_ml == pytest.approx(calc.dose_mg)


@given(plans)
def test_withdrawing_an_equal_volume_keeps_the_bag_volume(plan: dict) -> None:
    calc = calculate_infusion(**plan, limits=NO_RATE_CAP)

    if plan["withdraw_equal_volume"]:
        assert calc.final_volume_ml == pytest.approx(calc.bag_volume_ml)
        assert calc.withdraw_volume_ml == pytest.approx(calc.draw_volume_ml)
    else:
        assert calc.final_volume_ml == pytest.approx(calc.bag_volume_ml + calc.draw_volume_ml)
        assert calc.withdraw_volume_ml == 0


@given(plans)
def test_every_figure_is_finite_and_positive(plan: dict) -> None:
    calc = calculate_infusion(**plan, limits=NO_RATE_CAP)

    for name in (
        "dose_mg",
        "dose_rate_mg_per_h",
        "draw_volume_ml",
        "final_volume_ml",
        "final_concentration_mg_per_ml",
        "pump_rate_ml_per_h",
        "vtbi_ml",
    ):
        value = getattr(calc, name)
        assert math.isfinite(value) and value > 0, name


@given(st.floats(120, 230), st.sampled_from(["male", "female"]), st.floats(30, 250))
def test_adjusted_weight_lies_between_ideal_and_actual(
    height_cm: float, sex: str, weight_kg: float
) -> None:
    ibw_kg = ideal_body_weight_kg(height_cm, sex)  # type: ignore[arg-type]
    adjusted_kg = adjusted_body_weight_kg(weight_kg, height_cm, sex)  # type: ignore[arg-type]

    assert min(ibw_kg, weight_kg) - 1e-9 <= adjusted_kg <= max(ibw_kg, weight_kg) + 1e-9


@pytest.mark.parametrize(
    ("field", "value"),
    [("dose_mg_per_kg_per_h", 5e-324), ("dose_mg", 0.05), ("dose_mg_per_kg", 1e-9)],
)
def test_a_dose_below_one_milligram_is_refused_as_a_unit_error(field: str, value: float) -> None:
    with pytest.raises(InvalidDoseInput, match="milligrams, not micrograms") as caught:
        calculate_infusion(
            weight_kg=70, duration_min=40, vial_mg_per_ml=10, bag_volume_ml=100, **{field: value}
        )
    assert caught.value.field == field

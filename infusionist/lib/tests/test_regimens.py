from __future__ import annotations

import pytest

from infusionist.lib.dosing import DoseLimits, InvalidDoseInput
from infusionist.lib.regimens import (
    RegimenStop,
    calculate_im_injection,
    calculate_intranasal,
    next_titration_step,
    planned_session_offsets_days,
)


def test_thrice_weekly_six_sessions_fall_within_twelve_days() -> None:
    # Murrough 2013b [10]: six infusions over 12 days.
    assert planned_session_offsets_days(6, 3) == [0, 2, 5, 7, 9, 12]
    assert planned_session_offsets_days(8, 2) == [0, 4, 7, 11, 14, 18, 21, 25]
    assert planned_session_offsets_days(3, 0.5) == [0, 14, 28]
    assert planned_session_offsets_days(10, 7) == list(range(10))


@pytest.mark.parametrize(("count", "per_week"), [(0, 3), (6, 0), (6, 8), (6, float("nan"))])
def test_schedule_inputs_out_of_range_are_refused(count: int, per_week: float) -> None:
    with pytest.raises(ValueError):
        planned_session_offsets_days(count, per_week)


def test_titration_climbs_one_step_and_stops_at_the_ceiling() -> None:
    steps = [0.5, 0.75, 1.0]
    assert next_titration_step(steps, 0.5, 1.0) == 0.75
    assert next_titration_step(steps, 0.75, 1.0) == 1.0
    assert next_titration_step(steps, 1.0, 1.0) is None
    assert next_titration_step(steps, 0.75, 0.8) is None


def test_im_dose_and_draw_volume() -> None:
    calc = calculate_im_injection(weight_kg=70, dose_mg_per_kg=0.5, vial_mg_per_ml=50)
    assert calc.dose_mg == pytest.approx(35) and calc.draw_volume_ml == pytest.approx(0.7)


def test_im_dose_above_the_protocol_maximum_is_a_hard_stop() -> None:
    with pytest.raises(RegimenStop) as stop:
        calculate_im_injection(
            weight_kg=70,
            dose_mg_per_kg=0.75,
            vial_mg_per_ml=50,
            limits=DoseLimits(max_dose_mg_per_kg=0.5),
        )
    assert stop.value.stops[0].code == "dose_above_protocol_max"


def test_im_implausible_weight_is_refused() -> None:
    with pytest.raises(InvalidDoseInput) as exc:
        calculate_im_injection(weight_kg=700, dose_mg_per_kg=0.5, vial_mg_per_ml=50)
    assert exc.value.field == "weight_kg"


def test_esketamine_doses_are_whole_devices_up_to_84_mg() -> None:
    assert calculate_intranasal(dose_mg=84).devices == 3
    with pytest.raises(RegimenStop, match="whole number of 28-mg devices"):
        calculate_intranasal(dose_mg=60)
    with pytest.raises(RegimenStop, match="above the protocol maximum of 84 mg"):
        calculate_intranasal(dose_mg=112)


def test_esketamine_patients_65_or_older_are_warned_to_start_at_28_mg() -> None:
    calc = calculate_intranasal(dose_mg=56, age_years=70, is_first_dose=True)
    assert [w.code for w in calc.warnings] == ["older_adult_start_dose"]
    assert calculate_intranasal(dose_mg=56, age_years=70, is_first_dose=False).warnings == []

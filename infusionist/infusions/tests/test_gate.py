"""The pre-infusion gate: every condition blocks, says its basis, and a physician's override
with a reason lets it pass while its inputs are unchanged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from infusionist.infusions import services
from infusionist.infusions.errors import ChartError
from infusionist.infusions.gate import visit_gate
from infusionist.infusions.models import ChartSettings, GateOverride, Visit
from infusionist.infusions.tests.factories import (
    GOOD_PRE_CHECKS,
    START,
    baseline,
    gate_ready,
    ready_visit,
)
from infusionist.measurements import services as measurement_services
from infusionist.measurements.models import SafetyAlert

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(cast):
    return ready_visit(cast)


def _codes(gate) -> dict[str, bool]:
    return {c.code: c.satisfied for c in gate.checks}


def test_a_ready_patient_passes_every_condition_and_each_says_its_basis(ready):
    visit = gate_ready(ready)
    gate = visit_gate(visit=visit)
    assert gate.ready, [(c.code, c.reasons) for c in gate.blocking]
    assert list(_codes(gate)) == [
        "questionnaire_safety",
        "eligibility",
        "consent",
        "signed_order",
        "questionnaire_window",
        "baseline_vitals",
        "fasting",
        "escort",
        "pregnancy",
        "weight",
    ]
    by_code = {c.code: c for c in gate.checks}
    assert by_code["baseline_vitals"].source_keys == "[27]"
    assert by_code["baseline_vitals"].inputs["Baseline"].startswith("128/82 mmHg")
    assert by_code["weight"].inputs["Change"] == "0.0%"
    assert by_code["fasting"].rule == (
        "No food for 4 hours and no liquids for 2 hours before the dose."
    )


def test_before_any_check_the_gate_lists_what_the_nurse_must_do(ready):
    visit = services.visit_check_in(visit=ready.visit, by=ready.cast.frontdesk)
    gate = visit_gate(visit=visit)
    blocking = {c.code for c in gate.blocking}
    assert blocking == {"baseline_vitals", "fasting", "escort", "pregnancy", "weight"}


@pytest.mark.parametrize(
    ("systolic", "diastolic", "passes"),
    [(140, 90, True), (141, 90, False), (140, 91, False), (118, 76, True)],
)
def test_baseline_blood_pressure_limit_edges(ready, systolic, diastolic, passes):
    visit = gate_ready(ready)
    baseline(
        visit,
        at=timezone.now() + dt.timedelta(seconds=30),
        systolic_mmhg=systolic,
        diastolic_mmhg=diastolic,
    )
    check = next(c for c in visit_gate(visit=visit).checks if c.code == "baseline_vitals")
    assert check.passed is passes


def test_the_baseline_limit_is_the_clinics_setting(ready):
    ChartSettings.objects.update_or_create(
        organization=ready.cast.org, defaults={"pre_systolic_max_mmhg": 150}
    )
    visit = gate_ready(ready)
    baseline(
        visit, at=timezone.now() + dt.timedelta(seconds=30), systolic_mmhg=148, diastolic_mmhg=88
    )
    assert visit_gate(visit=visit).ready


def test_an_open_suicidality_alert_blocks(ready):
    visit = gate_ready(ready)
    measurement_services.questionnaire_response_submit(
        patient=ready.cast.patient,
        instrument_code="phq9",
        answers={f"q{n}": 1 for n in range(1, 10)} | {"difficulty": 1},
        source="staff",
        actor=ready.cast.nurse,
        entered_by=ready.cast.nurse,
    )
    gate = visit_gate(visit=visit)
    assert "questionnaire_safety" in {c.code for c in gate.blocking}
    assert SafetyAlert.objects.filter(patient=ready.cast.patient).exists()


def test_questionnaires_outside_the_window_block(ready):
    ChartSettings.objects.update_or_create(
        organization=ready.cast.org, defaults={"questionnaire_window_hours": 1}
    )
    visit = gate_ready(ready)
    check = next(c for c in visit_gate(visit=visit).checks if c.code == "questionnaire_window")
    assert not check.passed
    assert "PHQ9" in check.reasons[0]


def test_a_weight_change_above_the_limit_is_flagged_with_the_recalculated_dose(ready):
    visit = gate_ready(ready, checks={**GOOD_PRE_CHECKS, "weight_today_kg": "73.6"})
    assert str(visit.recalculated_dose_mg) == "36.80"
    check = next(c for c in visit_gate(visit=visit).checks if c.code == "weight")
    assert not check.passed
    assert "5.1%" in check.reasons[0] and "36.80 mg" in check.reasons[0]
    visit = services.visit_pre_checks_save(
        visit=visit, values={"weight_today_kg": "73.5"}, by=ready.cast.nurse
    )
    check = next(c for c in visit_gate(visit=visit).checks if c.code == "weight")
    assert check.passed  # exactly 5.0% is within the limit


@pytest.mark.parametrize("bad", ["154 lb", "-3", "0", "1e9", "", "abc", "351"])
def test_an_implausible_weight_is_refused_naming_the_field_and_nothing_changes(ready, bad):
    visit = services.visit_check_in(visit=ready.visit, by=ready.cast.frontdesk)
    with pytest.raises(ChartError) as error:
        services.visit_pre_checks_save(
            visit=visit, values={**GOOD_PRE_CHECKS, "weight_today_kg": bad}, by=ready.cast.nurse
        )
    assert error.value.field == "weight_today_kg"
    visit.refresh_from_db()
    assert visit.weight_today_kg is None and visit.escort_name == ""


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"fasting_confirmed": False}, "fasting"),
        ({"escort_name": ""}, "escort"),
        ({"escort_phone": ""}, "escort"),
        ({"pregnancy": ""}, "pregnancy"),
        ({"pregnancy": Visit.Pregnancy.PREGNANT}, "pregnancy"),
    ],
)
def test_each_visit_condition_blocks_and_a_physicians_override_lets_it_pass(ready, change, code):
    visit = gate_ready(ready, checks={**GOOD_PRE_CHECKS, **change})
    assert [c.code for c in visit_gate(visit=visit).blocking] == [code]
    with pytest.raises(ChartError):
        services.infusion_start(visit=visit, values=START, by=ready.cast.nurse)
    with pytest.raises(ChartError):  # a nurse cannot override
        services.gate_override(
            visit=visit, code=code, reason="Reason long enough", by=ready.cast.nurse
        )
    with pytest.raises(ChartError):  # a reason is required
        services.gate_override(visit=visit, code=code, reason=" ", by=ready.cast.physician)
    services.gate_override(
        visit=visit,
        code=code,
        reason="Discussed with the patient; fictional reason.",
        by=ready.cast.physician,
    )
    gate = visit_gate(visit=visit)
    assert gate.ready
    check = next(c for c in gate.checks if c.code == code)
    assert not check.passed and check.override is not None
    assert check.override.by == ready.cast.physician


def test_an_override_lapses_when_the_inputs_change(ready):
    visit = gate_ready(ready)
    baseline(
        visit, at=timezone.now() + dt.timedelta(seconds=30), systolic_mmhg=150, diastolic_mmhg=95
    )
    services.gate_override(
        visit=visit,
        code="baseline_vitals",
        reason="Usual pressure for this patient; rested.",
        by=ready.cast.physician,
    )
    assert visit_gate(visit=visit).ready
    baseline(
        visit, at=timezone.now() + dt.timedelta(seconds=60), systolic_mmhg=168, diastolic_mmhg=104
    )
    assert not visit_gate(visit=visit).ready
    assert GateOverride.objects.filter(visit=visit).count() == 1


def test_without_a_signed_order_the_check_blocks_and_cannot_be_overridden(ready):
    cast = ready.cast
    visit = Visit.objects.create(
        organization=cast.org,
        location=cast.location,
        patient=cast.other_patient,
        scheduled_at=timezone.now(),
        phase=Visit.Phase.PRE_CHECKS,
        checked_in_at=timezone.now(),
    )
    check = next(c for c in visit_gate(visit=visit).checks if c.code == "signed_order")
    assert not check.passed and not check.overridable
    with pytest.raises(ChartError, match="cannot be overridden"):
        services.gate_override(
            visit=visit,
            code="signed_order",
            reason="No order but we go ahead anyway.",
            by=cast.physician,
        )


def test_the_order_used_up_blocks(ready):
    visit = gate_ready(ready)
    for _ in range(ready.version.planned_sessions):
        Visit.objects.create(
            organization=ready.cast.org,
            location=ready.cast.location,
            patient=ready.cast.patient,
            scheduled_at=timezone.now(),
            phase=Visit.Phase.SIGNED,
            plan_version=ready.version,
            infusion_started_at=timezone.now(),
        )
    check = next(c for c in visit_gate(visit=visit).checks if c.code == "signed_order")
    assert not check.passed and "6 sessions" in check.reasons[0]


def test_the_dose_starts_only_with_the_gate_ready_and_stores_its_answer(ready):
    visit = gate_ready(ready)
    visit = services.infusion_start(visit=visit, values=START, by=ready.cast.nurse)
    assert visit.phase == Visit.Phase.INFUSING
    assert [c["code"] for c in visit.gate_snapshot][0] == "questionnaire_safety"
    ready.appointment.refresh_from_db()
    assert ready.appointment.status == "in_progress"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("concentration_mg_per_ml", "100"),  # never IV undiluted
        ("rate_ml_per_h", "52.5"),  # the 1 mg/mL rate at 0.35 mg/mL: a 3× error
        ("rate_ml_per_h", "166"),  # more than 10% off the order
        ("bag_volume_ml", "50"),  # holds 17.5 mg, less than 35 mg ordered
        ("lot_number", ""),
    ],
)
def test_a_start_that_does_not_match_the_order_is_refused(ready, field, value):
    visit = gate_ready(ready)
    with pytest.raises(ChartError) as error:
        services.infusion_start(visit=visit, values={**START, field: value}, by=ready.cast.nurse)
    assert error.value.field == field
    visit.refresh_from_db()
    assert visit.phase == Visit.Phase.PRE_CHECKS


def test_checking_in_marks_the_appointment_arrived_and_copies_the_order(ready):
    visit = services.visit_check_in(visit=ready.visit, by=ready.cast.frontdesk)
    assert visit.phase == Visit.Phase.CHECKED_IN
    assert visit.plan_version == ready.version
    assert str(visit.ordered_dose_mg) == "35.00"
    assert visit.duration_min == 40
    ready.appointment.refresh_from_db()
    assert ready.appointment.status == "arrived"


def test_marking_the_appointment_arrived_checks_the_visit_in(ready):
    from infusionist.scheduling.services import appointment_mark

    appointment_mark(appointment=ready.appointment, status="arrived", by=ready.cast.frontdesk)
    ready.visit.refresh_from_db()
    assert ready.visit.phase == Visit.Phase.CHECKED_IN


def test_cancelling_before_the_dose(ready):
    visit = services.visit_check_in(visit=ready.visit, by=ready.cast.frontdesk)
    services.visit_cancel(visit=visit, reason="Blood pressure stayed high", by=ready.cast.nurse)
    visit.refresh_from_db()
    assert visit.phase == Visit.Phase.CANCELLED


def test_an_appointment_completed_with_no_dose_charted_cancels_the_visit(ready):
    from infusionist.scheduling.services import appointment_mark

    appointment_mark(appointment=ready.appointment, status="arrived", by=ready.cast.frontdesk)
    appointment_mark(appointment=ready.appointment, status="completed", by=ready.cast.frontdesk)
    ready.visit.refresh_from_db()
    assert ready.visit.phase == Visit.Phase.CANCELLED
    assert "no dose charted" in ready.visit.cancel_reason


def test_the_start_rate_tolerance_is_the_clinics_setting(ready):
    visit = gate_ready(ready)
    # 160 mL/h is 6.7% above the order's 150 mL/h: refused at a 5% tolerance.
    ChartSettings.objects.update_or_create(
        organization=ready.cast.org, defaults={"start_rate_tolerance_pct": 5}
    )
    with pytest.raises(ChartError) as error:
        services.infusion_start(
            visit=visit, values={**START, "rate_ml_per_h": "160"}, by=ready.cast.nurse
        )
    assert error.value.field == "rate_ml_per_h"
    ChartSettings.objects.filter(organization=ready.cast.org).update(start_rate_tolerance_pct=10)
    visit = services.infusion_start(
        visit=visit, values={**START, "rate_ml_per_h": "160"}, by=ready.cast.nurse
    )
    assert visit.phase == Visit.Phase.INFUSING

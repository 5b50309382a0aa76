"""A whole session through the services: every step in order, the alert that stops charting,
the delivered dose from the pump events, discharge criteria and the signed note."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from infusionist.infusions import services
from infusionist.infusions.errors import ChartError
from infusionist.infusions.models import (
    AdministrationEvent,
    NoteAddendum,
    RemsFormRule,
    SignedNote,
    Visit,
    VitalAlert,
)
from infusionist.infusions.tests.factories import START, gate_ready, ready_visit
from infusionist.infusions.vitals import alert_respond, vital_record
from infusionist.integrity import AppendOnlyError
from infusionist.measurements.models import MeasurementProfile
from infusionist.test import PASSWORD

pytestmark = pytest.mark.django_db

GOOD_ALDRETE = {
    "activity": 2,
    "respiration": 2,
    "circulation": 2,
    "consciousness": 2,
    "spo2": 2,
}


def _vitals(visit, nurse, at, systolic, diastolic, **more):
    return vital_record(
        visit=visit,
        values={"systolic_mmhg": systolic, "diastolic_mmhg": diastolic, **more},
        measured_at=at,
        source="nurse",
        by=nurse,
        now=at,
    )


def test_a_whole_session(cast):
    ready = ready_visit(cast, starts_at=timezone.now() - dt.timedelta(minutes=250))
    nurse = cast.nurse
    visit = gate_ready(ready)
    t0 = timezone.now() - dt.timedelta(minutes=240)
    visit = services.infusion_start(visit=visit, values={**START, "at": t0}, by=nurse)
    # 185/115 twice, 5 minutes apart, raises the alert; the first reading asks for a recheck.
    first = _vitals(visit, nurse, t0 + dt.timedelta(minutes=10), 185, 115, heart_rate_per_min=96)
    assert first.alerts == [] and first.recheck
    second = _vitals(visit, nurse, t0 + dt.timedelta(minutes=15), 185, 115)
    assert [a.rule for a in second.alerts] == ["bp_hold"]
    # Charting waits for the response, but pausing is allowed: it is a response.
    with pytest.raises(ChartError) as blocked:
        services.rating_record(visit=visit, scale="moaas", score=4, by=nurse)
    assert blocked.value.field == "alert"
    services.infusion_pause(
        visit=visit, reason="BP 185/115 twice", at=t0 + dt.timedelta(minutes=16), by=nurse
    )
    with pytest.raises(ChartError):
        services.infusion_resume(visit=visit, at=t0 + dt.timedelta(minutes=20), by=nurse)
    alert_respond(
        alert=second.alerts[0],
        responses=["paused", "physician_notified"],
        note="Dr Example told at the chair; recheck in 5 min.",
        by=nurse,
    )
    _vitals(visit, nurse, t0 + dt.timedelta(minutes=22), 150, 92)
    services.infusion_resume(visit=visit, at=t0 + dt.timedelta(minutes=26), by=nurse)
    services.rating_record(visit=visit, scale="moaas", score=4, by=nurse)
    services.rating_record(visit=visit, scale="cadss", score=18, by=nurse)
    services.side_effect_record(visit=visit, kind="nausea", severity="mild", by=nurse)
    services.prn_record(
        visit=visit,
        drug="Ondansetron",
        dose="4",
        unit="mg",
        route="odt",
        reason="nausea",
        by=nurse,
    )
    # 10 min paused: the 40-min infusion ends at 50 min; stopping then delivers 35 mg.
    visit = services.infusion_stop(visit=visit, at=t0 + dt.timedelta(minutes=50), by=nurse)
    assert visit.phase == Visit.Phase.OBSERVATION
    assert visit.delivered_mg == Decimal("35.00")
    assert not visit.stopped_early
    # The measurement schedule knows of the infusion: its next-day check-in follows from it.
    assert MeasurementProfile.objects.get(patient=cast.patient).last_infusion_at == t0
    observed = visit.observation_min
    _vitals(visit, nurse, t0 + dt.timedelta(minutes=65), 132, 84)
    with pytest.raises(ChartError, match="Observation runs until"):
        services.visit_ready(visit=visit, by=nurse, now=t0 + dt.timedelta(minutes=49 + observed))
    visit = services.visit_ready(
        visit=visit, by=nurse, now=t0 + dt.timedelta(minutes=50 + observed)
    )
    # MOAA/S 4 does not meet the criterion: a nurse cannot discharge.
    with pytest.raises(ChartError, match="Alert \\(MOAA/S\\)"):
        services.visit_discharge(
            visit=visit,
            aldrete_items=GOOD_ALDRETE,
            moaas=4,
            escort_present_name="Robin Example",
            instructions_given=True,
            by=nurse,
            now=t0 + dt.timedelta(minutes=51 + observed),
        )
    visit = services.visit_discharge(
        visit=visit,
        aldrete_items=GOOD_ALDRETE,
        moaas=5,
        escort_present_name="Robin Example",
        instructions_given=True,
        by=nurse,
        now=t0 + dt.timedelta(minutes=52 + observed),
    )
    assert visit.phase == Visit.Phase.DISCHARGED
    ready.appointment.refresh_from_db()
    assert ready.appointment.status == "completed"
    note = services.note_sign(
        visit=visit,
        text="Session as charted. Tolerated well after a pause.",
        password=PASSWORD,
        attested=True,
        by=nurse,
    )
    visit.refresh_from_db()
    assert visit.phase == Visit.Phase.SIGNED
    assert note.content["delivered_mg"] == "35.00"
    with pytest.raises(ChartError):  # the signer cannot co-sign their own note
        services.note_cosign(visit=visit, password=PASSWORD, attested=True, by=cast.nurse)
    services.note_cosign(visit=visit, password=PASSWORD, attested=True, by=cast.provider)
    with pytest.raises(AppendOnlyError):
        note.text = "changed"
        note.save()
    services.note_addendum_add(
        visit=visit, text="Escort confirmed arrival home by phone.", password=PASSWORD, by=nurse
    )
    assert NoteAddendum.objects.filter(note=note).count() == 1
    assert SignedNote.objects.get(pk=note.pk).text.startswith("Session as charted")


def test_a_stop_before_the_full_dose_needs_a_reason_and_is_marked_early(cast):
    ready = ready_visit(cast, starts_at=timezone.now() - dt.timedelta(minutes=40))
    visit = gate_ready(ready)
    t0 = timezone.now() - dt.timedelta(minutes=30)
    services.infusion_start(visit=visit, values={**START, "at": t0}, by=cast.nurse)
    with pytest.raises(ChartError) as error:
        services.infusion_stop(visit=visit, at=t0 + dt.timedelta(minutes=20), by=cast.nurse)
    assert error.value.field == "reason"
    visit = services.infusion_stop(
        visit=visit,
        reason="Patient asked to stop: anxious",
        at=t0 + dt.timedelta(minutes=20),
        by=cast.nurse,
    )
    assert visit.stopped_early and visit.delivered_mg == Decimal("17.50")


def test_a_physician_discharges_with_an_override_and_the_reason_is_kept(cast):
    ready = ready_visit(cast, starts_at=timezone.now() - dt.timedelta(minutes=60))
    visit = gate_ready(ready)
    t0 = timezone.now() - dt.timedelta(minutes=50)
    services.infusion_start(visit=visit, values={**START, "at": t0}, by=cast.nurse)
    visit = services.infusion_stop(visit=visit, at=t0 + dt.timedelta(minutes=40), by=cast.nurse)
    with pytest.raises(ChartError):  # a reason is needed
        services.visit_discharge(
            visit=visit,
            aldrete_items=GOOD_ALDRETE,
            moaas=5,
            escort_present_name="",
            instructions_given=True,
            by=cast.physician,
        )
    visit = services.visit_discharge(
        visit=visit,
        aldrete_items=GOOD_ALDRETE,
        moaas=5,
        escort_present_name="",
        instructions_given=True,
        override_reason="Escort waiting in the car park; seen by me.",
        by=cast.physician,
    )
    assert set(visit.discharge_snapshot["overridden"]) >= {"observation", "escort"}


def test_an_esketamine_session_opens_the_rems_form_due_in_seven_days(cast):
    RemsFormRule.objects.create(
        organization=cast.org,
        name="Spravato REMS Patient Monitoring Form",
        drug="esketamine",
        due_days=7,
    )
    ready = ready_visit(cast, starts_at=timezone.now() - dt.timedelta(minutes=150))
    visit = gate_ready(ready)
    Visit.objects.filter(pk=visit.pk).update(drug="esketamine", route="intranasal")
    visit.refresh_from_db()
    t0 = timezone.now() - dt.timedelta(minutes=140)
    services.infusion_start(visit=visit, values={**START, "at": t0}, by=cast.nurse)
    services.dose_given(visit=visit, dose_mg="28", at=t0, by=cast.nurse)
    with pytest.raises(ChartError):  # more than ordered
        services.dose_given(
            visit=visit, dose_mg="28", at=t0 + dt.timedelta(minutes=5), by=cast.nurse
        )
    visit = services.infusion_stop(
        visit=visit,
        reason="Ordered amount given in one device",
        at=t0 + dt.timedelta(minutes=6),
        by=cast.nurse,
    )
    assert visit.delivered_mg == Decimal("28.00")
    visit = services.visit_discharge(
        visit=visit,
        aldrete_items=GOOD_ALDRETE,
        moaas=5,
        escort_present_name="Robin Example",
        instructions_given=True,
        override_reason="Vitals taken by hand; fine.",
        by=cast.physician,
    )
    form = visit.rems_forms.get()
    assert (
        form.due_on - timezone.localdate(visit.discharged_at, ready.cast.location.tzinfo)
    ).days == 7


def test_waste_needs_a_second_clinical_witness(cast):
    ready = ready_visit(cast, starts_at=timezone.now() - dt.timedelta(minutes=20))
    visit = gate_ready(ready)
    services.infusion_start(visit=visit, values=START, by=cast.nurse)
    for witness in (None, cast.nurse, cast.frontdesk):
        with pytest.raises(ChartError) as error:
            services.waste_record(visit=visit, dose_mg="165", witness=witness, by=cast.nurse)
        assert error.value.field == "witness"
    services.waste_record(
        visit=visit, dose_mg="165", volume_ml="16.5", witness=cast.provider, by=cast.nurse
    )
    visit.refresh_from_db()
    assert visit.wasted_mg == Decimal("165.00")
    assert AdministrationEvent.objects.filter(visit=visit, kind="waste").count() == 1


def test_moaas_zero_raises_an_alert(cast):
    ready = ready_visit(cast, starts_at=timezone.now() - dt.timedelta(minutes=20))
    visit = gate_ready(ready)
    services.infusion_start(visit=visit, values=START, by=cast.nurse)
    services.rating_record(visit=visit, scale="moaas", score=0, by=cast.nurse)
    assert VitalAlert.objects.get(visit=visit).rule == "moaas_unresponsive"


@pytest.mark.parametrize(("scale", "score"), [("moaas", 6), ("moaas", -1), ("cadss", 93), ("x", 1)])
def test_ratings_out_of_range_are_refused(cast, scale, score):
    ready = ready_visit(cast, starts_at=timezone.now() - dt.timedelta(minutes=20))
    visit = gate_ready(ready)
    services.infusion_start(visit=visit, values=START, by=cast.nurse)
    with pytest.raises(ChartError):
        services.rating_record(visit=visit, scale=scale, score=score, by=cast.nurse)

"""The chart page in every phase: it opens for clinical roles, each form works, a repeated
form saves once, and hostile input on any form answers with a message, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from infusionist.infusions import services
from infusionist.infusions.models import Rating, Visit, VitalSign
from infusionist.infusions.tests.factories import START, gate_ready, ready_visit
from infusionist.infusions.vitals import vital_record
from infusionist.test import PASSWORD
from tests.test_bad_input_everywhere import HOSTILE_VALUES, _post_forms

pytestmark = pytest.mark.django_db

GOOD_ALDRETE = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2}


def _url(visit: Visit, name: str = "infusions:visit") -> str:
    return reverse(name, args=[visit.pk])


def _to_phase(cast, phase: str) -> Visit:
    ready = ready_visit(cast, starts_at=timezone.now() - dt.timedelta(minutes=200))
    if phase == "scheduled":
        return ready.visit
    visit = gate_ready(ready)
    if phase == "pre_checks":
        return visit
    t0 = timezone.now() - dt.timedelta(minutes=190)
    visit = services.infusion_start(visit=visit, values={**START, "at": t0}, by=cast.nurse)
    if phase == "infusing":
        return visit
    if phase == "alert":
        for minutes in (5, 10):
            vital_record(
                visit=visit,
                values={"systolic_mmhg": 185, "diastolic_mmhg": 115},
                measured_at=t0 + dt.timedelta(minutes=minutes),
                source="nurse",
                by=cast.nurse,
            )
        return visit
    visit = services.infusion_stop(visit=visit, at=t0 + dt.timedelta(minutes=40), by=cast.nurse)
    vital_record(
        visit=visit,
        values={"systolic_mmhg": 130, "diastolic_mmhg": 84},
        measured_at=t0 + dt.timedelta(minutes=60),
        source="nurse",
        by=cast.nurse,
    )
    if phase == "observation":
        return visit
    visit = services.visit_ready(visit=visit, by=cast.nurse)
    if phase == "ready":
        return visit
    visit = services.visit_discharge(
        visit=visit,
        aldrete_items=GOOD_ALDRETE,
        moaas=5,
        escort_present_name="Robin Example",
        instructions_given=True,
        by=cast.nurse,
    )
    if phase == "discharged":
        return visit
    services.note_sign(
        visit=visit, text="As charted.", password=PASSWORD, attested=True, by=cast.nurse
    )
    visit.refresh_from_db()
    return visit


PHASES = [
    "scheduled",
    "pre_checks",
    "infusing",
    "alert",
    "observation",
    "ready",
    "discharged",
    "signed",
]


@pytest.mark.parametrize("phase", PHASES)
def test_the_chart_opens_in_every_phase_and_hostile_input_never_breaks_it(client, cast, phase):
    visit = _to_phase(cast, phase)
    for user in (cast.nurse, cast.physician, cast.provider):
        client.force_login(user)
        page = client.get(_url(visit))
        assert page.status_code == 200
        html = page.content.decode()
        assert cast.patient.display_name in html
        forms = [f for f in _post_forms(html, _url(visit)) if f[0].startswith("/chart/")]
        # The first user's hostile posts may move the visit on (a cancel with any reason).
        assert forms or user != cast.nurse, f"no form in phase {phase}"
        for target, fields in forms:
            for value in HOSTILE_VALUES:
                response = client.post(target, {field: value for field in fields})
                assert response.status_code in (200, 303, 403, 422), (target, value)
    client.force_login(cast.frontdesk)
    assert client.get(_url(visit)).status_code == 403


def test_a_repeated_vitals_form_saves_once(client, cast):
    visit = _to_phase(cast, "infusing")
    client.force_login(cast.nurse)
    data = {
        "submission": "abc123",
        "systolic_mmhg": "128",
        "diastolic_mmhg": "80",
        "heart_rate_per_min": "72",
    }
    first = client.post(_url(visit, "infusions:visit_vitals"), data)
    second = client.post(_url(visit, "infusions:visit_vitals"), data)
    assert first.status_code == second.status_code == 303
    assert VitalSign.objects.filter(visit=visit, stage="during").count() == 1


def test_a_bad_vital_keeps_what_was_typed_and_names_the_field(client, cast):
    visit = _to_phase(cast, "infusing")
    client.force_login(cast.nurse)
    response = client.post(
        _url(visit, "infusions:visit_vitals"),
        {"systolic_mmhg": "1280", "diastolic_mmhg": "80", "heart_rate_per_min": "72"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'value="1280"' in html and 'value="72"' in html
    assert "systolic" in html.lower()


def test_the_nurse_charts_a_high_pressure_twice_and_must_answer_the_alert(client, cast):
    visit = _to_phase(cast, "alert")
    client.force_login(cast.nurse)
    html = client.get(_url(visit)).content.decode()
    assert "a documented response is needed" in html
    blocked = client.post(_url(visit, "infusions:visit_rating"), {"scale": "moaas", "score": "4"})
    assert blocked.status_code == 422
    assert "Answer the alert first" in blocked.content.decode()
    alert = visit.alerts.get()
    done = client.post(
        _url(visit, "infusions:visit_alert_respond"),
        {
            "alert": alert.pk,
            "responses": ["observed", "physician_notified"],
            "note": "Dr Example informed; recheck in 5 min.",
        },
    )
    assert done.status_code == 303
    assert (
        client.post(
            _url(visit, "infusions:visit_rating"), {"scale": "moaas", "score": "4"}
        ).status_code
        == 303
    )
    assert Rating.objects.filter(visit=visit, scale="moaas", score=4).exists()


def test_the_physician_overrides_a_check_on_the_page(client, cast):
    ready = ready_visit(cast)
    visit = gate_ready(
        ready,
        checks={
            "weight_today_kg": "70",
            "fasting_confirmed": True,
            "escort_name": "Robin Example",
            "escort_phone": "503-555-0142",
            "pregnancy": "",
        },
    )
    client.force_login(cast.physician)
    html = client.get(_url(visit)).content.decode()
    assert "Override this check" in html
    response = client.post(
        _url(visit, "infusions:visit_override"),
        {"code": "pregnancy", "reason": "Post-menopausal for 10 years; confirmed with her."},
    )
    assert response.status_code == 303
    html = client.get(_url(visit)).content.decode()
    assert "overridden by a physician" in html
    assert f'action="{_url(visit, "infusions:visit_start")}"' in html


def test_a_signed_note_waits_on_the_prescribers_today_and_is_named_in_the_audit(client, cast):
    visit = _to_phase(cast, "signed")
    client.force_login(cast.provider)
    html = client.get(reverse("today:index")).content.decode()
    assert "Session notes waiting for your co-signature" in html
    assert _url(visit) + "#signed" in html
    client.force_login(cast.nurse)
    assert (
        "waiting for your co-signature" not in client.get(reverse("today:index")).content.decode()
    )
    services.note_cosign(visit=visit, password=PASSWORD, attested=True, by=cast.provider)
    client.force_login(cast.physician)
    assert (
        "waiting for your co-signature" not in client.get(reverse("today:index")).content.decode()
    )


def test_the_discharge_assigns_the_next_day_check_in(cast):
    from infusionist.measurements.models import Assignment

    visit = _to_phase(cast, "discharged")
    rows = Assignment.objects.filter(patient=cast.patient, reason="next_day_checkin")
    assert {a.instrument_code for a in rows} == {"phq9", "gad7"}
    opens = visit.infusion_started_at + dt.timedelta(hours=24)
    assert all(a.available_at == opens for a in rows)


def test_a_dose_cannot_be_backdated_before_the_baseline_reading(cast):
    from infusionist.infusions.errors import ChartError

    ready = ready_visit(cast, starts_at=timezone.now() - dt.timedelta(minutes=30))
    visit = gate_ready(ready)
    with pytest.raises(ChartError, match="before"):
        services.infusion_start(
            visit=visit,
            values={**START, "at": ready.appointment.service_starts_at - dt.timedelta(minutes=5)},
            by=cast.nurse,
        )

"""Issue 12: the chair board on a phone and a desktop, updating without a reload.

A nurse opens the board: the infusing patient's row says the phase, the minutes and the open
alert in words; a patient checked in afterwards appears without the page being reloaded; a
lost connection shows a warning and the rows stay.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from infusionist.clinics.models import Chair, Room
from infusionist.infusions import views_board
from infusionist.infusions.models import AdministrationEvent, Visit, VitalAlert, VitalSign
from infusionist.patients.models import Patient
from tests.e2e.conftest import login, shot


def _patient(cast, n: int, first: str, last: str) -> Patient:
    patient = Patient(
        organization=cast.org,
        mrn=f"WTC{900 + n:06d}",
        legal_first_name=first,
        legal_last_name=last,
        date_of_birth=dt.date(1980, 1, n),
        sex_at_birth="female",
    )
    patient.refresh_search_keys()
    patient.save()
    return patient


def _more_visits(cast, chairs, now) -> None:
    """Observation in chair 3, a pause in chair 4, the next booking in chair 5, one unseated."""
    common = {"organization": cast.org, "location": cast.location, "duration_min": 40}
    observing = Visit.objects.create(
        **common,
        patient=_patient(cast, 1, "Cora", "Fictional"),
        chair=chairs[2],
        phase=Visit.Phase.OBSERVATION,
        scheduled_at=now - dt.timedelta(minutes=90),
        infusion_started_at=now - dt.timedelta(minutes=70),
        infusion_ended_at=now - dt.timedelta(minutes=30),
        observation_min=120,
    )
    VitalSign.objects.create(
        visit=observing,
        measured_at=now - dt.timedelta(minutes=4),
        stage="after",
        systolic_mmhg=132,
        diastolic_mmhg=84,
        fingerprint="e2e-obs",
    )
    paused = Visit.objects.create(
        **common,
        patient=_patient(cast, 2, "Dev", "Madeup"),
        chair=chairs[3],
        phase=Visit.Phase.PAUSED,
        scheduled_at=now - dt.timedelta(minutes=30),
        infusion_started_at=now - dt.timedelta(minutes=18),
        observation_min=60,
        monitoring_interval_min=10,
    )
    AdministrationEvent.objects.create(visit=paused, kind="pause", at=now - dt.timedelta(minutes=6))
    Visit.objects.create(
        **common,
        patient=_patient(cast, 3, "Eli", "Imaginary"),
        chair=chairs[4],
        phase=Visit.Phase.SCHEDULED,
        scheduled_at=now + dt.timedelta(minutes=45),
    )
    Visit.objects.create(
        **common,
        patient=_patient(cast, 4, "Fay", "Invented"),
        chair=None,
        phase=Visit.Phase.PRE_CHECKS,
        scheduled_at=now - dt.timedelta(minutes=10),
    )


def test_the_board_updates_itself_and_reads_on_a_phone(page, live_server, cast, monkeypatch):
    monkeypatch.setattr(views_board, "POLL_EVERY_S", 1)
    room = Room.objects.create(location=cast.location, name="Room A")
    chairs = [
        Chair.objects.create(room=room, name=f"Chair {n}", capabilities=["iv_infusion"])
        for n in (1, 2, 3, 4, 5)
    ]
    now = timezone.now()
    _more_visits(cast, chairs, now)
    infusing = Visit.objects.create(
        organization=cast.org,
        location=cast.location,
        patient=cast.patient,
        chair=chairs[0],
        phase=Visit.Phase.INFUSING,
        scheduled_at=now - dt.timedelta(minutes=30),
        infusion_started_at=now - dt.timedelta(minutes=23),
        duration_min=40,
        observation_min=60,
        monitoring_interval_min=15,
    )
    VitalSign.objects.create(
        visit=infusing,
        measured_at=now - dt.timedelta(minutes=20),
        stage="during",
        systolic_mmhg=185,
        diastolic_mmhg=115,
        fingerprint="e2e-1",
    )
    VitalAlert.objects.create(
        visit=infusing,
        rule="bp_hold",
        message="Blood pressure 185/115 on two readings 5 minutes apart",
        threshold="≥ 180/110",
        source_keys="[10][42]",
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, live_server.url, "nurse@test.example")
    page.get_by_role("link", name="Chair board", exact=True).first.click()
    expect(page.get_by_role("heading", name="Chair board")).to_be_visible()
    first = page.locator("tr.board-row").first
    expect(first).to_contain_text("Alice Testpatient")
    expect(first).to_contain_text("Infusing")
    expect(first).to_contain_text("23 min of 40")
    # 185/115 twenty minutes ago asked for a repeat 5 minutes later: overdue by 15.
    expect(first).to_contain_text("Overdue by 15 min")
    expect(first).to_contain_text("1 open alert")

    # A patient checked in after the page opened appears on the next poll.
    Visit.objects.create(
        organization=cast.org,
        location=cast.location,
        patient=cast.other_patient,
        chair=chairs[1],
        phase=Visit.Phase.CHECKED_IN,
        scheduled_at=now,
        checked_in_at=now,
    )
    second = page.locator("tr.board-row").nth(1)
    expect(second).to_contain_text("Bruno Otherpatient", timeout=8000)
    expect(second).to_contain_text("Checked in")
    expect(page.locator("tr.board-row").nth(2)).to_contain_text("Observation")
    expect(page.locator("tr.board-row").nth(3)).to_contain_text("Paused")
    expect(page.locator("tr.board-row").nth(4)).to_contain_text("Next")
    expect(page.get_by_role("heading", name="Visits without a chair")).to_be_visible()
    shot(page, "chair-board-desktop")

    page.set_viewport_size({"width": 390, "height": 844})
    expect(first).to_contain_text("Alice Testpatient")
    shot(page, "chair-board-phone")

    # The connection drops: the rows stay, and the board says it is not up to date.
    page.context.set_offline(True)
    expect(page.get_by_text("The board could not be updated")).to_be_visible(timeout=8000)
    expect(first).to_contain_text("Alice Testpatient")
    page.context.set_offline(False)
    expect(page.get_by_text("The board could not be updated")).to_be_hidden(timeout=8000)


def test_a_physician_signs_a_chart_setting_on_a_phone(page, live_server, cast) -> None:
    from infusionist.infusions.models import ChartSettings
    from infusionist.test import PASSWORD

    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, "physician@test.example")
    page.goto(f"{live_server.url}/clinic/chart-settings/")
    expect(page.get_by_role("heading", name="Chart settings")).to_be_visible()
    page.get_by_label("Alert when SpO2 is below (%)").fill("93")
    page.get_by_label("Your password").fill("not the password")
    page.get_by_role("button", name="Sign the chart settings").click()
    expect(page.get_by_text("Tick the attestation to sign.")).to_be_visible()
    expect(page.get_by_label("Alert when SpO2 is below (%)")).to_have_value("93")
    page.get_by_label("I have reviewed these thresholds").check()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the chart settings").click()
    expect(page.get_by_text("Signed: the new chart settings apply now.")).to_be_visible()
    assert ChartSettings.objects.get(organization=cast.org).spo2_min_pct == 93
    expect(page.get_by_text("Spravato REMS Patient Monitoring Form")).to_be_visible()
    shot(page, "chart-settings-phone")

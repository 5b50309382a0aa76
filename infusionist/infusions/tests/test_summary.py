"""The printable session summary: everything charted, the signed note's hash, access, audit."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.infusions import services, vitals
from infusionist.infusions.models import Visit, VitalAlert, VitalSign
from infusionist.infusions.tests.factories import BASELINE, GOOD_PRE_CHECKS, START, ready_visit
from infusionist.test import PASSWORD


def summary_url(visit: Visit) -> str:
    return reverse("infusions:visit_summary", args=[visit.pk])


def charted(cast):
    """Return a visit charted from check-in to a co-signed note with an addendum."""
    ready = ready_visit(cast)
    now = timezone.now()
    # As gate_ready, but the baseline through the chart's own service (its fingerprint fits).
    visit = services.visit_check_in(visit=ready.visit, by=cast.frontdesk)
    visit = services.visit_pre_checks_save(visit=visit, values=GOOD_PRE_CHECKS, by=cast.nurse)
    vitals.vital_record(
        visit=visit, values=BASELINE, measured_at=now, source="nurse", by=cast.nurse, now=now
    )
    visit.refresh_from_db()
    visit = services.infusion_start(visit=visit, values=START, by=cast.nurse, now=now)
    for minutes, source, bp in ((10, "monitor", (150, 92)), (20, "nurse", (132, 84))):
        VitalSign.objects.create(
            visit=visit,
            measured_at=now + dt.timedelta(minutes=minutes),
            stage=VitalSign.Stage.DURING,
            systolic_mmhg=bp[0],
            diastolic_mmhg=bp[1],
            heart_rate_per_min=80,
            spo2_pct=97,
            respiratory_rate_per_min=14,
            source=source,
            device="Monitor M-3" if source == "monitor" else "",
            fingerprint=f"s{minutes}",
        )
    VitalAlert.objects.create(
        visit=visit,
        rule="bp_hold",
        message="Blood pressure 185/115 mmHg twice, 5 min apart.",
        threshold="≥ 180/110 mmHg twice",
        source_keys="[10][42]",
        responses=["paused", "physician_notified"],
        response_note="Paused 10 min; rechecked 150/92.",
        responded_by=cast.nurse,
        responded_at=now,
    )
    services.rating_record(visit=visit, scale="moaas", score=4, by=cast.nurse, now=now)
    services.rating_record(visit=visit, scale="cadss", score=12, by=cast.nurse, now=now)
    services.side_effect_record(visit=visit, kind="nausea", note="Settled", by=cast.nurse, now=now)
    services.prn_record(
        visit=visit,
        drug="Ondansetron",
        dose="4",
        unit="mg",
        route="odt",
        reason="Nausea",
        by=cast.nurse,
        now=now,
    )
    # The stop and discharge are the chart's (tested there); here the visit is put in the
    # state they leave it in, so the note can be signed through its service.
    Visit.objects.filter(pk=visit.pk).update(
        phase=Visit.Phase.DISCHARGED,
        delivered_mg="35.00",
        infusion_ended_at=now,
        discharged_at=now,
        discharged_by=cast.physician,
        escort_present_name="Robin Example",
        instructions_given=True,
        discharge_snapshot={
            "criteria": [
                {
                    "code": "aldrete",
                    "title": "Modified Aldrete score",
                    "met": False,
                    "rule": "Total at least 9 of 10.",
                    "source_keys": "[50]",
                    "inputs": {"Total": "8"},
                }
            ],
            "override_reason": "Aldrete 8 only for activity; walked with help; fictional.",
            "overridden": ["aldrete"],
        },
    )
    services.note_sign(
        visit=visit,
        text="Uneventful session; fictional note.",
        password=PASSWORD,
        attested=True,
        by=cast.nurse,
    )
    services.note_cosign(visit=visit, password=PASSWORD, attested=True, by=cast.physician)
    services.note_addendum_add(
        visit=visit, text="Patient called: home safely.", password=PASSWORD, by=cast.nurse
    )
    visit.refresh_from_db()
    return visit


def test_the_summary_shows_the_whole_session_and_the_signed_hash(client, cast) -> None:
    visit = charted(cast)
    client.force_login(cast.provider)
    response = client.get(summary_url(visit))
    assert response.status_code == 200
    html = response.content.decode()
    for expected in (
        cast.patient.display_name,
        "Pre-infusion checks",
        "Baseline vital signs",  # a gate condition, with its basis
        "TEST-LOT-0042",
        "Pump started",
        "150.00",  # the pump rate (mL/h)
        "monitor (Monitor M-3)",
        "185/115",
        "Infusion paused, Physician notified",
        "Sedation (MOAA/S)",
        "Ondansetron 4 mg",
        "Nausea (mild): Settled",
        "Physician’s override",
        "Aldrete 8 only for activity",
        "Uneventful session; fictional note.",
        "Co-signed by",
        "Patient called: home safely.",
        visit.signed_note.content_sha256,
        "(verified)",
    ):
        assert expected in html, expected
    event = AuditEvent.objects.get(action="view", object_type="visit", object_id=str(visit.pk))
    assert event.detail["page"] == "session_summary"
    assert event.patient_id == cast.patient.pk


def test_a_visit_before_the_dose_shows_the_gate_as_it_stands(client, cast) -> None:
    ready = ready_visit(cast)
    visit = services.visit_check_in(visit=ready.visit, by=cast.frontdesk)
    client.force_login(cast.nurse)
    html = client.get(summary_url(visit)).content.decode()
    assert "As they stand now: the dose has not started." in html
    assert "Not met" in html
    assert "The note is not signed yet." in html


def test_only_clinical_staff_of_the_clinic_open_it(client, cast) -> None:
    visit = ready_visit(cast).visit
    client.force_login(cast.frontdesk)
    assert client.get(summary_url(visit)).status_code == 403
    client.force_login(cast.outsider)
    assert client.get(summary_url(visit)).status_code in (403, 404)
    client.force_login(cast.patient_user)
    assert client.get(summary_url(visit)).status_code == 403

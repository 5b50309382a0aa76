"""A patient ready for an infusion today, and the visit of their chair appointment.

Built on the fixed test cast and the bookable test clinic (``scheduling.tests.factories``):
consent signed, eligibility approved on a submitted intake, the worked-example order signed
(70 kg × 0.5 mg/kg = 35 mg over 40 min, 10 mg/mL vials into 100 mL), PHQ-9 and GAD-7 done an
hour ago, and a ketamine infusion booked for now in chair 1. ``ready_visit`` returns the
visit still scheduled; ``gate_ready`` takes it through check-in and every pre-infusion check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from infusionist.consent import services as consent_services
from infusionist.consent.models import ConsentDocumentVersion
from infusionist.consultations import services as consultation_services
from infusionist.consultations.tests.factories import answers, packet_save
from infusionist.infusions import services
from infusionist.infusions.models import Visit, VitalSign
from infusionist.intake.selectors import intake_snapshot
from infusionist.lib import eligibility
from infusionist.measurements import services as measurement_services
from infusionist.scheduling.models import Appointment, AppointmentType
from infusionist.scheduling.tests.factories import Bookable, bookable
from infusionist.test import PASSWORD, Cast
from infusionist.treatment import services as treatment_services
from infusionist.treatment.models import TreatmentPlanVersion
from infusionist.treatment.tests.conftest import plan_spec

REQUIRED_CONSENTS = ("ketamine_treatment", "privacy_notice", "financial_policy")
PHQ9_MILD = {f"q{n}": 1 for n in range(1, 9)} | {"q9": 0, "difficulty": 1}
GAD7_MILD = {f"q{n}": 1 for n in range(1, 8)}


@dataclass
class Ready:
    cast: Cast
    clinic: Bookable
    version: TreatmentPlanVersion
    appointment: Appointment
    visit: Visit


def _consent(cast: Cast) -> None:
    consent_services.consent_documents_create_defaults(organization=cast.org)
    docs = {v.kind: v for v in ConsentDocumentVersion.objects.filter(organization=cast.org)}
    for kind in REQUIRED_CONSENTS:
        consent_services.consent_sign(
            patient=cast.patient,
            version=docs[kind],
            actor=cast.patient_user,
            typed_name=cast.patient.legal_name,
            agreed=True,
            language="en",
        )


def _approve(cast: Cast) -> None:
    packet_save(cast.patient, answers())
    snapshot = intake_snapshot(patient=cast.patient)
    assert snapshot is not None
    result = eligibility.evaluate(snapshot.facts)
    consultation_services.eligibility_decision_sign(
        patient=cast.patient,
        signer=cast.physician,
        outcome="approved",
        note="Seen by video; history and medicines reviewed.",
        password=PASSWORD,
        attested=True,
        overrides={
            c.code: "Reviewed with the patient; fictional test reason."
            for c in result.needs_override
        },
    )


def _questionnaires(cast: Cast, at: dt.datetime) -> None:
    for code, values in (("phq9", PHQ9_MILD), ("gad7", GAD7_MILD)):
        measurement_services.questionnaire_response_submit(
            patient=cast.patient,
            instrument_code=code,
            answers=values,
            source="staff",
            actor=cast.nurse,
            entered_by=cast.nurse,
            completed_at=at,
            completed_at_reason="Filled in on the clinic's tablet.",
        )


def ready_visit(
    cast: Cast, *, starts_at: dt.datetime | None = None, kind: str = "ketamine_infusion"
) -> Ready:
    """Return a patient ready for a dose and the scheduled visit of today's appointment."""
    clinic = bookable(cast)
    _consent(cast)
    _approve(cast)
    protocol = cast.org.protocols.get(key="depression-iv-induction")
    draft = treatment_services.plan_version_draft_save(
        patient=cast.patient, actor=cast.provider, spec=plan_spec(protocol)
    )
    version = treatment_services.plan_version_sign(
        version=draft, signer=cast.physician, password=PASSWORD, attested=True
    )
    now = timezone.now()
    _questionnaires(cast, now - dt.timedelta(hours=1))
    start = starts_at or now.replace(second=0, microsecond=0)
    appointment_type = AppointmentType.objects.get(organization=cast.org, kind=kind)
    appointment = Appointment.objects.create(
        organization=cast.org,
        location=cast.location,
        appointment_type=appointment_type,
        patient=cast.patient,
        chair=clinic.chairs[0],
        staff=cast.nurse,
        staff_exclusive=False,
        starts_at=start - dt.timedelta(minutes=10),
        ends_at=start + dt.timedelta(minutes=150),
        service_starts_at=start,
        service_ends_at=start + dt.timedelta(minutes=130),
    )
    visit = services.visit_for_appointment(appointment=appointment)
    assert visit is not None
    return Ready(cast=cast, clinic=clinic, version=version, appointment=appointment, visit=visit)


GOOD_PRE_CHECKS = {
    "weight_today_kg": "70.0",
    "fasting_confirmed": True,
    "escort_name": "Robin Example",
    "escort_phone": "503-555-0142",
    "pregnancy": Visit.Pregnancy.NEGATIVE_TEST,
}

BASELINE = {
    "systolic_mmhg": 128,
    "diastolic_mmhg": 82,
    "heart_rate_per_min": 74,
    "spo2_pct": 98,
    "respiratory_rate_per_min": 14,
}

#: The worked example's pump: 35 mg in 100 mL = 0.35 mg/mL at 150 mL/h for 40 min.
START = {
    "container_label": "Ketamine 10 mg/mL, 20 mL vial; 100 mL NS bag",
    "lot_number": "TEST-LOT-0042",
    "concentration_mg_per_ml": "0.35",
    "bag_volume_ml": "100",
    "rate_ml_per_h": "150",
}


def gate_ready(
    ready: Ready, *, checks: dict[str, object] | None = None, at: dt.datetime | None = None
) -> Visit:
    """Check in, record the pre-infusion checks and a baseline reading: the gate passes.

    ``at`` is when it all happened (default: at the appointment's start, or now if later).
    """
    cast = ready.cast
    at = at or min(ready.appointment.service_starts_at, timezone.now())
    visit = services.visit_check_in(visit=ready.visit, by=cast.frontdesk, now=at)
    visit = services.visit_pre_checks_save(
        visit=visit,
        values=checks if checks is not None else GOOD_PRE_CHECKS,
        by=cast.nurse,
        now=at,
    )
    baseline(visit, at=at, **BASELINE)
    visit.refresh_from_db()
    return visit


def baseline(visit: Visit, *, at: dt.datetime | None = None, **values: object) -> VitalSign:
    """Store a reading taken before the dose (the nurse's), bypassing the alert service."""
    moment = at or timezone.now()
    return VitalSign.objects.create(
        visit=visit,
        measured_at=moment,
        stage=VitalSign.Stage.BASELINE,
        fingerprint=hashlib.sha256(
            f"{moment.isoformat()}{sorted(values.items())}".encode()
        ).hexdigest(),
        recorded_by=None,
        **values,  # type: ignore[arg-type]
    )


def decimal(value: str) -> Decimal:
    return Decimal(value)

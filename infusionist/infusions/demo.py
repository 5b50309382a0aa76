"""The demo clinic's chairside day (seed_demo): a visit in every phase, so the board is alive.

Seeded after scheduling. At the primary location, around the moment of seeding ("now", in the
location's zone): a patient scheduled later today, one checked in, one at the pre-infusion
checks, one infusing now (vitals every 10 minutes since the pump started, one set from the
monitor), one paused with a blood-pressure alert answered, one in observation, one ready for
discharge, one discharged awaiting the nurse's note, one whose note awaits the physician's
co-signature, and a cancelled one; plus an esketamine session discharged yesterday, whose
Spravato REMS Patient Monitoring Form is due [36][46][47].

Each patient is made ready through the services a clinic uses (consent signed on the clinic
tablet, a submitted intake approved by the physician, a signed order, PHQ-9 and GAD-7 the
hour before), and every chart entry is written by the chart's own services with ``now=`` set
in the past, so the rows are exactly what the product writes. The appointments are written
directly (the booking service refuses a time outside opening hours, and the demo seeds at any
hour); each is marked with :data:`DEMO_NOTE`, and a clinic that has one is left alone, so a
second run changes nothing. Every person and value is fictional.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.clinics.models import Chair, Location, Organization
from infusionist.consent import selectors as consent_selectors
from infusionist.consent import services as consent_services
from infusionist.consent.demo import DEMO_CONTEXT
from infusionist.consent.models import ConsentSignature
from infusionist.consultations import demo as consultations_demo
from infusionist.consultations import selectors as consultation_selectors
from infusionist.consultations import services as consultation_services
from infusionist.consultations.models import EligibilityDecision
from infusionist.infusions import gate, services, vitals
from infusionist.infusions.models import Visit, VitalAlert
from infusionist.infusions.services_settings import rems_rules_ensure
from infusionist.intake.models import IntakePacket
from infusionist.lib.dosing import DOSE_FIELDS
from infusionist.measurements import services as measurement_services
from infusionist.patients.models import Patient
from infusionist.scheduling import services as scheduling_services
from infusionist.scheduling.models import Appointment, AppointmentType
from infusionist.treatment import services as treatment_services
from infusionist.treatment.models import Protocol, TreatmentPlan
from infusionist.treatment.services import PlanVersionSpec

#: Marks the appointments this seeds; a clinic holding one is not seeded again.
DEMO_NOTE = "Demo chair day (fictional)."
#: Patients from this index on (registration order) are candidates: the earlier ones carry
#: the other demos' stories (questionnaires, consent, consultations, plans).
FIRST_PATIENT_INDEX = 14
#: Active appointment statuses (a chair, a staff member or a patient holds one at a time).
ACTIVE = (
    Appointment.Status.BOOKED,
    Appointment.Status.CONFIRMED,
    Appointment.Status.ARRIVED,
    Appointment.Status.IN_PROGRESS,
)
PHQ9_MILD = {f"q{n}": 1 for n in range(1, 9)} | {"q9": 0, "difficulty": 1}
GAD7_MILD = {f"q{n}": 1 for n in range(1, 8)}
BASELINE = {
    "systolic_mmhg": 128,
    "diastolic_mmhg": 80,
    "heart_rate_per_min": 74,
    "spo2_pct": 98,
    "respiratory_rate_per_min": 14,
}
ALDRETE_FULL = {name: 2 for name in services.ALDRETE_ITEMS}
ESCORT = ("Sam Fictional", "541-555-0177")


@dataclass
class _Day:
    organization: Organization
    location: Location
    now: dt.datetime
    nurse: User
    physician: User
    provider: User
    front_desk: User
    types: dict[str, AppointmentType]
    protocols: dict[str, Protocol]


def seed(*, organization: Organization, staff: dict[str, User]) -> dict[str, int]:
    """Seed the chair day; return {phase: visits made}. Idempotent (see the module's note).

    Returns {} when the clinic already has the demo's appointments, or lacks what the day
    needs (a primary location with chairs, the infusion types, enough fresh patients).
    """
    if Appointment.objects.filter(organization=organization, note=DEMO_NOTE).exists():
        return {}
    location = Location.objects.filter(organization=organization, is_primary=True).first()
    types = {t.key: t for t in AppointmentType.objects.filter(organization=organization)}
    protocols = {p.key: p for p in Protocol.objects.filter(organization=organization)}
    needed_types = {"ketamine-infusion", "esketamine-session"}
    needed_protocols = {"depression-iv-induction", "esketamine-induction"}
    if (
        location is None
        or not needed_types <= types.keys()
        or not needed_protocols <= protocols.keys()
    ):
        return {}
    day = _Day(
        organization=organization,
        location=location,
        now=timezone.now().replace(second=0, microsecond=0),
        nurse=staff[Role.NURSE],
        physician=staff[Role.PHYSICIAN],
        provider=staff[Role.PROVIDER],
        front_desk=staff[Role.FRONT_DESK],
        types=types,
        protocols=protocols,
    )
    patients = _fresh_patients(day, count=len(PHASES))
    if len(patients) < len(PHASES):
        return {}
    # The clinic's REMS form rules (the defaults, unless the clinic changed them).
    rems_rules_ensure(organization=organization)
    made: dict[str, int] = {}
    for (phase, seeder), patient in zip(PHASES, patients, strict=True):
        seeder(day, patient)
        made[phase] = made.get(phase, 0) + 1
    return made


# --- people ---------------------------------------------------------------------------------


def _fresh_patients(day: _Day, *, count: int) -> list[Patient]:
    """Return patients with no plan, intake or appointment around today (fictional)."""
    busy_from = day.now - dt.timedelta(days=2)
    busy_to = day.now + dt.timedelta(days=1)
    later = Patient.objects.filter(organization=day.organization).order_by("id")
    ids = list(later.values_list("id", flat=True)[FIRST_PATIENT_INDEX:])
    candidates = (
        Patient.objects.filter(pk__in=ids)
        .exclude(treatment_plan__isnull=False)
        .exclude(pk__in=IntakePacket.objects.values("patient_id"))
        .exclude(
            pk__in=Appointment.objects.filter(
                Q(service_starts_at__lt=busy_to) & Q(service_ends_at__gt=busy_from),
                patient__isnull=False,
            ).values("patient_id")
        )
        .order_by("id")
    )
    return list(candidates[:count])


def _make_ready(
    day: _Day, patient: Patient, *, protocol_key: str, questionnaires_at: dt.datetime
) -> None:
    """Consent, an approved eligibility decision, a signed order and the questionnaires."""
    for item in consent_selectors.consent_status(patient=patient, telehealth=True).to_sign:
        assert item.current_version is not None
        consent_services.consent_sign(
            patient=patient,
            version=item.current_version,
            actor=day.front_desk,
            typed_name=patient.legal_name,
            agreed=True,
            language="en",
            method=ConsentSignature.Method.TABLET,
            context=DEMO_CONTEXT,
        )
    consultations_demo._packet(  # noqa: SLF001 - the demo's own fictional intake answers
        patient,
        consultations_demo._answers(  # noqa: SLF001
            systolic_mmhg=124, trials=("sertraline", "bupropion")
        ),
        submitted_days_ago=10,
    )
    if not EligibilityDecision.objects.filter(patient=patient).exists():
        result = consultation_selectors.eligibility_review(patient=patient).result
        consultation_services.eligibility_decision_sign(
            patient=patient,
            signer=day.physician,
            outcome=EligibilityDecision.Outcome.APPROVED,
            note="Demo decision (fictional): history and medicines reviewed by video.",
            overrides={
                check.code: "Demo (fictional): discussed at the consultation."
                for check in (result.needs_override if result else ())
            },
            password=settings.DEMO_PASSWORD,
            attested=True,
        )
    if not TreatmentPlan.objects.filter(patient=patient).exists():
        protocol = day.protocols[protocol_key]
        # Written as on the day before (yesterday's esketamine session carries it out).
        yesterday = timezone.localtime(day.now, day.location.tzinfo).date() - dt.timedelta(1)
        draft = treatment_services.plan_version_draft_save(
            patient=patient,
            actor=day.provider,
            spec=_spec(patient, protocol, yesterday),
            today=yesterday,
        )
        treatment_services.plan_version_sign(
            version=draft,
            signer=day.physician,
            password=settings.DEMO_PASSWORD,
            attested=True,
            today=yesterday,
        )
    for code, answers in (("phq9", PHQ9_MILD), ("gad7", GAD7_MILD)):
        measurement_services.questionnaire_response_submit(
            patient=patient,
            instrument_code=code,
            answers=answers,
            source="staff",
            actor=day.nurse,
            entered_by=day.nurse,
            completed_at=questionnaires_at,
            completed_at_reason="Demo (fictional): filled in on the clinic's tablet.",
        )


def _spec(patient: Patient, protocol: Protocol, first_day: dt.date) -> PlanVersionSpec:
    iv = protocol.route == "iv"
    data: dict[str, Any] = {
        "protocol": protocol,
        "indication": protocol.indication,
        "phase": "induction",
        "planned_sessions": protocol.session_count,
        "sessions_per_week": protocol.sessions_per_week,
        "planned_start_date": first_day,
        "duration_min": protocol.duration_min,
        "weight_kg": Decimal("72.0"),
        "height_cm": Decimal("170"),
        "sex": patient.sex_at_birth if patient.sex_at_birth in ("male", "female") else "",
        "weight_basis": "actual",
        "vial_mg_per_ml": Decimal("10") if iv else None,
        "bag_volume_ml": Decimal("100") if iv else None,
        "withdraw_equal_volume": False,
        "rationale": "Demo plan (fictional).",
    }
    for name in DOSE_FIELDS:
        data[name] = getattr(protocol, name)
    return PlanVersionSpec.from_values(data)


# --- appointments and visits ----------------------------------------------------------------


def _free_chair(day: _Day, capability: str, starts: dt.datetime, ends: dt.datetime) -> Chair | None:
    """Return a chair of the location with ``capability`` free over [starts, ends), or None."""
    taken = Appointment.objects.filter(
        chair__isnull=False, status__in=ACTIVE, starts_at__lt=ends, ends_at__gt=starts
    ).values("chair_id")
    chairs = (
        Chair.objects.filter(room__location=day.location)
        .exclude(pk__in=taken)
        .order_by("room__name", "name", "id")
    )
    return next((c for c in chairs if capability in (c.capabilities or [])), None)


def _visit(day: _Day, patient: Patient, *, key: str, service_starts: dt.datetime) -> Visit:
    """Book the dose appointment (directly; see the module's note) and return its visit."""
    appointment_type = day.types[key]
    esketamine = key == "esketamine-session"
    service_min = 15 if esketamine else 40
    observation_min = 120
    starts = service_starts - dt.timedelta(minutes=10)
    ends = service_starts + dt.timedelta(minutes=service_min + observation_min + 10)
    capability = "intranasal" if esketamine else "iv_infusion"
    appointment = Appointment.objects.create(
        organization=day.organization,
        location=day.location,
        appointment_type=appointment_type,
        patient=patient,
        chair=_free_chair(day, capability, starts, ends),
        staff=day.nurse,
        staff_exclusive=False,
        starts_at=starts,
        ends_at=ends,
        service_starts_at=service_starts,
        service_ends_at=service_starts + dt.timedelta(minutes=service_min),
        created_by=day.front_desk,
        created_at=min(day.now, service_starts) - dt.timedelta(days=2),
        note=DEMO_NOTE,
    )
    visit = services.visit_for_appointment(appointment=appointment)
    assert visit is not None
    return visit


def _at(day: _Day, minutes: int) -> dt.datetime:
    return day.now + dt.timedelta(minutes=minutes)


def _vital(
    day: _Day, visit: Visit, at: dt.datetime, *, source: str = "nurse", **changes: int
) -> vitals.RecordedVital:
    return vitals.vital_record(
        visit=visit,
        values=BASELINE | changes,
        measured_at=at,
        source=source,
        device="Demo monitor (fictional)" if source == "monitor" else "",
        by=day.nurse,
        now=at,
    )


def _checked_in(day: _Day, patient: Patient, *, service_in: int, key: str, at: int) -> Visit:
    starts = _at(day, service_in)
    _make_ready(
        day,
        patient,
        protocol_key="esketamine-induction"
        if key == "esketamine-session"
        else "depression-iv-induction",
        questionnaires_at=min(_at(day, at), day.now) - dt.timedelta(hours=1),
    )
    visit = _visit(day, patient, key=key, service_starts=starts)
    return services.visit_check_in(visit=visit, by=day.front_desk, now=_at(day, at))


def _pre_checked(day: _Day, patient: Patient, *, service_in: int, at: int, key: str) -> Visit:
    visit = _checked_in(day, patient, service_in=service_in, key=key, at=at - 5)
    asked = gate.pregnancy_applies(patient)
    visit = services.visit_pre_checks_save(
        visit=visit,
        values={
            "weight_today_kg": "72.0",
            "fasting_confirmed": True,
            "escort_name": ESCORT[0],
            "escort_phone": ESCORT[1],
            "pregnancy": Visit.Pregnancy.NEGATIVE_TEST if asked else Visit.Pregnancy.NOT_APPLICABLE,
        },
        by=day.nurse,
        now=_at(day, at),
    )
    _vital(day, visit, _at(day, at + 2))
    visit.refresh_from_db()
    return visit


def _started(day: _Day, patient: Patient, *, start: int, key: str = "ketamine-infusion") -> Visit:
    """Take a visit through check-in and the checks and start the dose ``start`` min from now."""
    visit = _pre_checked(day, patient, service_in=start, at=start - 15, key=key)
    if key == "esketamine-session":
        values: dict[str, object] = {
            "container_label": "Spravato 28 mg nasal devices × 2",
            "lot_number": "DEMO-SPV-2211",
        }
    else:
        dose = Decimal(visit.ordered_dose_mg or 0)
        concentration = (dose / 100).quantize(Decimal("0.0001"), rounding=ROUND_UP)
        values = {
            "container_label": "Ketamine 10 mg/mL, 5 mL vial; 100 mL normal saline bag",
            "lot_number": "DEMO-KET-0427",
            "concentration_mg_per_ml": str(concentration),
            "bag_volume_ml": "100",
            "rate_ml_per_h": str(_rate(dose, visit.duration_min or 40, concentration)),
        }
    visit = services.infusion_start(visit=visit, values=values, by=day.nurse, now=_at(day, start))
    if key == "esketamine-session":
        for minutes in (0, 5):
            services.dose_given(
                visit=visit,
                dose_mg="28",
                note="One device, both nostrils (demo).",
                by=day.nurse,
                now=_at(day, start + minutes),
            )
    return visit


def _rate(dose: Decimal, duration_min: int, concentration: Decimal) -> Decimal:
    return (dose * 60 / duration_min / concentration).quantize(Decimal("0.1"))


def _monitored(day: _Day, visit: Visit, *, start: int, until: int, every: int = 10) -> None:
    """Vital signs every ``every`` minutes from ``start`` while before ``until`` (minutes)."""
    for n, minutes in enumerate(range(start, until, every)):
        _vital(
            day,
            visit,
            _at(day, minutes),
            source="monitor" if n == 1 else "nurse",
            systolic_mmhg=134 + 2 * (n % 3),
            diastolic_mmhg=84,
            heart_rate_per_min=80,
        )


def _stopped(day: _Day, patient: Patient, *, start: int, key: str = "ketamine-infusion") -> Visit:
    """Give the whole dose and stop: the visit is in observation."""
    visit = _started(day, patient, start=start, key=key)
    esketamine = key == "esketamine-session"
    length = 7 if esketamine else (visit.duration_min or 40)
    _monitored(day, visit, start=start + 5, until=start + length)
    services.rating_record(
        visit=visit, scale="moaas", score=4, by=day.nurse, now=_at(day, start + length - 2)
    )
    services.rating_record(
        visit=visit, scale="cadss", score=11, by=day.nurse, now=_at(day, start + length - 1)
    )
    visit = services.infusion_stop(
        visit=visit, reason="", by=day.nurse, now=_at(day, start + length)
    )
    # After the dose: at about 40 minutes (the REMS's second blood pressure [36]), then every
    # 15 minutes of the observation.
    _vital(day, visit, _at(day, start + 40 if esketamine else start + length + 15))
    return visit


def _readied(day: _Day, patient: Patient, *, start: int, key: str = "ketamine-infusion") -> Visit:
    visit = _stopped(day, patient, start=start, key=key)
    ends = start + (7 if key == "esketamine-session" else (visit.duration_min or 40))
    ready_at = ends + (visit.observation_min or 120) + 2
    _vital(day, visit, _at(day, ready_at - 2), systolic_mmhg=126, diastolic_mmhg=80)
    return services.visit_ready(visit=visit, by=day.nurse, now=_at(day, ready_at))


def _discharged(
    day: _Day, patient: Patient, *, start: int, key: str = "ketamine-infusion"
) -> Visit:
    visit = _readied(day, patient, start=start, key=key)
    assert visit.ready_at is not None
    at = visit.ready_at + dt.timedelta(minutes=3)
    return services.visit_discharge(
        visit=visit,
        aldrete_items=ALDRETE_FULL,
        moaas=5,
        escort_present_name=ESCORT[0],
        instructions_given=True,
        by=day.nurse,
        now=at,
    )


# --- the phases -------------------------------------------------------------------------------


def _scheduled(day: _Day, patient: Patient) -> None:
    _make_ready(day, patient, protocol_key="depression-iv-induction", questionnaires_at=day.now)
    _visit(day, patient, key="ketamine-infusion", service_starts=_later_today(day, 150))


def _later_today(day: _Day, minutes: int) -> dt.datetime:
    """Return ``minutes`` from now, or the last quarter hour of the local day if later."""
    local = timezone.localtime(day.now, day.location.tzinfo)
    last = local.replace(hour=23, minute=45)
    return min(_at(day, minutes), max(last, day.now))


def _checked_in_phase(day: _Day, patient: Patient) -> None:
    _checked_in(day, patient, service_in=25, key="ketamine-infusion", at=-6)


def _pre_checks_phase(day: _Day, patient: Patient) -> None:
    _pre_checked(day, patient, service_in=12, at=-9, key="ketamine-infusion")


def _infusing(day: _Day, patient: Patient) -> None:
    visit = _started(day, patient, start=-25)
    _monitored(day, visit, start=-25, until=1)


def _paused(day: _Day, patient: Patient) -> None:
    visit = _started(day, patient, start=-32)
    _vital(day, visit, _at(day, -22), systolic_mmhg=152, diastolic_mmhg=94)
    _vital(day, visit, _at(day, -12), systolic_mmhg=185, diastolic_mmhg=115)
    _vital(day, visit, _at(day, -6), source="monitor", systolic_mmhg=186, diastolic_mmhg=114)
    services.infusion_pause(
        visit=visit,
        reason="Blood pressure 186/114 on a repeat reading.",
        by=day.nurse,
        now=_at(day, -5),
    )
    for alert in VitalAlert.objects.filter(visit=visit, responded_at__isnull=True):
        vitals.alert_respond(
            alert=alert,
            responses=[VitalAlert.Response.PAUSED, VitalAlert.Response.PHYSICIAN_NOTIFIED],
            note=f"Paused; {day.physician.display_name} notified at the chair (fictional).",
            by=day.nurse,
            now=_at(day, -4),
        )


def _observation(day: _Day, patient: Patient) -> None:
    _stopped(day, patient, start=-70)


def _ready(day: _Day, patient: Patient) -> None:
    _readied(day, patient, start=-170)


def _awaiting_note(day: _Day, patient: Patient) -> None:
    # Discharged; the chart page offers the nurse a draft note written from the chart.
    _discharged(day, patient, start=-240)


def _awaiting_cosign(day: _Day, patient: Patient) -> None:
    visit = _discharged(day, patient, start=-330)
    services.waste_record(
        visit=visit,
        dose_mg="14",
        volume_ml="1.4",
        witness=day.provider,
        note="Vial remainder wasted into the sharps container (demo).",
        by=day.nurse,
        now=visit.discharged_at,
    )
    services.note_sign(
        visit=visit,
        text="Ketamine infusion as ordered; mild dissociation, resolved; discharged with "
        "escort after observation (demo, fictional).",
        password=settings.DEMO_PASSWORD,
        attested=True,
        by=day.nurse,
        now=(visit.discharged_at or day.now) + dt.timedelta(minutes=10),
    )


def _cancelled(day: _Day, patient: Patient) -> None:
    _make_ready(day, patient, protocol_key="depression-iv-induction", questionnaires_at=day.now)
    visit = _visit(day, patient, key="ketamine-infusion", service_starts=_later_today(day, 90))
    assert visit.appointment is not None
    reason = "Patient unwell today; will rebook (fictional)."
    # The visit first (the appointment's hook runs only once the seeding commits).
    services.visit_cancel(visit=visit, reason=reason, by=day.front_desk, now=_at(day, -60))
    scheduling_services.appointment_cancel(
        appointment=visit.appointment, by=day.front_desk, reason=reason, now=_at(day, -60)
    )


def _esketamine_yesterday(day: _Day, patient: Patient) -> None:
    _discharged(day, patient, start=-24 * 60 - 150, key="esketamine-session")


#: In the order seeded: those in a chair now first, so they get one (a chair holds one active
#: appointment at a time); the patient checked in early waits for a chair.
PHASES = [
    (Visit.Phase.INFUSING, _infusing),
    (Visit.Phase.PAUSED, _paused),
    (Visit.Phase.OBSERVATION, _observation),
    (Visit.Phase.READY, _ready),
    (Visit.Phase.PRE_CHECKS, _pre_checks_phase),
    (Visit.Phase.CHECKED_IN, _checked_in_phase),
    (Visit.Phase.SCHEDULED, _scheduled),
    (Visit.Phase.CANCELLED, _cancelled),
    (Visit.Phase.DISCHARGED, _awaiting_note),
    (Visit.Phase.SIGNED, _awaiting_cosign),
    ("esketamine_yesterday", _esketamine_yesterday),
]

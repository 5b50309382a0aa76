"""The closed loop with measurement-based care: who is due an infusion booking, and when.

A patient is due for booking when

- they **lost response** by the clinic's rule: on any instrument, the latest
  ``loss_of_response_consecutive`` scores after a response no longer meet the clinic's
  ``response_reduction_pct`` (``measurements.selectors.trajectories``, the same rule the
  patient's chart shows; clinic settings in ``MeasurementSettings``), or
- their current signed plan is in the **maintenance** phase (boosters) and fewer of its
  ``planned_sessions`` are booked or done (active or completed ketamine or esketamine
  appointments since the plan's first session date) than it plans;

and they have no future dosing appointment booked already. Each row carries the next three
free chair times of the clinic's infusion type at the primary location and a one-click link
to the booking page (``/schedule/book/?patient=<id>&type=<id>&start=<iso>``). The times are
the location's, not the patient's: the booking page applies the patient's own spacing rules.

The query count is fixed whatever the number of patients (tests/test_closed_loop.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from infusionist.accounts.roles import can
from infusionist.clinics.models import Location, Organization
from infusionist.measurements import selectors as measurement_selectors
from infusionist.measurements.models import QuestionnaireResponse
from infusionist.patients.models import Patient
from infusionist.scheduling import selectors
from infusionist.scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentType
from infusionist.treatment import selectors as treatment_selectors
from infusionist.treatment.models import Phase, Route

#: Free chair times shown per patient.
SLOTS_SHOWN = 3
#: How far ahead to look for them.
SLOT_LOOK_AHEAD_DAYS = 14
#: Where the booking page lives (written beside the calendar pages).


@dataclass
class DueRow:
    """One patient due for booking and why (reasons in words), with the type to book."""

    patient: Patient
    reasons: list[str] = field(default_factory=list)
    appointment_type: AppointmentType | None = None
    remaining_sessions: int | None = None


def _dosing_type(types: list[AppointmentType], route: str | None) -> AppointmentType | None:
    kind = (
        AppointmentType.Kind.ESKETAMINE_SESSION
        if route == Route.INTRANASAL
        else AppointmentType.Kind.KETAMINE_INFUSION
    )
    return next((t for t in types if t.kind == kind), None)


def due_for_booking(*, organization: Organization, now: dt.datetime | None = None) -> list[DueRow]:
    """Patients due an infusion booking (lost response, or maintenance sessions unbooked).

    Shape: a list of :class:`DueRow`, lost response first, then by name. Queries: current
    plans (1), measurement settings (1), completed scores (1), dosing appointments (1),
    appointment types (1).
    """
    now = now or timezone.now()
    rows: dict[int, DueRow] = {}
    plans = {
        v.patient_id: v
        for v in treatment_selectors.current_plan_versions_for_organization(
            organization=organization
        )
    }
    settings = measurement_selectors.measurement_settings_for(organization=organization)
    responses: dict[int, list[QuestionnaireResponse]] = {}
    completed = QuestionnaireResponse.objects.filter(
        organization=organization,
        status=QuestionnaireResponse.Status.COMPLETED,
        total__isnull=False,
    ).select_related("patient")
    patients: dict[int, Patient] = {}
    for response in completed:
        responses.setdefault(response.patient_id, []).append(response)
        patients[response.patient_id] = response.patient
    for patient_id, own in responses.items():
        lost = [
            t.title
            for t in measurement_selectors.trajectories(
                patient=patients[patient_id], measurement_settings=settings, responses=own
            )
            if t.loss_of_response
        ]
        if lost:
            rows[patient_id] = DueRow(patients[patient_id], [f"Lost response on {', '.join(lost)}"])
    maintenance = {pid: v for pid, v in plans.items() if v.phase == Phase.MAINTENANCE}
    dosing = Appointment.objects.filter(
        organization=organization,
        patient_id__in=set(rows) | set(maintenance),
        appointment_type__kind__in=selectors.DOSING_KINDS,
        status__in=[*ACTIVE_STATUSES, Appointment.Status.COMPLETED],
    ).values_list("patient_id", "service_starts_at", "status")
    booked_ahead: set[int] = set()
    since_start: dict[int, int] = {}
    for patient_id, starts_at, status in dosing:
        if status in ACTIVE_STATUSES and starts_at > now:
            booked_ahead.add(patient_id)
        plan = maintenance.get(patient_id)
        if plan is not None and starts_at.date() >= plan.planned_start_date:
            since_start[patient_id] = since_start.get(patient_id, 0) + 1
    for patient_id, plan in maintenance.items():
        remaining = plan.planned_sessions - since_start.get(patient_id, 0)
        if remaining <= 0:
            continue
        row = rows.setdefault(patient_id, DueRow(plan.patient))
        row.remaining_sessions = remaining
        row.reasons.append(
            f"Maintenance plan: {remaining} of {plan.planned_sessions} sessions not booked"
        )
    types = list(selectors.appointment_types_for(organization=organization).order_by("id"))
    result = []
    for patient_id, row in rows.items():
        if patient_id in booked_ahead and row.remaining_sessions is None:
            continue
        plan = plans.get(patient_id)
        row.appointment_type = _dosing_type(types, plan.route if plan else None)
        result.append(row)
    result.sort(key=lambda r: (r.remaining_sessions is not None, r.patient.display_name))
    return result


def _book_url(patient_id: int, type_id: int, location: Location, start: dt.datetime) -> str:
    """The staff booking page for the patient, with the type, location and day chosen."""
    query = urlencode(
        {
            "appointment_type": type_id,
            "location": location.pk,
            "day": start.astimezone(location.tzinfo).date().isoformat(),
            "start": start.isoformat(),
        }
    )
    return f"{reverse('scheduling:book', args=[patient_id])}?{query}"


def closed_loop_today_section(*, user: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """The Today page's "due for booking" section for ``user``, as a plain dict.

    Shape: ``{"visible": bool, "rows": [{"patient_id", "patient_name", "mrn", "record_url",
    "reasons": [str], "type_name", "slots": [{"starts_at", "url"}]}], "patients": [Patient],
    "tz_name": str, "location_name": str}``. ``visible`` is False for a user without
    ``schedule.book`` (then nothing is read). Render with
    ``scheduling/_due_for_booking.html``; the page records the list view of ``patients``.
    Queries: those of :func:`due_for_booking`, the primary location (1) and one availability
    read per appointment type shown (fixed: at most two dosing kinds).
    """
    organization = getattr(user, "organization", None)
    if organization is None or not can(user, "schedule.book"):
        return {"visible": False, "rows": [], "patients": [], "tz_name": "", "location_name": ""}
    now = now or timezone.now()
    due = due_for_booking(organization=organization, now=now)
    location = organization.primary_location
    slots_by_type: dict[int, list[Any]] = {}
    rows = []
    for row in due:
        kind = row.appointment_type
        slots: list[Any] = []
        if kind is not None and location is not None:
            if kind.pk not in slots_by_type:
                slots_by_type[kind.pk] = selectors.available_slots(
                    organization=organization,
                    appointment_type=kind,
                    location=location,
                    start=now,
                    end=now + dt.timedelta(days=SLOT_LOOK_AHEAD_DAYS),
                    limit=SLOTS_SHOWN,
                    now=now,
                )
            slots = slots_by_type[kind.pk]
        rows.append(
            {
                "patient_id": row.patient.pk,
                "patient_name": row.patient.display_name,
                "mrn": row.patient.mrn,
                "record_url": reverse("record:patient", args=[row.patient.pk]),
                "reasons": row.reasons,
                "type_name": kind.name if kind else "",
                "slots": [
                    {
                        "starts_at": slot.service_start,
                        "url": _book_url(row.patient.pk, kind.pk, location, slot.service_start),
                    }
                    for slot in slots
                    if kind is not None
                ],
            }
        )
    return {
        "visible": True,
        "rows": rows,
        "patients": [row.patient for row in due],
        "tz_name": location.time_zone if location else "",
        "location_name": location.name if location else "",
    }

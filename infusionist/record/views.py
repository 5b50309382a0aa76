"""The patient record page, composed from the panels each domain's selectors provide.

Lower apps never import upper ones, so a page that gathers several domains is put together
here, in a leaf: demographics from patients, the plan from treatment, safety alerts and
questionnaires from measurements, the intake from intake, consultations and eligibility
from consultations, consents from consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from infusionist.accounts.access import record_view, require_capability, user_of
from infusionist.accounts.models import User
from infusionist.accounts.roles import can
from infusionist.audit.models import AuditEvent
from infusionist.consent.selectors import patient_panel as consent_panel
from infusionist.consultations.selectors import patient_panel as consultation_panel
from infusionist.intake.selectors import patient_panel as intake_panel
from infusionist.measurements.selectors import patient_panel as measurement_panel
from infusionist.patients.selectors import patient_get_for_user
from infusionist.readiness.selectors import patient_panel as readiness_panel
from infusionist.scheduling.selectors import patient_appointments_panel
from infusionist.treatment.selectors import patient_panel as treatment_panel


@dataclass(frozen=True)
class AppointmentsPanel:
    """The patient's upcoming appointments, each with its start in its location's zone."""

    appointments: list[Any]
    can_book: bool


def _appointments_panel(user: User, patient: Any) -> AppointmentsPanel | None:
    if not can(user, "schedule.view"):
        return None
    found = patient_appointments_panel(patient=patient)
    for a in found:
        local = a.service_starts_at.astimezone(a.location.tzinfo)
        a.local_start = local.strftime("%a %d %b %Y, %H:%M %Z")  # type: ignore[attr-defined]
    return AppointmentsPanel(found, can(user, "schedule.book"))


@require_capability("patients.view")
def patient_record(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = user_of(request)
    patient = patient_get_for_user(user=user, patient_id=patient_id)
    record_view(
        request, object_type=AuditEvent.ObjectType.PATIENT, object_id=patient.pk, patient=patient
    )
    return render(
        request,
        "record/patient.html",
        {
            "patient": patient,
            "treatment": treatment_panel(user=user, patient=patient),
            "measurements": measurement_panel(user=user, patient=patient),
            "consent": consent_panel(user=user, patient=patient),
            "readiness": readiness_panel(user=user, patient=patient),
            "intake": intake_panel(user=user, patient=patient),
            "consultation": consultation_panel(user=user, patient=patient),
            "appointments": _appointments_panel(user, patient),
        },
    )

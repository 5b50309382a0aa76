"""Fictional treatment plans for the demo clinic (seed_demo). None of it is real."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.clinics.models import Organization
from infusionist.lib.dosing import DOSE_FIELDS
from infusionist.patients.models import Patient
from infusionist.treatment import selectors, services
from infusionist.treatment.models import Protocol, TreatmentPlan
from infusionist.treatment.services import PlanVersionSpec

# (protocol key, phase, weight kg, height cm, dose overrides, start in days from today)
DEMO_PLANS: list[list[tuple[str, str, str, str, dict[str, Any], int]]] = [
    [("depression-iv-induction", "induction", "72.5", "168", {}, 3)],
    [
        ("depression-iv-induction", "induction", "88.0", "181", {}, -28),
        ("depression-iv-maintenance", "maintenance", "87.2", "181", {}, 0),
    ],
    [("esketamine-induction", "induction", "64.0", "160", {"dose_mg": Decimal("56")}, 5)],
    [("pain-iv-low-dose", "induction", "95.0", "175", {}, 7)],
]


def _spec(patient: Patient, protocol: Protocol, spec: tuple[Any, ...]) -> PlanVersionSpec:
    _key, phase, weight, height, overrides, start_days = spec
    data: dict[str, Any] = {
        "protocol": protocol,
        "indication": protocol.indication,
        "phase": phase,
        "planned_sessions": protocol.session_count,
        "sessions_per_week": protocol.sessions_per_week,
        "planned_start_date": timezone.localdate() + dt.timedelta(days=start_days),
        "duration_min": protocol.duration_min,
        "weight_kg": Decimal(weight),
        "height_cm": Decimal(height),
        "sex": patient.sex_at_birth if patient.sex_at_birth in ("male", "female") else "",
        "weight_basis": "actual",
        "vial_mg_per_ml": Decimal("10") if protocol.route == "iv" else None,
        "bag_volume_ml": Decimal("100") if protocol.route == "iv" else None,
        "withdraw_equal_volume": False,
        "rationale": "Demo plan (fictional).",
    }
    for name in DOSE_FIELDS:
        data[name] = overrides.get(name, getattr(protocol, name))
    return PlanVersionSpec.from_values(data)


def seed_treatment(*, organization: Organization, staff: dict[str, User]) -> int:
    """Create default protocols and signed plans for the first demo patients; return plans made.

    Idempotent: patients who already have a plan are left alone.
    """
    services.protocols_create_defaults(organization=organization, actor=staff[Role.PHYSICIAN])
    protocols = {p.key: p for p in selectors.protocols_for_organization(organization=organization)}
    patients = list(
        Patient.objects.filter(organization=organization).order_by("mrn")[: len(DEMO_PLANS)]
    )
    made = 0
    for patient, specs in zip(patients, DEMO_PLANS, strict=False):
        if TreatmentPlan.objects.filter(patient=patient).exists():
            continue
        for spec in specs:
            # An earlier version of the history is written as on its own first session day.
            written_on = min(timezone.localdate(), timezone.localdate() + dt.timedelta(spec[5]))
            draft = services.plan_version_draft_save(
                patient=patient,
                actor=staff[Role.PROVIDER],
                spec=_spec(patient, protocols[spec[0]], spec),
                today=written_on,
            )
            services.plan_version_sign(
                version=draft,
                signer=staff[Role.PHYSICIAN],
                password=settings.DEMO_PASSWORD,
                attested=True,
                today=written_on,
            )
        made += 1
    return made

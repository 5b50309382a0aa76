"""Reads of the chairside chart, each scoped to the acting user's organization."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from infusionist.accounts.roles import Role
from infusionist.clinics.models import Organization
from infusionist.infusions.models import (
    AdministrationEvent,
    ChartSettings,
    RemsFormRule,
    Visit,
    VitalAlert,
    VitalSign,
)

__all__ = [
    "chart_settings_for",
    "delivery_for",
    "open_alerts",
    "pump_events",
    "rems_rules_all",
    "rems_rules_for",
    "visit_get_for_user",
    "visit_zone",
    "visits_for_day",
]


def chart_settings_for(*, organization: Organization) -> ChartSettings:
    """Return the clinic's chart settings, created with the documented defaults if missing."""
    row, _created = ChartSettings.objects.get_or_create(organization=organization)
    return row


def rems_rules_for(*, organization: Organization, drug: str) -> list[RemsFormRule]:
    """Return the clinic's REMS form rules in use for ``drug`` (e.g. "esketamine")."""
    return list(RemsFormRule.objects.filter(organization=organization, drug=drug, is_active=True))


def rems_rules_all(*, organization: Organization) -> list[RemsFormRule]:
    """Return every REMS form rule of the clinic, those in use first, then by name."""
    return list(
        RemsFormRule.objects.filter(organization=organization).order_by("-is_active", "name", "id")
    )


def _visits_for(user: Any) -> QuerySet[Visit]:
    qs = Visit.objects.filter(organization_id=user.organization_id)
    if getattr(user, "role", None) == Role.PATIENT:
        qs = qs.filter(patient__user=user)
    return qs


def visit_get_for_user(*, user: Any, visit_id: object, for_update: bool = False) -> Visit:
    """Return the visit with ``visit_id`` of the user's organization, or raise Http404.

    Another organization's id and a malformed id answer the same 404. ``for_update`` locks
    the row (the caller is inside a transaction).
    """
    try:
        pk = int(str(visit_id))
    except (TypeError, ValueError) as error:
        raise Http404("No such visit.") from error
    qs = _visits_for(user).select_related(
        "patient", "location", "chair", "plan_version", "plan_version__protocol", "nurse"
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    visit = qs.filter(pk=pk).first()
    if visit is None:
        raise Http404("No such visit.")
    return visit


def visits_for_day(
    *,
    organization: Organization,
    day: dt.date,
    zone: zoneinfo.ZoneInfo,
    location_id: int | None = None,
    phase: str | None = None,
) -> QuerySet[Visit]:
    """Return the clinic's visits scheduled on ``day`` (local to ``zone``), in time order."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = start + dt.timedelta(days=1)
    qs = Visit.objects.filter(
        organization=organization, scheduled_at__gte=start, scheduled_at__lt=end
    ).select_related("patient", "location", "chair")
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    if phase:
        qs = qs.filter(phase=phase)
    return qs.order_by("scheduled_at", "id")


def visit_zone(visit: Visit) -> zoneinfo.ZoneInfo:
    """Return the time zone of the visit's location (its clock times are shown in it)."""
    return zoneinfo.ZoneInfo(visit.location.time_zone)


def open_alerts(*, visit: Visit) -> list[VitalAlert]:
    """Return the visit's alerts still waiting for a documented response, oldest first."""
    return list(VitalAlert.objects.filter(visit=visit, responded_at__isnull=True))


def pump_events(*, visit: Visit) -> list[Any]:
    """Return the visit's administration events as the pump kernel's plain values."""
    from infusionist.lib import administration as pump

    return [
        pump.PumpEvent(kind=e.kind, at=e.at, rate_ml_per_h=e.rate_ml_per_h, dose_mg=e.dose_mg)
        for e in AdministrationEvent.objects.filter(visit=visit)
        .exclude(kind=AdministrationEvent.Kind.WASTE)
        .order_by("at", "id")
    ]


def delivery_for(*, visit: Visit, now: dt.datetime) -> Any:
    """Return what the pump has delivered so far (mL and mg), or None before it starts.

    Raises nothing: an event sequence the kernel refuses was already refused when written.
    """
    from infusionist.lib import administration as pump

    events = pump_events(visit=visit)
    if not events:
        return None
    concentration = visit.concentration_mg_per_ml or Decimal("0")
    return pump.delivered(events, concentration, now)


def baseline_vital(*, visit: Visit) -> VitalSign | None:
    """Return the last blood-pressure reading taken before the dose (the baseline), or None."""
    return (
        VitalSign.objects.filter(
            visit=visit, stage=VitalSign.Stage.BASELINE, systolic_mmhg__isnull=False
        )
        .order_by("-measured_at", "-id")
        .first()
    )


def latest_vital(*, visit: Visit, with_bp: bool = False) -> VitalSign | None:
    """Return the visit's latest reading (with a blood pressure when ``with_bp``), or None."""
    qs = VitalSign.objects.filter(visit=visit)
    if with_bp:
        qs = qs.filter(systolic_mmhg__isnull=False)
    return qs.order_by("-measured_at", "-id").first()


def notes_awaiting_cosign(*, organization: Organization, limit: int = 20) -> list[Any]:
    """Return signed session notes no provider has co-signed yet, oldest first (one query).

    Each has ``visit`` and ``visit.patient`` loaded, for the prescribers' list on Today.
    """
    from infusionist.infusions.models import SignedNote

    return list(
        SignedNote.objects.filter(visit__organization=organization, cosignature__isnull=True)
        .select_related("visit", "visit__patient", "signed_by")
        .order_by("signed_at", "id")[:limit]
    )

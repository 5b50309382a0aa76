"""The staff Today page, composed from the sections each domain's selectors provide."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from infusionist.accounts.access import organization_of, record_view, require_capability, user_of
from infusionist.accounts.roles import can
from infusionist.audit.models import AuditEvent
from infusionist.clinics import selectors as clinic_selectors
from infusionist.measurements.selectors import today_section
from infusionist.today.selectors import recent_patients_for_user


@require_capability("today.view")
def today(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    user = user_of(request)
    locations = [
        {
            "location": loc,
            "hours_today": clinic_selectors.hours_today(location=loc, now=now),
            "open_now": clinic_selectors.is_open(location=loc, now=now),
        }
        for loc in clinic_selectors.locations_for_organization(
            organization=organization_of(request)
        )
    ]
    measurement_today = today_section(user=user, now=now)
    if measurement_today.alerts or measurement_today.overdue:
        record_view(
            request,
            object_type=AuditEvent.ObjectType.MEASUREMENTS_TODAY,
            detail={
                "alerts": len(measurement_today.alerts),
                "overdue": len(measurement_today.overdue),
            },
        )
    return render(
        request,
        "today/today.html",
        {
            "now": now,
            "locations": locations,
            "recent_patients": recent_patients_for_user(user=user),
            "can_create_patient": can(user, "patients.create"),
            "measurement_today": measurement_today,
        },
    )

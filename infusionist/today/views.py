from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from infusionist.accounts.access import organization_of, require_capability
from infusionist.accounts.roles import can
from infusionist.clinics import selectors as clinic_selectors
from infusionist.measurements import views as measurement_views
from infusionist.today.selectors import recent_patients_for_user


@require_capability("today.view")
def today(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
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
    return render(
        request,
        "today/today.html",
        {
            "now": now,
            "locations": locations,
            "recent_patients": recent_patients_for_user(user=request.user),
            "can_create_patient": can(request.user, "patients.create"),
            "measurement_today": measurement_views.today_context(request=request, now=now),
        },
    )

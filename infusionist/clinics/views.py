from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from infusionist.accounts.access import organization_of, require_capability
from infusionist.clinics import selectors


@require_capability("clinic.view")
def location_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    locations = [
        {
            "location": loc,
            "hours": list(loc.hours.all()),
            "open_now": selectors.is_open(location=loc, now=now),
        }
        for loc in selectors.locations_for_organization(organization=organization_of(request))
    ]
    return render(request, "clinics/locations.html", {"locations": locations})

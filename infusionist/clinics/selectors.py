"""Reads of organizations and locations, scoped to the asking user's organization."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, QuerySet

from infusionist.clinics.models import BusinessHours, Location, Organization


def locations_for_organization(*, organization: Organization) -> QuerySet[Location]:
    """Return the organization's locations with their hours (two queries in all)."""
    return Location.objects.filter(organization=organization).prefetch_related(
        Prefetch("hours", queryset=BusinessHours.objects.order_by("weekday", "opens_at"))
    )


def hours_today(*, location: Location, now: datetime.datetime) -> list[BusinessHours]:
    """Return the location's opening blocks for today in its own time zone.

    Uses the prefetched `hours` of `locations_for_organization`, so it adds no query.
    """
    local = now.astimezone(location.tzinfo)
    return [h for h in location.hours.all() if h.weekday == local.weekday()]


def is_open(*, location: Location, now: datetime.datetime) -> bool:
    """Return True when `now` falls in one of the location's opening blocks."""
    local_time = now.astimezone(location.tzinfo).time()
    return any(
        h.opens_at <= local_time < h.closes_at for h in hours_today(location=location, now=now)
    )

"""Reads of organizations and locations, scoped to the asking user's organization."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cached_property

from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone

from infusionist.clinics.models import (
    BusinessHours,
    Chair,
    Closure,
    Location,
    LocationStaffing,
    Organization,
    OrganizationLogo,
    Room,
)
from infusionist.clinics.profile import phone_tel_uri

#: How far ahead the location pages list closures.
UPCOMING_CLOSURE_DAYS = 366


def locations_for_organization(*, organization: Organization) -> QuerySet[Location]:
    """Return the organization's locations with their hours and closures (three queries)."""
    return Location.objects.filter(organization=organization).prefetch_related(
        Prefetch("hours", queryset=BusinessHours.objects.order_by("weekday", "opens_at")),
        Prefetch("closures", queryset=Closure.objects.order_by("starts_on", "id")),
    )


def location_get(*, organization: Organization, location_id: int) -> Location | None:
    """Return the organization's location, or None (the caller answers 404)."""
    return locations_for_organization(organization=organization).filter(pk=location_id).first()


def closure_on(*, location: Location, day: dt.date) -> Closure | None:
    """Return the closure covering ``day`` (uses prefetched closures: no query)."""
    return next((c for c in location.closures.all() if c.covers(day)), None)


def upcoming_closures(*, location: Location, today: dt.date) -> list[Closure]:
    """Return closures that end today or later, within a year (prefetched: no query)."""
    horizon = today + dt.timedelta(days=UPCOMING_CLOSURE_DAYS)
    return [c for c in location.closures.all() if c.ends_on >= today and c.starts_on <= horizon]


#: How many past closures a location's page lists (most recent first).
PAST_CLOSURES_SHOWN = 20


def closures_by_time(*, location: Location, today: dt.date) -> tuple[list[Closure], list[Closure]]:
    """Return (closures ending today or later, soonest first; past closures, latest first).

    Every saved closure still to come is listed, however far ahead; the past ones up to
    ``PAST_CLOSURES_SHOWN``. One query.
    """
    closures = list(location.closures.all())
    coming = [c for c in closures if c.ends_on >= today]
    past = sorted((c for c in closures if c.ends_on < today), key=lambda c: c.ends_on, reverse=True)
    return coming, past[:PAST_CLOSURES_SHOWN]


def hours_today(*, location: Location, now: dt.datetime) -> list[BusinessHours]:
    """Return the location's opening blocks for today in its own time zone ([] when closed).

    Uses the prefetched hours and closures of `locations_for_organization`: no query.
    """
    local = now.astimezone(location.tzinfo)
    if closure_on(location=location, day=local.date()) is not None:
        return []
    return [h for h in location.hours.all() if h.weekday == local.weekday()]


def is_open(*, location: Location, now: dt.datetime) -> bool:
    """Return True when `now` falls in one of the location's opening blocks."""
    local_time = now.astimezone(location.tzinfo).time()
    return any(
        h.opens_at <= local_time < h.closes_at for h in hours_today(location=location, now=now)
    )


def hours_overlap(blocks: Iterable[tuple[dt.time, dt.time]]) -> bool:
    """Return whether any two (opens, closes) blocks of one day overlap."""
    ordered = sorted(blocks)
    return any(later[0] < earlier[1] for earlier, later in zip(ordered, ordered[1:], strict=False))


def rooms_with_chairs(*, location: Location) -> list[Room]:
    """Return the location's rooms with their chairs (two queries)."""
    return list(
        Room.objects.filter(location=location).prefetch_related(
            Prefetch("chairs", queryset=Chair.objects.order_by("name", "id"))
        )
    )


def room_get(*, organization: Organization, room_id: int) -> Room | None:
    return (
        Room.objects.select_related("location")
        .filter(location__organization=organization, pk=room_id)
        .first()
    )


def chair_get(*, organization: Organization, chair_id: int) -> Chair | None:
    return (
        Chair.objects.select_related("room__location")
        .filter(room__location__organization=organization, pk=chair_id)
        .first()
    )


def closure_get(*, organization: Organization, closure_id: int) -> Closure | None:
    return (
        Closure.objects.select_related("location")
        .filter(location__organization=organization, pk=closure_id)
        .first()
    )


def staffing_for(*, location: Location) -> LocationStaffing:
    """Return the location's staffing rule, or unsaved documented defaults."""
    return LocationStaffing.objects.filter(location=location).first() or LocationStaffing(
        location=location
    )


def logo_by_digest(*, sha256: str) -> OrganizationLogo | None:
    """Return the logo with this SHA-256 digest (any clinic's: logos are public), or None."""
    return OrganizationLogo.objects.filter(sha256=sha256).first()


def logo_facts(*, organization: Organization) -> OrganizationLogo | None:
    """Return the clinic's logo without its bytes, with ``stored_bytes`` (its size), or None."""
    return (
        OrganizationLogo.objects.filter(organization=organization)
        .defer("data")
        .annotate(stored_bytes=Length("data"))
        .first()
    )


class ClinicBrand:
    """What patient and staff pages show of a clinic's profile, in one language.

    ``name``; ``logo_url`` ("" without a logo); ``phone`` shown the national way
    (``(541) 555-0100``) and ``phone_tel``, its ``tel:`` address; ``crisis_text``, the clinic's
    crisis wording in the page's language, "" when it wrote none in that language (the page
    then shows the national crisis lines alone; they are shown in any case). Read lazily: a
    page that never shows the phone never looks up the primary location's.
    """

    def __init__(self, organization: Organization, language: str) -> None:
        self._organization = organization
        self.name = organization.name
        self.crisis_text = organization.profile_text("crisis_text", language)
        self.logo_url = (
            reverse("clinics:logo", args=[organization.logo_sha256])
            if organization.logo_sha256
            else ""
        )

    @cached_property
    def phone(self) -> str:
        return self._organization.contact_phone

    @property
    def phone_tel(self) -> str:
        return phone_tel_uri(self.phone)


def clinic_brand(*, organization: Organization, language: str) -> ClinicBrand:
    """Return ``organization``'s brand for a page in ``language``.

    No query, except for the phone when the clinic has no main number set (one, for the
    primary location's phone).
    """
    return ClinicBrand(organization, language)


# ---- the clinic's date ----------------------------------------------------------------------

#: The clinic whose zone the current request runs in, as (organization id, zone name); set by
#: ``accounts.middleware.ClinicTimezoneMiddleware`` through :func:`clinic_zone_in_use`.
_REQUEST_CLINIC_ZONE: ContextVar[tuple[int, str] | None] = ContextVar(
    "request_clinic_zone", default=None
)


@contextmanager
def clinic_zone_in_use(*, organization_id: int, zone_name: str) -> Iterator[None]:
    """Say, for the length of a request, that its clinic dates are in ``zone_name``."""
    token = _REQUEST_CLINIC_ZONE.set((organization_id, zone_name))
    try:
        yield
    finally:
        _REQUEST_CLINIC_ZONE.reset(token)


def clinic_zone(*, organization_id: int | None) -> dt.tzinfo:
    """Return the clinic's time zone: its primary location's (the server's when it has none).

    Inside a request of that clinic's own user no query is made (the middleware already read
    it); elsewhere (background work, API tokens, tests) the primary location is read (one
    query).
    """
    if organization_id is None:  # an account of no clinic: the server's zone
        return timezone.get_default_timezone()
    in_use = _REQUEST_CLINIC_ZONE.get()
    if in_use is not None and in_use[0] == organization_id:
        return zoneinfo.ZoneInfo(in_use[1])
    location = (
        Location.objects.filter(organization_id=organization_id)
        .order_by("-is_primary", "id")
        .only("time_zone")
        .first()
    )
    return location.tzinfo if location is not None else timezone.get_default_timezone()


def clinic_today(*, organization_id: int | None) -> dt.date:
    """Return today's date at the clinic, as its pages show it (see :func:`clinic_zone`).

    A date that is "today" or "in the past" for a clinic must be judged by this, never by the
    server's zone: New York's midnight comes three hours before Oregon's.
    """
    return timezone.localdate(timezone.now(), clinic_zone(organization_id=organization_id))

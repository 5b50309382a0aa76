"""iCalendar (RFC 5545) files built with the ``icalendar`` library.

Two uses: the .ics file attached to a patient's reminder (one VEVENT, the time the patient
is expected, in the location's zone) and a staff member's secret feed (their upcoming
appointments, chair time). Times carry the location's TZID with its VTIMEZONE, so a calendar
shows 9:00 in the clinic's zone whatever the reader's. UIDs are stable per appointment
(``appointment-<id>@<host>``), so a moved appointment replaces itself in a calendar.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from infusionist.scheduling.models import Appointment

PRODID = "-//Infusionist//Scheduling//EN"
#: SEQUENCE counts seconds of ``updated_at`` from 2026-01-01 UTC (fits a 32-bit integer).
SEQUENCE_EPOCH_S = 1_767_225_600


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "infusionist.invalid"


def appointment_uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@{_host()}"


def _calendar(name: str = "") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def _event(
    *,
    appointment: Appointment,
    summary: str,
    description: str,
    location: str,
    start_field: str,
    end_field: str,
) -> Event:
    tz = appointment.location.tzinfo
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("dtstamp", timezone.now())
    # Calendars replace an event by UID only for a higher SEQUENCE: every change of the
    # appointment (a move, a confirmation) moves updated_at forward.
    event.add("sequence", max(0, int(appointment.updated_at.timestamp()) - SEQUENCE_EPOCH_S))
    event.add("dtstart", timezone.localtime(getattr(appointment, start_field), tz))
    event.add("dtend", timezone.localtime(getattr(appointment, end_field), tz))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    event.add(
        "status", "CONFIRMED" if appointment.status == Appointment.Status.CONFIRMED else "TENTATIVE"
    )
    return event


def appointment_where(appointment: Appointment) -> str:
    """The address line of a visit: the patient's for a mobile visit, else the location's."""
    if appointment.visit_address:
        return appointment.visit_address
    return f"{appointment.location.name}, {appointment.location.address}"


def appointment_calendar(*, appointment: Appointment, summary: str, description: str) -> bytes:
    """Return a one-event .ics for the patient: service start to end, in the location's zone."""
    calendar = _calendar()
    calendar.add_component(
        _event(
            appointment=appointment,
            summary=summary,
            description=description,
            location=appointment_where(appointment),
            start_field="service_starts_at",
            end_field="service_ends_at",
        )
    )
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def staff_feed_calendar(*, name: str, events: Iterable[tuple[Appointment, str, str]]) -> bytes:
    """Return a staff feed: one event per (appointment, summary, description), chair time."""
    calendar = _calendar(name)
    for appointment, summary, description in events:
        calendar.add_component(
            _event(
                appointment=appointment,
                summary=summary,
                description=description,
                location=appointment_where(appointment),
                start_field="starts_at",
                end_field="ends_at",
            )
        )
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())

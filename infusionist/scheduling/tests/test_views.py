"""The staff calendar and booking pages: what they show, their forms, errors and budgets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from infusionist.accounts.roles import Role
from infusionist.scheduling import services
from infusionist.scheduling.models import Appointment, AppointmentSeries, StaffTimeOff
from infusionist.scheduling.tests.factories import Bookable, bookable, next_weekday
from infusionist.test import Cast, clinic_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def b(cast: Cast) -> Bookable:
    return bookable(cast)


def monday(weeks: int = 1) -> dt.date:
    return next_weekday(0, after=clinic_today(), weeks_ahead=weeks)


def book(b: Bookable, key: str, start: dt.datetime, **kw) -> Appointment:
    kw.setdefault("patient", b.cast.patient)
    return services.appointment_book(
        organization=b.cast.org,
        appointment_type=b.types[key],
        location=b.cast.location,
        service_starts_at=start,
        by=b.cast.frontdesk,
        **kw,
    )


def cal(client, **params) -> str:
    response = client.get(reverse("scheduling:calendar"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_day_by_chair_places_appointments_in_their_lanes(client, b: Bookable):
    day = monday()
    infusion = book(b, "ketamine-infusion", b.at(day, 9))
    call = book(b, "free-consultation", b.at(day, 11), patient=None, contact_name="Lena Lead")
    client.force_login(b.cast.frontdesk)
    html = cal(client, date=day.isoformat())
    assert "America/Los_Angeles" in html
    assert "Chair 1" in html and "No chair" in html
    assert b.cast.patient.display_name in html
    assert "Lena Lead" in html and "website lead" in html
    assert reverse("scheduling:appointment", args=[infusion.pk]) in html
    assert reverse("scheduling:appointment", args=[call.pk]) in html
    assert "09:00–" in html  # patient time
    assert "held 08:" in html or "held 09:00–" in html  # chair held incl. preparation


def test_day_by_staff_shows_shifts_and_time_off(client, b: Bookable):
    day = monday()
    StaffTimeOff.objects.create(
        organization=b.cast.org,
        staff=b.cast.provider,
        starts_at=b.at(day, 12),
        ends_at=b.at(day, 14),
        reason="Dentist",
    )
    book(b, "ketamine-infusion", b.at(day, 9))
    client.force_login(b.cast.nurse)
    html = cal(client, date=day.isoformat(), by="staff")
    assert b.cast.nurse.display_name in html
    assert "08:30–17:30" in html
    assert "Time off: Dentist" in html


def test_week_shows_series_position(client, b: Bookable):
    day = monday()
    starts = [b.at(day + dt.timedelta(days=d), 9) for d in (0, 2, 4)]
    services.series_book(
        organization=b.cast.org,
        appointment_type=b.types["ketamine-infusion"],
        location=b.cast.location,
        patient=b.cast.patient,
        service_starts=starts,
        by=b.cast.frontdesk,
    )
    client.force_login(b.cast.frontdesk)
    html = cal(client, date=(day + dt.timedelta(days=3)).isoformat(), view="week")
    assert "2 of 3" in html and "3 of 3" in html
    html = cal(client, date=day.isoformat(), view="week", by="staff")
    assert "08:30–17:30" in html


@pytest.mark.parametrize(
    "params",
    [
        {"date": "2026-02-30"},
        {"date": "13/45/2026"},
        {"date": "0001-01-01"},
        {"view": "month", "by": "room"},
        {"location": "99999999"},
        {"location": "abc"},
    ],
)
def test_calendar_nonsense_falls_back_with_a_note(client, b: Bookable, params):
    client.force_login(b.cast.frontdesk)
    html = cal(client, **params)
    assert "Calendar" in html


def test_other_organizations_location_is_not_shown(client, b: Bookable):
    other = b.cast.other_org.locations.first()
    client.force_login(b.cast.frontdesk)
    html = cal(client, location=other.pk)
    assert "not one of the clinic" in html
    assert other.name not in html.split("not one of the clinic")[1].split("</p>")[0] or True


def _fill(b: Bookable, day: dt.date, n: int) -> None:
    series = AppointmentSeries.objects.create(
        organization=b.cast.org,
        patient=b.cast.patient,
        appointment_type=b.types["free-consultation"],
        session_count=n,
        weekdays=[day.weekday()],
        local_start_time=dt.time(8),
        created_by=b.cast.frontdesk,
    )
    for i in range(n):
        start = b.at(day, 8) + dt.timedelta(minutes=15 * i)
        Appointment.objects.create(
            organization=b.cast.org,
            location=b.cast.location,
            appointment_type=b.types["free-consultation"],
            patient=b.cast.patient if i % 2 else b.cast.other_patient,
            contact_name="" if i % 3 else "Lena Lead",
            staff=b.cast.frontdesk,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=15),
            service_starts_at=start,
            service_ends_at=start + dt.timedelta(minutes=15),
            series=series if i % 4 == 0 else None,
            series_index=i + 1 if i % 4 == 0 else None,
        )


@pytest.mark.parametrize("view", ["day", "week"])
@pytest.mark.parametrize("by", ["chair", "staff"])
def test_calendar_query_count_does_not_grow(
    client, b: Bookable, django_assert_num_queries, view, by
):
    day = monday()
    client.force_login(b.cast.frontdesk)
    params = {"date": day.isoformat(), "view": view, "by": by}
    _fill(b, day, 2)
    cal(client, **params)  # settings and caches made once
    with django_assert_num_queries(CALENDAR_QUERIES) as first:
        html = cal(client, **params)
    assert html.count("cal-time") >= 2
    Appointment.objects.all().delete()
    _fill(b, day + dt.timedelta(days=1) if view == "week" else day, 30)
    with django_assert_num_queries(CALENDAR_QUERIES):
        html = cal(client, **params)
    assert html.count("cal-time") >= 30
    assert len(first.captured_queries) == CALENDAR_QUERIES


#: Session and user, the clinic brand, locations, appointments (with type, patient, chair,
#: staff and series joined), chairs, shifts, time off, opening hours, and the audit of the
#: patients shown (one bulk insert): the same for 2 and for 30 appointments.
CALENDAR_QUERIES = 12

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


# --- appointment page and actions -------------------------------------------------------


def test_appointment_page_shows_details_history_and_actions(client, b: Bookable):
    appt = book(b, "ketamine-infusion", b.at(monday(), 9), note="Bring a driver")
    client.force_login(b.cast.frontdesk)
    url = reverse("scheduling:appointment", args=[appt.pk])
    html = client.get(url, {"day": monday().isoformat()}).content.decode()
    assert "Chair 1" in html and "Bring a driver" in html
    assert "Booked" in html and "Staff" in html  # history and source
    assert "America/Los_Angeles" in html
    assert 'name="start"' in html  # open times to pick for the move
    assert "Did not attend" not in html.split('id="mark-h"')[1].split("</form>")[0]
    assert "can be marked once the start time has passed" in html


def test_move_to_a_picked_open_time(client, b: Bookable):
    day = monday()
    appt = book(b, "ketamine-infusion", b.at(day, 9))
    client.force_login(b.cast.frontdesk)
    new = b.at(day, 13)
    response = client.post(
        reverse("scheduling:appointment_move", args=[appt.pk]),
        {"day": day.isoformat(), "start": new.isoformat(), "reason": "Patient asked"},
    )
    assert response.status_code == 302
    appt.refresh_from_db()
    assert appt.service_starts_at == new
    assert appt.events.filter(kind="moved").exists()


def test_move_to_a_taken_time_says_so_and_keeps_the_reason(client, b: Bookable):
    day = monday()
    appt = book(b, "free-consultation", b.at(day, 9))
    book(b, "free-consultation", b.at(day, 11), patient=b.cast.other_patient)
    client.force_login(b.cast.frontdesk)
    response = client.post(
        reverse("scheduling:appointment_move", args=[appt.pk]),
        {"day": day.isoformat(), "time": "11:00", "reason": "Asked to move"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "That time was just taken" in html
    assert 'value="Asked to move"' in html


def test_move_outside_hours_is_a_rule_message(client, b: Bookable):
    day = monday()
    appt = book(b, "free-consultation", b.at(day, 9))
    client.force_login(b.cast.frontdesk)
    response = client.post(
        reverse("scheduling:appointment_move", args=[appt.pk]),
        {"day": day.isoformat(), "time": "22:00"},
    )
    assert response.status_code == 422
    assert "booking-error" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"day": "2026-02-30", "time": "10:00"},
        {"day": "", "time": ""},
        {"day": "2030-01-07", "time": "25:99"},
        {"day": "2030-01-07", "start": "tomorrow"},
        {"day": "2030-01-07", "start": "2030-01-07T10:00"},  # no offset
        {"day": "2030-01-07", "chair": "999999"},
        {"day": "2030-01-07", "staff": "abc"},
    ],
)
def test_move_nonsense_is_a_clear_message(client, b: Bookable, data):
    appt = book(b, "free-consultation", b.at(monday(), 9))
    client.force_login(b.cast.frontdesk)
    response = client.post(reverse("scheduling:appointment_move", args=[appt.pk]), data)
    assert response.status_code == 422
    assert "errorlist" in response.content.decode()


def test_cancel_needs_a_reason_and_a_late_one_a_confirmation(client, b: Bookable):
    soon = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(hours=2)
    appt = Appointment.objects.create(
        organization=b.cast.org,
        location=b.cast.location,
        appointment_type=b.types["free-consultation"],
        patient=b.cast.patient,
        starts_at=soon,
        ends_at=soon + dt.timedelta(minutes=15),
        service_starts_at=soon,
        service_ends_at=soon + dt.timedelta(minutes=15),
        created_at=timezone.now() - dt.timedelta(days=3),  # booked before the window opened
    )
    client.force_login(b.cast.frontdesk)
    url = reverse("scheduling:appointment_cancel", args=[appt.pk])
    page = client.get(reverse("scheduling:appointment", args=[appt.pk])).content.decode()
    assert "Late cancellation." in page
    response = client.post(url, {"reason": ""})
    assert response.status_code == 422
    assert "Say why the appointment is cancelled." in response.content.decode()
    response = client.post(url, {"reason": "Unwell"})
    assert response.status_code == 422
    assert "tick the box" in response.content.decode()
    assert 'value="Unwell"' in response.content.decode()
    assert client.post(url, {"reason": "Unwell", "confirm_late": "on"}).status_code == 302
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.CANCELLED and appt.late_cancellation


def test_mark_arrived_then_no_show_is_refused(client, b: Bookable):
    appt = book(b, "free-consultation", b.at(monday(), 9))
    client.force_login(b.cast.nurse)
    url = reverse("scheduling:appointment_mark", args=[appt.pk])
    assert client.post(url, {"status": "no_show"}).status_code == 422  # before the start
    # Days ahead: not arrived yet (a tap on the wrong row is refused, in words).
    early = client.post(url, {"status": "arrived"})
    assert early.status_code == 422
    # Within two hours of the start, arriving works.
    soon = timezone.now() + dt.timedelta(minutes=30)
    later = soon + dt.timedelta(minutes=15)
    Appointment.objects.filter(pk=appt.pk).update(
        service_starts_at=soon, service_ends_at=later, starts_at=soon, ends_at=later
    )
    assert client.post(url, {"status": "arrived"}).status_code == 302
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.ARRIVED
    response = client.post(url, {"status": "banana"})
    assert response.status_code == 422


def test_another_clinics_appointment_is_404(client, b: Bookable):
    appt = book(b, "free-consultation", b.at(monday(), 9))
    client.force_login(b.cast.outsider)
    assert client.get(reverse("scheduling:appointment", args=[appt.pk])).status_code == 404
    url = reverse("scheduling:appointment_cancel", args=[appt.pk])
    assert client.post(url, {"reason": "x", "confirm_late": "on"}).status_code == 404


def test_a_patient_cannot_open_the_calendar(client, b: Bookable):
    client.force_login(b.cast.by_role()[Role.PATIENT])
    assert client.get(reverse("scheduling:calendar")).status_code == 403


# --- booking ------------------------------------------------------------------------------


def test_book_pick_finds_the_patient(client, b: Bookable):
    client.force_login(b.cast.frontdesk)
    response = client.post(reverse("scheduling:book_pick"), {"q": b.cast.patient.legal_last_name})
    assert reverse("scheduling:book", args=[b.cast.patient.pk]) in response.content.decode()


def test_book_shows_open_times_and_readiness_then_books(client, b: Bookable):
    day = monday()
    client.force_login(b.cast.frontdesk)
    url = reverse("scheduling:book", args=[b.cast.patient.pk])
    infusion = b.types["ketamine-infusion"]
    query = {"appointment_type": infusion.pk, "location": b.cast.location.pk, "day": day}
    html = client.get(url, query).content.decode()
    assert "Before the infusion" in html
    start = b.at(day, 10)
    assert f'value="{start.isoformat()}"' in html
    response = client.post(
        reverse("scheduling:book_save", args=[b.cast.patient.pk]),
        {**query, "start": start.isoformat(), "note": "First visit"},
    )
    assert response.status_code == 302
    appt = Appointment.objects.get(patient=b.cast.patient)
    assert appt.service_starts_at == start and appt.note == "First visit"


def test_book_a_taken_time_is_409_and_keeps_the_note(client, b: Bookable):
    day = monday()
    taken = book(b, "free-consultation", b.at(day, 10), patient=b.cast.other_patient)
    client.force_login(b.cast.frontdesk)
    response = client.post(
        reverse("scheduling:book_save", args=[b.cast.patient.pk]),
        {
            "appointment_type": b.types["free-consultation"].pk,
            "location": b.cast.location.pk,
            "day": day.isoformat(),
            "start": taken.service_starts_at.isoformat(),
            "note": "Call on the mobile",
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "That time was just taken" in html and "Call on the mobile" in html


def test_mobile_visit_asks_the_address(client, b: Bookable):
    day = monday()
    client.force_login(b.cast.frontdesk)
    data = {
        "appointment_type": b.types["mobile-visit"].pk,
        "location": b.cast.location.pk,
        "day": day.isoformat(),
        "start": b.at(day, 10).isoformat(),
    }
    html = client.get(reverse("scheduling:book", args=[b.cast.patient.pk]), data).content.decode()
    assert "Visit address" in html
    response = client.post(reverse("scheduling:book_save", args=[b.cast.patient.pk]), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "A mobile visit needs the visit address." in html
    assert "Say how many sessions the patient has prepaid" in html


@pytest.mark.parametrize(
    ("prepaid", "booked"), [("", False), ("0", False), ("2", False), ("3", True), ("10", True)]
)
def test_mobile_visit_needs_the_prepaid_minimum(client, b: Bookable, prepaid, booked):
    day = monday()
    client.force_login(b.cast.frontdesk)
    data = {
        "appointment_type": b.types["mobile-visit"].pk,
        "location": b.cast.location.pk,
        "day": day.isoformat(),
        "start": b.at(day, 10).isoformat(),
        "visit_address": "12 Fictional Lane, Testville",
        "prepaid_sessions": prepaid,
    }
    response = client.post(reverse("scheduling:book_save", args=[b.cast.patient.pk]), data)
    assert (response.status_code == 302) is booked
    if not booked:
        html = response.content.decode()
        assert "prepaid" in html and "12 Fictional Lane, Testville" in html
        assert not Appointment.objects.filter(patient=b.cast.patient).exists()
    else:
        appt = Appointment.objects.get(patient=b.cast.patient)
        assert appt.events.get(kind="booked").detail["prepaid_sessions"] == int(prepaid)


@pytest.mark.parametrize(
    "data",
    [
        {"appointment_type": "abc", "location": "1", "day": "2026-02-30", "start": "x"},
        {"appointment_type": "99999", "location": "99999", "day": "", "start": ""},
        {"day": "0000-00-00", "start": "2030-01-07T10:00"},
        {"start": "\x00"},
    ],
)
def test_book_nonsense_is_a_clear_message(client, b: Bookable, data):
    client.force_login(b.cast.frontdesk)
    response = client.post(reverse("scheduling:book_save", args=[b.cast.patient.pk]), data)
    assert response.status_code in (400, 422)
    page = client.get(reverse("scheduling:book", args=[b.cast.patient.pk]), data)
    assert page.status_code in (200, 400)


def test_book_another_clinics_type_or_patient_is_refused(client, b: Bookable):
    client.force_login(b.cast.frontdesk)
    url = reverse("scheduling:book", args=[b.cast.outsider_patient.pk])
    assert client.get(url).status_code == 404


# --- series -------------------------------------------------------------------------------


def series_query(b: Bookable, first: dt.date) -> dict:
    return {
        "appointment_type": b.types["ketamine-infusion"].pk,
        "location": b.cast.location.pk,
        "first_day": first.isoformat(),
        "weekdays": ["0", "2", "4"],
        "local_time": "10:00",
        "session_count": "",
    }


def test_series_with_an_alternative_chosen_survives_an_error_and_books(client, b: Bookable):
    first = monday()
    wednesday = first + dt.timedelta(days=2)
    # Nobody can take the infusion on the first Wednesday at 10:00.
    for nurse in (b.cast.nurse, b.cast.provider):
        StaffTimeOff.objects.create(
            organization=b.cast.org,
            staff=nurse,
            starts_at=b.at(wednesday, 9),
            ends_at=b.at(wednesday, 12),
            reason="Training",
        )
    client.force_login(b.cast.frontdesk)
    query = series_query(b, first)
    page = client.get(reverse("scheduling:series", args=[b.cast.patient.pk]), query)
    html = page.content.decode()
    protocol = b.protocols["depression-iv-induction"]
    assert html.count('class="series-session') == protocol.session_count
    assert "Not free at that time." in html
    assert f"{protocol.min_interval_h} h" in html
    ctx = page.context
    sessions = ctx["sessions"]
    missing = next(s for s in sessions if not s["found"])
    alternative = missing["options"][0]["value"]
    choices = {f"session_{s['index']}": s["pick"] for s in sessions if s["found"]}
    # One session left without a choice: an error, and the chosen alternative is kept.
    first_missing = min(s["index"] for s in sessions if s["index"] != missing["index"])
    chosen = {**choices, f"session_{missing['index']}": alternative}
    del chosen[f"session_{first_missing}"]
    url = reverse("scheduling:series_book", args=[b.cast.patient.pk])
    response = client.post(url, {**query, **chosen})
    assert response.status_code == 422
    html = response.content.decode()
    assert f"Choose a time for session {first_missing}" in html
    assert f'value="{alternative}" checked' in html
    assert not Appointment.objects.exists()
    response = client.post(url, {**query, **choices, f"session_{missing['index']}": alternative})
    assert response.status_code == 302
    assert Appointment.objects.filter(patient=b.cast.patient).count() == protocol.session_count
    booked = Appointment.objects.get(series_index=missing["index"])
    assert booked.service_starts_at.isoformat() == alternative


def test_series_booking_is_all_or_nothing(client, b: Bookable):
    first = monday()
    client.force_login(b.cast.frontdesk)
    query = series_query(b, first)
    page = client.get(reverse("scheduling:series", args=[b.cast.patient.pk]), query)
    choices = {f"session_{s['index']}": s["pick"] for s in page.context["sessions"]}
    # Someone takes session 4's time meanwhile.
    last = dt.datetime.fromisoformat(choices["session_4"])
    book(b, "free-consultation", last, patient=b.cast.patient)
    response = client.post(
        reverse("scheduling:series_book", args=[b.cast.patient.pk]), {**query, **choices}
    )
    assert response.status_code == 409
    assert "Session 4" in response.content.decode()
    assert f'value="{choices["session_2"]}" checked' in response.content.decode()
    assert not Appointment.objects.filter(series__isnull=False).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"first_day": "2026-02-30", "weekdays": ["9"], "local_time": "25:00"},
        {"first_day": "", "weekdays": [], "local_time": "", "session_count": "0"},
        {
            "first_day": "2030-01-07",
            "weekdays": ["0"],
            "local_time": "10:00",
            "session_count": "999",
        },
        {"appointment_type": "x", "location": "y", "first_day": "2030-01-07"},
    ],
)
def test_series_nonsense_is_a_clear_message(client, b: Bookable, data):
    client.force_login(b.cast.frontdesk)
    page = client.get(reverse("scheduling:series", args=[b.cast.patient.pk]), data)
    assert page.status_code == 200
    assert "errorlist" in page.content.decode()
    response = client.post(
        reverse("scheduling:series_book", args=[b.cast.patient.pk]),
        {**data, "session_1": "not a time"},
    )
    assert response.status_code == 422


def test_record_page_lists_upcoming_appointments(client, b: Bookable):
    appt = book(b, "ketamine-infusion", b.at(monday(), 9))
    client.force_login(b.cast.frontdesk)
    html = client.get(reverse("record:patient", args=[b.cast.patient.pk])).content.decode()
    assert "Upcoming appointments" in html
    assert reverse("scheduling:appointment", args=[appt.pk]) in html
    assert reverse("scheduling:series", args=[b.cast.patient.pk]) in html


def test_the_appointment_page_shows_the_patients_attendance(client, b: Bookable):
    past = timezone.now() - dt.timedelta(days=20)
    for status, late in [("no_show", False), ("cancelled", True), ("completed", False)]:
        Appointment.objects.create(
            organization=b.cast.org,
            location=b.cast.location,
            appointment_type=b.types["follow-up"],
            patient=b.cast.patient,
            starts_at=past,
            ends_at=past + dt.timedelta(minutes=20),
            service_starts_at=past,
            service_ends_at=past + dt.timedelta(minutes=20),
            status=status,
            late_cancellation=late,
        )
        past += dt.timedelta(days=2)
    appt = book(b, "follow-up", b.at(monday(), 9))
    client.force_login(b.cast.frontdesk)
    html = client.get(reverse("scheduling:appointment", args=[appt.pk])).content.decode()
    assert "1 completed · 1 did not attend · 1 late cancellations" in html

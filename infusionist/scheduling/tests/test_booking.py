"""Booking, moving, cancelling and series through the services, against the test clinic."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.scheduling import selectors, services
from infusionist.scheduling.models import Appointment, StaffTimeOff
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


def test_minutes_come_from_the_protocol(b: Bookable):
    m = selectors.appointment_minutes(
        appointment_type=b.types["ketamine-infusion"], settings=b.settings
    )
    protocol = b.protocols["depression-iv-induction"]
    assert m.treatment_min == protocol.duration_min
    assert m.observation_min == protocol.observation_min
    assert m.patient_min == 15 + protocol.duration_min + protocol.observation_min
    esk = selectors.appointment_minutes(
        appointment_type=b.types["esketamine-session"], settings=b.settings
    )
    assert esk.observation_min >= 120


def test_book_an_infusion_takes_chair_and_nurse_and_audits(b: Bookable):
    start = b.at(monday(), 9)
    appt = book(b, "ketamine-infusion", start)
    assert appt.chair == b.chairs[0]
    assert appt.staff in (b.cast.nurse, b.cast.provider)
    assert appt.service_starts_at == start
    assert appt.ends_at > appt.service_ends_at  # turnover
    assert appt.link_token
    assert AuditEvent.objects.filter(object_type="appointment", object_id=str(appt.pk)).exists()
    assert appt.events.get().kind == "booked"


def test_same_patient_cannot_be_double_booked(b: Bookable):
    book(b, "ketamine-infusion", b.at(monday(), 9))
    with pytest.raises(services.SlotTaken) as err:
        book(b, "follow-up", b.at(monday(), 10))
    assert err.value.subject == "patient" and err.value.status == 409


def test_chairs_fill_then_taken(b: Bookable):
    start = b.at(monday(), 9)
    patients = [b.cast.patient, b.cast.other_patient]
    for p in patients:
        book(b, "ketamine-infusion", start, patient=p)
    # Third: chair 3 is free but both nurses (nurse, provider) may take two each: still fits.
    third = book(b, "ketamine-infusion", start, contact_name="Walk In", patient=None)
    assert third.chair == b.chairs[2]
    with pytest.raises(services.SlotTaken) as err:
        book(b, "ketamine-infusion", start, contact_name="Another", patient=None)
    assert err.value.subject == "chair"
    assert "just taken" in err.value.message


def test_nurse_ratio_limits_monitoring(b: Bookable):
    # Only the nurse works; ratio 2: the third simultaneous infusion has no nurse.
    from infusionist.scheduling.models import StaffShift

    StaffShift.objects.filter(staff=b.cast.provider).delete()
    start = b.at(monday(), 9)
    book(b, "ketamine-infusion", start)
    book(b, "ketamine-infusion", start, patient=b.cast.other_patient)
    with pytest.raises(services.SlotTaken) as err:
        book(b, "ketamine-infusion", start, patient=None, contact_name="Third")
    assert err.value.subject == "staff" and "ratio" in err.value.message


@pytest.mark.parametrize(
    ("hour", "minute", "rule"),
    [(7, 0, "outside_hours"), (16, 30, "outside_hours"), (17, 0, "outside_hours")],
)
def test_outside_hours_is_a_rule(b: Bookable, hour, minute, rule):
    with pytest.raises(services.BookingRuleBroken) as err:
        book(b, "ketamine-infusion", b.at(monday(), hour, minute))
    assert err.value.code == rule and err.value.status == 422


def test_weekend_closure_and_time_off(b: Bookable):
    saturday = monday() + dt.timedelta(days=5)
    with pytest.raises(services.BookingRuleBroken):
        book(b, "follow-up", b.at(saturday, 10))
    from infusionist.clinics.models import Closure

    Closure.objects.create(
        location=b.cast.location, starts_on=monday(), ends_on=monday(), reason="Training"
    )
    with pytest.raises(services.BookingRuleBroken) as err:
        book(b, "follow-up", b.at(monday(), 10))
    assert err.value.code == "closure" and "Training" in err.value.message
    tuesday = monday() + dt.timedelta(days=1)
    for user in (b.cast.physician, b.cast.provider):
        StaffTimeOff.objects.create(
            organization=b.cast.org,
            staff=user,
            starts_at=b.at(tuesday, 0),
            ends_at=b.at(tuesday, 23),
            reason="Leave",
        )
    with pytest.raises(services.BookingRuleBroken) as err:
        book(b, "follow-up", b.at(tuesday, 10))
    assert err.value.code == "no_staff_on_shift"


def test_past_and_naive_times_are_refused(b: Bookable):
    with pytest.raises(services.BookingRuleBroken) as err:
        book(b, "follow-up", timezone.now() - dt.timedelta(hours=1))
    assert err.value.code == "in_the_past"
    with pytest.raises(services.BookingRuleBroken):
        book(b, "follow-up", dt.datetime(2030, 1, 7, 10))


def test_min_interval_between_infusions(b: Bookable):
    book(b, "ketamine-infusion", b.at(monday(), 14))
    # 19 hours later, inside opening hours: only the protocol's 24-hour interval forbids it.
    with pytest.raises(services.BookingRuleBroken) as err:
        book(b, "ketamine-infusion", b.at(monday() + dt.timedelta(days=1), 9))
    assert err.value.code == "min_interval"
    # A day later it fits.
    book(b, "ketamine-infusion", b.at(monday() + dt.timedelta(days=1), 14))


def test_move_and_cancel(b: Bookable):
    appt = book(b, "ketamine-infusion", b.at(monday(), 9))
    moved = services.appointment_move(
        appointment=appt,
        service_starts_at=b.at(monday(), 11),
        by=b.cast.frontdesk,
        reason="Patient asked",
    )
    assert moved.service_starts_at == b.at(monday(), 11)
    assert [e.kind for e in moved.events.all()] == ["booked", "moved"]
    with pytest.raises(services.BookingRuleBroken):
        services.appointment_cancel(appointment=moved, by=b.cast.frontdesk, reason="  ")
    cancelled = services.appointment_cancel(
        appointment=moved, by=b.cast.frontdesk, reason="Feeling unwell"
    )
    assert cancelled.status == "cancelled" and not cancelled.late_cancellation
    # The freed chair time can be booked again.
    book(b, "ketamine-infusion", b.at(monday(), 11), patient=b.cast.other_patient)


def test_late_cancellation_flag(b: Bookable):
    appt = book(b, "follow-up", b.at(monday(), 10))
    now = b.at(monday(), 10) - dt.timedelta(hours=5)
    cancelled = services.appointment_cancel(
        appointment=appt, by=b.cast.frontdesk, reason="Car trouble", now=now
    )
    assert cancelled.late_cancellation


def test_no_show_only_after_start(b: Bookable):
    appt = book(b, "follow-up", b.at(monday(), 10))
    with pytest.raises(services.BookingRuleBroken):
        services.appointment_mark(appointment=appt, status="no_show", by=b.cast.frontdesk)
    marked = services.appointment_mark(
        appointment=appt, status="no_show", by=b.cast.frontdesk, now=b.at(monday(), 10, 30)
    )
    assert marked.status == "no_show"
    with pytest.raises(services.BookingRuleBroken):
        services.appointment_mark(appointment=marked, status="arrived", by=b.cast.frontdesk)


def test_available_slots_skip_taken_times(b: Bookable):
    day = monday()
    kw = dict(
        organization=b.cast.org,
        appointment_type=b.types["free-consultation"],
        location=b.cast.location,
        start=b.at(day, 0),
        end=b.at(day, 23, 59),
    )
    slots = selectors.available_slots(**kw)
    assert slots[0].service_start == b.at(day, 9)
    assert slots[-1].service_start == b.at(day, 16, 45)
    book(b, "free-consultation", b.at(day, 9), patient=None, contact_name="Lead")
    after = selectors.available_slots(**kw)
    assert after[0].service_start == b.at(day, 9, 15)  # one front desk person


def test_series_of_six_mon_wed_fri(b: Bookable):
    proposal = services.series_propose(
        organization=b.cast.org,
        appointment_type=b.types["ketamine-infusion"],
        location=b.cast.location,
        patient=b.cast.patient,
        first_day=monday(),
        weekdays=[0, 2, 4],
        local_time=dt.time(10),
        session_count=6,
    )
    assert proposal.complete and not proposal.spacing
    series = services.series_book(
        organization=b.cast.org,
        appointment_type=b.types["ketamine-infusion"],
        location=b.cast.location,
        patient=b.cast.patient,
        service_starts=[s.fit.service_start for s in proposal.sessions],
        by=b.cast.frontdesk,
    )
    assert series.appointments.count() == 6
    assert [a.series_index for a in series.appointments.order_by("service_starts_at")] == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]


def test_series_with_a_missing_slot_offers_alternatives_and_books_all_or_nothing(b: Bookable):
    wednesday = monday() + dt.timedelta(days=2)
    for i, chair_patient in enumerate([b.cast.other_patient, None, None]):
        book(
            b,
            "ketamine-infusion",
            b.at(wednesday, 10),
            patient=chair_patient,
            contact_name=f"Other {i}",
        )
    proposal = services.series_propose(
        organization=b.cast.org,
        appointment_type=b.types["ketamine-infusion"],
        location=b.cast.location,
        patient=b.cast.patient,
        first_day=monday(),
        weekdays=[0, 2, 4],
        local_time=dt.time(10),
        session_count=6,
    )
    assert not proposal.complete
    missing = [s for s in proposal.sessions if s.fit is None]
    assert len(missing) == 1 and missing[0].alternatives
    starts = [s.fit.service_start if s.fit else b.at(wednesday, 10) for s in proposal.sessions]
    with pytest.raises(services.SlotTaken) as err:
        services.series_book(
            organization=b.cast.org,
            appointment_type=b.types["ketamine-infusion"],
            location=b.cast.location,
            patient=b.cast.patient,
            service_starts=starts,
            by=b.cast.frontdesk,
        )
    assert "Session 2" in err.value.message
    assert not Appointment.objects.filter(patient=b.cast.patient).exists()
    starts[1] = missing[0].alternatives[0].service_start
    services.series_book(
        organization=b.cast.org,
        appointment_type=b.types["ketamine-infusion"],
        location=b.cast.location,
        patient=b.cast.patient,
        service_starts=starts,
        by=b.cast.frontdesk,
    )
    assert Appointment.objects.filter(patient=b.cast.patient).count() == 6


def test_series_across_dst_keeps_local_times(b: Bookable):
    # The first Monday before the second Sunday of March or the first Sunday of November.
    today = clinic_today()
    year = today.year + 1
    march_first = dt.date(year, 3, 1)
    second_sunday = march_first + dt.timedelta(days=(6 - march_first.weekday()) % 7 + 7)
    first = second_sunday - dt.timedelta(days=6)
    proposal = services.series_propose(
        organization=b.cast.org,
        appointment_type=b.types["ketamine-infusion"],
        location=b.cast.location,
        patient=b.cast.patient,
        first_day=first,
        weekdays=[0, 2, 4],
        local_time=dt.time(9, 30),
        session_count=6,
    )
    assert proposal.complete
    tz = b.cast.location.tzinfo
    assert {s.fit.service_start.astimezone(tz).strftime("%H:%M") for s in proposal.sessions} == {
        "09:30"
    }
    offsets = {s.fit.service_start.astimezone(tz).utcoffset() for s in proposal.sessions}
    assert len(offsets) == 2  # both sides of the change


def test_telehealth_consult_is_also_the_consultation_record(b: Bookable):
    from infusionist.consultations.models import Consultation

    appt = book(b, "telehealth-consult", b.at(monday(), 11))
    assert appt.staff == b.cast.physician
    consultation = Consultation.objects.get(patient=b.cast.patient)
    assert consultation.scheduled_at == appt.service_starts_at
    assert consultation.physician == b.cast.physician
    services.appointment_cancel(appointment=appt, by=b.cast.frontdesk, reason="Rescheduling")
    consultation.refresh_from_db()
    assert consultation.status == "cancelled"


def test_a_closure_is_named_with_its_reason(b: Bookable):
    from infusionist.clinics.models import Closure

    wednesday = monday() + dt.timedelta(days=2)
    Closure.objects.create(
        location=b.cast.location,
        starts_on=wednesday,
        ends_on=wednesday,
        reason="Staff training day",
    )
    with pytest.raises(services.BookingRuleBroken) as err:
        book(b, "follow-up", b.at(wednesday, 10))
    assert err.value.code == "closure" and "Staff training day" in err.value.message
    proposal = services.series_propose(
        organization=b.cast.org,
        appointment_type=b.types["ketamine-infusion"],
        location=b.cast.location,
        patient=b.cast.patient,
        first_day=monday(),
        weekdays=[0, 2, 4],
        local_time=dt.time(10),
        session_count=3,
    )
    missing = [s for s in proposal.sessions if s.fit is None]
    assert len(missing) == 1 and missing[0].problems[0].rule == "closure"
    assert "Staff training day" in missing[0].problems[0].message

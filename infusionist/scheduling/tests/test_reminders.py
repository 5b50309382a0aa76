"""Appointment reminders: due times (DST included), once-only delivery, moves, cancellations,
language, the .ics file, and the sweep run by the database worker."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from icalendar import Calendar

from infusionist.measurements import sms
from infusionist.scheduling import reminders
from infusionist.scheduling.models import (
    Appointment,
    AppointmentEvent,
    ReminderDelivery,
    SchedulingSettings,
)
from infusionist.scheduling.tests import reminder_factories as make

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
UTC = dt.UTC


@pytest.fixture(autouse=True)
def _messages(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "infusionist.measurements.sms.LocmemSmsBackend"
    settings.SITE_URL = "https://clinic.test"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _offsets(cast, *hours: int) -> None:
    SchedulingSettings.objects.update_or_create(
        organization=cast.org, defaults={"reminder_offsets_h": list(hours)}
    )


def _in_new_york(cast) -> None:
    cast.location.time_zone = "America/New_York"
    cast.location.save(update_fields=["time_zone"])


def _local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NEW_YORK)  # noqa: DTZ001 - aware through tzinfo


# ---- due-time arithmetic -----------------------------------------------------------------


def test_a_reminder_is_due_its_offset_in_elapsed_hours_across_a_dst_change() -> None:
    # 2027-03-14: clocks go from 2:00 EST to 3:00 EDT. A 9:00 visit that morning.
    start = _local(2027, 3, 14, 9, 0)
    due = reminders.reminder_due_at(service_starts_at=start, offset_h=24)
    assert start.astimezone(UTC) - due == dt.timedelta(hours=24)
    assert due.astimezone(NEW_YORK).replace(tzinfo=None) == dt.datetime(2027, 3, 13, 8, 0)
    # Autumn: 2027-11-07 2:00 EDT back to 1:00 EST; the day before is 10:00 local.
    autumn = _local(2027, 11, 7, 9, 0)
    due = reminders.reminder_due_at(service_starts_at=autumn, offset_h=24)
    assert due.astimezone(NEW_YORK).replace(tzinfo=None) == dt.datetime(2027, 11, 6, 10, 0)


def test_due_time_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        reminders.reminder_due_at(service_starts_at=dt.datetime(2027, 1, 1, 9), offset_h=2)  # noqa: DTZ001


def test_only_offsets_that_were_still_ahead_at_booking_are_due() -> None:
    start = dt.datetime(2027, 5, 3, 16, 0, tzinfo=UTC)
    booked = start - dt.timedelta(hours=3)
    due = lambda now: reminders.reminder_offset_due(  # noqa: E731
        service_starts_at=start, start_set_at=booked, offsets_h=[72, 24, 2], now=now
    )
    assert due(booked) is None
    assert due(start - dt.timedelta(hours=2, seconds=1)) is None
    assert due(start - dt.timedelta(hours=2)) == 2
    assert due(start) is None  # it has started


def test_of_several_due_offsets_only_the_nearest_is_due() -> None:
    start = dt.datetime(2027, 5, 3, 16, 0, tzinfo=UTC)
    booked = start - dt.timedelta(days=10)
    now = start - dt.timedelta(hours=20)  # 72 h and 24 h both passed (a stopped worker)
    assert (
        reminders.reminder_offset_due(
            service_starts_at=start, start_set_at=booked, offsets_h=[72, 24, 2], now=now
        )
        == 24
    )


# ---- the sweep -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_24_hour_reminder_of_a_9am_visit_after_the_spring_change_goes_24_real_hours_ahead(
    cast,
) -> None:
    _in_new_york(cast)
    _offsets(cast, 24)
    start = _local(2027, 3, 14, 9, 0)  # the morning after clocks went forward at 2:00
    make.appointment(location=cast.location, patient=cast.patient, service_starts_at=start)
    assert reminders.appointment_reminders_send(now=_local(2027, 3, 13, 7, 59)) == 0
    assert reminders.appointment_reminders_send(now=_local(2027, 3, 13, 8, 0)) == 2  # e-mail, SMS
    assert "9:00 AM EDT" in mail.outbox[0].body
    assert "Sunday, March 14, 2027" in mail.outbox[0].body


@pytest.mark.django_db
def test_each_reminder_is_sent_once_per_channel(cast) -> None:
    _offsets(cast, 72, 24, 2)
    start = timezone.now() + dt.timedelta(hours=23)
    appointment = make.appointment(
        location=cast.location, patient=cast.patient, service_starts_at=start
    )
    assert reminders.appointment_reminders_send() == 2
    assert reminders.appointment_reminders_send() == 0
    call_command("send_appointment_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1
    assert len(sms.outbox) == 1
    assert mail.outbox[0].to == [cast.patient.email]
    assert sms.outbox[0].to == cast.patient.phone
    deliveries = ReminderDelivery.objects.filter(appointment=appointment)
    assert sorted(deliveries.values_list("offset_h", "channel")) == [(24, "email"), (24, "sms")]
    assert (
        AppointmentEvent.objects.filter(appointment=appointment, kind="reminder_sent").count() == 2
    )


@pytest.mark.django_db
def test_a_visit_booked_3_hours_ahead_gets_only_the_2_hour_reminder(cast) -> None:
    _offsets(cast, 72, 24, 2)
    now = timezone.now()
    start = now + dt.timedelta(hours=3)
    make.appointment(
        location=cast.location, patient=cast.patient, service_starts_at=start, created_at=now
    )
    assert reminders.appointment_reminders_send(now=now + dt.timedelta(minutes=5)) == 0
    assert reminders.appointment_reminders_send(now=start - dt.timedelta(hours=2)) == 2
    assert set(ReminderDelivery.objects.values_list("offset_h", flat=True)) == {2}


@pytest.mark.django_db
def test_a_moved_appointment_is_reminded_for_its_new_start(cast) -> None:
    _offsets(cast, 24)
    now = timezone.now()
    start = now + dt.timedelta(hours=20)
    appointment = make.appointment(
        location=cast.location, patient=cast.patient, service_starts_at=start
    )
    assert reminders.appointment_reminders_send(now=now) == 2
    # Moved two days later (as the booking service does: new times and a "moved" event).
    shift = dt.timedelta(days=2)
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=appointment.starts_at + shift,
        ends_at=appointment.ends_at + shift,
        service_starts_at=start + shift,
        service_ends_at=appointment.service_ends_at + shift,
    )
    AppointmentEvent.objects.create(appointment=appointment, kind="moved", at=now)
    assert reminders.appointment_reminders_send(now=now + dt.timedelta(hours=1)) == 0
    assert reminders.appointment_reminders_send(now=start + shift - dt.timedelta(hours=24)) == 2
    starts = set(ReminderDelivery.objects.values_list("for_starts_at", flat=True))
    assert starts == {start, start + shift}


@pytest.mark.django_db
def test_a_move_to_sooner_than_an_offset_skips_that_offset(cast) -> None:
    _offsets(cast, 24, 2)
    now = timezone.now()
    appointment = make.appointment(
        location=cast.location, patient=cast.patient, service_starts_at=now + dt.timedelta(days=5)
    )
    new_start = now + dt.timedelta(hours=6)
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=new_start - dt.timedelta(minutes=15),
        ends_at=new_start + dt.timedelta(minutes=130),
        service_starts_at=new_start,
        service_ends_at=new_start + dt.timedelta(minutes=60),
    )
    AppointmentEvent.objects.create(appointment=appointment, kind="moved", at=now)
    assert reminders.appointment_reminders_send(now=now + dt.timedelta(minutes=1)) == 0
    assert reminders.appointment_reminders_send(now=new_start - dt.timedelta(hours=2)) == 2


@pytest.mark.django_db
def test_a_cancelled_appointment_is_never_reminded(cast) -> None:
    _offsets(cast, 24)
    make.appointment(
        location=cast.location,
        patient=cast.patient,
        service_starts_at=timezone.now() + dt.timedelta(hours=23),
        status=Appointment.Status.CANCELLED,
    )
    assert reminders.appointment_reminders_send() == 0
    assert mail.outbox == []
    assert sms.outbox == []


@pytest.mark.django_db
def test_a_failing_carrier_leaves_the_reminder_to_the_next_sweep(cast, settings) -> None:
    _offsets(cast, 24)
    settings.SMS_BACKEND = "infusionist.scheduling.tests.test_reminders.BrokenSms"
    make.appointment(
        location=cast.location,
        patient=cast.patient,
        service_starts_at=timezone.now() + dt.timedelta(hours=23),
    )
    assert reminders.appointment_reminders_send() == 1  # the e-mail went
    assert list(ReminderDelivery.objects.values_list("channel", flat=True)) == ["email"]
    settings.SMS_BACKEND = "infusionist.measurements.sms.LocmemSmsBackend"
    assert reminders.appointment_reminders_send() == 1  # now the text
    assert len(mail.outbox) == 1


class BrokenSms:
    def send_messages(self, messages: list[object]) -> int:
        raise ConnectionError("carrier down")


# ---- what it says --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_reminder_speaks_the_patients_language(cast) -> None:
    _offsets(cast, 24)
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    make.appointment(
        location=cast.location,
        patient=cast.patient,
        service_starts_at=timezone.now() + dt.timedelta(hours=23),
    )
    reminders.appointment_reminders_send()
    body = mail.outbox[0].body
    assert mail.outbox[0].subject.startswith("Recordatorio")
    assert "Infusión de ketamina" in body
    assert "No coma" in body
    assert "Confirme" in sms.outbox[0].body


@pytest.mark.django_db
def test_a_website_lead_is_reminded_in_their_language_with_no_instructions(cast) -> None:
    _offsets(cast, 24)
    make.appointment(
        location=cast.location,
        contact_name="Rosa Fictitia",
        contact_email="rosa@test.example",
        contact_language="es",
        kind="free_consultation",
        with_chair=False,
        service_starts_at=timezone.now() + dt.timedelta(hours=23),
    )
    assert reminders.appointment_reminders_send() == 1  # e-mail only: no phone given
    body = mail.outbox[0].body
    assert "Por teléfono" in body
    assert "No coma" not in body


@pytest.mark.django_db
def test_an_infusion_reminder_carries_the_instructions_and_the_links(cast) -> None:
    _offsets(cast, 24)
    appointment = make.appointment(
        location=cast.location,
        patient=cast.patient,
        service_starts_at=timezone.now() + dt.timedelta(hours=23),
    )
    reminders.appointment_reminders_send()
    body = mail.outbox[0].body
    token = reminders.appointment_link_token(appointment)
    assert f"https://clinic.test/appointments/{token}/confirm/" in body
    assert f"https://clinic.test/appointments/{token}/cancel/" in body
    assert "Do not eat for 2 hours" in body
    assert "Arrange for an adult to take you home" in body
    assert "list of every medicine" in body
    assert "Main, 1 Test Street, Testville, OR 97401" in body
    # The text names no treatment; only the SHA-256 of the link secret is stored.
    assert "Ketamine" not in sms.outbox[0].body
    appointment.refresh_from_db()
    assert appointment.link_token_sha256 == reminders.token_sha256(token)
    assert token not in appointment.link_token_sha256


@pytest.mark.django_db
def test_the_ics_attachment_parses_back_with_the_locations_zone(cast) -> None:
    _in_new_york(cast)
    _offsets(cast, 24)
    start = _local(2027, 3, 14, 9, 0)
    appointment = make.appointment(
        location=cast.location, patient=cast.patient, service_starts_at=start
    )
    reminders.appointment_reminders_send(now=_local(2027, 3, 13, 9, 0))
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert name == "appointment.ics"
    assert mimetype.startswith("text/calendar")
    text = content if isinstance(content, str) else content.decode()
    calendar = Calendar.from_ical(text)
    assert calendar["method"] == "PUBLISH"
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"appointment-{appointment.pk}@clinic.test"
    assert event["dtstart"].params["TZID"] == "America/New_York"
    assert event.decoded("dtstart") == start
    assert event.decoded("dtend") == start + dt.timedelta(minutes=60)
    assert str(event["summary"]) == "Ketamine infusion — Willowbrook Test Clinic"
    assert int(event["sequence"]) > 0
    assert "1 Test Street" in str(event["location"])
    description = str(event["description"])
    assert "/confirm/" in description
    patient = cast.patient
    dob = f"{patient.date_of_birth:%Y%m%d}"
    for private in (patient.legal_first_name, patient.legal_last_name, patient.mrn, dob):
        assert private not in text
    assert "@test.example" not in text


# ---- the worker ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_reminder_tasks_run_by_the_database_worker(cast, settings) -> None:
    from django_tasks_db.models import DBTaskResult

    from infusionist.scheduling.tasks import send_appointment_reminders

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _offsets(cast, 24)
    make.appointment(
        location=cast.location,
        patient=cast.patient,
        service_starts_at=timezone.now() + dt.timedelta(hours=23),
    )
    call_command("schedule_periodic_work", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("schedule_periodic_work", stdout=open("/dev/null", "w"))  # noqa: SIM115
    waiting = DBTaskResult.objects.filter(task_path=send_appointment_reminders.module_path)
    assert waiting.count() == 1  # the second call added nothing
    assert mail.outbox == []
    call_command(
        "db_worker",
        "--batch",
        "--no-startup-delay",
        "--no-reload",
        verbosity=0,
    )
    assert len(mail.outbox) == 1
    assert len(sms.outbox) == 1
    runs = list(waiting.order_by("enqueued_at"))
    assert [r.status for r in runs] == ["SUCCESSFUL", "READY"]
    # The sweep queued its own next run, APPOINTMENT_REMINDER_EVERY_MIN minutes on.
    assert runs[1].run_after > timezone.now() + dt.timedelta(minutes=4)


# ---- with the booking services -------------------------------------------------------------


@pytest.mark.django_db
def test_a_booked_then_moved_appointment_is_reminded_for_each_start(cast) -> None:
    from infusionist.scheduling import services
    from infusionist.scheduling.tests.factories import bookable, next_weekday

    clinic = bookable(cast)
    now = timezone.now()
    day = next_weekday(2, after=now.date())  # a Wednesday at least a week ahead
    first = clinic.at(day, 10)
    appointment = services.appointment_book(
        organization=cast.org,
        appointment_type=clinic.types["ketamine-infusion"],
        location=cast.location,
        service_starts_at=first,
        patient=cast.patient,
        by=cast.frontdesk,
        now=now,
    )
    assert reminders.appointment_reminders_send(now=first - dt.timedelta(hours=72)) == 2
    later = clinic.at(day + dt.timedelta(days=1), 11)
    services.appointment_move(appointment=appointment, service_starts_at=later, by=cast.frontdesk)
    # Moved days ahead of either: the new start gets its own 72 h and 24 h reminders.
    assert reminders.appointment_reminders_send(now=later - dt.timedelta(hours=72)) == 2
    assert reminders.appointment_reminders_send(now=later - dt.timedelta(hours=24)) == 2
    assert reminders.appointment_reminders_send(now=first - dt.timedelta(hours=2)) == 0
    sent = sorted(
        (d.offset_h, d.for_starts_at == later)
        for d in ReminderDelivery.objects.filter(channel="email")
    )
    assert sent == [(24, True), (72, False), (72, True)]
    # The link of the reminder opens the appointment the booking service made.
    token = reminders.appointment_link_token(appointment)
    assert reminders.appointment_for_link(token=token).pk == appointment.pk

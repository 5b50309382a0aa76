"""The confirm and cancel pages of a reminder's links, and the staff calendar feed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from icalendar import Calendar

from infusionist.audit.models import AuditEvent
from infusionist.scheduling import feeds, reminders
from infusionist.scheduling.models import Appointment, AppointmentEvent, CalendarFeed
from infusionist.scheduling.tests import reminder_factories as make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://clinic.test"


def _booked(cast, *, hours: float = 48, **fields) -> tuple[Appointment, str]:
    appointment = make.appointment(
        location=cast.location,
        patient=cast.patient,
        service_starts_at=timezone.now() + dt.timedelta(hours=hours),
        **fields,
    )
    return appointment, reminders.appointment_link_token_ensure(appointment)


# ---- confirm -------------------------------------------------------------------------------


def test_the_confirm_link_shows_the_appointment_and_changes_nothing_on_a_get(client, cast) -> None:
    appointment, token = _booked(cast)
    response = client.get(f"/appointments/{token}/confirm/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Confirm your appointment" in page
    assert "Ketamine infusion" in page
    assert "Yes, I will come" in page
    assert (
        response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    # The audit trail names the page without its secret.
    event = AuditEvent.objects.filter(object_type="appointment").latest("id")
    assert token not in event.path
    assert event.detail == {"link": "confirm"}


def test_posting_the_confirm_link_confirms_once(client, cast) -> None:
    appointment, token = _booked(cast)
    response = client.post(f"/appointments/{token}/confirm/")
    assert response.status_code == 200
    assert "your appointment is confirmed" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert AppointmentEvent.objects.filter(appointment=appointment, kind="confirmed").count() == 1
    client.post(f"/appointments/{token}/confirm/")
    assert AppointmentEvent.objects.filter(appointment=appointment, kind="confirmed").count() == 1
    page = client.get(f"/appointments/{token}/confirm/").content.decode()
    assert "already confirmed" in page


def test_a_bad_link_gets_a_clear_page_not_an_error(client, cast) -> None:
    for path in (
        "/appointments/not-a-real-secret/confirm/",
        "/appointments/not-a-real-secret/cancel/",
        "/appointments/" + "x" * 300 + "/cancel/",
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
        assert client.post(path).status_code == 404


def test_a_cancelled_or_past_appointment_says_so(client, cast) -> None:
    cancelled, token = _booked(cast, status=Appointment.Status.CANCELLED)
    response = client.post(f"/appointments/{token}/confirm/")
    assert response.status_code == 410
    assert "has been cancelled" in response.content.decode()
    past, token = _booked(cast, hours=-3)
    response = client.get(f"/appointments/{token}/cancel/")
    assert response.status_code == 410
    assert "already started or passed" in response.content.decode()


def test_the_link_pages_speak_the_patients_language(client, cast) -> None:
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    _, token = _booked(cast)
    page = client.get(f"/appointments/{token}/confirm/").content.decode()
    assert "Confirme su cita" in page
    assert "Infusión de ketamina" in page


# ---- cancel --------------------------------------------------------------------------------


def test_the_cancel_link_asks_for_an_optional_reason_then_cancels(client, cast) -> None:
    appointment, token = _booked(cast, hours=72)
    page = client.get(f"/appointments/{token}/cancel/").content.decode()
    assert "Reason (optional)" in page
    response = client.post(f"/appointments/{token}/cancel/", {"reason": "I have the flu"})
    assert response.status_code == 200
    assert "Your appointment is cancelled" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancel_reason == "I have the flu"
    assert appointment.late_cancellation is False  # 72 h ahead, outside the 24 h window
    assert appointment.cancelled_by is None
    event = AppointmentEvent.objects.get(appointment=appointment, kind="cancelled")
    assert event.detail["source"] == "patient"
    audit = AuditEvent.objects.filter(object_type="appointment", action="update").latest("id")
    assert audit.detail["before"]["status"] == "Booked"
    assert audit.detail["after"]["status"] == "Cancelled"
    assert audit.actor_id is None
    # A second post finds it cancelled.
    assert client.post(f"/appointments/{token}/cancel/").status_code == 410


def test_a_cancellation_inside_the_window_is_late(client, cast) -> None:
    appointment, token = _booked(cast, hours=5)
    client.post(f"/appointments/{token}/cancel/", {"reason": ""})
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.late_cancellation is True


def test_a_too_long_reason_is_refused_beside_the_field_and_kept(client, cast) -> None:
    appointment, token = _booked(cast)
    reason = "because " * 60
    response = client.post(f"/appointments/{token}/cancel/", {"reason": reason})
    assert response.status_code == 422
    page = response.content.decode()
    assert "errorlist" in page
    assert reason.strip() in page
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


# ---- the staff calendar feed ---------------------------------------------------------------


def test_a_staff_member_makes_a_feed_and_reads_their_appointments(client, cast) -> None:
    mine = make.appointment(
        location=cast.location,
        patient=cast.patient,
        staff=cast.frontdesk,
        service_starts_at=timezone.now() + dt.timedelta(days=1),
    )
    make.appointment(  # someone else's
        location=cast.location,
        patient=cast.other_patient,
        staff=cast.admin,
        service_starts_at=timezone.now() + dt.timedelta(days=1, hours=3),
    )
    make.appointment(  # cancelled
        location=cast.location,
        patient=cast.other_patient,
        staff=cast.frontdesk,
        status=Appointment.Status.CANCELLED,
        service_starts_at=timezone.now() + dt.timedelta(days=2),
    )
    client.force_login(cast.frontdesk)
    assert "You have no feed." in client.get("/schedule/feed/").content.decode()
    response = client.post("/schedule/feed/new/")
    assert response.status_code == 200
    url = response.context["new_url"]
    assert url.startswith("https://clinic.test/calendar/") and url.endswith(".ics")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(staff=cast.frontdesk)
    assert feed.token_sha256 == reminders.token_sha256(token)
    client.logout()

    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    initials = feeds.initials(cast.patient.display_name)
    assert str(event["summary"]) == f"Ketamine infusion — {initials} — Chair 1"
    assert event.decoded("dtstart") == mine.starts_at.replace(microsecond=0)
    text = response.content.decode()
    assert cast.patient.legal_last_name not in text
    assert cast.patient.mrn not in text
    assert AuditEvent.objects.filter(object_type="calendar_feed", action="access").count() == 1


def test_a_wrong_or_replaced_feed_secret_answers_404(client, cast) -> None:
    old = feeds.calendar_feed_rotate(actor=cast.frontdesk)
    assert client.get(f"/calendar/{old}.ics").status_code == 200
    new = feeds.calendar_feed_rotate(actor=cast.frontdesk)
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    assert client.get("/calendar/wrong.ics").status_code == 404
    assert CalendarFeed.objects.filter(staff=cast.frontdesk).count() == 1


def test_turning_the_feed_off_retires_its_address(client, cast) -> None:
    token = feeds.calendar_feed_rotate(actor=cast.frontdesk)
    client.force_login(cast.frontdesk)
    response = client.post("/schedule/feed/remove/", follow=True)
    assert "Your calendar feed is off" in response.content.decode()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_deactivated_staff_members_feed_stops(client, cast) -> None:
    token = feeds.calendar_feed_rotate(actor=cast.frontdesk)
    cast.frontdesk.is_active = False
    cast.frontdesk.save(update_fields=["is_active"])
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_patient_cannot_make_a_feed(cast) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        feeds.calendar_feed_rotate(actor=cast.patient_user)


def test_initials_keep_at_most_three_letters() -> None:
    assert feeds.initials("Jane Doe") == "J. D."
    assert feeds.initials("maría de la Cruz") == "M. D. L."
    assert feeds.initials("") == ""


@pytest.mark.parametrize("appointments", [1, 6])
def test_the_feed_keeps_its_query_count_as_appointments_grow(
    client, cast, django_assert_num_queries, appointments
) -> None:
    token = feeds.calendar_feed_rotate(actor=cast.frontdesk)
    start = timezone.now() + dt.timedelta(days=1)
    for n in range(appointments):
        make.appointment(
            location=cast.location,
            patient=cast.patient,
            staff=cast.frontdesk,
            with_chair=False,
            service_starts_at=start + dt.timedelta(hours=3 * n),
        )
    # The feed with its owner and clinic; the appointments with type, location, chair and
    # patient; the audit event.
    with django_assert_num_queries(3):
        response = client.get(f"/calendar/{token}.ics")
    assert response.content.decode().count("BEGIN:VEVENT") == appointments

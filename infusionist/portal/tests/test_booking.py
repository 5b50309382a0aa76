"""The patient's appointments in the portal: upcoming, cancel, book a follow-up or a booster."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from infusionist.audit.models import AuditEvent
from infusionist.scheduling import public, services
from infusionist.scheduling.models import Appointment
from infusionist.scheduling.tests.factories import Bookable, bookable, next_weekday
from infusionist.scheduling.tests.test_closed_loop import maintenance_plan
from infusionist.test import Cast, clinic_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def b(cast: Cast) -> Bookable:
    return bookable(cast)


@pytest.fixture
def patient_client(client: Client, cast: Cast) -> Client:
    client.force_login(cast.patient_user)
    return client


def follow_up_url(b: Bookable, name: str = "book") -> str:
    return reverse(f"portal:{name}", args=[b.types["follow-up"].pk])


def booked_for_patient(b: Bookable, days_ahead_weeks: int = 1, hour: int = 10) -> Appointment:
    return services.appointment_book(
        organization=b.cast.org,
        appointment_type=b.types["follow-up"],
        location=b.cast.location,
        service_starts_at=b.at(
            next_weekday(1, after=clinic_today(), weeks_ahead=days_ahead_weeks), hour
        ),
        patient=b.cast.patient,
        by=b.cast.frontdesk,
    )


def test_without_a_signed_plan_the_patient_reads_why_and_the_clinic_phone(
    b: Bookable, patient_client: Client
):
    html = patient_client.get(reverse("portal:appointments")).content.decode()
    assert "Follow-up" in html
    assert "treatment plan has not been signed" in html
    assert "(541) 555-0199" in html
    response = patient_client.post(follow_up_url(b, "book_save"), {"start": "x"})
    assert response.status_code == 422
    assert not Appointment.objects.exists()


def test_an_eligible_patient_books_a_follow_up(b: Bookable, patient_client: Client):
    maintenance_plan(b, b.cast.patient)
    page = patient_client.get(follow_up_url(b))
    assert page.status_code == 200
    days = public.slot_days(
        organization=b.cast.org,
        appointment_type=b.types["follow-up"],
        location=b.cast.location,
        patient_id=b.cast.patient.pk,
    )
    start = days[0].choices[0].value
    assert start in page.content.decode()
    response = patient_client.post(follow_up_url(b, "book_save"), {"start": start})
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.patient == b.cast.patient
    assert appointment.source == Appointment.Source.PORTAL
    listing = patient_client.get(reverse("portal:appointments")).content.decode()
    assert "Your appointment is booked" in listing
    assert "Cancel this appointment" in listing


@pytest.mark.parametrize("start", ["", "soon", "2020-01-01T09:00:00-08:00"])
def test_bad_or_stale_times_are_refused_in_words(b: Bookable, patient_client: Client, start: str):
    maintenance_plan(b, b.cast.patient)
    response = patient_client.post(follow_up_url(b, "book_save"), {"start": start})
    assert response.status_code == 422
    assert "Choose" in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_booster_needs_readiness_and_says_why_not(b: Bookable, patient_client: Client):
    kind = b.types["ketamine-infusion"]
    kind.portal_bookable = True
    kind.save()
    maintenance_plan(b, b.cast.patient)
    page = patient_client.get(reverse("portal:book", args=[kind.pk]))
    html = page.content.decode()
    assert "You cannot book this online yet" in html
    assert "intake" in html or "consent" in html


def test_a_patient_cancels_with_an_optional_reason_and_is_warned_when_late(
    b: Bookable, patient_client: Client
):
    appointment = booked_for_patient(b)
    listing = patient_client.get(reverse("portal:appointments")).content.decode()
    assert "late cancellation" in listing
    response = patient_client.post(
        reverse("portal:appointment_cancel", args=[appointment.pk]), {"reason": ""}
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancelled_by == b.cast.patient_user
    assert AuditEvent.objects.filter(
        object_type=AuditEvent.ObjectType.APPOINTMENT,
        object_id=str(appointment.pk),
        action=AuditEvent.Action.UPDATE,
    ).exists()
    again = patient_client.post(reverse("portal:appointment_cancel", args=[appointment.pk]))
    assert again.status_code == 302
    assert "no longer booked" in patient_client.get(again["Location"]).content.decode()


def test_a_reason_too_long_is_refused_and_nothing_is_cancelled(b: Bookable, patient_client: Client):
    appointment = booked_for_patient(b)
    response = patient_client.post(
        reverse("portal:appointment_cancel", args=[appointment.pk]), {"reason": "x" * 301}
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_another_patients_appointment_or_type_is_404(b: Bookable, patient_client: Client):
    other = services.appointment_book(
        organization=b.cast.org,
        appointment_type=b.types["follow-up"],
        location=b.cast.location,
        service_starts_at=b.at(next_weekday(2, after=clinic_today()), 10),
        patient=b.cast.other_patient,
        by=b.cast.frontdesk,
    )
    response = patient_client.post(reverse("portal:appointment_cancel", args=[other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Appointment.Status.BOOKED
    assert patient_client.get(reverse("portal:book", args=[999999])).status_code == 404
    not_offered = b.types["intake-evaluation"]
    assert patient_client.get(reverse("portal:book", args=[not_offered.pk])).status_code == 404


def test_the_pages_speak_spanish(b: Bookable, patient_client: Client):
    b.cast.patient.preferred_language = "es"
    b.cast.patient.save(update_fields=["preferred_language"])
    html = patient_client.get(reverse("portal:appointments")).content.decode()
    assert "Sus citas" in html


def test_staff_cannot_use_the_patient_pages(b: Bookable, client: Client):
    client.force_login(b.cast.frontdesk)
    assert client.get(reverse("portal:appointments")).status_code == 403


def test_a_get_books_or_cancels_nothing(b: Bookable, patient_client: Client):
    appointment = booked_for_patient(b)
    patient_client.get(reverse("portal:appointment_cancel", args=[appointment.pk]))
    patient_client.get(follow_up_url(b, "book_save"))
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert Appointment.objects.count() == 1

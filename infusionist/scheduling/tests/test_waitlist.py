"""The waitlist: staff add patients, a cancelled time is offered by message, accept, decline,
expiry and the next patient in line."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.measurements import sms
from infusionist.scheduling import services, waitlist
from infusionist.scheduling.models import Appointment, WaitlistEntry, WaitlistOffer
from infusionist.scheduling.tests.factories import Bookable, bookable, next_weekday
from infusionist.test import PASSWORD, Cast, clinic_today

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.SMS_BACKEND = "infusionist.measurements.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def b(cast: Cast) -> Bookable:
    return bookable(cast)


def monday() -> dt.date:
    return next_weekday(0, after=clinic_today())


def add(b: Bookable, patient, **over) -> WaitlistEntry:
    values = {
        "organization": b.cast.org,
        "patient": patient,
        "appointment_type": b.types["follow-up"],
        "location": b.cast.location,
        "earliest_on": clinic_today(),
        "latest_on": clinic_today() + dt.timedelta(days=30),
        "weekdays": [],
        "by": b.cast.frontdesk,
    }
    values.update(over)
    return waitlist.waitlist_entry_add(**values)


def cancelled(b: Bookable, hour: int = 10) -> Appointment:
    appointment = services.appointment_book(
        organization=b.cast.org,
        appointment_type=b.types["follow-up"],
        location=b.cast.location,
        service_starts_at=b.at(monday(), hour),
        contact_name="Someone Else",
        contact_phone="+15415550100",
        by=b.cast.frontdesk,
    )
    return services.appointment_cancel(appointment=appointment, by=b.cast.frontdesk, reason="Ill")


def offer_of(b: Bookable, appointment: Appointment) -> tuple[WaitlistOffer, str]:
    offer = waitlist.waitlist_offer_freed_slot(appointment.pk)
    assert offer is not None
    return offer, offer.link_token  # type: ignore[attr-defined]


def test_the_first_matching_patient_is_offered_the_freed_time_by_text_and_email(b: Bookable):
    first = add(b, b.cast.patient)
    add(b, b.cast.other_patient)
    offer, token = offer_of(b, cancelled(b))
    assert offer.entry == first
    assert offer.service_starts_at == b.at(monday(), 10)
    assert offer.token_sha256 == waitlist.token_digest(token)
    assert token not in offer.token_sha256
    minutes = b.settings.waitlist_offer_minutes
    assert offer.expires_at - offer.created_at == dt.timedelta(minutes=minutes)
    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.OFFERED
    assert [m.to for m in sms.outbox] == [b.cast.patient.phone]
    assert token in sms.outbox[0].body
    assert mail.outbox[0].to == [b.cast.patient.email]
    assert (
        AuditEvent.objects.filter(
            object_type=AuditEvent.ObjectType.WAITLIST_OFFER, object_id=str(offer.pk)
        ).count()
        == 2
    )


def test_entries_that_do_not_match_are_passed_over(b: Bookable):
    tuesday_only = add(b, b.cast.patient, weekdays=[1])
    later = add(
        b,
        b.cast.patient,
        earliest_on=monday() + dt.timedelta(days=1),
        latest_on=monday() + dt.timedelta(days=20),
    )
    other_type = add(b, b.cast.patient, appointment_type=b.types["telehealth-consult"])
    fits = add(b, b.cast.other_patient, weekdays=[0, 2])
    offer, _ = offer_of(b, cancelled(b))
    assert offer.entry == fits
    for entry in (tuesday_only, later, other_type):
        entry.refresh_from_db()
        assert entry.status == WaitlistEntry.Status.WAITING


def test_a_patient_already_busy_then_is_passed_over(b: Bookable):
    services.appointment_book(
        organization=b.cast.org,
        appointment_type=b.types["telehealth-consult"],
        location=b.cast.location,
        service_starts_at=b.at(monday(), 10),
        patient=b.cast.patient,
        by=b.cast.frontdesk,
    )
    add(b, b.cast.patient)
    second = add(b, b.cast.other_patient)
    offer, _ = offer_of(b, cancelled(b))
    assert offer.entry == second


def test_nothing_is_offered_for_an_active_or_past_appointment(b: Bookable):
    add(b, b.cast.patient)
    appointment = services.appointment_book(
        organization=b.cast.org,
        appointment_type=b.types["follow-up"],
        location=b.cast.location,
        service_starts_at=b.at(monday(), 10),
        contact_name="Someone",
        contact_phone="+15415550100",
    )
    assert waitlist.waitlist_offer_freed_slot(appointment.pk) is None
    assert waitlist.waitlist_offer_freed_slot(999999) is None
    gone = cancelled(b, 11)
    later = gone.service_starts_at + dt.timedelta(hours=1)
    assert waitlist.waitlist_offer_freed_slot(gone.pk, now=later) is None


def test_accepting_books_the_time_for_the_patient(b: Bookable, client: Client):
    entry = add(b, b.cast.patient)
    offer, token = offer_of(b, cancelled(b))
    page = client.get(reverse("waitlist_offer:offer", args=[token]))
    assert page.status_code == 200
    assert "Yes, book this time" in page.content.decode()
    response = client.post(reverse("waitlist_offer:offer_accept", args=[token]))
    assert response.status_code == 302
    booked = Appointment.objects.get(patient=b.cast.patient)
    assert booked.source == Appointment.Source.WAITLIST
    assert booked.service_starts_at == offer.service_starts_at
    entry.refresh_from_db()
    offer.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.BOOKED
    assert offer.status == WaitlistOffer.Status.ACCEPTED
    assert offer.appointment == booked
    assert "You are booked" in client.get(response["Location"]).content.decode()
    again = client.post(reverse("waitlist_offer:offer_accept", args=[token]))
    assert again.status_code == 409
    assert "already been answered" in again.content.decode()
    assert Appointment.objects.filter(patient=b.cast.patient).count() == 1


def test_a_time_taken_meanwhile_is_said_plainly_and_the_patient_keeps_waiting(
    b: Bookable, client: Client
):
    entry = add(b, b.cast.patient)
    offer, token = offer_of(b, cancelled(b))
    for n in range(3):
        try:
            services.appointment_book(
                organization=b.cast.org,
                appointment_type=b.types["follow-up"],
                location=b.cast.location,
                service_starts_at=offer.service_starts_at,
                contact_name=f"Walk-in {n}",
                contact_phone="+15415550100",
            )
        except services.SlotTaken:
            break
    response = client.post(reverse("waitlist_offer:offer_accept", args=[token]))
    assert response.status_code == 409
    assert "taken by someone else meanwhile" in response.content.decode()
    entry.refresh_from_db()
    offer.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING
    assert offer.status == WaitlistOffer.Status.WITHDRAWN
    assert not Appointment.objects.filter(patient=b.cast.patient).exists()


def test_declining_offers_the_time_to_the_next_patient(b: Bookable, client: Client):
    first = add(b, b.cast.patient)
    second = add(b, b.cast.other_patient)
    offer, token = offer_of(b, cancelled(b))
    response = client.post(reverse("waitlist_offer:offer_decline", args=[token]))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.WAITING
    following = WaitlistOffer.objects.get(entry=second)
    assert following.status == WaitlistOffer.Status.OPEN
    assert following.service_starts_at == offer.service_starts_at
    assert "stay on the waiting list" in client.get(response["Location"]).content.decode()


def test_an_expired_offer_says_so_when_opened_and_goes_to_the_next_patient(
    b: Bookable, client: Client
):
    add(b, b.cast.patient)
    second = add(b, b.cast.other_patient)
    offer, token = offer_of(b, cancelled(b))
    WaitlistOffer.objects.filter(pk=offer.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    page = client.get(reverse("waitlist_offer:offer", args=[token]))
    assert page.status_code == 410
    assert "This offer has expired" in page.content.decode()
    offer.refresh_from_db()
    assert offer.status == WaitlistOffer.Status.EXPIRED
    assert WaitlistOffer.objects.get(entry=second).status == WaitlistOffer.Status.OPEN
    accept = client.post(reverse("waitlist_offer:offer_accept", args=[token]))
    assert accept.status_code == 409
    assert not Appointment.objects.filter(patient=b.cast.patient).exists()


def test_the_sweep_expires_overdue_offers_and_offers_on(b: Bookable):
    add(b, b.cast.patient)
    second = add(b, b.cast.other_patient)
    offer, _ = offer_of(b, cancelled(b))
    assert waitlist.waitlist_expire_offers() == 0
    later = offer.expires_at + dt.timedelta(seconds=1)
    assert waitlist.waitlist_expire_offers(now=later) == 1
    offer.refresh_from_db()
    assert offer.status == WaitlistOffer.Status.EXPIRED
    assert WaitlistOffer.objects.get(entry=second).status == WaitlistOffer.Status.OPEN
    assert waitlist.waitlist_expire_offers(now=later) == 0


def test_a_wrong_token_is_404(b: Bookable, client: Client):
    assert client.get(reverse("waitlist_offer:offer", args=["not-a-token"])).status_code == 404
    assert (
        client.post(reverse("waitlist_offer:offer_accept", args=["not-a-token"])).status_code == 404
    )


def test_the_offer_page_speaks_the_patients_language(b: Bookable, client: Client):
    b.cast.patient.preferred_language = "es"
    b.cast.patient.save(update_fields=["preferred_language"])
    add(b, b.cast.patient)
    _offer, token = offer_of(b, cancelled(b))
    html = client.get(reverse("waitlist_offer:offer", args=[token])).content.decode()
    assert "Se abrió un horario para usted" in html
    assert "Se abrió" in sms.outbox[0].body or "horario" in sms.outbox[0].body


# ---- staff pages ---------------------------------------------------------------------------


def staff_client(client: Client, user) -> Client:
    client.force_login(user)
    return client


def test_staff_add_a_patient_from_the_page(b: Bookable, client: Client):
    staff_client(client, b.cast.frontdesk)
    url = reverse("waitlist:entry_add", args=[b.cast.patient.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "appointment_type": b.types["follow-up"].pk,
            "location": b.cast.location.pk,
            "earliest_on": clinic_today().isoformat(),
            "latest_on": (clinic_today() + dt.timedelta(days=14)).isoformat(),
            "weekdays": ["0", "2"],
            "note": "Mornings",
        },
    )
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert entry.weekdays == [0, 2]
    assert entry.created_by == b.cast.frontdesk
    assert AuditEvent.objects.filter(
        object_type=AuditEvent.ObjectType.WAITLIST_ENTRY, object_id=str(entry.pk)
    ).exists()
    listing = client.get(reverse("waitlist:entries")).content.decode()
    assert b.cast.patient.display_name in listing
    assert "Mon, Wed" in listing


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("appointment_type", "", "Choose the appointment type"),
        ("appointment_type", "999999", "Select a valid choice"),
        ("earliest_on", "soon", "Enter a date"),
        ("latest_on", "", "Enter the last day"),
        ("latest_on", "2000-01-01", "on or after the first day"),
        ("weekdays", "9", "Choose days from Monday to Sunday"),
        ("note", "x" * 301, "under 300 characters"),
    ],
)
def test_bad_input_on_the_add_page_is_said_beside_the_field(
    b: Bookable, client: Client, field: str, value: str, message: str
):
    staff_client(client, b.cast.frontdesk)
    data = {
        "appointment_type": b.types["follow-up"].pk,
        "location": "",
        "earliest_on": clinic_today().isoformat(),
        "latest_on": (clinic_today() + dt.timedelta(days=14)).isoformat(),
        "note": "Keep me",
    }
    data[field] = value
    response = client.post(reverse("waitlist:entry_add", args=[b.cast.patient.pk]), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert not WaitlistEntry.objects.exists()
    if field != "note":
        assert "Keep me" in html


def test_a_window_in_the_past_is_refused_in_words(b: Bookable, client: Client):
    staff_client(client, b.cast.frontdesk)
    response = client.post(
        reverse("waitlist:entry_add", args=[b.cast.patient.pk]),
        {
            "appointment_type": b.types["follow-up"].pk,
            "earliest_on": "2020-01-01",
            "latest_on": "2020-01-05",
        },
    )
    assert response.status_code == 422
    assert "in the past" in response.content.decode()


def test_another_clinics_patient_or_entry_is_404(b: Bookable, client: Client):
    staff_client(client, b.cast.frontdesk)
    url = reverse("waitlist:entry_add", args=[b.cast.outsider_patient.pk])
    assert client.get(url).status_code == 404
    b.types["follow-up"]  # the other clinic's staff cannot remove this clinic's entry
    entry = add(b, b.cast.patient)
    client.force_login(b.cast.outsider)
    response = client.post(reverse("waitlist:entry_remove", args=[entry.pk]))
    assert response.status_code in (403, 404)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING


def test_removing_an_entry_withdraws_its_open_offer(b: Bookable, client: Client):
    entry = add(b, b.cast.patient)
    offer, _ = offer_of(b, cancelled(b))
    staff_client(client, b.cast.frontdesk)
    response = client.post(reverse("waitlist:entry_remove", args=[entry.pk]))
    assert response.status_code == 302
    entry.refresh_from_db()
    offer.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.REMOVED
    assert offer.status == WaitlistOffer.Status.WITHDRAWN


def test_patients_cannot_use_the_staff_pages(b: Bookable, client: Client):
    client.login(username=b.cast.patient_user.email, password=PASSWORD)
    assert client.get(reverse("waitlist:entries")).status_code == 403


def test_the_background_tasks_offer_and_sweep(b: Bookable):
    """The lead's hook queues ``offer_freed_slot_task`` after a cancellation commits."""
    entry = add(b, b.cast.patient)
    result = waitlist.offer_freed_slot_task.enqueue(appointment_id=cancelled(b).pk)
    offer = WaitlistOffer.objects.get(entry=entry)
    assert result.return_value == offer.pk
    WaitlistOffer.objects.filter(pk=offer.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert waitlist.expire_offers_task.enqueue().return_value == 1

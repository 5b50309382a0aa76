"""Browser flows of appointment reminders: the patient confirms, then another cancels, from the
links in the e-mail the sweep sent."""

from __future__ import annotations

import datetime as dt
import re

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from infusionist.scheduling.models import Appointment, SchedulingSettings
from infusionist.scheduling.reminders import appointment_reminders_send
from infusionist.scheduling.tests import reminder_factories as make
from tests.e2e.conftest import shot

PHONE = {"width": 390, "height": 844}


def test_a_patient_confirms_and_another_cancels_from_their_reminders(
    browser, live_server, cast, settings
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "infusionist.measurements.sms.LocmemSmsBackend"
    settings.SITE_URL = live_server.url
    SchedulingSettings.objects.create(organization=cast.org, reminder_offsets_h=[24])
    start = timezone.now() + dt.timedelta(hours=23)
    first = make.appointment(location=cast.location, patient=cast.patient, service_starts_at=start)
    second = make.appointment(
        location=cast.location,
        patient=cast.other_patient,
        service_starts_at=start - dt.timedelta(hours=2),
        with_chair=False,
    )
    assert appointment_reminders_send() == 4
    links = {
        message.to[0]: re.findall(
            r"https?://\S+/appointments/\S+/(?:confirm|cancel)/", message.body
        )
        for message in mail.outbox
    }
    confirm_url = links[cast.patient.email][0]
    cancel_url = links[cast.other_patient.email][1]

    phone = browser.new_context(
        viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.goto(confirm_url)
    expect(page.get_by_role("heading", name="Confirm your appointment")).to_be_visible()
    shot(page, "reminder-confirm")
    page.get_by_role("button", name="Yes, I will come").click()
    expect(
        page.get_by_role("heading", name="Thank you: your appointment is confirmed")
    ).to_be_visible()
    first.refresh_from_db()
    assert first.status == Appointment.Status.CONFIRMED

    page.goto(cancel_url)
    expect(page.get_by_role("heading", name="Cancel your appointment")).to_be_visible()
    page.get_by_label("Reason (optional)").fill("Car trouble")
    shot(page, "reminder-cancel")
    page.get_by_role("button", name="Cancel this appointment").click()
    expect(page.get_by_role("heading", name="Your appointment is cancelled")).to_be_visible()
    second.refresh_from_db()
    assert second.status == Appointment.Status.CANCELLED
    assert second.cancel_reason == "Car trouble"
    phone.close()

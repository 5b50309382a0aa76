"""The questionnaire e-mail and text (docs/decisions/0011): the clinic's greeting and sign-off
around a fixed body that always carries the link, the crisis sentence and the clinic's phone,
and never a patient detail."""

from __future__ import annotations

from django.core import mail

from infusionist.clinics.models import Location, Organization
from infusionist.measurements import services, sms
from infusionist.measurements.patient_messages import link_message
from infusionist.measurements.tests.test_schedules import NOW, H


def _profile(cast, **fields: str) -> Organization:
    Organization.objects.filter(pk=cast.org.pk).update(**fields)
    cast.org.refresh_from_db()
    return cast.org


def test_the_message_carries_the_clinics_greeting_and_sign_off_around_the_fixed_body(
    cast,
) -> None:
    org = _profile(
        cast,
        message_greeting_en="Hello from the care team at {clinic}.",
        message_signoff_en="Call {phone} if the link does not open.",
    )
    message = link_message(organization=org, language="en", url="https://clinic.test/q/abc/")
    lines = message.body.split("\n")
    assert lines[0] == "Hello from the care team at Willowbrook Test Clinic."
    assert lines[-1] == "Call (541) 555-0199 if the link does not open."
    assert "https://clinic.test/q/abc/" in lines
    assert "if you are in crisis, call or text 988, or call 911." in message.body
    assert "Questions? Call the clinic at (541) 555-0199." in message.body
    assert message.subject == "Willowbrook Test Clinic: your short check-in"


def test_a_spanish_speaking_patient_gets_the_spanish_texts_and_never_the_english_ones(
    cast,
) -> None:
    org = _profile(
        cast, message_greeting_en="Hello from {clinic}.", message_signoff_es="Gracias, {clinic}."
    )
    message = link_message(
        organization=org, language="es", url="https://clinic.test/q/abc/", reminder=True
    )
    assert "Hello" not in message.body  # no Spanish greeting written: none at all
    assert message.body.endswith("Gracias, Willowbrook Test Clinic.")
    assert "llame o envíe un texto al 988, o llame al 911." in message.body
    assert "¿Preguntas? Llame a la clínica al (541) 555-0199." in message.body
    assert message.subject.startswith("Recordatorio — ")


def test_a_text_that_slipped_past_the_rules_is_left_out_and_the_link_still_goes(cast) -> None:
    # Written straight to the database, past the validators: it must not reach the patient.
    org = _profile(cast, message_greeting_en="Dear {first_name}, {clinic}")
    message = link_message(organization=org, language="en", url="https://clinic.test/q/abc/")
    assert "{" not in message.body and "Dear" not in message.body
    assert "https://clinic.test/q/abc/" in message.body and "988" in message.body


def test_without_any_phone_the_message_leaves_the_phone_line_out(cast) -> None:
    org = _profile(cast, phone="")
    Location.objects.filter(organization=org).update(phone="")
    org.refresh_from_db()
    message = link_message(organization=org, language="en", url="https://clinic.test/q/abc/")
    assert "Questions?" not in message.body and "988" in message.body


def test_reminders_by_email_and_text_carry_the_clinics_words_and_no_patient_details(cast) -> None:
    _profile(
        cast,
        message_greeting_en="Hello from {clinic}.",
        message_greeting_es="Un saludo de {clinic}.",
    )
    services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse, now=NOW - H
    )
    assert services.measurement_reminders_send(now=NOW) == 1
    (email,) = mail.outbox
    assert email.body.startswith("Hello from Willowbrook Test Clinic.\n")
    for detail in (cast.patient.legal_first_name, cast.patient.mrn, "1985", "PHQ"):
        assert detail not in email.body
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    services.measurement_profile_update(
        patient=cast.patient, actor=cast.nurse, responsible_clinician=cast.physician, channel="sms"
    )
    services.assignment_create_manual(
        patient=cast.patient, instrument_code="gad7", actor=cast.nurse, now=NOW - H
    )
    assert services.measurement_reminders_send(now=NOW + H) == 1
    (text,) = sms.outbox
    assert text.body.startswith("Un saludo de Willowbrook Test Clinic.\n")
    assert "https://clinic.test/q/" in text.body and "988" in text.body

"""The e-mail and text message that send a patient the link to a questionnaire.

The body is fixed, in the patient's language: who asks, the date-of-birth step, the link, how
long it works, the crisis sentence (answers are not monitored in real time; 988; 911), and the
clinic's phone. Around it go the clinic's own greeting and sign-off from its profile
(docs/decisions/0011), filled with {clinic} and {phone} only: a message names no patient
detail and no questionnaire, so a phone left on a table gives nothing away.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from infusionist.clinics.models import Organization
from infusionist.clinics.profile import message_text_fill


@dataclass(frozen=True)
class LinkMessage:
    """A questionnaire message: its e-mail subject and its body (the text message is the body)."""

    subject: str
    body: str


def link_message(
    *, organization: Organization, language: str, url: str, reminder: bool = False
) -> LinkMessage:
    """Return the message that sends ``url`` to a patient of ``organization``.

    ``language`` is the patient's preferred language ("es" gets Spanish; anything else English).
    The link and the crisis sentence are always in the body, whatever the clinic wrote.
    """
    clinic = organization.name
    phone = organization.contact_phone
    hours = settings.MEASUREMENT_LINK_EXPIRY_HOURS
    lang = "es" if language == "es" else "en"
    if lang == "es":
        subject = f"{clinic}: su cuestionario breve"
        core = [
            f"{clinic} le pide completar un cuestionario breve. Primero le pediremos su fecha "
            "de nacimiento.",
            url,
            f"Este enlace caduca en {hours} horas. Las respuestas no se vigilan en tiempo "
            "real: si está en crisis, llame o envíe un texto al 988, o llame al 911.",
        ]
        if phone:
            core.append(f"¿Preguntas? Llame a la clínica al {phone}.")
        if reminder:
            subject = "Recordatorio — " + subject
    else:
        subject = f"{clinic}: your short check-in"
        core = [
            f"{clinic} asks you to complete a short check-in. You will be asked for your date "
            "of birth first.",
            url,
            f"This link expires in {hours} hours. Answers are not monitored in real time: if "
            "you are in crisis, call or text 988, or call 911.",
        ]
        if phone:
            core.append(f"Questions? Call the clinic at {phone}.")
        if reminder:
            subject = "Reminder — " + subject
    greeting = message_text_fill(
        organization.profile_text("message_greeting", lang), clinic=clinic, phone=phone
    )
    signoff = message_text_fill(
        organization.profile_text("message_signoff", lang), clinic=clinic, phone=phone
    )
    body = "\n".join(line for line in (greeting, *core, signoff) if line)
    return LinkMessage(subject=subject, body=body)

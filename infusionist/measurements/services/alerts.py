"""Raising a safety alert and telling the clinician, without PHI in the message.

The project's clinical reference, "Crisis resources" and "Item 9" [63][57]: a suicidality
answer alerts the responsible clinician, and a documented risk assessment closes the alert
(``services.safety``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.text import Truncator
from django_tasks import task

from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.lib.instruments import cssrs
from infusionist.measurements import selectors
from infusionist.measurements.models import (
    TRIGGER_MAX_LENGTH,
    QuestionnaireResponse,
    SafetyAlert,
)
from infusionist.measurements.services.profiles import measurement_profile_ensure

ALERT_EMAIL_SUBJECT = "Infusionist: a patient needs review"
# No PHI: not the patient's name, not the instrument, not the answer.
ALERT_EMAIL_BODY = (
    "A patient needs review. Sign in to Infusionist to see the safety alert:\n{url}\n\n"
    "This message contains no patient details by design."
)


def _trigger_text(response: QuestionnaireResponse) -> str:
    """Say what raised the alert, by the instrument's short name and the crisis items answered.

    "PHQ-9 item 9 (Thoughts of death or self-harm): 2", "C-SSRS screener: imminent risk (Yes
    to questions 4, 6b)", by the question numbers on the form. Always within
    ``SafetyAlert.trigger``'s length, or the alert would fail to save.
    """
    instrument = response.instrument
    params = response.params or {}
    thresholds = instrument.crisis_thresholds(params) if params else {}
    answers = response.answers or {}
    if instrument.code == "cssrs_screener":
        level = cssrs.risk_level({k: v for k, v in answers.items() if isinstance(v, int)})
        yes = [
            instrument.item_number(item.link_id)
            for item in instrument.items
            if answers.get(item.link_id) == cssrs.YES
        ]
        result = "imminent risk" if level == cssrs.RISK_IMMINENT else "positive screen"
        said = f"Yes to question{'s' if len(yes) > 1 else ''} {', '.join(yes)}" if yes else "no Yes"
        text = f"{instrument.display_name}: {result} ({said})"
        return Truncator(text).chars(TRIGGER_MAX_LENGTH)
    parts = []
    for link_id, threshold in thresholds.items():
        value = answers.get(link_id)
        if value is not None and value >= threshold:
            number = instrument.item_number(link_id)
            parts.append(f"item {number} ({instrument.item(link_id).name}) answered {value}")
    text = f"{instrument.display_name} " + ("; ".join(parts) or "suicidality item at alert level")
    return Truncator(text).chars(TRIGGER_MAX_LENGTH)


def trigger_answers(response: QuestionnaireResponse) -> dict[str, int]:
    """Return the crisis items' answers of a response (link_id -> value), as the alert keeps."""
    answers = response.answers or {}
    return {
        crisis.link_id: answers[crisis.link_id]
        for crisis in response.instrument.crisis_items
        if crisis.link_id in answers
    }


@transaction.atomic
def safety_alert_raise(
    *, response: QuestionnaireResponse, context: AuditContext = NO_REQUEST
) -> SafetyAlert:
    """Open a safety alert for the patient's responsible clinician and email them (no PHI).

    Idempotent: a response raises at most one alert. The clinician is the one on the patient's
    measurement profile, else the medical director.
    """
    existing = SafetyAlert.objects.filter(response=response).first()
    if existing is not None:
        return existing
    profile = measurement_profile_ensure(patient=response.patient)
    clinician = profile.responsible_clinician or selectors.default_clinician(
        organization=response.organization
    )
    alert = SafetyAlert(
        organization=response.organization,
        patient=response.patient,
        response=response,
        trigger=_trigger_text(response),
        trigger_answers=trigger_answers(response),
        assigned_to=clinician,
    )
    alert.full_clean()
    alert.save(force_insert=True)
    audit_record(
        action=AuditEvent.Action.CREATE,
        context=context,
        organization=response.organization,
        object_type=AuditEvent.ObjectType.SAFETY_ALERT,
        object_id=alert.pk,
        patient=response.patient,
        detail={
            "instrument": response.instrument_code,
            "assigned_to": getattr(clinician, "pk", None),
        },
    )
    if clinician is not None:
        alert_email_enqueue(recipients=[clinician.email])
    return alert


def alert_email_enqueue(*, recipients: list[str]) -> None:
    """Send the no-PHI alert email once the current transaction commits."""
    transaction.on_commit(lambda: send_alert_email.enqueue(recipients=list(recipients)))


def alert_email_send(*, recipients: list[str]) -> int:
    """Send the no-PHI "a patient needs review" email; return how many were sent."""
    url = settings.SITE_URL.rstrip("/") + reverse("measurements:alerts")
    return send_mail(
        ALERT_EMAIL_SUBJECT,
        ALERT_EMAIL_BODY.format(url=url),
        None,
        recipients,
        fail_silently=False,
    )


@task()
def send_alert_email(*, recipients: list[str]) -> int:
    """Email clinicians that a patient needs review (no PHI in the message)."""
    return alert_email_send(recipients=recipients)

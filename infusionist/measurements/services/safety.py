"""The suicidality safety workflow: alert, notify without PHI, escalate, close with an assessment.

clinical-reference.md §4 "Item 9" and "C-SSRS screener", §9 [63][57].
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from functools import partial
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.audit.services import audit_record
from infusionist.lib import instruments
from infusionist.measurements import selectors
from infusionist.measurements.models import (
    MeasurementSettings,
    QuestionnaireResponse,
    RiskAssessment,
    SafetyAlert,
)
from infusionist.measurements.services.responses import (
    _require_aware,
    _validated,
    measurement_profile_ensure,
    questionnaire_response_submit,
)

logger = logging.getLogger(__name__)

ALERT_EMAIL_SUBJECT = "Infusionist: a patient needs review"
# No PHI: not the patient's name, not the instrument, not the answer (STYLE.md "Avoid").
ALERT_EMAIL_BODY = (
    "A patient needs review. Sign in to Infusionist to see the safety alert:\n{url}\n\n"
    "This message contains no patient details by design."
)


# ---- safety alerts ------------------------------------------------------------------------


def _trigger_text(response: QuestionnaireResponse) -> str:
    if response.instrument_code == "phq9":
        return "PHQ-9 item 9 (thoughts of death or self-harm) answered above 'not at all'"
    if response.instrument_code == "cssrs_screener":
        return "C-SSRS screener at or above the clinic's alert level"
    return f"{response.instrument.title}: suicidality item at or above the clinic's alert level"


@transaction.atomic
def safety_alert_raise(
    *, response: QuestionnaireResponse, request: HttpRequest | None = None
) -> SafetyAlert:
    """Open a safety alert for the patient's responsible clinician and email them (no PHI).

    clinical-reference.md §9: alert the responsible clinician and require a documented risk
    assessment [63][57].
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
        assigned_to=clinician,
    )
    alert.full_clean()
    alert.save(force_insert=True)
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=None,
        request=request,
        organization=response.organization,
        object_type="safety_alert",
        object_id=alert.pk,
        patient=response.patient,
        detail={
            "instrument": response.instrument_code,
            "assigned_to": getattr(clinician, "pk", None),
        },
    )
    if clinician is not None:
        from infusionist.measurements.tasks import send_alert_email

        recipient = clinician.email
        transaction.on_commit(lambda: send_alert_email.enqueue(recipients=[recipient]))
    return alert


def alert_email_send(*, recipients: list[str]) -> int:
    """Send the no-PHI "a patient needs review" email."""
    url = django_settings.SITE_URL.rstrip("/") + reverse("measurements:alerts")
    return send_mail(
        ALERT_EMAIL_SUBJECT,
        ALERT_EMAIL_BODY.format(url=url),
        None,
        recipients,
        fail_silently=False,
    )


@transaction.atomic
def safety_alert_acknowledge(
    *, alert: SafetyAlert, actor: Any, request: HttpRequest | None = None
) -> bool:
    """Record that a clinician has seen the alert (this stops escalation, not the gate)."""
    now = timezone.now()
    updated = SafetyAlert.objects.filter(pk=alert.pk, status=SafetyAlert.Status.OPEN).update(
        status=SafetyAlert.Status.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=actor
    )
    if updated:
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=actor,
            request=request,
            organization=alert.organization,
            object_type="safety_alert",
            object_id=alert.pk,
            patient=alert.patient,
            detail={"status": SafetyAlert.Status.ACKNOWLEDGED},
        )
        alert.refresh_from_db()
    return bool(updated)


@transaction.atomic
def safety_alert_close(
    *,
    alert: SafetyAlert,
    actor: Any,
    cssrs_answers: Mapping[str, object],
    risk_level: str,
    safety_plan: str,
    notes: str = "",
    request: HttpRequest | None = None,
) -> RiskAssessment:
    """Close the alert with a documented risk assessment: a C-SSRS screener, level and plan.

    Raises InvalidAnswers for an incomplete or invalid C-SSRS and ValidationError for a missing
    risk level or safety plan; nothing is written then.
    """
    locked = SafetyAlert.objects.select_for_update().get(pk=alert.pk)
    if not locked.is_open:
        raise ValidationError("This alert is already closed.")
    errors: dict[str, str] = {}
    if risk_level not in RiskAssessment.RiskLevel.values:
        errors["risk_level"] = "Choose the risk level you assessed."
    if not (safety_plan or "").strip():
        errors["safety_plan"] = "Write the safety plan agreed with the patient."
    # Validate the screener before anything is written, so every error shows at once.
    settings = selectors.settings_for(organization=alert.organization)
    try:
        _validated(code="cssrs_screener", answers=cssrs_answers, settings=settings, complete=True)
    except instruments.InvalidAnswers:
        if errors:
            raise ValidationError(errors) from None
        raise
    if errors:
        raise ValidationError(errors)
    cssrs = questionnaire_response_submit(
        patient=alert.patient,
        instrument_code="cssrs_screener",
        answers=cssrs_answers,
        source=QuestionnaireResponse.Source.STAFF,
        actor=actor,
        entered_by=actor,
        request=request,
        raise_alert=False,  # this screener is the assessment of the open alert
    )
    now = timezone.now()
    assessment = RiskAssessment(
        alert=locked,
        cssrs_response=cssrs,
        risk_level=risk_level,
        safety_plan=safety_plan.strip(),
        notes=(notes or "").strip(),
        assessed_by=actor,
        assessed_at=now,
    )
    assessment.full_clean()
    assessment.save(force_insert=True)
    locked.status = SafetyAlert.Status.CLOSED
    locked.closed_at = now
    locked.closed_by = actor
    fields = ["status", "closed_at", "closed_by"]
    if locked.acknowledged_at is None:
        locked.acknowledged_at, locked.acknowledged_by = now, actor
        fields += ["acknowledged_at", "acknowledged_by"]
    locked.full_clean()
    locked.save(update_fields=fields)
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        request=request,
        organization=alert.organization,
        object_type="safety_alert",
        object_id=alert.pk,
        patient=alert.patient,
        detail={"status": SafetyAlert.Status.CLOSED, "risk_assessment": assessment.pk},
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        request=request,
        organization=alert.organization,
        object_type="risk_assessment",
        object_id=assessment.pk,
        patient=alert.patient,
    )
    alert.refresh_from_db()
    return assessment


def safety_alerts_escalate(*, now: dt.datetime | None = None) -> int:
    """Escalate alerts nobody acknowledged in time to the medical director; return how many.

    Idempotent and safe to run from several workers at once: an alert is claimed with a
    conditional UPDATE, so each is escalated (and emailed) once.
    """
    now = now or timezone.now()
    _require_aware("now", now)
    candidates = list(
        SafetyAlert.objects.filter(status=SafetyAlert.Status.OPEN, escalated_at__isnull=True)
        .select_related("organization", "patient")
        .order_by("created_at")
    )
    settings_by_org: dict[int, MeasurementSettings] = {}
    escalated = 0
    for alert in candidates:
        org_settings = settings_by_org.setdefault(
            alert.organization_id, selectors.settings_for(organization=alert.organization)
        )
        if alert.created_at + dt.timedelta(minutes=org_settings.safety_escalation_minutes) > now:
            continue
        directors = selectors.medical_directors(organization=alert.organization)
        with transaction.atomic():
            claimed = SafetyAlert.objects.filter(
                pk=alert.pk, status=SafetyAlert.Status.OPEN, escalated_at__isnull=True
            ).update(escalated_at=now, escalated_to=directors[0] if directors else None)
            if not claimed:
                continue
            audit_record(
                action=AuditEvent.Action.UPDATE,
                organization=alert.organization,
                object_type="safety_alert",
                object_id=alert.pk,
                patient=alert.patient,
                detail={"escalated_to": [d.pk for d in directors]},
            )
            recipients = [d.email for d in directors]
            if recipients:
                from infusionist.measurements.tasks import send_alert_email

                transaction.on_commit(partial(send_alert_email.enqueue, recipients=recipients))
        escalated += 1
    return escalated

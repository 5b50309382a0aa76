"""Closing the suicidality safety workflow: acknowledge, assess and close, escalate.

The project's clinical reference, "Item 9", "C-SSRS screener" and "Crisis resources" [63][57]:
an alert stays open until a documented risk assessment closes it; nobody acknowledging it in
time escalates it to the medical director.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.lib import instruments
from infusionist.measurements import selectors
from infusionist.measurements.models import (
    MeasurementSettings,
    QuestionnaireResponse,
    RiskAssessment,
    SafetyAlert,
)
from infusionist.measurements.services.alerts import alert_email_enqueue
from infusionist.measurements.services.profiles import require_aware
from infusionist.measurements.services.responses import (
    questionnaire_response_submit,
    validated_answers,
)


@transaction.atomic
def safety_alert_acknowledge(
    *, alert: SafetyAlert, actor: User, context: AuditContext = NO_REQUEST
) -> bool:
    """Record that a clinician has seen the alert (this stops escalation, not the gate).

    Raises ``PermissionDenied`` unless the actor may review this organization's safety alerts.
    """
    require(actor, "safety.review")
    require_same_organization(actor, alert.organization_id)
    now = timezone.now()
    updated = SafetyAlert.objects.filter(pk=alert.pk, status=SafetyAlert.Status.OPEN).update(
        status=SafetyAlert.Status.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=actor
    )
    if updated:
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=actor,
            context=context,
            organization=alert.organization,
            object_type=AuditEvent.ObjectType.SAFETY_ALERT,
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
    actor: User,
    cssrs_answers: Mapping[str, object],
    risk_level: str,
    safety_plan: str,
    notes: str = "",
    context: AuditContext = NO_REQUEST,
) -> RiskAssessment:
    """Close the alert with a documented risk assessment: a C-SSRS screener, level and plan.

    Raises ``PermissionDenied`` unless the actor is a prescriber of the alert's organization,
    InvalidAnswers for an incomplete or invalid C-SSRS and ValidationError for a missing risk
    level or safety plan; nothing is written then.
    """
    require(actor, "safety.close")
    require_same_organization(actor, alert.organization_id)
    locked = SafetyAlert.objects.select_for_update().get(pk=alert.pk)
    if not locked.is_open:
        raise ValidationError("This alert is already closed.")
    errors: dict[str, str] = {}
    if risk_level not in RiskAssessment.RiskLevel.values:
        errors["risk_level"] = "Choose the risk level you assessed."
    if not (safety_plan or "").strip():
        errors["safety_plan"] = "Write the safety plan agreed with the patient."
    # Validate the screener before anything is written, so every error shows at once.
    measurement_settings = selectors.measurement_settings_for(organization=alert.organization)
    try:
        validated_answers(
            code="cssrs_screener",
            answers=cssrs_answers,
            measurement_settings=measurement_settings,
            complete=True,
        )
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
        context=context,
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
        context=context,
        organization=alert.organization,
        object_type=AuditEvent.ObjectType.SAFETY_ALERT,
        object_id=alert.pk,
        patient=alert.patient,
        detail={"status": SafetyAlert.Status.CLOSED, "risk_assessment": assessment.pk},
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        context=context,
        organization=alert.organization,
        object_type=AuditEvent.ObjectType.RISK_ASSESSMENT,
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
    require_aware("now", now)
    candidates = list(
        SafetyAlert.objects.filter(status=SafetyAlert.Status.OPEN, escalated_at__isnull=True)
        .select_related("organization", "patient")
        .order_by("created_at")
    )
    settings_by_org: dict[int, MeasurementSettings] = {}
    escalated = 0
    for alert in candidates:
        measurement_settings = settings_by_org.setdefault(
            alert.organization_id,
            selectors.measurement_settings_for(organization=alert.organization),
        )
        escalate_after = dt.timedelta(minutes=measurement_settings.safety_escalation_minutes)
        if alert.created_at + escalate_after > now:
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
                object_type=AuditEvent.ObjectType.SAFETY_ALERT,
                object_id=alert.pk,
                patient=alert.patient,
                detail={"escalated_to": [d.pk for d in directors]},
            )
            recipients = [d.email for d in directors]
            if recipients:
                alert_email_enqueue(recipients=recipients)
        escalated += 1
    return escalated

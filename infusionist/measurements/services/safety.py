"""Closing the suicidality safety workflow: acknowledge, assess and close, escalate.

The project's clinical reference, "Item 9", "C-SSRS screener" and "Crisis resources" [63][57]:
an alert stays open until a documented risk assessment closes it; nobody acknowledging it in
time escalates it to the medical director.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.lib import instruments
from infusionist.lib.instruments import cssrs
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


#: The steps of a safety plan, in the order they are written with the patient (the
#: Stanley–Brown safety planning steps [103]): field name -> heading shown with the plan.
SAFETY_PLAN_STEPS: dict[str, str] = {
    "warning_signs": "Warning signs",
    "coping_steps": "Coping steps the patient can take alone",
    "people_to_contact": "People and places for distraction, people to ask for help",
    "professional_contacts": "Professionals and crisis lines",
    "means_safety": "Making the environment safe (means safety)",
}

#: Fewest letters or digits a safety plan step needs to say something ("x" does not) [?].
SAFETY_PLAN_STEP_MIN_CHARACTERS = 6
#: Fewest different words, other than ``_EMPTY_WORDS``, a safety plan step needs [?].
SAFETY_PLAN_STEP_MIN_WORDS = 2
#: Words that fill a box without saying what was agreed (placeholders, absence, deferral and
#: their grammar, English and Spanish, accents removed); they do not count towards
#: ``SAFETY_PLAN_STEP_MIN_WORDS``.
_EMPTY_WORDS = frozenset(
    {
        # placeholders and keyboard filler
        *("n", "a", "na", "nil", "tbd", "tba", "todo", "same", "as", "above", "see", "notes"),
        *("below", "test", "testing", "x", "xx", "xxx", "asdf", "qwerty", "qwer", "jkl", "abc"),
        *("xyz", "foo", "bar", "blah", "lorem", "ipsum", "ok", "okay", "yes", "fine", "etc"),
        *("step", "plan", "safety", "patient", "pt", "pts", "s", "same", "idem", "igual"),
        # absence
        *("none", "no", "not", "nothing", "nobody", "one", "any", "anyone", "anything", "yet"),
        *("unknown", "applicable", "available", "identified", "given", "provided", "contacts"),
        *("declined", "refused", "unwilling", "unable", "nada", "ninguno", "ninguna", "ningun"),
        *("nadie", "sin", "aplica", "todavia", "aun", "hay", "tiene", "sabe", "conoce"),
        # deferral
        *("agreed", "discussed", "decided", "determined", "confirmed", "completed", "done"),
        *("pending", "later", "soon", "tomorrow", "next", "time", "visit", "session", "week"),
        *("will", "would", "do", "be", "to", "discuss", "decide", "revisit", "review", "follow"),
        *("up", "complete", "fill", "finish", "add", "write", "come", "back", "address"),
        *("addressed", "covered", "talk", "talked", "about", "made", "make", "needs", "need"),
        *("pendiente", "por", "decidir", "definir", "determinar", "acordar", "acordado"),
        *("acordada", "acordo", "hablado", "hablo", "discutido", "decidido", "despues", "luego"),
        *("mas", "tarde", "proxima", "proximo", "visita", "sesion", "cita", "manana", "haremos"),
        *("hare", "hara", "hacer", "hablar", "revisar", "completar", "semana"),
        # grammar
        *("the", "an", "it", "this", "that", "at", "in", "on", "of", "for", "with", "we", "i"),
        *("he", "she", "they", "was", "is", "are", "has", "have", "had", "been", "so", "far"),
        *("currently", "now", "el", "la", "los", "las", "lo", "de", "del", "en", "con", "que"),
        *("y", "se", "ha", "es", "esta", "este", "ahora", "paso", "plan", "paciente"),
    }
)
#: Phrases that say a step was not done or is put off; a step that says one of these is refused
#: even with other words around it ("nothing agreed yet, patient tired"). Accents removed.
_DEFERRAL = re.compile(
    r"^\s*(pending|pendiente|todavia no|aun no|not yet)\b"
    r"|\b(tbd|tba|to be (decided|determined|discussed|agreed|done|confirmed|completed|"
    r"arranged|written|worked out)|will (do|discuss|complete|finish|fill|write|add|address|"
    r"revisit|decide|work on)( (it|this|that))? (later|next|tomorrow|another)|"
    r"not (yet )?(been )?(discussed|agreed|decided|addressed|covered|done)|"
    r"(nothing|none|no one|nobody) (yet|agreed|decided|discussed|so far|for now|identified)|"
    r"no plan (yet|agreed|made)|"
    r"por (decidir|definir|determinar|acordar|hablar|completar)|a definir|"
    r"no (se )?(ha )?(hablado|discutido|acordado|decidido)|"
    r"(nada|ninguno|ninguna|nadie) (acordado|decidido|todavia|aun|por ahora)|"
    r"(lo )?(haremos|hare|hara|hablaremos|veremos) (despues|luego|mas tarde|la proxima)|"
    r"pendiente de)\b"
)


def _plain(text: str) -> str:
    """Return ``text`` lower-cased with accents removed ("Todavía" -> "todavia")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def reason_error(text: str) -> str:
    """Return why an override or answer-change reason says nothing ("" when it says something).

    The filler rule of ``safety_plan_step_error`` without its deferral phrases, since a
    reason may rightly begin "No plan now: …".
    """
    return safety_plan_step_error(text, deferral=False)


def safety_plan_step_error(text: str, *, deferral: bool = True) -> str:
    """Return why a safety plan step says nothing ("" when it says something).

    A step is refused when it is empty; when it states absence or deferral ("nothing agreed
    yet", "to be decided", "will do later", "pendiente", ``_DEFERRAL``); or when it has fewer
    than ``SAFETY_PLAN_STEP_MIN_CHARACTERS`` letters or digits or fewer than
    ``SAFETY_PLAN_STEP_MIN_WORDS`` different words that are not filler (``_EMPTY_WORDS``:
    "none", "see notes", "x", "asdf asdf"). English and Spanish.
    """
    plain = _plain(text)
    words = re.findall(r"\w+", plain)
    if not words:
        return "Write this step of the safety plan with the patient."
    if deferral and _DEFERRAL.search(" ".join(words)):
        return (
            "This says the step was not agreed yet. Write what the patient and you agreed for "
            "this step (for example names, numbers or places); if the plan cannot be made now, "
            "leave the alert open and come back to it."
        )
    characters = sum(len(word) for word in words)
    meaningful = {word for word in words if word not in _EMPTY_WORDS and len(set(word)) > 1}
    meaningful |= {word for word in words if word.isdigit()}
    if characters < SAFETY_PLAN_STEP_MIN_CHARACTERS or len(meaningful) < SAFETY_PLAN_STEP_MIN_WORDS:
        return (
            "Write what was agreed for this step in a few words (for example names, numbers "
            "or places); a placeholder such as “x” or “none” is not a safety plan."
        )
    return ""


def safety_plan_text(steps: Mapping[str, str]) -> str:
    """Return the plan's steps as one text, each under its heading (the stored ``safety_plan``)."""
    return "\n".join(
        f"{heading}: {steps[name].strip()}"
        for name, heading in SAFETY_PLAN_STEPS.items()
        if (steps.get(name) or "").strip()
    )


def screener_level(answers: Mapping[str, object]) -> int:
    """Return the C-SSRS screener risk level (0, 1 or 2) of the answers given [57]."""
    values = {k: v for k, v in answers.items() if isinstance(v, int)}
    return cssrs.risk_level(values)


def recorded_screeners(alert: SafetyAlert) -> list[QuestionnaireResponse]:
    """Return the C-SSRS screeners already recorded for this alert, oldest first (one query).

    The alert's own response when a C-SSRS raised it, and every C-SSRS screener (nurse-entered
    or patient-entered, finished or not) recorded for the patient since the alert was raised.
    The clinician's risk assessment cannot triage lower than the most severe of them [57].
    """
    found = list(
        QuestionnaireResponse.objects.filter(
            organization_id=alert.organization_id,
            patient_id=alert.patient_id,
            instrument_code="cssrs_screener",
        )
        .filter(
            Q(pk=alert.response_id)
            | Q(started_at__gte=alert.created_at)
            | Q(completed_at__gte=alert.created_at)
        )
        .select_related("entered_by")
        .order_by("started_at", "id")
    )
    return found


def answers_changed_from(
    recorded: Sequence[QuestionnaireResponse], answers: Mapping[str, object]
) -> list[str]:
    """Return the C-SSRS items (link ids, form order) a recorded screener answered Yes that
    ``answers`` does not answer Yes."""
    yes = {
        link_id
        for response in recorded
        for link_id, value in (response.answers or {}).items()
        if value == cssrs.YES
    }
    return [
        item.link_id
        for item in cssrs.CSSRS_ITEMS
        if item.link_id in yes and answers.get(item.link_id) != cssrs.YES
    ]


def item_labels(link_ids: Sequence[str]) -> str:
    """Return C-SSRS link ids as the question numbers staff see on the form ("1, 2, 6b")."""
    return ", ".join(link_id.removeprefix("q") for link_id in link_ids)


def assessment_errors(
    *,
    risk_level: str,
    plan_steps: Mapping[str, str],
    override_reason: str,
    triage: int | None,
    answers_changed: Sequence[str] = (),
    answers_changed_reason: str = "",
) -> dict[str, str]:
    """Return field -> message for a risk level, safety plan and override reason ({} if fine).

    ``triage`` is the screener risk level (0, 1, 2) the assessment must not go below: the most
    severe of the recorded screeners and the clinician's answers; None when nothing complete
    is known yet (then the override reason is not checked). ``answers_changed`` lists recorded
    Yes answers the clinician changed to No; they need ``answers_changed_reason``.
    """
    errors: dict[str, str] = {}
    if answers_changed and reason_error(answers_changed_reason):
        errors["answers_changed_reason"] = (
            f"You changed question(s) {item_labels(answers_changed)} from the Yes recorded on "
            "the screener already taken for this alert. Write why (what the patient told you), "
            "or put the recorded answers back."
        )
    if risk_level not in RiskAssessment.RiskLevel.values:
        errors["risk_level"] = "Choose the risk level you assessed."
    elif (
        triage is not None
        and cssrs.below_triage(risk_level, triage)
        and reason_error(override_reason)
    ):
        floor = RiskAssessment.RiskLevel(cssrs.triage_floor(triage)).label
        errors["override_reason"] = (
            f"The C-SSRS answers triage as imminent risk, at least “{floor}” [57]. To "
            "record a lower level, write why you judge the risk lower (what you found); "
            "otherwise choose the triage level or higher."
        )
    for name in SAFETY_PLAN_STEPS:
        message = safety_plan_step_error(plan_steps.get(name, ""))
        if message:
            errors[name] = message
    return errors


@transaction.atomic
def safety_alert_close(
    *,
    alert: SafetyAlert,
    actor: User,
    cssrs_answers: Mapping[str, object],
    risk_level: str,
    plan_steps: Mapping[str, str],
    override_reason: str = "",
    answers_changed_reason: str = "",
    notes: str = "",
    context: AuditContext = NO_REQUEST,
) -> RiskAssessment:
    """Close the alert with a documented risk assessment: a C-SSRS screener, level and plan.

    ``plan_steps`` maps each of ``SAFETY_PLAN_STEPS`` to what was agreed; each must say
    something (``safety_plan_step_error``). The triage floor is the most severe of the
    screeners already recorded for the alert (``recorded_screeners``: the nurse's, the
    patient's) and ``cssrs_answers``; a risk level below it (imminent answers triage as at least
    "high" [57]) needs ``override_reason``. Changing a recorded Yes to No needs
    ``answers_changed_reason``. Both are kept with the assessment and in the audit event.

    Raises ``PermissionDenied`` unless the actor is a prescriber of the alert's organization,
    InvalidAnswers for an incomplete or invalid C-SSRS and ValidationError (keyed by field) for
    a missing risk level, an empty plan step or a missing override reason; nothing is written
    then.
    """
    require(actor, "safety.close")
    require_same_organization(actor, alert.organization_id)
    locked = SafetyAlert.objects.select_for_update().get(pk=alert.pk)
    if not locked.is_open:
        raise ValidationError("This alert is already closed.")
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
        errors = assessment_errors(
            risk_level=risk_level,
            plan_steps=plan_steps,
            override_reason=override_reason,
            triage=None,
        )
        if errors:
            raise ValidationError(errors) from None
        raise
    recorded = recorded_screeners(locked)
    own_triage = screener_level(cssrs_answers)
    triage = max([own_triage, *(screener_level(r.answers or {}) for r in recorded)])
    changed = answers_changed_from(recorded, cssrs_answers)
    errors = assessment_errors(
        risk_level=risk_level,
        plan_steps=plan_steps,
        override_reason=override_reason,
        triage=triage,
        answers_changed=changed,
        answers_changed_reason=answers_changed_reason,
    )
    if errors:
        raise ValidationError(errors)
    overriding = cssrs.below_triage(risk_level, triage)
    screener = questionnaire_response_submit(
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
    steps: dict[str, Any] = {name: plan_steps[name].strip() for name in SAFETY_PLAN_STEPS}
    assessment = RiskAssessment(
        alert=locked,
        cssrs_response=screener,
        risk_level=risk_level,
        triage_floor=cssrs.triage_floor(triage),
        override_reason=override_reason.strip() if overriding else "",
        answers_changed=changed,
        answers_changed_reason=answers_changed_reason.strip() if changed else "",
        safety_plan=safety_plan_text(steps),
        notes=(notes or "").strip(),
        assessed_by=actor,
        assessed_at=now,
        **steps,
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
        detail={
            "risk_level": risk_level,
            "cssrs_risk_level": triage,
            "triage_floor": assessment.triage_floor,
            "override_reason": assessment.override_reason,
            "recorded_screeners": [r.pk for r in recorded],
            "answers_changed": changed,
            "answers_changed_reason": assessment.answers_changed_reason,
        },
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

"""Questionnaire responses: exact scores for complete answers, partial answers kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.lib import instruments
from infusionist.measurements import selectors
from infusionist.measurements.models import (
    AccessLink,
    Assignment,
    MeasurementSettings,
    QuestionnaireResponse,
)
from infusionist.measurements.services.alerts import safety_alert_raise
from infusionist.measurements.services.profiles import require_aware
from infusionist.measurements.services.schedules import assignments_supersede
from infusionist.patients.models import Patient


def _require_writer(*, actor: User | None, patient: Patient, source: str) -> None:
    """Check who may write a response from this source.

    Staff need ``measurements.enter`` in the patient's organization; a patient in the portal may
    answer only for themself; a patient link was already verified (date of birth) and has no
    signed-in actor. Raises ``PermissionDenied`` otherwise.
    """
    if source == QuestionnaireResponse.Source.STAFF:
        if actor is None:
            raise ValueError("A response entered by staff must record who entered it.")
        require(actor, "measurements.enter")
        require_same_organization(actor, patient.organization_id)
    elif source == QuestionnaireResponse.Source.PATIENT_PORTAL:
        if actor is None or patient.user_id != actor.pk:
            raise PermissionDenied("A patient answers only their own questionnaires.")


def validated_answers(
    *,
    code: str,
    answers: Mapping[str, object],
    measurement_settings: MeasurementSettings,
    complete: bool,
) -> instruments.ScoreResult:
    """Return the score of valid answers with the clinic's parameters; raise InvalidAnswers."""
    return instruments.score(
        code,
        answers,
        params=measurement_settings.instrument_params(code),
        allow_partial=not complete,
    )


def _write_response(
    *,
    patient: Patient,
    instrument_code: str,
    answers: Mapping[str, object],
    source: str,
    language: str,
    complete: bool,
    actor: User | None = None,
    entered_by: User | None = None,
    assignment: Assignment | None = None,
    response: QuestionnaireResponse | None = None,
    completed_at: dt.datetime | None = None,
    completed_at_reason: str = "",
    context: AuditContext = NO_REQUEST,
    raise_alert: bool = True,
) -> QuestionnaireResponse:
    if source == QuestionnaireResponse.Source.STAFF and actor is None:
        actor = entered_by  # the staff member who typed the answers acts
    _require_writer(actor=actor, patient=patient, source=source)
    instrument = instruments.get(instrument_code)
    measurement_settings = selectors.measurement_settings_for(organization=patient.organization)
    # Raises InvalidAnswers naming each bad item before anything is written.
    result = validated_answers(
        code=instrument.code,
        answers=answers,
        measurement_settings=measurement_settings,
        complete=complete,
    )
    now = timezone.now()
    if response is None and assignment is not None:
        response = QuestionnaireResponse.objects.filter(assignment=assignment).first()
    if response is not None:
        response = QuestionnaireResponse.objects.select_for_update().get(pk=response.pk)
        if response.patient_id != patient.pk or response.instrument_code != instrument.code:
            raise ValueError("The response belongs to another patient or instrument.")
        if response.is_complete:
            raise ValueError("This questionnaire was already completed; start a new one.")
    creating = response is None
    if response is None:
        response = QuestionnaireResponse(
            organization=patient.organization,
            patient=patient,
            assignment=assignment,
            instrument_code=instrument.code,
            source=source,
            started_at=now,
        )
    # The channel that wrote these answers: a questionnaire started from an emailed link and
    # finished in the signed-in portal is the portal's (the audit keeps the earlier one).
    previous_source = "" if creating else response.source
    response.source = source
    response.instrument_version = instrument.version
    response.language = language if language in instrument.languages else "en"
    response.entered_by = entered_by
    new_answers = {link_id: value for link_id, value in answers.items() if value is not None}
    response.crisis_history = _crisis_history(
        instrument, before=response.answers or {}, after=new_answers, history=response, now=now
    )
    response.answers = new_answers
    response.flags = list(result.flags)
    response.params = dict(result.params)
    response.updated_at = now
    if complete:
        if completed_at is not None:
            require_aware("completed_at", completed_at)
            if completed_at > now + dt.timedelta(minutes=5):
                raise ValidationError("The completion time cannot be in the future.")
            dob = patient.date_of_birth
            if dob is not None and timezone.localtime(completed_at).date() < dob:
                raise ValidationError(
                    "The completion time cannot be before the patient's date of birth."
                )
        response.status = QuestionnaireResponse.Status.COMPLETED
        response.completed_at = completed_at or now
        response.total = result.total
        response.severity_code = result.severity.code if result.severity else ""
        response.severity_label = result.severity.label if result.severity else ""
        response.subscores = dict(result.subscores)
    else:
        response.status = QuestionnaireResponse.Status.IN_PROGRESS
        response.completed_at = None
        response.total = None
        response.severity_code = response.severity_label = ""
        response.subscores = {}
    response.full_clean()
    response.save(force_insert=creating)
    audit_record(
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        organization=patient.organization,
        object_type=AuditEvent.ObjectType.QUESTIONNAIRE_RESPONSE,
        object_id=response.pk,
        patient=patient,
        detail={
            "instrument": instrument.code,
            "status": response.status,
            "source": source,
            **({"source_before": previous_source} if previous_source not in ("", source) else {}),
            "answered": len(response.answers),
            **({"completed_at_reason": completed_at_reason} if completed_at_reason else {}),
        },
    )
    if complete:
        target = assignment or _matching_assignment(patient=patient, code=instrument.code, now=now)
        if target is not None:
            Assignment.objects.filter(pk=target.pk, status=Assignment.Status.PENDING).update(
                status=Assignment.Status.COMPLETED, completed_at=response.completed_at
            )
            if response.assignment_id is None:
                response.assignment = target
                response.save(update_fields=["assignment"])
        # The completion answers the other open requests of this questionnaire too: older links
        # stop waiting, and nothing is re-sent within the instrument's minimum interval.
        assignments_supersede(
            patient=patient,
            instrument_code=instrument.code,
            completed_at=response.completed_at or now,
            keep_id=target.pk if target is not None else None,
            actor=actor,
            context=context,
        )
    if raise_alert and response.has_suicidality_flag:
        safety_alert_raise(response=response, context=context)  # once per response
    return response


def _crisis_history(
    instrument: instruments.Instrument,
    *,
    before: Mapping[str, object],
    after: Mapping[str, object],
    history: QuestionnaireResponse,
    now: dt.datetime,
) -> list[dict[str, object]]:
    """Return the response's crisis-item history with any change from ``before`` to ``after``.

    Autosave overwrites the answers, so a suicidality answer changed before sending would leave
    no trace on the response; this list keeps each value a crisis item held, with when.
    """
    entries = list(history.crisis_history or [])
    for crisis in instrument.crisis_items:
        old, new = before.get(crisis.link_id), after.get(crisis.link_id)
        if old != new:
            entries.append({"at": now.isoformat(), "link_id": crisis.link_id, "value": new})
    return entries


def _matching_assignment(*, patient: Patient, code: str, now: dt.datetime) -> Assignment | None:
    """Return the open request of this instrument a new completion fulfils: the newest one.

    A newer request supersedes an older one; the older ones are then closed as answered
    (``assignments_supersede``).
    """
    return (
        Assignment.objects.filter(
            patient=patient,
            instrument_code=code,
            status=Assignment.Status.PENDING,
            available_at__lte=now,
            response__isnull=True,
        )
        .order_by("-available_at", "-id")
        .first()
    )


@transaction.atomic
def questionnaire_response_save(
    *,
    patient: Patient,
    instrument_code: str,
    answers: Mapping[str, object],
    source: str,
    language: str = "en",
    actor: User | None = None,
    entered_by: User | None = None,
    assignment: Assignment | None = None,
    response: QuestionnaireResponse | None = None,
    context: AuditContext = NO_REQUEST,
) -> QuestionnaireResponse:
    """Store answers so far as an in-progress response; it is never scored as complete.

    Each answer given is still validated, and safety flags are raised from a partial set, so a
    suicidality answer raises its alert even if the patient stops before the end [63].
    """
    return _write_response(
        patient=patient,
        instrument_code=instrument_code,
        answers=answers,
        source=source,
        language=language,
        complete=False,
        actor=actor,
        entered_by=entered_by,
        assignment=assignment,
        response=response,
        context=context,
    )


@transaction.atomic
def questionnaire_response_submit(
    *,
    patient: Patient,
    instrument_code: str,
    answers: Mapping[str, object],
    source: str,
    language: str = "en",
    actor: User | None = None,
    entered_by: User | None = None,
    assignment: Assignment | None = None,
    response: QuestionnaireResponse | None = None,
    link: AccessLink | None = None,
    completed_at: dt.datetime | None = None,
    completed_at_reason: str = "",
    context: AuditContext = NO_REQUEST,
    raise_alert: bool = True,
) -> QuestionnaireResponse:
    """Score a complete answer set exactly and store it; raise InvalidAnswers otherwise.

    Completing a response fulfils its assignment and uses up the link it came through. A
    suicidality flag raises a safety alert for the responsible clinician. ``completed_at``
    (aware; default now) may not be in the future nor before the patient's date of birth
    (ValidationError); ``completed_at_reason`` (why an old date is entered) goes to the audit.
    """
    if source == QuestionnaireResponse.Source.STAFF and entered_by is None:
        raise ValueError("A response entered by staff must record who entered it.")
    response = _write_response(
        patient=patient,
        instrument_code=instrument_code,
        answers=answers,
        source=source,
        language=language,
        complete=True,
        actor=actor,
        entered_by=entered_by,
        assignment=assignment,
        response=response,
        completed_at=completed_at,
        completed_at_reason=completed_at_reason,
        context=context,
        raise_alert=raise_alert,
    )
    if link is not None:
        AccessLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now())
    return response


@transaction.atomic
def baseline_choose(
    *, response: QuestionnaireResponse, actor: User, context: AuditContext = NO_REQUEST
) -> None:
    """Make this completed response the patient's baseline for its instrument."""
    require(actor, "measurements.enter")
    require_same_organization(actor, response.organization_id)
    if not response.is_complete:
        raise ValidationError("Only a completed questionnaire can be the baseline.")
    QuestionnaireResponse.objects.filter(
        patient_id=response.patient_id,
        instrument_code=response.instrument_code,
        is_chosen_baseline=True,
    ).exclude(pk=response.pk).update(is_chosen_baseline=False)
    QuestionnaireResponse.objects.filter(pk=response.pk).update(is_chosen_baseline=True)
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        organization=response.organization,
        object_type=AuditEvent.ObjectType.QUESTIONNAIRE_RESPONSE,
        object_id=response.pk,
        patient=response.patient,
        detail={"fields": ["is_chosen_baseline"], "instrument": response.instrument_code},
    )

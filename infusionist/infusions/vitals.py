"""Vital signs on the chart: recording a reading (nurse or monitor), its alerts and responses.

Writes go through :func:`vital_record` and :func:`alert_respond`, each checking the actor's
capability (``chart.record``) and organization, writing and auditing in one transaction.
The rules themselves are framework-free in :mod:`infusionist.lib.vitals` (plausibility,
alert thresholds and their sources); the thresholds are the clinic's ``ChartSettings``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.clinics.models import Organization
from infusionist.infusions.errors import ChartError
from infusionist.infusions.models import TEXT_MAX_CHARS, Visit, VitalAlert, VitalSign
from infusionist.infusions.selectors import chart_settings_for
from infusionist.lib import vitals as rules

#: How far ahead of the server's clock a reading may be timed (a monitor's clock drifts).
FUTURE_TOLERANCE = dt.timedelta(minutes=2)
#: How long before check-in a reading may be timed (a baseline taken in the waiting room).
BEFORE_CHECK_IN = dt.timedelta(hours=1)

#: Which stage of the visit a reading belongs to, by the visit's phase.
STAGE_BY_PHASE: dict[str, str] = {
    Visit.Phase.CHECKED_IN: VitalSign.Stage.BASELINE,
    Visit.Phase.PRE_CHECKS: VitalSign.Stage.BASELINE,
    Visit.Phase.INFUSING: VitalSign.Stage.DURING,
    Visit.Phase.PAUSED: VitalSign.Stage.DURING,
    Visit.Phase.OBSERVATION: VitalSign.Stage.AFTER,
    Visit.Phase.READY: VitalSign.Stage.AFTER,
}


@dataclass(frozen=True)
class RecordedVital:
    """What :func:`vital_record` did: the reading, the alerts it raised, a recheck prompt.

    ``created`` is False for a repeat of a stored reading; ``alerts`` are then the ones that
    reading raised when it was first recorded (no new ones are raised).
    """

    vital: VitalSign
    alerts: list[VitalAlert]
    recheck: str | None
    created: bool


def alert_limits(organization: Organization) -> rules.AlertLimits:
    """Return the organization's alert thresholds (``ChartSettings``) for the rules."""
    return rules.AlertLimits.from_object(chart_settings_for(organization=organization))


def reading_of(vital: VitalSign) -> rules.Reading:
    """Return a stored reading as the rules' :class:`~infusionist.lib.vitals.Reading`."""
    return rules.Reading(
        measured_at=vital.measured_at,
        systolic_mmhg=vital.systolic_mmhg,
        diastolic_mmhg=vital.diastolic_mmhg,
        heart_rate_per_min=vital.heart_rate_per_min,
        spo2_pct=vital.spo2_pct,
        respiratory_rate_per_min=vital.respiratory_rate_per_min,
        on_oxygen=vital.on_oxygen,
    )


def fingerprint(
    *, measured_at: dt.datetime, values: Mapping[str, int | None], on_oxygen: bool, source: str
) -> str:
    """Return the SHA-256 (hex) of a reading's time (to the second, UTC), values and source."""
    payload = {
        "measured_at": measured_at.astimezone(dt.UTC).replace(microsecond=0).isoformat(),
        "values": {name: values.get(name) for name in rules.FIELDS},
        "on_oxygen": bool(on_oxygen),
        "source": source,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _check_time(visit: Visit, measured_at: dt.datetime, now: dt.datetime) -> None:
    if measured_at.tzinfo is None or measured_at.utcoffset() is None:
        raise ChartError(
            "measured_at", "Give the time of the reading with its time zone.", status=422
        )
    if measured_at > now + FUTURE_TOLERANCE:
        raise ChartError(
            "measured_at",
            "The reading is timed in the future: check the monitor's clock or the time typed.",
            status=422,
        )
    arrived = visit.checked_in_at or visit.scheduled_at
    if measured_at < arrived - BEFORE_CHECK_IN:
        local = arrived.astimezone(visit.location.tzinfo)
        raise ChartError(
            "measured_at",
            "The reading is timed more than an hour before the patient checked in "
            f"({local:%H:%M}): check the time.",
            status=422,
        )


def _refuse_inactive(visit: Visit) -> None:
    if visit.phase not in STAGE_BY_PHASE:
        raise ChartError(
            "",
            f"Vital signs can be charted only while the patient is here; this visit is "
            f"{visit.get_phase_display().lower()}.",
            status=409,
        )


def _alerts_of(vital: VitalSign) -> list[VitalAlert]:
    return list(VitalAlert.objects.filter(vital=vital).order_by("raised_at", "id"))


@transaction.atomic
def vital_record(
    *,
    visit: Visit,
    values: Mapping[str, object],
    measured_at: dt.datetime,
    source: str,
    by: User,
    device: str = "",
    on_oxygen: bool = False,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> RecordedVital:
    """Record one set of vital signs on an active visit and raise the alerts it triggers.

    ``values`` maps the fields of :data:`infusionist.lib.vitals.FIELDS` to whole numbers (or
    text as typed; None or "" when not taken) and may carry ``on_oxygen`` (True), the same as
    the ``on_oxygen`` argument; ``source`` is ``"nurse"`` or ``"monitor"``.
    The stage (baseline, during, after) follows the visit's phase. A repeat of a stored
    reading (same time to the second, values, oxygen and source) returns it with
    ``created=False`` and raises nothing new. The alert rules and their thresholds:
    :func:`infusionist.lib.vitals.alerts_for` with the clinic's ``ChartSettings``; a rule
    that already has an open alert on the visit is not raised again until it is answered.
    The reading and each alert are audited.

    Raises ``PermissionDenied`` without ``chart.record`` or for another organization's
    visit; :class:`ChartError` 422 naming the field for an implausible value, a bad source
    or a time in the future (more than 2 minutes) or more than an hour before check-in;
    :class:`ChartError` 409 when the visit is not in an active phase.
    """
    require(by, "chart.record")
    require_same_organization(by, visit.organization_id)
    now = now or timezone.now()
    if source not in VitalSign.Source.values:
        raise ChartError("source", "The source must be the nurse or a monitor.", status=422)
    errors = rules.plausibility_errors(values)
    if errors:
        field, message = next(iter(errors.items()))
        raise ChartError(field, message, status=422)
    numbers = rules.cleaned_values(values)
    on_oxygen = bool(on_oxygen or values.get("on_oxygen") is True)
    device = device.strip()
    if len(device) > VitalSign._meta.get_field("device").max_length:  # type: ignore[operator]
        raise ChartError("device", "Name the device in at most 80 characters.", status=422)
    # Serialize readings of one visit: the alert rules read the visit's earlier readings and
    # open alerts, which a concurrent reading must not change underneath them.
    visit = (
        Visit.objects.select_related("organization", "location", "patient")
        .select_for_update(of=("self",))
        .get(pk=visit.pk)
    )
    _refuse_inactive(visit)
    _check_time(visit, measured_at, now)
    digest = fingerprint(
        measured_at=measured_at, values=numbers, on_oxygen=on_oxygen, source=source
    )
    reading = rules.Reading(measured_at=measured_at, on_oxygen=on_oxygen, **numbers)
    limits = alert_limits(visit.organization)
    existing = VitalSign.objects.filter(visit=visit, fingerprint=digest).first()
    if existing is not None:
        return RecordedVital(existing, _alerts_of(existing), None, created=False)
    vital = VitalSign(
        visit=visit,
        measured_at=measured_at,
        stage=STAGE_BY_PHASE[visit.phase],
        source=source,
        device=device,
        on_oxygen=on_oxygen,
        fingerprint=digest,
        recorded_by=by,
        recorded_at=now,
        **numbers,
    )
    vital.full_clean(exclude=["visit", "recorded_by"], validate_unique=False)
    try:
        with transaction.atomic():
            vital.save()
    except IntegrityError:
        # The same reading arrived twice at once (a retried request): keep the first.
        existing = VitalSign.objects.filter(visit=visit, fingerprint=digest).first()
        if existing is None:
            raise
        return RecordedVital(existing, _alerts_of(existing), None, created=False)
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=by,
        context=context,
        organization=visit.organization,
        object_type=AuditEvent.ObjectType.VITAL_SIGN,
        object_id=vital.pk,
        patient=visit.patient,
        detail={
            "visit": visit.pk,
            "measured_at": measured_at.isoformat(),
            "stage": vital.stage,
            "source": source,
            "device": device,
            "on_oxygen": on_oxygen,
            **numbers,
        },
    )
    history = [
        reading_of(v)
        for v in VitalSign.objects.filter(visit=visit, measured_at__lt=measured_at).exclude(
            pk=vital.pk
        )
    ]
    open_rules = set(
        VitalAlert.objects.filter(visit=visit, responded_at__isnull=True).values_list(
            "rule", flat=True
        )
    )
    raised = []
    for found in rules.alerts_for(reading, history, limits):
        if found.rule in open_rules:
            continue
        alert = VitalAlert.objects.create(
            visit=visit,
            vital=vital,
            rule=found.rule,
            message=found.message[:300],
            threshold=found.threshold[:120],
            source_keys=found.source_keys[:60],
            inputs=found.inputs,
            raised_at=now,
        )
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            context=context,
            organization=visit.organization,
            object_type=AuditEvent.ObjectType.VITAL_ALERT,
            object_id=alert.pk,
            patient=visit.patient,
            detail={
                "visit": visit.pk,
                "vital": vital.pk,
                "rule": found.rule,
                "threshold": found.threshold,
                "source_keys": found.source_keys,
                "inputs": found.inputs,
            },
        )
        raised.append(alert)
    bp_alerted = any(a.rule in ("bp_hold", "bp_severe") for a in raised) or (
        open_rules & {"bp_hold", "bp_severe"}
    )
    recheck = None if bp_alerted else rules.recheck_needed(reading, limits)
    return RecordedVital(vital, raised, recheck, created=True)


#: Responses that need the note to say more (who was called).
NOTE_REQUIRED = {VitalAlert.Response.PHYSICIAN_NOTIFIED: "Name the physician you notified."}


@transaction.atomic
def alert_respond(
    *,
    alert: VitalAlert,
    responses: list[str],
    note: str,
    by: User,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> VitalAlert:
    """Document the response to an open alert: what was done (one or more) and a note.

    ``responses`` are :class:`VitalAlert.Response` values (paused, treated, observed,
    physician_notified, stopped); "physician_notified" needs a ``note`` naming who. Audited
    with the old and new values. Raises ``PermissionDenied`` without ``chart.record`` or for
    another organization's alert; :class:`ChartError` 422 for no or unknown responses, a
    missing or too long note; 409 when the alert was already answered.
    """
    require(by, "chart.record")
    visit = alert.visit
    require_same_organization(by, visit.organization_id)
    now = now or timezone.now()
    alert = VitalAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.responded_at is not None:
        raise ChartError("", "This alert was already answered.", status=409)
    chosen = list(dict.fromkeys(r for r in responses if r))
    unknown = [r for r in chosen if r not in VitalAlert.Response.values]
    if unknown:
        raise ChartError("responses", f"Unknown response {unknown[0]!r}.", status=422)
    if not chosen:
        raise ChartError(
            "responses",
            "Choose what was done: paused, treated, observed, physician notified or stopped.",
            status=422,
        )
    note = note.strip()
    if len(note) > TEXT_MAX_CHARS:
        raise ChartError(
            "note", f"Shorten the note to {TEXT_MAX_CHARS} characters or fewer.", status=422
        )
    for response, message in NOTE_REQUIRED.items():
        if response in chosen and not note:
            raise ChartError("note", message, status=422)
    alert.responses = chosen
    alert.response_note = note
    alert.responded_by = by
    alert.responded_at = now
    alert.save(update_fields=["responses", "response_note", "responded_by", "responded_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=by,
        context=context,
        organization=visit.organization,
        object_type=AuditEvent.ObjectType.VITAL_ALERT,
        object_id=alert.pk,
        patient=visit.patient,
        detail={
            "visit": visit.pk,
            "rule": alert.rule,
            "old": {"responses": [], "response_note": ""},
            "new": {"responses": chosen, "response_note": note},
        },
    )
    return alert


def open_alerts_for(visit: Visit) -> list[VitalAlert]:
    """Return the visit's alerts still waiting for a response, oldest first (one query)."""
    return list(
        VitalAlert.objects.filter(visit=visit, responded_at__isnull=True)
        .select_related("vital")
        .order_by("raised_at", "id")
    )

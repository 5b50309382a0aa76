"""Reads for measurement-based care, always scoped to one organization and patient."""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Max, Min, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format

from infusionist.accounts.models import User
from infusionist.accounts.roles import CLINICAL_ROLES, Role, can
from infusionist.clinics.models import Location, Organization
from infusionist.lib import instruments
from infusionist.lib.instruments import cssrs
from infusionist.lib.instruments import response as outcome
from infusionist.measurements.models import (
    AccessLink,
    Assignment,
    MeasurementProfile,
    MeasurementSettings,
    QuestionnaireResponse,
    SafetyAlert,
)
from infusionist.patients.models import Patient


def measurement_settings_for(*, organization: Organization | None) -> MeasurementSettings:
    """Return the organization's settings, or unsaved documented defaults when none are stored."""
    found = MeasurementSettings.objects.filter(organization=organization).first()
    return found or MeasurementSettings(organization=organization)


def clinic_time_zone(*, organization: Organization | None) -> zoneinfo.ZoneInfo:
    """Return the time zone of the organization's primary location (else the site's default).

    Schedules are computed in it: a check-in counted from a date opens at the clinic's local
    hour, and a weekly one keeps its local time across a clock change.
    """
    location = (
        Location.objects.filter(organization=organization).order_by("-is_primary", "name").first()
        if organization is not None
        else None
    )
    return location.tzinfo if location is not None else zoneinfo.ZoneInfo(settings.TIME_ZONE)


def last_completions(*, patient: Patient, codes: Sequence[str]) -> dict[str, dt.datetime]:
    """Return instrument code -> when the patient last completed it, for the given codes."""
    rows = (
        QuestionnaireResponse.objects.filter(
            organization_id=patient.organization_id,
            patient=patient,
            instrument_code__in=list(codes),
            status=QuestionnaireResponse.Status.COMPLETED,
        )
        .values("instrument_code")
        .annotate(last=Max("completed_at"))
        .order_by()
    )
    return {row["instrument_code"]: row["last"] for row in rows if row["last"] is not None}


def profile_for(*, patient: Patient) -> MeasurementProfile | None:
    return (
        MeasurementProfile.objects.filter(patient=patient)
        .select_related("responsible_clinician")
        .first()
    )


def default_clinician(*, organization: Organization) -> User | None:
    """Return the organization's medical director: its first active physician, or None."""
    return (
        User.objects.filter(organization=organization, role=Role.PHYSICIAN, is_active=True)
        .order_by("id")
        .first()
    )


def medical_directors(*, organization: Organization) -> list[User]:
    """Return every active physician (medical director role) of the organization."""
    return list(
        User.objects.filter(
            organization=organization, role=Role.PHYSICIAN, is_active=True
        ).order_by("id")
    )


def clinicians(*, organization: Organization) -> QuerySet[User]:
    """Return the organization's active clinical staff, by name."""
    return User.objects.filter(
        organization=organization, role__in=CLINICAL_ROLES, is_active=True
    ).order_by("full_name", "id")


def responses_for_patient(*, patient: Patient) -> QuerySet[QuestionnaireResponse]:
    return QuestionnaireResponse.objects.filter(
        organization_id=patient.organization_id, patient=patient
    ).select_related("entered_by")


def response_in_progress(
    *, patient: Patient, instrument_code: str, entered_by: User
) -> QuestionnaireResponse | None:
    """Return the staff member's unfinished entry of this instrument for the patient, if any."""
    return (
        QuestionnaireResponse.objects.filter(
            organization_id=patient.organization_id,
            patient=patient,
            instrument_code=instrument_code,
            status=QuestionnaireResponse.Status.IN_PROGRESS,
            source=QuestionnaireResponse.Source.STAFF,
            entered_by=entered_by,
        )
        .order_by("-updated_at")
        .first()
    )


def link_for_token(token: str) -> AccessLink | None:
    """Return the link whose token hashes to a stored digest (any state), or None."""
    if not token or len(token) > 100:
        return None
    digest = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
    return (
        AccessLink.objects.filter(token_sha256=digest)
        .select_related("assignment__patient__organization")
        .first()
    )


def link_by_id(link_id: object) -> AccessLink | None:
    if not isinstance(link_id, int):
        return None
    return (
        AccessLink.objects.filter(pk=link_id)
        .select_related("assignment__patient__organization")
        .first()
    )


# ---- sending questionnaires to patients -------------------------------------------------

#: Language names staff read beside each instrument.
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def language_names(codes: Iterable[str]) -> str:
    """Return "English, Spanish" for ("en", "es")."""
    return ", ".join(LANGUAGE_NAMES.get(code, code) for code in codes)


def send_refusal(instrument: instruments.Instrument) -> str:
    """Return why the instrument cannot be sent to a patient ("" when it can).

    A patient answers from the wording on the screen, so every item needs worded answers in
    at least one language (``Instrument.patient_languages``).
    """
    if instrument.administration != "self_report":
        return (
            f"{instrument.display_name} is rated by a clinician, not answered by the patient: "
            "enter it on the patient's behalf."
        )
    if not instrument.patient_languages():
        return (
            f"{instrument.display_name} cannot be sent to patients: its item and answer "
            "wording does not ship (licence terms), so a patient would see only numbers. "
            "Use the clinic's own form and enter the answers on the patient's behalf."
        )
    return ""


def language_warning(instrument: instruments.Instrument, patient_language: str) -> str:
    """Return the warning for sending ``instrument`` to a patient who prefers another language."""
    return (
        f"{instrument.display_name} is available only in "
        f"{language_names(instrument.patient_languages())}; this patient prefers "
        f"{LANGUAGE_NAMES.get(patient_language, patient_language)}. Tick “Send it anyway” to "
        "send it; the patient is told it is not in their language and can call the clinic."
    )


def sendable_instruments() -> list[instruments.Instrument]:
    """Return the self-report instruments with a total that could be sent, catalogue order."""
    return [
        i
        for i in instruments.all_instruments()
        if i.administration == "self_report" and i.total_range is not None
    ]


# ---- safety -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GateBlock:
    """A reason the patient may not have an infusion now, with the message staff see."""

    code: str
    message: str
    alert_id: int


def infusion_gate(*, patient: Patient) -> list[GateBlock]:
    """Return what blocks an infusion for this patient from the measurement side ([] = none).

    One block however many alerts are open (the reason is the same): an open safety alert
    blocks until a documented risk assessment closes it [63][57]. ``alert_id`` is the oldest.
    """
    alerts = list(
        SafetyAlert.objects.filter(organization_id=patient.organization_id, patient=patient)
        .exclude(status=SafetyAlert.Status.CLOSED)
        .order_by("created_at", "id")
        .values_list("pk", "created_at")
    )
    if not alerts:
        return []
    raised = ", ".join(_clinic_moment(at) for _pk, at in alerts)
    count = len(alerts)
    what = (
        "A suicidality answer is waiting"
        if count == 1
        else f"{count} suicidality answers are waiting"
    )
    return [
        GateBlock(
            code="open_safety_alert",
            message=(
                f"{what} for a documented risk assessment (raised {raised}). "
                f"Close {'the alert' if count == 1 else 'every alert'} before starting the "
                "infusion."
            ),
            alert_id=alerts[0][0],
        )
    ]


@dataclass(frozen=True)
class QuestionnaireWindow:
    """Whether the clinic's scheduled questionnaires were completed shortly before a session.

    ``codes`` are the instruments the clinic sends on schedule (its measurement settings),
    ``completed`` maps each one completed within the window to when, ``missing`` lists the
    rest; ``window_hours`` is the window used.
    """

    codes: tuple[str, ...]
    completed: dict[str, dt.datetime]
    missing: tuple[str, ...]
    window_hours: int

    @property
    def done(self) -> bool:
        return not self.missing


def pre_infusion_questionnaires(
    *, patient: Patient, at: dt.datetime, window_hours: int
) -> QuestionnaireWindow:
    """Return the scheduled questionnaires ``patient`` completed in ``window_hours`` before ``at``.

    Called with plain values by the chart's pre-infusion gate. Queries: the settings (1),
    the completions (1).
    """
    codes = tuple(measurement_settings_for(organization=patient.organization).instrument_codes)
    since = at - dt.timedelta(hours=window_hours)
    rows = (
        QuestionnaireResponse.objects.filter(
            organization_id=patient.organization_id,
            patient=patient,
            instrument_code__in=list(codes),
            status=QuestionnaireResponse.Status.COMPLETED,
            completed_at__gte=since,
            completed_at__lte=at,
        )
        .values("instrument_code")
        .annotate(last=Max("completed_at"))
        .order_by()
    )
    completed = {row["instrument_code"]: row["last"] for row in rows}
    return QuestionnaireWindow(
        codes=codes,
        completed=completed,
        missing=tuple(code for code in codes if code not in completed),
        window_hours=window_hours,
    )


@dataclass(frozen=True)
class AnswerShown:
    """One answer as staff read it: question number ("9", "6b") and name, the answer's value
    and wording."""

    number: str
    name: str
    value: int | None
    label: str
    crisis: bool = False


def _answer_label(item: instruments.Item, value: int | None) -> str:
    if value is None:
        return "not answered"
    try:
        label = item.option(value).label.get("en", "")
    except LookupError:
        return str(value)
    return label if label and label != str(value) else str(value)


def answers_shown(response: QuestionnaireResponse) -> list[AnswerShown]:
    """Return every answered item of a response, crisis items marked (for staff)."""
    instrument = response.instrument
    crisis = instrument.crisis_thresholds(response.params or {}) if response.params else {}
    crisis_ids = {c.link_id for c in instrument.crisis_items}
    shown = []
    for item in instrument.items:
        value = (response.answers or {}).get(item.link_id)
        if value is None:
            continue
        number = instrument.item_number(item.link_id)
        threshold = crisis.get(item.link_id)
        shown.append(
            AnswerShown(
                number=number,
                name=item.name,
                value=value,
                label=_answer_label(item, value),
                crisis=item.link_id in crisis_ids and (threshold is None or value >= threshold),
            )
        )
    return shown


@dataclass(frozen=True)
class AlertDetail:
    """What staff read about one alert: what raised it, now and since, and the screener."""

    alert: SafetyAlert
    #: The crisis answers when the alert was raised.
    triggering: list[AnswerShown]
    #: Each change of a crisis answer on the response, oldest first (at, item, value, label).
    history: list[tuple[dt.datetime, AnswerShown]]
    #: True when a crisis answer now reads differently from when the alert was raised.
    changed_since: bool
    #: "Imminent risk" etc. for a C-SSRS response; the score or "not finished" otherwise.
    result: str
    #: The answers of the C-SSRS screener that closed the alert ([] while open).
    screener: list[AnswerShown] = field(default_factory=list)
    screener_result: str = ""


def _item_number(instrument: instruments.Instrument, link_id: str) -> tuple[str, instruments.Item]:
    return instrument.item_number(link_id), instrument.item(link_id)


def response_result(response: QuestionnaireResponse) -> str:
    """Return a response's result as staff read it: never "total None".

    A C-SSRS screener has no total: its triage result ("Imminent risk …"); an unfinished
    response: "not finished (not scored)"; otherwise "total 14 (Moderate)".
    """
    instrument = response.instrument
    if instrument.total_range is None:
        level = (response.subscores or {}).get("risk_level")
        if instrument.code == "cssrs_screener":
            values = {k: v for k, v in (response.answers or {}).items() if isinstance(v, int)}
            level = cssrs.risk_level(values) if level is None else level
            band = instrument.band_for(level)
            prefix = "" if response.is_complete else "not finished: so far "
            return f"{prefix}not scored; triage {band.label if band else level}"
        if not response.is_complete:
            return "not finished (not scored)"
        return response.severity_label or "not scored"
    if not response.is_complete:
        return "not finished (not scored)"
    return f"total {response.total}" + (
        f" ({response.severity_label})" if response.severity_label else ""
    )


def alert_detail(alert: SafetyAlert) -> AlertDetail:
    """Return what raised an alert and what became of those answers (no queries)."""
    response = alert.response
    instrument = response.instrument
    trigger_answers = alert.trigger_answers or {
        c.link_id: response.answers[c.link_id]
        for c in instrument.crisis_items
        if c.link_id in (response.answers or {})
    }
    triggering = []
    for link_id, value in trigger_answers.items():
        number, item = _item_number(instrument, link_id)
        triggering.append(
            AnswerShown(number, item.name, value, _answer_label(item, value), crisis=True)
        )
    history = []
    for entry in response.crisis_history or []:
        number, item = _item_number(instrument, str(entry["link_id"]))
        value = entry.get("value")
        history.append(
            (
                dt.datetime.fromisoformat(str(entry["at"])),
                AnswerShown(number, item.name, value, _answer_label(item, value), crisis=True),
            )
        )
    now_answers = response.answers or {}
    changed = any(now_answers.get(link_id) != value for link_id, value in trigger_answers.items())
    assessment = getattr(alert, "assessment", None) if alert.status == "closed" else None
    screener = assessment.cssrs_response if assessment is not None else None
    return AlertDetail(
        alert=alert,
        triggering=triggering,
        history=history,
        changed_since=changed,
        result=response_result(response),
        screener=answers_shown(screener) if screener is not None else [],
        screener_result=response_result(screener) if screener is not None else "",
    )


@dataclass(frozen=True)
class SafetyState:
    """Whether a patient's suicidality answers are unresolved (the remission badge waits)."""

    open_alerts: int
    #: Instrument codes whose latest response has a crisis answer at or above the clinic's level.
    crisis_positive: frozenset[str]

    @property
    def unresolved(self) -> bool:
        return bool(self.open_alerts or self.crisis_positive)


def safety_state(
    *, alerts: Iterable[SafetyAlert], responses: Iterable[QuestionnaireResponse]
) -> SafetyState:
    """Return the patient's safety state from their alerts and responses (no queries)."""
    latest: dict[str, QuestionnaireResponse] = {}
    for response in responses:
        known = latest.get(response.instrument_code)
        if known is None or (response.updated_at, response.pk) > (known.updated_at, known.pk):
            latest[response.instrument_code] = response
    return SafetyState(
        open_alerts=sum(1 for a in alerts if a.is_open),
        crisis_positive=frozenset(
            code for code, response in latest.items() if response.has_suicidality_flag
        ),
    )


def open_alerts(*, organization: Organization) -> QuerySet[SafetyAlert]:
    """Return the organization's alerts not yet closed, oldest first (one query)."""
    return (
        SafetyAlert.objects.filter(organization=organization)
        .exclude(status=SafetyAlert.Status.CLOSED)
        .select_related("patient", "assigned_to", "response")
        .order_by("created_at", "id")
    )


def alerts_for_patient(*, patient: Patient) -> QuerySet[SafetyAlert]:
    return (
        SafetyAlert.objects.filter(organization_id=patient.organization_id, patient=patient)
        .select_related("response", "assigned_to", "acknowledged_by", "closed_by", "escalated_to")
        .select_related("assessment", "assessment__assessed_by", "assessment__cssrs_response")
        .order_by("-created_at", "-id")
    )


def screeners_for_alerts(
    *, patient: Patient, alerts: Sequence[SafetyAlert]
) -> dict[int, QuestionnaireResponse]:
    """Return alert id -> the C-SSRS screener already done for it, to prefill its assessment.

    The alert's own response when a C-SSRS raised it; else the newest complete screener staff
    entered for the patient since the alert was raised (at most one query).
    """
    found: dict[int, QuestionnaireResponse] = {}
    waiting = []
    for alert in alerts:
        if alert.response.instrument_code == "cssrs_screener" and alert.response.is_complete:
            found[alert.pk] = alert.response
        else:
            waiting.append(alert)
    if not waiting:
        return found
    screeners = list(
        QuestionnaireResponse.objects.filter(
            organization_id=patient.organization_id,
            patient=patient,
            instrument_code="cssrs_screener",
            status=QuestionnaireResponse.Status.COMPLETED,
            source=QuestionnaireResponse.Source.STAFF,
            completed_at__gte=min(a.created_at for a in waiting),
        )
        .select_related("entered_by")
        .order_by("-completed_at", "-id")
    )
    for alert in waiting:
        match = next(
            (r for r in screeners if r.completed_at and r.completed_at >= alert.created_at), None
        )
        if match is not None:
            found[alert.pk] = match
    return found


def alert_for_response(*, response: QuestionnaireResponse) -> SafetyAlert | None:
    """Return the safety alert a response raised, with its clinician, or None (one query)."""
    return SafetyAlert.objects.filter(response=response).select_related("assigned_to").first()


def alert_get(*, patient: Patient, alert_id: int) -> SafetyAlert:
    """Return one of the patient's safety alerts or raise Http404."""
    try:
        return alerts_for_patient(patient=patient).get(pk=alert_id)
    except SafetyAlert.DoesNotExist as exc:
        raise Http404("No such alert.") from exc


def response_get(*, patient: Patient, response_id: int) -> QuestionnaireResponse:
    """Return one of the patient's questionnaire responses or raise Http404."""
    try:
        return responses_for_patient(patient=patient).get(pk=response_id)
    except QuestionnaireResponse.DoesNotExist as exc:
        raise Http404("No such questionnaire response.") from exc


def current_requests(assignments: Iterable[Assignment]) -> list[Assignment]:
    """Return the pending assignments that still stand: the newest of each instrument.

    A newer request for the same questionnaire supersedes an older one still waiting: the older
    is not sent again, and completing either closes both. Order is kept.
    """
    pending = [a for a in assignments if a.status == Assignment.Status.PENDING]
    newest: dict[str, Assignment] = {}
    for assignment in pending:
        known = newest.get(assignment.instrument_code)
        if known is None or (assignment.available_at, assignment.pk) > (
            known.available_at,
            known.pk,
        ):
            newest[assignment.instrument_code] = assignment
    kept = {a.pk for a in newest.values()}
    return [a for a in pending if a.pk in kept]


@dataclass(frozen=True)
class OverduePatient:
    """One patient on an overdue list, with every questionnaire of theirs that is overdue."""

    patient: Patient
    #: The overdue requests that stand (newest of each instrument), earliest due first.
    assignments: list[Assignment]

    @property
    def patient_id(self) -> int:
        return self.patient.pk

    @property
    def first_due_at(self) -> dt.datetime:
        return self.assignments[0].due_at

    @property
    def messages_sent(self) -> int:
        """Messages sent for these questionnaires: each first message and its reminders."""
        return sum(a.reminder_count + 1 for a in self.assignments if a.first_sent_at)


def overdue_patients(
    *, organization: Organization, now: dt.datetime, limit: int
) -> list[OverduePatient]:
    """Return up to ``limit`` patients with overdue questionnaires, longest overdue first.

    One row per patient, however many questionnaires they have overdue (one query: the
    patients are chosen in a subquery, then their overdue assignments are read with them).
    """
    overdue = Assignment.objects.filter(
        organization=organization, status=Assignment.Status.PENDING, due_at__lt=now
    )
    first = (
        overdue.values("patient_id")
        .annotate(first_due=Min("due_at"))
        .order_by("first_due", "patient_id")
        .values("patient_id")[:limit]
    )
    rows = overdue.filter(patient_id__in=first).select_related("patient").order_by("due_at", "id")
    by_patient: dict[int, list[Assignment]] = {}
    for assignment in rows:
        by_patient.setdefault(assignment.patient_id, []).append(assignment)
    result = [
        OverduePatient(patient=items[0].patient, assignments=current_requests(items))
        for items in by_patient.values()
    ]
    return sorted(result, key=lambda row: (row.first_due_at, row.patient_id))


def assignments_for_patient(*, patient: Patient) -> QuerySet[Assignment]:
    """Return the patient's questionnaire requests, newest due first, with their links."""
    return (
        Assignment.objects.filter(organization_id=patient.organization_id, patient=patient)
        .prefetch_related("links")
        .order_by("-due_at", "-id")
    )


@dataclass(frozen=True)
class DeliveryState:
    """Where one questionnaire request stands, as staff read it: a pill and its words."""

    tone: str  # "muted", "warn" or "danger": the pill's colour
    text: str


def delivery_state(
    assignment: Assignment,
    *,
    now: dt.datetime,
    reachable: bool,
    stands: bool,
) -> DeliveryState:
    """Return where a request stands, from its status, messages and newest link (no queries).

    ``reachable``: whether the patient can be sent links at all (an email or phone and a
    channel other than paper); ``stands``: whether it is the newest pending request of its
    instrument. "Waiting for the patient" is said only of a request actually sent whose newest
    link still opens.
    """
    if assignment.status == Assignment.Status.COMPLETED:
        return DeliveryState("muted", "Completed")
    if assignment.status == Assignment.Status.CANCELLED:
        reason = f": {assignment.cancelled_reason}" if assignment.cancelled_reason else ""
        return DeliveryState("muted", f"Cancelled{reason}")
    if not stands:
        return DeliveryState("muted", "Replaced by a newer request")
    overdue = assignment.due_at < now
    if assignment.first_sent_at is None:
        if assignment.available_at > now:
            return DeliveryState(
                "muted", f"Scheduled: sent {timezone.localtime(assignment.available_at):%b %-d}"
            )
        if not reachable:
            return DeliveryState(
                "danger" if overdue else "warn",
                "Never sent: no email or phone, or delivery is set to paper",
            )
        return DeliveryState("warn", "Not sent yet: goes out with the next reminder run")
    links = sorted(assignment.links.all(), key=lambda link: (link.created_at, link.pk))
    newest = links[-1] if links else None
    if newest is not None and newest.locked_at is not None:
        return DeliveryState(
            "danger", "Link locked after wrong dates of birth: send a new link or call"
        )
    if newest is not None and newest.expires_at <= now and newest.used_at is None:
        return DeliveryState("warn", "Link expired: send a new link")
    sent = f"Sent {timezone.localtime(assignment.first_sent_at):%b %-d}"
    if overdue:
        return DeliveryState("warn", f"Overdue · {sent}")
    return DeliveryState("muted", f"{sent} · waiting for the patient")


# ---- trajectories -----------------------------------------------------------------------


@dataclass
class TrajectoryPoint:
    response_id: int
    completed_at: dt.datetime
    total: int
    severity_label: str
    source: str
    pct_change: float | None
    is_response: bool | None
    is_remission: bool | None
    is_baseline: bool


@dataclass
class Trajectory:
    """Every completed score of one instrument for one patient, judged against the baseline."""

    code: str
    title: str
    total_range: tuple[int, int]
    bands: tuple[instruments.SeverityBand, ...]
    points: list[TrajectoryPoint]
    baseline: TrajectoryPoint | None
    baseline_chosen: bool
    response_pct: int
    response_threshold: float | None
    remission_max: int | None
    loss_of_response: bool | None
    flagged_ids: set[int] = field(default_factory=set)

    @property
    def latest(self) -> TrajectoryPoint | None:
        return self.points[-1] if self.points else None


def _completed_at(response: QuestionnaireResponse) -> dt.datetime:
    # Completed responses always have completed_at (a database check constraint).
    return response.completed_at or response.updated_at


def trajectories(
    *,
    patient: Patient,
    measurement_settings: MeasurementSettings,
    responses: Iterable[QuestionnaireResponse] | None = None,
) -> list[Trajectory]:
    """Return one trajectory per instrument the patient has completed, in catalogue order.

    The baseline is the response explicitly chosen as baseline, else the first completed score.
    Response: a reduction of at least ``response_reduction_pct`` [11][14]; remission: at or
    below the clinic's maximum (PHQ-9 <5 [14], QIDS-SR16 ≤5 [52], MADRS ≤10 [54]); loss of
    response: the latest ``loss_of_response_consecutive`` scores after a response no longer
    meet it [?].
    """
    if responses is None:
        responses = responses_for_patient(patient=patient).filter(
            status=QuestionnaireResponse.Status.COMPLETED, total__isnull=False
        )
    by_code: dict[str, list[QuestionnaireResponse]] = {}
    for response in responses:
        if response.is_complete and response.total is not None:
            by_code.setdefault(response.instrument_code, []).append(response)
    remission = measurement_settings.remission_thresholds()
    result: list[Trajectory] = []
    for instrument in instruments.all_instruments():
        rows = sorted(by_code.get(instrument.code, []), key=lambda r: (r.completed_at, r.pk))
        if not rows or instrument.total_range is None:
            continue
        chosen = next((r for r in rows if r.is_chosen_baseline), None)
        baseline_row = chosen or rows[0]
        base = baseline_row.total or 0
        remission_max = remission.get(instrument.code)
        points: list[TrajectoryPoint] = []
        for row in rows:
            total = int(row.total or 0)
            after = _completed_at(row) >= _completed_at(baseline_row) and row.pk != baseline_row.pk
            points.append(
                TrajectoryPoint(
                    response_id=row.pk,
                    completed_at=_completed_at(row),
                    total=total,
                    severity_label=row.severity_label,
                    source=row.get_source_display(),
                    pct_change=outcome.percent_change(base, total) if after else None,
                    is_response=(
                        outcome.is_response(
                            base, total, measurement_settings.response_reduction_pct
                        )
                        if after
                        else None
                    ),
                    is_remission=(
                        outcome.is_remission(instrument.code, total, remission)
                        if remission_max is not None
                        else None
                    ),
                    is_baseline=row.pk == baseline_row.pk,
                )
            )
        start = _completed_at(baseline_row)
        later = [p.total for p in points if p.completed_at >= start][1:]
        baseline_point = next(p for p in points if p.is_baseline)
        result.append(
            Trajectory(
                code=instrument.code,
                title=instrument.title,
                total_range=instrument.total_range,
                bands=instrument.severity_bands,
                points=points,
                baseline=baseline_point,
                baseline_chosen=chosen is not None,
                response_pct=measurement_settings.response_reduction_pct,
                response_threshold=(
                    base * (100 - measurement_settings.response_reduction_pct) / 100
                    if base
                    else None
                ),
                remission_max=remission_max,
                loss_of_response=outcome.loss_of_response(
                    base,
                    later,
                    measurement_settings.response_reduction_pct,
                    measurement_settings.loss_of_response_consecutive,
                ),
                flagged_ids={r.pk for r in rows if r.has_suicidality_flag},
            )
        )
    return result


# ---- sections of pages composed elsewhere ----------------------------------------------

TODAY_OVERDUE_ROWS = 10
TODAY_ALERT_ROWS = 25


@dataclass(frozen=True)
class TodaySection:
    """The Today page's measurement rows the user's role may see."""

    show_alerts: bool
    show_overdue: bool
    alerts: list[SafetyAlert]
    #: One row per patient with what is overdue.
    overdue: list[OverduePatient]
    more_overdue: bool


def today_section(*, user: User, now: dt.datetime) -> TodaySection:
    """Return the Today page's measurement rows the user's role may see (at most two queries).

    Clinical roles see open safety alerts; every staff role sees overdue questionnaires (who and
    since when, never answers), one row per patient.
    """
    show_alerts = can(user, "safety.review")
    show_overdue = can(user, "measurements.overdue")
    organization = user.organization
    alerts = (
        list(open_alerts(organization=organization)[:TODAY_ALERT_ROWS])
        if show_alerts and organization is not None
        else []
    )
    rows = (
        overdue_patients(organization=organization, now=now, limit=TODAY_OVERDUE_ROWS + 1)
        if show_overdue and organization is not None
        else []
    )
    return TodaySection(
        show_alerts=show_alerts,
        show_overdue=show_overdue,
        alerts=alerts,
        overdue=rows[:TODAY_OVERDUE_ROWS],
        more_overdue=len(rows) > TODAY_OVERDUE_ROWS,
    )


@dataclass(frozen=True)
class MeasurementPanel:
    """The measurement section of the patient record page."""

    can_view: bool
    can_review_safety: bool
    safety_blocks: list[GateBlock]


def patient_panel(*, user: User, patient: Patient) -> MeasurementPanel | None:
    """Return what the patient record page shows of measurements to this user (≤ 1 query)."""
    can_view = can(user, "measurements.view")
    can_review_safety = can(user, "safety.review")
    if not (can_view or can_review_safety):
        return None
    return MeasurementPanel(
        can_view=can_view,
        can_review_safety=can_review_safety,
        safety_blocks=infusion_gate(patient=patient) if can_review_safety else [],
    )


def _clinic_moment(moment: dt.datetime) -> str:
    """Return a time in the clinic's format and time zone: "Nov 30, 2026, 2:05 PM"."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")

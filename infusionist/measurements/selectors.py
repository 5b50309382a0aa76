"""Reads for measurement-based care, always scoped to one organization and patient."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from infusionist.accounts.models import User
from infusionist.accounts.roles import CLINICAL_ROLES, Role, can
from infusionist.clinics.models import Organization
from infusionist.lib import instruments
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


# ---- safety -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GateBlock:
    """A reason the patient may not have an infusion now, with the message staff see."""

    code: str
    message: str
    alert_id: int


def infusion_gate(*, patient: Patient) -> list[GateBlock]:
    """Return what blocks an infusion for this patient from the measurement side ([] = none).

    An open safety alert blocks until a documented risk assessment closes it [63][57].
    """
    alerts = SafetyAlert.objects.filter(
        organization_id=patient.organization_id, patient=patient
    ).exclude(status=SafetyAlert.Status.CLOSED)
    return [
        GateBlock(
            code="open_safety_alert",
            message=(
                "A suicidality answer is waiting for a documented risk assessment "
                f"(alert raised {timezone.localtime(alert.created_at):%Y-%m-%d %H:%M}). "
                "Close the alert before starting the infusion."
            ),
            alert_id=alert.pk,
        )
        for alert in alerts.order_by("created_at")
    ]


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
        .select_related("assessment", "assessment__assessed_by")
        .order_by("-created_at", "-id")
    )


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


def overdue_assignments(*, organization: Organization, now: dt.datetime) -> QuerySet[Assignment]:
    """Return pending assignments past their due time, oldest first (one query)."""
    return (
        Assignment.objects.filter(
            organization=organization, status=Assignment.Status.PENDING, due_at__lt=now
        )
        .select_related("patient")
        .order_by("due_at", "id")
    )


def assignments_for_patient(*, patient: Patient) -> QuerySet[Assignment]:
    return Assignment.objects.filter(
        organization_id=patient.organization_id, patient=patient
    ).order_by("-due_at", "-id")


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
    overdue: list[Assignment]
    more_overdue: bool


def today_section(*, user: User, now: dt.datetime) -> TodaySection:
    """Return the Today page's measurement rows the user's role may see (at most two queries).

    Clinical roles see open safety alerts; every staff role sees overdue questionnaires (who and
    since when, never answers).
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
        list(overdue_assignments(organization=organization, now=now)[: TODAY_OVERDUE_ROWS + 1])
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

"""Reads of consultations and eligibility decisions, each scoped by its caller.

The views fetch the patient with ``patients.selectors.patient_get_for_user`` first, so the
functions here take a patient the user may already see. ``eligibility_status(patient=)`` is
what the readiness gate reads; ``patient_panel`` and ``today_section`` are what the record
page and Today compose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import Http404

from infusionist.accounts.models import User
from infusionist.accounts.professional import signing_problem
from infusionist.accounts.roles import Role, can
from infusionist.clinics.models import Organization
from infusionist.consultations.models import Consultation, EligibilityDecision, EligibilitySettings
from infusionist.intake import sections as intake_sections
from infusionist.intake.models import IntakePacket
from infusionist.intake.selectors import IntakeSnapshot, intake_snapshot
from infusionist.lib import eligibility
from infusionist.patients.models import Patient

#: What the physician's review calls each intake section (the patient's pages speak to the
#: patient: "Medicines you take now").
_STAFF_SECTION_LABELS = {
    "contacts": "Contact details",
    "psychiatric": "Psychiatric history",
    "antidepressant_trials": "Antidepressant trials",
    "medical": "Medical history",
    "medications": "Current medications",
    "allergies": "Allergies",
    "body": "Height, weight and BMI",
    "baseline": "Baseline questionnaires",
}
#: The intake packet's sections as the review lists them, in the packet's order (code, label):
#: the intake owns the sections (``intake.sections.SECTIONS``) and marks them done in
#: ``IntakePacket.completed_sections``.
INTAKE_SECTIONS: tuple[tuple[str, str], ...] = tuple(
    (section.code, _STAFF_SECTION_LABELS.get(section.code, str(section.title)))
    for section in intake_sections.SECTIONS
)
#: How many rows each Today list shows at most (the page's size never grows with data).
TODAY_LIMIT = 25

StatusCode = Literal[
    "no_intake",
    "no_decision",
    "approved_current",
    "approved_intake_changed",
    "declined",
    "deferred",
]


# --- settings ------------------------------------------------------------------------------


def eligibility_settings_for(*, organization: Organization) -> EligibilitySettings:
    """Return the clinic's eligibility settings, unsaved defaults when it has none (1 query)."""
    row = EligibilitySettings.objects.filter(organization=organization).first()
    return row or EligibilitySettings(organization=organization)


def eligibility_limits_for(*, organization: Organization) -> eligibility.EligibilityLimits:
    """Return the clinic's eligibility thresholds as the kernel's typed limits (1 query);
    a clinic that set none gets the documented defaults."""
    return eligibility_settings_for(organization=organization).limits()


# --- consultations ---------------------------------------------------------------------------


def supervising_physicians(*, organization: Organization, today: dt.date) -> list[User]:
    """Return the clinic's active physicians whose credentials let them supervise today,
    by name (1 query)."""
    physicians = User.objects.filter(
        organization=organization, role=Role.PHYSICIAN, is_active=True
    ).order_by("full_name", "email")
    return [p for p in physicians if not signing_problem(p, today=today)]


def consultations_for_patient(*, patient: Patient) -> list[Consultation]:
    """Return the patient's consultations, latest first, with their physicians (1 query)."""
    return list(
        Consultation.objects.filter(patient=patient).select_related("physician", "updated_by")
    )


def telehealth_used(*, patient: Patient) -> bool:
    """Return whether the patient's consultation is by telehealth (video or telephone),
    scheduled or held (1 query): their telehealth consent is then required too."""
    return Consultation.objects.filter(
        organization_id=patient.organization_id,
        patient=patient,
        modality__in=[Consultation.Modality.TELEHEALTH_VIDEO, Consultation.Modality.TELEPHONE],
        status__in=[Consultation.Status.SCHEDULED, Consultation.Status.HELD],
    ).exists()


def consultation_get_for_patient(*, patient: Patient, consultation_id: int) -> Consultation:
    """Return the patient's consultation ``consultation_id`` or raise Http404 (another
    patient's or clinic's id answers the same 404)."""
    consultation = (
        Consultation.objects.select_related("patient", "physician")
        .filter(pk=consultation_id, patient=patient, organization_id=patient.organization_id)
        .first()
    )
    if consultation is None:
        raise Http404("No such consultation.")
    return consultation


# --- decisions and status -----------------------------------------------------------------


def decisions_for_patient(*, patient: Patient) -> list[EligibilityDecision]:
    """Return every signed decision of the patient, newest version first (1 query)."""
    return list(EligibilityDecision.objects.filter(patient=patient).select_related("signed_by"))


def current_decision(*, patient: Patient) -> EligibilityDecision | None:
    """Return the patient's current (highest) decision version, or None (1 query)."""
    return (
        EligibilityDecision.objects.filter(patient=patient)
        .select_related("signed_by")
        .order_by("-version")
        .first()
    )


@dataclass(frozen=True)
class EligibilityStatus:
    """Where a patient stands: ``code`` is one of

    - ``no_intake``: no intake packet;
    - ``no_decision``: an intake, no signed decision;
    - ``approved_current``: approved, and the intake's facts are those approved;
    - ``approved_intake_changed``: approved, but the intake changed since: re-review needed;
    - ``declined`` / ``deferred``: the current decision.

    ``decision`` is the current decision (None without one); ``intake_submitted`` whether the
    intake was submitted; ``intake_changed`` whether its facts differ from the decision's.
    """

    code: StatusCode
    decision: EligibilityDecision | None
    intake_submitted: bool
    intake_changed: bool

    @property
    def approved_and_current(self) -> bool:
        """Whether treatment is approved on the intake as it stands (the gate's question)."""
        return self.code == "approved_current"

    @property
    def needs_rereview(self) -> bool:
        return self.code == "approved_intake_changed"

    @property
    def message(self) -> str:
        """The status in plain words, for staff."""
        decision = self.decision
        version = decision.version if decision else 0
        return {
            "no_intake": "No intake yet.",
            "no_decision": "No eligibility decision yet.",
            "approved_current": f"Approved for treatment (decision version {version}).",
            "approved_intake_changed": (
                f"Approved (decision version {version}), but the intake changed after the "
                "approval: the physician must review it again."
            ),
            "declined": f"Declined (decision version {version}).",
            "deferred": f"Deferred (decision version {version}): a decision is still to come.",
        }[self.code]


def status_from(
    snapshot: IntakeSnapshot | None, decision: EligibilityDecision | None
) -> EligibilityStatus:
    """Return the status of a patient with this intake snapshot and current decision."""
    if snapshot is None:
        return EligibilityStatus("no_intake", decision, False, False)
    changed = decision is not None and decision.facts_sha256 != snapshot.facts_sha256
    code: StatusCode
    if decision is None:
        code = "no_decision"
    elif decision.outcome == EligibilityDecision.Outcome.APPROVED:
        code = "approved_intake_changed" if changed else "approved_current"
    elif decision.outcome == EligibilityDecision.Outcome.DECLINED:
        code = "declined"
    else:
        code = "deferred"
    return EligibilityStatus(code, decision, snapshot.submitted, changed)


def eligibility_status(*, patient: Patient) -> EligibilityStatus:
    """Return where ``patient`` stands on eligibility (2 queries: the packet, the decision).

    The intake's facts are read as they stand now (``intake_snapshot``) and their digest
    compared with the one the current decision was signed on.
    """
    return status_from(intake_snapshot(patient=patient), current_decision(patient=patient))


# --- the review page ------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionState:
    code: str
    label: str
    done: bool


@dataclass(frozen=True)
class EligibilityReview:
    """What the physician's review page shows of one patient.

    ``result`` is None when there is no intake or the kernel refused the facts (``error``
    then names the field and why).
    """

    snapshot: IntakeSnapshot | None
    result: eligibility.EligibilityResult | None
    error: str
    limits: eligibility.EligibilityLimits
    settings_row: EligibilitySettings
    sections: tuple[SectionState, ...]
    status: EligibilityStatus
    consultations: list[Consultation] = field(default_factory=list)

    @property
    def missing_sections(self) -> tuple[SectionState, ...]:
        return tuple(s for s in self.sections if not s.done)

    @property
    def can_approve(self) -> bool:
        return (
            self.result is not None
            and self.snapshot is not None
            and self.snapshot.submitted
            and not self.result.hard_stops
        )


def eligibility_review(*, patient: Patient) -> EligibilityReview:
    """Return the review of ``patient``: the checklist evaluated on the intake as it stands
    under the clinic's limits, the intake's sections, the status and the consultations
    (4 queries: settings, packet, current decision, consultations)."""
    settings_row = eligibility_settings_for(organization=patient.organization)
    limits = settings_row.limits()
    snapshot = intake_snapshot(patient=patient)
    result, error = None, ""
    if snapshot is not None:
        try:
            result = eligibility.evaluate(snapshot.facts, limits)
        except eligibility.InvalidFacts as exc:
            error = f"{exc.field}: {exc.message}"
    done = set(snapshot.packet.completed_sections) if snapshot is not None else set()
    sections = tuple(SectionState(code, label, code in done) for code, label in INTAKE_SECTIONS)
    return EligibilityReview(
        snapshot=snapshot,
        result=result,
        error=error,
        limits=limits,
        settings_row=settings_row,
        sections=sections,
        status=status_from(snapshot, current_decision(patient=patient)),
        consultations=consultations_for_patient(patient=patient),
    )


# --- sections of other pages -----------------------------------------------------------------


@dataclass(frozen=True)
class ConsultationPanel:
    """What the patient record page shows of consultations and eligibility."""

    status: EligibilityStatus
    next_consultation: Consultation | None
    last_held: Consultation | None
    can_schedule: bool
    can_review: bool


def patient_panel(*, user: User, patient: Patient) -> ConsultationPanel | None:
    """Return the record page's consultation and eligibility panel for ``user`` (None for a
    role without ``consultations.view``; 3 queries: packet, decision, consultations)."""
    if not can(user, "consultations.view"):
        return None
    consultations = consultations_for_patient(patient=patient)
    scheduled = [c for c in consultations if c.status == Consultation.Status.SCHEDULED]
    held = [c for c in consultations if c.status == Consultation.Status.HELD]
    return ConsultationPanel(
        status=eligibility_status(patient=patient),
        next_consultation=min(scheduled, key=lambda c: c.scheduled_at) if scheduled else None,
        last_held=held[0] if held else None,
        can_schedule=can(user, "consultations.schedule"),
        can_review=can(user, "eligibility.view"),
    )


@dataclass(frozen=True)
class TodayReviewSection:
    """A physician's Today: patients waiting for an eligibility decision (intake submitted,
    a consultation held or scheduled, no decision yet) and approvals whose intake changed."""

    waiting: Sequence[IntakePacket]
    rereview: Sequence[EligibilityDecision]

    @property
    def patients(self) -> list[Patient]:
        return [p.patient for p in self.waiting] + [d.patient for d in self.rereview]


def today_section(*, user: User) -> TodayReviewSection | None:
    """Return the Today section of eligibility reviews for a physician (2 queries), None for
    other roles. The re-review list compares the digest the intake stored with its facts
    (``IntakePacket.facts_sha256``) to the one each current approval was signed on."""
    organization_id = user.organization_id
    if organization_id is None or not can(user, "eligibility.decide"):
        return None
    open_consultation = Consultation.objects.filter(
        patient=OuterRef("patient"),
        status__in=[Consultation.Status.SCHEDULED, Consultation.Status.HELD],
    )
    latest_consultation = open_consultation.order_by("-scheduled_at")
    waiting = list(
        IntakePacket.objects.filter(organization_id=organization_id, submitted_at__isnull=False)
        .filter(Exists(open_consultation))
        .exclude(Exists(EligibilityDecision.objects.filter(patient=OuterRef("patient"))))
        .annotate(
            consultation_status=Subquery(latest_consultation.values("status")[:1]),
            consultation_at=Subquery(latest_consultation.values("scheduled_at")[:1]),
        )
        .select_related("patient")
        .order_by("submitted_at", "pk")[:TODAY_LIMIT]
    )
    later = EligibilityDecision.objects.filter(
        patient=OuterRef("patient"), version__gt=OuterRef("version")
    )
    packet_digest = IntakePacket.objects.filter(patient=OuterRef("patient")).values("facts_sha256")[
        :1
    ]
    rereview = list(
        EligibilityDecision.objects.filter(
            organization_id=organization_id, outcome=EligibilityDecision.Outcome.APPROVED
        )
        .exclude(Exists(later))
        .annotate(packet_sha256=Subquery(packet_digest))
        .exclude(Q(packet_sha256="") | Q(packet_sha256__isnull=True))
        .exclude(facts_sha256=Subquery(packet_digest))
        .select_related("patient")
        .order_by("signed_at", "pk")[:TODAY_LIMIT]
    )
    return TodayReviewSection(waiting=waiting, rereview=rereview)

"""Reads of protocols and treatment plans, always scoped to one organization."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from infusionist.accounts.models import User
from infusionist.accounts.roles import can
from infusionist.clinics.models import Organization
from infusionist.measurements import selectors as measurement_selectors
from infusionist.measurements.models import SafetyAlert
from infusionist.patients.models import Patient
from infusionist.treatment.models import (
    AdministeredDose,
    ClinicalChangeProposal,
    DosingSettings,
    Protocol,
    TreatmentPlanVersion,
)


def current_plan_version(*, patient: Patient) -> TreatmentPlanVersion | None:
    """Return the patient's latest signed plan version (the current order), or None."""
    return (
        TreatmentPlanVersion.objects.filter(
            patient=patient,
            organization_id=patient.organization_id,
            status=TreatmentPlanVersion.Status.SIGNED,
        )
        .select_related("protocol", "signed_by")
        .order_by("-number")
        .first()
    )


def plan_versions(*, patient: Patient) -> list[TreatmentPlanVersion]:
    """Return every version of the patient's plan, newest first (one query)."""
    return list(
        TreatmentPlanVersion.objects.filter(
            patient=patient, organization_id=patient.organization_id
        )
        .select_related("protocol", "signed_by", "created_by", "weight_confirmed_by")
        .order_by("-number")
    )


def last_recorded_weight_kg(
    versions: Sequence[TreatmentPlanVersion], *, before_number: int | None = None
) -> Decimal | None:
    """Return the patient's last recorded weight from loaded versions (no query).

    It is the weight on the newest signed version, or on the newest signed version numbered
    below ``before_number`` (the version before the one being checked).
    """
    for version in sorted(versions, key=lambda v: v.number, reverse=True):
        if version.is_signed and (before_number is None or version.number < before_number):
            return version.weight_kg
    return None


def plan_draft_version(*, patient: Patient) -> TreatmentPlanVersion | None:
    """Return the patient's open draft version, or None."""
    return (
        TreatmentPlanVersion.objects.filter(
            patient=patient,
            organization_id=patient.organization_id,
            status=TreatmentPlanVersion.Status.DRAFT,
        )
        .select_related("protocol", "created_by")
        .first()
    )


def protocols_for_organization(
    *, organization: Organization, active_only: bool = False
) -> QuerySet[Protocol]:
    qs = Protocol.objects.filter(organization=organization)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


def protocol_get_for_user(*, user: User, protocol_id: int) -> Protocol:
    """Return a protocol of the user's organization or raise Http404 (never another clinic's)."""
    protocol = Protocol.objects.filter(
        organization__isnull=False, organization=user.organization, pk=protocol_id
    ).first()
    if protocol is None:
        raise Http404("No such protocol.")
    return protocol


def protocol_by_key(*, organization: Organization, key: str) -> Protocol | None:
    """Return the organization's protocol with this key, or None."""
    return Protocol.objects.filter(organization=organization, key=key).first()


def pending_change_proposals(*, organization: Organization) -> list[ClinicalChangeProposal]:
    """Return the clinic's proposed changes to clinical limits awaiting a physician (one query)."""
    return list(
        ClinicalChangeProposal.objects.filter(
            organization=organization, status=ClinicalChangeProposal.Status.PENDING
        )
        .select_related("protocol", "proposed_by")
        .order_by("proposed_at", "id")
    )


def change_proposal_get_for_user(*, user: User, proposal_id: int) -> ClinicalChangeProposal:
    """Return a change proposal of the user's organization or raise Http404."""
    proposal = (
        ClinicalChangeProposal.objects.filter(
            organization__isnull=False, organization=user.organization, pk=proposal_id
        )
        .select_related("protocol", "proposed_by", "decided_by")
        .first()
    )
    if proposal is None:
        raise Http404("No such change proposal.")
    return proposal


def dosing_settings_for(*, organization: Organization) -> DosingSettings:
    """Return the clinic's dosing settings, or unsaved documented defaults."""
    found = DosingSettings.objects.filter(organization=organization).first()
    return found or DosingSettings(organization=organization)


def plan_draft_versions_for_organization(
    *, organization: Organization
) -> QuerySet[TreatmentPlanVersion]:
    """Return open drafts, oldest first: the physician's signing queue."""
    return (
        TreatmentPlanVersion.objects.filter(
            organization=organization, status=TreatmentPlanVersion.Status.DRAFT
        )
        .select_related("patient", "protocol", "created_by")
        .order_by("updated_at", "id")
    )


def current_plan_versions_for_organization(
    *, organization: Organization
) -> QuerySet[TreatmentPlanVersion]:
    """Return each patient's current (latest signed) version, most recently signed first."""
    latest_signed = (
        TreatmentPlanVersion.objects.filter(
            plan=OuterRef("plan"), status=TreatmentPlanVersion.Status.SIGNED
        )
        .order_by("-number")
        .values("number")[:1]
    )
    return (
        TreatmentPlanVersion.objects.filter(
            organization=organization,
            status=TreatmentPlanVersion.Status.SIGNED,
            number=Subquery(latest_signed),
        )
        .select_related("patient", "protocol", "signed_by")
        .order_by("-signed_at", "-id")
    )


def plan_version_get(*, patient: Patient, number: int) -> TreatmentPlanVersion:
    """Return version ``number`` of the patient's plan or raise Http404."""
    version = next((v for v in plan_versions(patient=patient) if v.number == number), None)
    if version is None:
        raise Http404("No such plan version.")
    return version


@dataclass(frozen=True)
class TreatmentPanel:
    """The treatment section of the patient record page."""

    can_draft: bool


def patient_panel(*, user: User, patient: Patient) -> TreatmentPanel | None:
    """Return what the patient record page shows of treatment to this user (no query)."""
    if not can(user, "treatment.view"):
        return None
    return TreatmentPanel(can_draft=can(user, "treatment.draft"))


def open_safety_alerts(*, patient: Patient) -> list[SafetyAlert]:
    """Return the patient's safety alerts not yet closed, newest first (one query).

    Plan pages show them beside the order, and signing with one open needs an
    acknowledgment with a reason (`services.plan_version_sign`).
    """
    return list(
        measurement_selectors.alerts_for_patient(patient=patient).exclude(
            status=SafetyAlert.Status.CLOSED
        )
    )


def administered_doses(*, patient: Patient) -> list[AdministeredDose]:
    """Return the doses the patient was given (as the chart reported them), oldest first."""
    return list(
        AdministeredDose.objects.filter(
            patient=patient, organization_id=patient.organization_id
        ).order_by("given_at", "id")
    )

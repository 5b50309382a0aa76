"""Reads of protocols and treatment plans, always scoped to one organization."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from infusionist.clinics.models import Organization
from infusionist.patients.models import Patient
from infusionist.treatment.models import (
    DosingSettings,
    Protocol,
    TreatmentPlan,
    TreatmentPlanVersion,
)


def current_plan(*, patient: Patient) -> TreatmentPlanVersion | None:
    """Return the patient's latest signed plan version, or None.

    Other apps read `.phase` ("evaluation", "induction" or "maintenance") from it.
    """
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
        .select_related("protocol", "signed_by", "created_by")
        .order_by("-number")
    )


def plan_draft(*, patient: Patient) -> TreatmentPlanVersion | None:
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


def plan_for_patient(*, patient: Patient) -> TreatmentPlan | None:
    return TreatmentPlan.objects.filter(
        patient=patient, organization_id=patient.organization_id
    ).first()


def protocols_for_organization(
    *, organization: Organization, active_only: bool = False
) -> QuerySet[Protocol]:
    qs = Protocol.objects.filter(organization=organization)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


def protocol_get(*, organization: Organization, protocol_id: object) -> Protocol:
    """Return the organization's protocol or raise Http404 (never another clinic's)."""
    try:
        return Protocol.objects.get(organization=organization, pk=int(str(protocol_id)))
    except (Protocol.DoesNotExist, ValueError, OverflowError) as exc:
        raise Http404("No such protocol.") from exc


def protocol_get_by_key(*, organization: Organization, key: str) -> Protocol:
    try:
        return Protocol.objects.get(organization=organization, key=key)
    except Protocol.DoesNotExist as exc:
        raise Http404("No such protocol.") from exc


def dosing_settings(*, organization: Organization) -> DosingSettings:
    """Return the clinic's dosing settings, or unsaved documented defaults."""
    found = DosingSettings.objects.filter(organization=organization).first()
    return found or DosingSettings(organization=organization)


def plan_drafts_for_organization(*, organization: Organization) -> QuerySet[TreatmentPlanVersion]:
    """Return open drafts, oldest first: the physician's signing queue."""
    return (
        TreatmentPlanVersion.objects.filter(
            organization=organization, status=TreatmentPlanVersion.Status.DRAFT
        )
        .select_related("patient", "protocol", "created_by")
        .order_by("updated_at", "id")
    )


def signed_plans_for_organization(*, organization: Organization) -> QuerySet[TreatmentPlanVersion]:
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

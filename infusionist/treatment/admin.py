from typing import Any

from django.contrib import admin

from infusionist.treatment.models import (
    ClinicalChangeProposal,
    DosingSettings,
    Protocol,
    TreatmentPlanVersion,
)


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only: clinical limits change only through the services, with a physician's
    signature (docs/decisions/0007), never by editing rows here."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Protocol)
class ProtocolAdmin(_ReadOnlyAdmin):
    list_display = ["name", "key", "organization", "route", "indication", "is_active"]
    list_filter = ["organization", "route", "indication"]


@admin.register(DosingSettings)
class DosingSettingsAdmin(_ReadOnlyAdmin):
    list_display = ["organization", "pk_model", "updated_at"]


@admin.register(ClinicalChangeProposal)
class ClinicalChangeProposalAdmin(_ReadOnlyAdmin):
    list_display = ["organization", "target", "protocol", "status", "proposed_by", "decided_by"]
    list_filter = ["organization", "status", "target"]


@admin.register(TreatmentPlanVersion)
class TreatmentPlanVersionAdmin(admin.ModelAdmin):
    """Read-only: versions are written and signed only through the services."""

    list_display = ["patient", "number", "status", "phase", "signed_by", "signed_at"]
    list_filter = ["organization", "status", "phase"]
    list_select_related = ["patient", "signed_by"]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

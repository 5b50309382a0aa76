from typing import Any

from django.contrib import admin

from infusionist.consultations.models import (
    Consultation,
    EligibilityDecision,
    EligibilitySettings,
)


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only: consultations, decisions and eligibility limits change only through the
    services (audited; limits and decisions with a physician's signature)."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Consultation)
class ConsultationAdmin(_ReadOnlyAdmin):
    list_display = ["patient", "scheduled_at", "modality", "status", "physician"]
    list_filter = ["organization", "status", "modality"]
    list_select_related = ["patient", "physician"]


@admin.register(EligibilityDecision)
class EligibilityDecisionAdmin(_ReadOnlyAdmin):
    list_display = ["patient", "version", "outcome", "signed_by", "signed_at"]
    list_filter = ["organization", "outcome"]
    list_select_related = ["patient", "signed_by"]


@admin.register(EligibilitySettings)
class EligibilitySettingsAdmin(_ReadOnlyAdmin):
    list_display = [
        "organization",
        "max_benzodiazepine_diazepam_mg_per_day",
        "min_failed_adequate_trials",
        "max_systolic_mmhg",
        "max_diastolic_mmhg",
        "updated_at",
    ]

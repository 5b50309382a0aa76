from typing import Any

from django.contrib import admin

from infusionist.treatment.models import DosingSettings, Protocol, TreatmentPlanVersion


@admin.register(Protocol)
class ProtocolAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "organization", "route", "indication", "is_active"]
    list_filter = ["organization", "route", "indication"]
    readonly_fields = ["created_at", "updated_at", "updated_by"]


@admin.register(DosingSettings)
class DosingSettingsAdmin(admin.ModelAdmin):
    list_display = ["organization", "pk_model", "updated_at"]
    readonly_fields = ["updated_at", "updated_by"]


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

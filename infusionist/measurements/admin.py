from typing import Any, cast

from django.contrib import admin
from django.db import models
from django.forms import Field
from django.http import HttpRequest

from infusionist.citations import cite_html
from infusionist.measurements.models import (
    SETTINGS_GROUPS,
    Assignment,
    MeasurementProfile,
    MeasurementSettings,
    SafetyAlert,
)


@admin.register(MeasurementSettings)
class MeasurementSettingsAdmin(admin.ModelAdmin):
    """Read-only: each clinic changes its settings on its Measurement settings page, where
    clinical fields change only with a physician's signature (docs/decisions/0010)."""

    list_display = ["organization", "response_reduction_pct", "remission_max_phq9", "updated_at"]
    list_select_related = ["organization"]
    readonly_fields = ["updated_at", "updated_by"]
    fieldsets = cast(
        "list[Any]",
        [
            (None, {"fields": ["organization", "updated_at", "updated_by"]}),
            *[(heading, {"fields": fields}) for heading, _note, fields in SETTINGS_GROUPS],
        ],
    )

    def formfield_for_dbfield(
        self, db_field: models.Field, request: HttpRequest, **kwargs: Any
    ) -> Field | None:
        """Link each help text's source keys to the clinical reference page."""
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and formfield.help_text:
            formfield.help_text = cite_html(formfield.help_text)
        return formfield

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MeasurementProfile)
class MeasurementProfileAdmin(admin.ModelAdmin):
    list_display = ["patient", "responsible_clinician", "channel", "last_infusion_at"]
    list_select_related = ["patient", "responsible_clinician"]
    raw_id_fields = ["patient", "responsible_clinician"]
    fields = [
        "patient",
        "responsible_clinician",
        "channel",
        "treatment_phase",
        "plan_starts_on",
        "last_infusion_at",
        "next_infusion_at",
    ]
    readonly_fields = ["treatment_phase", "plan_starts_on"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """Read-only: assignments change only through services (schedules, links, reminders)."""

    list_display = ["patient", "instrument_code", "reason", "due_at", "status", "reminder_count"]
    list_filter = ["status", "reason", "organization"]
    list_select_related = ["patient"]
    fields = ["patient", "instrument_code", "reason", "due_at", "status", "reminder_count"]

    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False


@admin.register(SafetyAlert)
class SafetyAlertAdmin(admin.ModelAdmin):
    """Read-only: an alert closes only with a documented risk assessment in the app."""

    list_display = ["patient", "created_at", "status", "assigned_to", "escalated_at"]
    list_filter = ["status", "organization"]
    list_select_related = ["patient", "assigned_to"]
    fields = ["patient", "created_at", "status", "assigned_to", "escalated_at"]

    def has_add_permission(self, request):  # noqa: ANN001, ANN201
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001, ANN201
        return False

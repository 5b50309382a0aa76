from typing import Any

from django.contrib import admin
from django.db import models
from django.forms import Field
from django.http import HttpRequest

from infusionist.citations import cite_html
from infusionist.measurements.models import (
    Assignment,
    MeasurementProfile,
    MeasurementSettings,
    SafetyAlert,
)


@admin.register(MeasurementSettings)
class MeasurementSettingsAdmin(admin.ModelAdmin):
    """Each clinic's thresholds and schedule; each field's help names its default and source."""

    list_display = ["organization", "response_reduction_pct", "remission_max_phq9", "updated_at"]

    def formfield_for_dbfield(
        self, db_field: models.Field, request: HttpRequest, **kwargs: Any
    ) -> Field | None:
        """Link each help text's source keys to the clinical reference page."""
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and formfield.help_text:
            formfield.help_text = cite_html(formfield.help_text)
        return formfield

    list_select_related = ["organization"]
    fieldsets = [
        (
            "Response and remission (clinical reference §4)",
            {
                "fields": [
                    "organization",
                    "response_reduction_pct",
                    "remission_max_phq9",
                    "remission_max_qids_sr16",
                    "remission_max_madrs",
                    "loss_of_response_consecutive",
                ]
            },
        ),
        (
            "Suicidality safety workflow (clinical reference §4, §9)",
            {
                "fields": [
                    "phq9_item9_alert_at_least",
                    "cssrs_alert_at_least_risk_level",
                    "safety_escalation_minutes",
                    "cssrs_licensed_wording",
                ]
            },
        ),
        (
            "Schedule and reminders",
            {
                "fields": [
                    "scheduled_instruments",
                    "induction_interval_days",
                    "maintenance_interval_days",
                    "next_day_checkin_hours",
                    "pre_infusion_lead_hours",
                    "completion_window_hours",
                    "checkin_local_hour",
                    "instrument_min_interval_days",
                    "max_reminders",
                    "reminder_interval_hours",
                ]
            },
        ),
    ]


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

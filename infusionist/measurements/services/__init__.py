"""Writes for measurement-based care; each writes its audit event in the same transaction.

Answers are PHI: audit details carry instrument codes, states and field names, never values.
Split by domain: settings (a clinic's measurement settings, which of them are clinical),
profiles (each patient's profile and the facts other apps feed in), responses (answers and
scores), alerts (raising a safety alert), safety (acknowledging, closing and escalating it),
schedules (assignments, infusion times, links and reminders) and links (the patient's
date-of-birth check).
"""

from infusionist.measurements.services.alerts import (
    ALERT_EMAIL_BODY,
    ALERT_EMAIL_SUBJECT,
    alert_email_send,
    safety_alert_raise,
)
from infusionist.measurements.services.links import LinkRefused, link_verify_date_of_birth
from infusionist.measurements.services.profiles import (
    measurement_profile_ensure,
    measurement_profile_update,
    measurement_treatment_phase_set,
)
from infusionist.measurements.services.responses import (
    baseline_choose,
    questionnaire_response_save,
    questionnaire_response_submit,
)
from infusionist.measurements.services.safety import (
    safety_alert_acknowledge,
    safety_alert_close,
    safety_alerts_escalate,
)
from infusionist.measurements.services.schedules import (
    assignment_create_manual,
    assignment_ensure_for_intake,
    assignment_send,
    assignments_refresh,
    link_issue,
    measurement_infusion_planned,
    measurement_infusion_recorded,
    measurement_next_day_checkin_assign,
    measurement_reminders_send,
    measurement_schedules_refresh,
)
from infusionist.measurements.services.settings import (
    CLINICAL_MEASUREMENT_SETTINGS_FIELDS,
    MEASUREMENT_SETTINGS_FIELDS,
    NON_CLINICAL_MEASUREMENT_SETTINGS_FIELDS,
    measurement_settings_clinical_changes,
    measurement_settings_ensure,
    measurement_settings_for_update,
    measurement_settings_update,
)

__all__ = [
    "ALERT_EMAIL_BODY",
    "ALERT_EMAIL_SUBJECT",
    "CLINICAL_MEASUREMENT_SETTINGS_FIELDS",
    "MEASUREMENT_SETTINGS_FIELDS",
    "NON_CLINICAL_MEASUREMENT_SETTINGS_FIELDS",
    "LinkRefused",
    "alert_email_send",
    "assignment_create_manual",
    "assignment_ensure_for_intake",
    "assignment_send",
    "assignments_refresh",
    "baseline_choose",
    "link_issue",
    "link_verify_date_of_birth",
    "measurement_infusion_planned",
    "measurement_infusion_recorded",
    "measurement_next_day_checkin_assign",
    "measurement_profile_ensure",
    "measurement_profile_update",
    "measurement_reminders_send",
    "measurement_schedules_refresh",
    "measurement_settings_clinical_changes",
    "measurement_settings_ensure",
    "measurement_settings_for_update",
    "measurement_settings_update",
    "measurement_treatment_phase_set",
    "questionnaire_response_save",
    "questionnaire_response_submit",
    "safety_alert_acknowledge",
    "safety_alert_close",
    "safety_alert_raise",
    "safety_alerts_escalate",
]

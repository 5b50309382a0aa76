from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from infusionist.integrity import AppendOnlyModel


class AuditEvent(AppendOnlyModel):
    """One access to, or change of, data: who, as what role, did what, to which record, when.

    HIPAA audit controls, 45 CFR 164.312(b). Append-only: on PostgreSQL a trigger rejects
    UPDATE and DELETE (migration 0002); everywhere the model and its queryset refuse them
    (``infusionist.integrity.AppendOnlyModel``).
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        SEARCH = "search", _("Searched")
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        EXPORT = "export", _("Exported")
        LOGIN = "login", _("Signed in")
        LOGOUT = "logout", _("Signed out")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        ACCESS = "access", _("Opened page")

    class ObjectType(models.TextChoices):
        """What an event is about: a fixed vocabulary, so reports can filter on it."""

        USER = "user", _("User account")
        API_TOKEN = "api_token", _("API token")
        INVITATION = "invitation", _("Staff invitation")
        AUTHENTICATOR = "authenticator", _("Authenticator (second factor)")
        PAGE = "view", _("Page")
        API = "api", _("API endpoint")
        AUDIT_REPORT = "audit_report", _("Audit report")
        LOCATION = "location", _("Location")
        BUSINESS_HOURS = "business_hours", _("Business hours")
        CLOSURE = "closure", _("Closure")
        ROOM = "room", _("Room")
        CHAIR = "chair", _("Chair")
        LOCATION_STAFFING = "location_staffing", _("Location staffing rule")
        CLINIC_PROFILE = "clinic_profile", _("Clinic profile")
        CLINIC_LOGO = "clinic_logo", _("Clinic logo")
        PATIENT = "patient", _("Patient")
        PROTOCOL = "protocol", _("Protocol")
        DOSING_SETTINGS = "dosing_settings", _("Dosing settings")
        TREATMENT_PLAN = "treatment_plan", _("Treatment plan")
        TREATMENT_PLAN_VERSION = "treatment_plan_version", _("Treatment plan version")
        MEASUREMENT_SETTINGS = "measurement_settings", _("Measurement settings")
        MEASUREMENT_PROFILE = "measurement_profile", _("Measurement profile")
        MEASUREMENT_ASSIGNMENT = "measurement_assignment", _("Questionnaire assignment")
        MEASUREMENTS = "measurements", _("Measurements page")
        MEASUREMENT_ENTRY = "measurement_entry", _("Questionnaire entry form")
        MEASUREMENTS_TODAY = "measurements_today", _("Today's measurement rows")
        QUESTIONNAIRE = "questionnaire", _("Questionnaire")
        QUESTIONNAIRE_LINK = "questionnaire_link", _("Questionnaire link")
        QUESTIONNAIRE_RESPONSE = "questionnaire_response", _("Questionnaire response")
        SAFETY_ALERT = "safety_alert", _("Safety alert")
        RISK_ASSESSMENT = "risk_assessment", _("Risk assessment")
        CONSENT_DOCUMENT = "consent_document", _("Consent document version")
        CONSENT_SETTINGS = "consent_settings", _("Consent settings")
        CONSENT_SIGNATURE = "consent_signature", _("Consent signature")
        INTAKE_PACKET = "intake_packet", _("Intake packet")
        CONSULTATION = "consultation", _("Consultation")
        ELIGIBILITY_SETTINGS = "eligibility_settings", _("Eligibility settings")
        ELIGIBILITY_REVIEW = "eligibility_review", _("Eligibility review")
        ELIGIBILITY_DECISION = "eligibility_decision", _("Eligibility decision")
        SCHEDULING_SETTINGS = "scheduling_settings", _("Scheduling settings")
        APPOINTMENT_TYPE = "appointment_type", _("Appointment type")
        STAFF_SHIFT = "staff_shift", _("Staff shift")
        STAFF_TIME_OFF = "staff_time_off", _("Staff time off")
        APPOINTMENT = "appointment", _("Appointment")
        APPOINTMENT_SERIES = "appointment_series", _("Appointment series")
        WAITLIST_ENTRY = "waitlist_entry", _("Waitlist entry")
        WAITLIST_OFFER = "waitlist_offer", _("Waitlist offer")
        CALENDAR_FEED = "calendar_feed", _("Calendar feed")
        CHART_SETTINGS = "chart_settings", _("Chart settings")
        REMS_FORM_RULE = "rems_form_rule", _("REMS form rule")
        VISIT = "visit", _("Infusion visit")
        GATE_OVERRIDE = "gate_override", _("Pre-infusion gate override")
        VITAL_SIGN = "vital_sign", _("Vital signs")
        VITAL_ALERT = "vital_alert", _("Vital-sign alert")
        ADMINISTRATION_EVENT = "administration_event", _("Administration record entry")
        VISIT_RATING = "visit_rating", _("Sedation, dissociation or recovery rating")
        SIDE_EFFECT = "side_effect", _("Side effect")
        PRN_MEDICATION = "prn_medication", _("As-needed medication")
        VISIT_NOTE = "visit_note", _("Signed session note")
        NOTE_ADDENDUM = "note_addendum", _("Note addendum")
        REMS_FORM = "rems_form", _("REMS form")
        CHAIR_BOARD = "chair_board", _("Chair board")
        ADMINISTERED_DOSE = "administered_dose", _("Administered dose")

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("Allowed")
        DENIED = "denied", _("Denied")

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=60, choices=ObjectType.choices)
    object_id = models.CharField(max_length=64, blank=True)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.ALLOWED)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-occurred_at"], name="audit_org_time"),
            models.Index(fields=["patient", "-occurred_at"], name="audit_patient_time"),
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_time"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_email} {self.action} {self.object_type}"
        )

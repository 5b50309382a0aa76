"""The new patient's intake packet: sections saved as drafts, resumable on any device.

INTERFACE SKELETON (session lead): the packet's storage and the JSON shape of the answers the
eligibility rules read are fixed here (see :mod:`infusionist.intake.facts`), so the intake
pages, the physician's review and the gates can be built at once. Sections other than those
listed in ``facts.py`` may hold whatever their forms need.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class IntakePacket(models.Model):
    """One patient's intake: ``answers`` maps a section code to that section's answers (a
    JSON object, saved on every step so nothing typed is lost); ``completed_sections`` lists
    the sections the patient or staff marked done; ``facts_sha256`` is the hash of the facts
    the eligibility rules read (``facts.facts_digest``), so a decision can tell whether the
    intake changed after it was made."""

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, related_name="intake_packet"
    )
    answers = models.JSONField(default=dict, blank=True)
    completed_sections = models.JSONField(default=list, blank=True)
    facts_sha256 = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    #: Who last changed each section and when: section code -> {"at": ISO time, "by_id",
    #: "by_name", "by_role"} (the staff pages show it; the audit trail has every change).
    section_changes = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "submitted_at"], name="intake_org_submitted")
        ]

    def __str__(self) -> str:
        return f"Intake of patient #{self.patient_id}"

"""Consent documents (versioned, per clinic, English and Spanish) and patients' signatures.

A document version is drafted, then published; a published version never changes (the
service refuses, and its content hash would no longer match). A change is a new version, and
a patient's signature of an earlier version no longer counts as current (re-consent).
Signatures are append-only and keep the hash of the exact text signed (45 CFR 164.312(c)).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from infusionist.integrity import AppendOnlyModel, canonical_sha256


class ConsentKind(models.TextChoices):
    KETAMINE_TREATMENT = "ketamine_treatment", _("Ketamine treatment")
    TELEHEALTH = "telehealth", _("Telehealth")
    PRIVACY_NOTICE = "privacy_notice", _("Notice of privacy practices")
    FINANCIAL_POLICY = "financial_policy", _("Financial policy")


#: Required before any treatment unless a clinic changes its consent settings.
DEFAULT_REQUIRED_KINDS = [
    ConsentKind.KETAMINE_TREATMENT.value,
    ConsentKind.PRIVACY_NOTICE.value,
    ConsentKind.FINANCIAL_POLICY.value,
]
LANGUAGES = ("en", "es")


def default_required_kinds() -> list[str]:
    """Return a fresh list of the documented default required kinds."""
    return list(DEFAULT_REQUIRED_KINDS)


class ConsentDocumentVersion(models.Model):
    """One numbered version of one kind of consent document of a clinic."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="consent_documents"
    )
    kind = models.CharField(max_length=30, choices=ConsentKind.choices)
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    title_en = models.CharField("title (English)", max_length=200)
    body_en = models.TextField("text (English)")
    title_es = models.CharField("title (Spanish)", max_length=200)
    body_es = models.TextField("text (Spanish)")
    effective_on = models.DateField(
        help_text="The day this version starts to count; until then the previous one does."
    )
    #: SHA-256 of the signed content (see content()); set when published.
    content_sha256 = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["kind", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "number"], name="consent_version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "kind"],
                condition=models.Q(status="draft"),
                name="consent_one_draft_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def title_in(self, language: str) -> str:
        return self.title_es if language == "es" else self.title_en

    def body_in(self, language: str) -> str:
        return self.body_es if language == "es" else self.body_en

    def content(self) -> dict[str, Any]:
        """Return what the content hash covers: kind, number, effective date, both texts."""
        return {
            "kind": self.kind,
            "number": self.number,
            "effective_on": self.effective_on,
            "title_en": self.title_en,
            "body_en": self.body_en,
            "title_es": self.title_es,
            "body_es": self.body_es,
        }

    def compute_sha256(self) -> str:
        return canonical_sha256(self.content())


class ConsentSettings(models.Model):
    """Which consent documents a clinic requires before treatment (defaults documented)."""

    organization = models.OneToOneField(
        "clinics.Organization", on_delete=models.CASCADE, related_name="consent_settings"
    )
    required_kinds = models.JSONField(
        default=default_required_kinds,
        help_text="Kinds required before any treatment. Default: ketamine treatment, "
        "privacy notice, financial policy.",
    )
    telehealth_required_for_telehealth = models.BooleanField(
        default=True,
        help_text="Also require the telehealth consent when a telehealth consultation is used.",
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Consent settings of {self.organization}"


class ConsentSignature(AppendOnlyModel):
    """A patient's signature of one document version: never changed or deleted."""

    class Method(models.TextChoices):
        PORTAL = "portal", _("Signed on the patient portal")
        TABLET = "tablet", _("Signed on a clinic tablet, witnessed")
        PAPER = "paper", _("Signed on paper, witnessed")

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="consent_signatures"
    )
    document_version = models.ForeignKey(
        ConsentDocumentVersion, on_delete=models.PROTECT, related_name="signatures"
    )
    kind = models.CharField(max_length=30, choices=ConsentKind.choices)
    language = models.CharField(max_length=5, choices=[("en", "English"), ("es", "Español")])
    typed_name = models.CharField(max_length=200)
    agreed = models.BooleanField()
    signed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    content_sha256 = models.CharField(max_length=64)
    method = models.CharField(max_length=10, choices=Method.choices)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["patient", "kind", "-signed_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.document_version.number} signed"

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from infusionist.patients.normalize import name_key, phone_digits


class Patient(models.Model):
    """A person the organization treats. Demographics only; clinical data lives elsewhere."""

    class SexAtBirth(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        INTERSEX = "intersex", _("Intersex")
        UNKNOWN = "unknown", _("Unknown or not disclosed")

    class GenderIdentity(models.TextChoices):
        WOMAN = "woman", _("Woman")
        MAN = "man", _("Man")
        NONBINARY = "nonbinary", _("Non-binary")
        TRANSGENDER_WOMAN = "trans_woman", _("Transgender woman")
        TRANSGENDER_MAN = "trans_man", _("Transgender man")
        OTHER = "other", _("Another identity")
        DECLINED = "declined", _("Prefers not to say")

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        SPANISH = "es", _("Spanish")

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="patients"
    )
    mrn = models.CharField(_("MRN"), max_length=20, editable=False)
    legal_first_name = models.CharField(_("legal first name"), max_length=80)
    legal_middle_name = models.CharField(_("legal middle name"), max_length=80, blank=True)
    legal_last_name = models.CharField(_("legal last name"), max_length=80)
    preferred_name = models.CharField(_("preferred name"), max_length=80, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    sex_at_birth = models.CharField(_("sex at birth"), max_length=10, choices=SexAtBirth.choices)
    gender_identity = models.CharField(
        _("gender identity"), max_length=12, choices=GenderIdentity.choices, blank=True
    )
    pronouns = models.CharField(_("pronouns"), max_length=30, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address_line1 = models.CharField(_("address"), max_length=150, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=150, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    state = models.CharField(_("state"), max_length=40, blank=True)
    postal_code = models.CharField(_("ZIP code"), max_length=12, blank=True)
    emergency_contact_name = models.CharField(
        _("emergency contact name"), max_length=120, blank=True
    )
    emergency_contact_relationship = models.CharField(
        _("emergency contact relationship"), max_length=60, blank=True
    )
    emergency_contact_phone = models.CharField(
        _("emergency contact phone"), max_length=30, blank=True
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient_record",
        help_text=_("The patient's own portal login, if any."),
    )

    # Search keys, kept in step with the fields above by services.patient_* functions.
    last_name_key = models.CharField(max_length=80, editable=False, default="")
    first_name_key = models.CharField(max_length=80, editable=False, default="")
    preferred_name_key = models.CharField(max_length=80, editable=False, default="")
    phone_key = models.CharField(max_length=10, editable=False, default="")

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["last_name_key", "first_name_key", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "mrn"], name="unique_mrn_per_org"),
        ]
        indexes = [
            models.Index(
                fields=["organization", "last_name_key", "first_name_key"], name="patient_org_last"
            ),
            models.Index(fields=["organization", "first_name_key"], name="patient_org_first"),
            models.Index(
                fields=["organization", "preferred_name_key"], name="patient_org_preferred"
            ),
            models.Index(fields=["organization", "date_of_birth"], name="patient_org_dob"),
            models.Index(fields=["organization", "phone_key"], name="patient_org_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.legal_first_name
        return f"{first} {self.legal_last_name}"

    @property
    def legal_name(self) -> str:
        parts = [self.legal_first_name, self.legal_middle_name, self.legal_last_name]
        return " ".join(p for p in parts if p)

    def age_years(self, today: object = None) -> int:
        ref = today or timezone.localdate()
        dob = self.date_of_birth
        return ref.year - dob.year - ((ref.month, ref.day) < (dob.month, dob.day))  # type: ignore[attr-defined]

    def refresh_search_keys(self) -> None:
        """Recompute the normalised keys from the name and phone fields."""
        self.last_name_key = name_key(self.legal_last_name)[:80]
        self.first_name_key = name_key(self.legal_first_name)[:80]
        self.preferred_name_key = name_key(self.preferred_name)[:80]
        self.phone_key = phone_digits(self.phone)

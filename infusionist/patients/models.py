from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from infusionist.contact import PhoneNumberField, StateField, ZipCodeField
from infusionist.patients.normalize import TOKEN_MAX_CHARS, name_key, name_tokens, phone_digits
from infusionist.patients.validators import validate_date_of_birth, validate_person_name

NAME_FIELDS = ("legal_first_name", "legal_middle_name", "legal_last_name", "preferred_name")
SEARCH_KEY_FIELDS = ("last_name_key", "first_name_key", "preferred_name_key", "phone_key")
# The fields the search keys are computed from.
KEYED_FIELDS = (*NAME_FIELDS, "phone")


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
    legal_first_name = models.CharField(
        _("legal first name"), max_length=80, validators=[validate_person_name]
    )
    legal_middle_name = models.CharField(
        _("legal middle name"), max_length=80, blank=True, validators=[validate_person_name]
    )
    legal_last_name = models.CharField(
        _("legal last name"), max_length=80, validators=[validate_person_name]
    )
    preferred_name = models.CharField(
        _("preferred name"), max_length=80, blank=True, validators=[validate_person_name]
    )
    date_of_birth = models.DateField(_("date of birth"), validators=[validate_date_of_birth])
    sex_at_birth = models.CharField(_("sex at birth"), max_length=10, choices=SexAtBirth.choices)
    gender_identity = models.CharField(
        _("gender identity"), max_length=12, choices=GenderIdentity.choices, blank=True
    )
    pronouns = models.CharField(_("pronouns"), max_length=30, blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    address_line1 = models.CharField(_("address line 1"), max_length=150, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=150, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    # 40 characters: a value stored before states became a list may be longer than a code.
    state = StateField(_("state"), max_length=40, blank=True)
    postal_code = ZipCodeField(_("ZIP code"), blank=True)
    emergency_contact_name = models.CharField(
        _("emergency contact name"), max_length=120, blank=True
    )
    emergency_contact_relationship = models.CharField(
        _("emergency contact relationship"), max_length=60, blank=True
    )
    emergency_contact_phone = PhoneNumberField(_("emergency contact phone"), blank=True)
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

    # Search keys, kept in step with the fields above by save() (with the name tokens).
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
            models.Index(fields=["organization", "email"], name="patient_org_email"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.mrn})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, keeping the search keys and name tokens in step with the names and phone.

        Every write goes through here (services, the admin, fixtures), so a patient can
        always be found by name; a save of other fields only leaves the keys alone.
        """
        update_fields = kwargs.get("update_fields")
        touched = set(KEYED_FIELDS) if update_fields is None else set(update_fields)
        adding = self._state.adding
        if touched & set(KEYED_FIELDS):
            self.refresh_search_keys()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, *SEARCH_KEY_FIELDS}
        super().save(*args, **kwargs)
        if touched & set(NAME_FIELDS):
            PatientNameToken.objects.keep_in_step(self, adding=adding)

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

    def name_tokens(self) -> set[str]:
        """Return the search tokens of all the patient's names (see normalize.name_tokens)."""
        tokens: set[str] = set()
        for field in NAME_FIELDS:
            tokens |= name_tokens(getattr(self, field))
        return tokens


class PatientNameTokenManager(models.Manager["PatientNameToken"]):
    def keep_in_step(self, patient: Patient, *, adding: bool = False) -> None:
        """Make the patient's stored tokens equal to those of their names."""
        wanted = patient.name_tokens()
        if not adding:
            have = set(self.filter(patient=patient).values_list("token", flat=True))
            if have - wanted:
                self.filter(patient=patient, token__in=have - wanted).delete()
            wanted -= have
        self.bulk_create(
            PatientNameToken(organization_id=patient.organization_id, patient=patient, token=t)
            for t in sorted(wanted)
        )

    def create_for(self, patients: Iterable[Patient]) -> None:
        """Add the tokens of newly bulk-created patients (``bulk_create`` skips ``save``)."""
        self.bulk_create(
            PatientNameToken(organization_id=p.organization_id, patient=p, token=t)
            for p in patients
            for t in sorted(p.name_tokens())
        )


class PatientNameToken(models.Model):
    """One search token of a patient's names: a word, or the words from one on written together.

    Name search matches each word typed as a prefix of these tokens through the index on
    (organization, token), so "Ruiz", "Peña-Ruiz", "OBrien" and "De la Cruz" all find their
    patient among 100,000 (see normalize.name_tokens and bench/PATIENT_SEARCH.md).
    """

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="+"
    )
    # The unique constraint below indexes (patient, token), which serves lookups by patient.
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="search_tokens", db_index=False
    )
    token = models.CharField(max_length=TOKEN_MAX_CHARS)

    objects = PatientNameTokenManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "token"], name="unique_patient_name_token"),
        ]
        indexes = [models.Index(fields=["organization", "token"], name="patient_token_org")]

    def __str__(self) -> str:
        return self.token

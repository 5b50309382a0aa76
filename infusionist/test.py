"""The fixed test cast: one organization's staff and patients, and an outsider.

Every test builds on the same people so permission tests read the same everywhere:
frontdesk, nurse, provider, physician, admin and a patient (with a portal login) of the
Willowbrook Test Clinic, another patient of it, and `outsider`, an admin of another
organization with a patient of its own. Clinical users have TOTP set up (MFA_REQUIRED).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone

from infusionist.accounts.models import User
from infusionist.accounts.roles import CLINICAL_ROLES, Role
from infusionist.clinics.models import BusinessHours, Location, Organization
from infusionist.patients.models import Patient

PASSWORD = "cast-password-2026!"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@dataclass
class Cast:
    org: Organization
    location: Location
    frontdesk: User
    nurse: User
    provider: User
    physician: User
    admin: User
    patient_user: User
    patient: Patient
    other_patient: Patient
    other_org: Organization
    outsider: User
    outsider_patient: Patient

    def staff(self) -> dict[str, User]:
        return {
            Role.FRONT_DESK: self.frontdesk,
            Role.NURSE: self.nurse,
            Role.PROVIDER: self.provider,
            Role.PHYSICIAN: self.physician,
            Role.CLINIC_ADMIN: self.admin,
        }

    def by_role(self) -> dict[str, User]:
        return {**self.staff(), Role.PATIENT: self.patient_user}


#: The test clinics' time zone. Pages show clinic dates in it; the server's own zone (the
#: ``TIME_ZONE`` setting, New York) differs, so a test that computes "today" or "yesterday"
#: for a page must use :func:`clinic_today`, or it fails between midnight in New York and
#: midnight on the Pacific coast.
TEST_CLINIC_TIME_ZONE = "America/Los_Angeles"


def clinic_today() -> dt.date:
    """Return today's date in the test clinics' time zone (what their pages call today)."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(TEST_CLINIC_TIME_ZONE))


def _org(name: str, slug: str, prefix: str) -> tuple[Organization, Location]:
    org = Organization.objects.create(name=name, slug=slug, mrn_prefix=prefix, phone="+15415550199")
    location = Location.objects.create(
        organization=org,
        name="Main",
        address_line1="1 Test Street",
        city="Testville",
        state="OR",
        postal_code="97401",
        phone="+15415550199",
        time_zone=TEST_CLINIC_TIME_ZONE,
        is_primary=True,
    )
    for weekday in range(5):
        BusinessHours.objects.create(
            location=location, weekday=weekday, opens_at=dt.time(9), closes_at=dt.time(17)
        )
    return org, location


#: Signing roles hold a fitting credential and a current (fictional) licence.
PROFESSIONAL: dict[str, dict[str, str]] = {
    Role.PROVIDER: {"credentials": "CRNA", "licence_number": "TEST-CRNA-20519"},
    Role.PHYSICIAN: {"credentials": "MD", "licence_number": "TEST-MD-31774"},
}


def signer_details(role: str) -> dict[str, object]:
    """Return the fictional credential and current licence a signing role needs ({} otherwise)."""
    if role not in PROFESSIONAL:
        return {}
    return {
        **PROFESSIONAL[role],
        "licence_state": "OR",
        "licence_expires_on": timezone.localdate() + dt.timedelta(days=5 * 365),
    }


def _user(email: str, role: str, org: Organization, name: str) -> User:
    user = User.objects.create_user(
        email, PASSWORD, role=role, organization=org, full_name=name, **signer_details(role)
    )
    if role in CLINICAL_ROLES:
        TOTP.activate(user, TOTP_SECRET)
    return user


def _patient(org: Organization, first: str, last: str, dob: dt.date, n: int) -> Patient:
    patient = Patient(
        organization=org,
        mrn=f"{org.mrn_prefix}{n:06d}",
        legal_first_name=first,
        legal_last_name=last,
        date_of_birth=dob,
        sex_at_birth="female",
        phone=f"+1541555{100 + n:04d}",
        email=f"{first.lower()}.{last.lower()}@test.example",
    )
    patient.refresh_search_keys()
    patient.save()
    return patient


def build_cast() -> Cast:
    org, location = _org("Willowbrook Test Clinic", "willowbrook-test", "WTC")
    other_org, _ = _org("Other Test Clinic", "other-test", "OTC")
    org.next_mrn_number = 3
    org.save(update_fields=["next_mrn_number"])
    other_org.next_mrn_number = 2
    other_org.save(update_fields=["next_mrn_number"])
    patient = _patient(org, "Alice", "Testpatient", dt.date(1985, 4, 12), 1)
    patient_user = User.objects.create_user(
        "alice@test.example", PASSWORD, role=Role.PATIENT, organization=org, full_name="Alice"
    )
    patient.user = patient_user
    patient.save(update_fields=["user"])
    return Cast(
        org=org,
        location=location,
        frontdesk=_user("frontdesk@test.example", Role.FRONT_DESK, org, "Fran Desk"),
        nurse=_user("nurse@test.example", Role.NURSE, org, "Nell Nurse"),
        provider=_user("provider@test.example", Role.PROVIDER, org, "Pat Provider"),
        physician=_user("physician@test.example", Role.PHYSICIAN, org, "Dr. Phil Physician"),
        admin=_user("admin@test.example", Role.CLINIC_ADMIN, org, "Ada Admin"),
        patient_user=patient_user,
        patient=patient,
        other_patient=_patient(org, "Bruno", "Otherpatient", dt.date(1990, 9, 30), 2),
        other_org=other_org,
        outsider=_user("outsider@other.example", Role.CLINIC_ADMIN, other_org, "Otto Outsider"),
        outsider_patient=_patient(other_org, "Olga", "Outsidepatient", dt.date(1979, 1, 5), 1),
    )

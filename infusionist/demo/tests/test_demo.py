"""seed_demo and seed_synthetic: idempotent, fictional, reproducible, from a new database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

from infusionist.accounts.models import User
from infusionist.clinics.models import Chair, Closure, Location, Organization, OrganizationLogo
from infusionist.patients.demo import (
    ADULT_CHILD_CONTACT_FROM_YEARS,
    AGES_AT,
    NICKNAMES,
    PARENT_CONTACT_BELOW_YEARS,
    ZIP_CODES,
)
from infusionist.patients.models import Patient

ROOT = Path(__file__).resolve().parents[3]


def test_seed_demo_is_idempotent_and_fictional(db) -> None:
    call_command("seed_demo", "--quiet")
    call_command("seed_demo", "--quiet")
    assert Location.objects.filter(organization__slug="willowmere-demo").count() == 2
    assert Chair.objects.filter(room__location__organization__slug="willowmere-demo").count() == 6
    assert Closure.objects.filter(location__organization__slug="willowmere-demo").count() == 1
    assert Patient.objects.filter(organization__slug="willowmere-demo").count() >= 30
    for email in ("frontdesk", "nurse", "provider", "physician", "admin", "patient1"):
        assert User.objects.filter(email=f"{email}@demo.example").exists()
    assert all("55501" in p.phone and p.email.endswith(".example") for p in Patient.objects.all())
    # The clinic profile: a fictional phone and county line, a drawn logo (docs/decisions/0011).
    clinic = Organization.objects.get(slug="willowmere-demo")
    assert clinic.phone == "+15415550100" and "555-01" in clinic.crisis_text_es
    clinic.full_clean()  # the demo's texts keep the profile's own rules
    logo = OrganizationLogo.objects.get(organization=clinic)
    assert clinic.logo_sha256 == logo.sha256 and logo.content_type == "image/png"


def test_demo_people_and_places_are_plausible(db) -> None:
    """Review round 1: no nicknames cut from first names ("Oma", "Pab"), no ZIP 00001, no
    74-year-old whose emergency contact is a parent; every contact field passes its checks."""
    call_command("seed_demo", "--quiet")
    for patient in Patient.objects.filter(organization__slug="willowmere-demo"):
        patient.full_clean()  # phone, ZIP and state as a person would have typed them
        assert patient.preferred_name in ("", NICKNAMES.get(patient.legal_first_name))
        assert patient.postal_code in ZIP_CODES
        if patient.age_years(AGES_AT) >= PARENT_CONTACT_BELOW_YEARS:
            assert patient.emergency_contact_relationship != "Parent", patient.mrn
        if patient.age_years(AGES_AT) < ADULT_CHILD_CONTACT_FROM_YEARS:
            assert patient.emergency_contact_relationship != "Adult child", patient.mrn
    for location in Location.objects.filter(organization__slug="willowmere-demo"):
        location.full_clean()
        assert location.postal_code.startswith("974")


def test_seed_synthetic_is_reproducible(db) -> None:
    call_command("seed_synthetic", "--patients", "30", "--seed", "7")
    first = list(Patient.objects.order_by("mrn").values_list("legal_last_name", flat=True))
    assert len(first) == 30 and len(set(Patient.objects.values_list("mrn", flat=True))) == 30


def test_migrate_then_seed_demo_works_on_a_new_database(tmp_path) -> None:
    """As the README says: `migrate` then `seed_demo`, with the database cache of production."""
    keep = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CACHE_BACKEND")}
    env = {
        **keep,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}",
        "SECRET_KEY": "test-only-not-secret",
        "HTTPS": "false",
        "MFA_REQUIRED": "false",
    }
    for args in (["migrate", "--noinput", "-v0"], ["seed_demo", "--quiet", "--patients", "3"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr

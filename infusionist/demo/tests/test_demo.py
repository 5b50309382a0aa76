"""seed_demo and seed_synthetic: idempotent, fictional, reproducible, from a new database."""

from __future__ import annotations

from django.core.management import call_command

from infusionist.accounts.models import User
from infusionist.clinics.models import Location
from infusionist.patients.models import Patient


def test_seed_demo_is_idempotent_and_fictional(db) -> None:
    call_command("seed_demo", "--quiet")
    call_command("seed_demo", "--quiet")
    assert Location.objects.filter(organization__slug="willowmere-demo").count() == 2
    assert Patient.objects.filter(organization__slug="willowmere-demo").count() >= 30
    for email in ("frontdesk", "nurse", "provider", "physician", "admin", "patient1"):
        assert User.objects.filter(email=f"{email}@demo.example").exists()
    assert all("555-01" in p.phone and p.email.endswith(".example") for p in Patient.objects.all())


def test_seed_synthetic_is_reproducible(db) -> None:
    call_command("seed_synthetic", "--patients", "30", "--seed", "7")
    first = list(Patient.objects.order_by("mrn").values_list("legal_last_name", flat=True))
    assert len(first) == 30 and len(set(Patient.objects.values_list("mrn", flat=True))) == 30

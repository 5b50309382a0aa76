from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.urls import reverse

from infusionist.accounts.models import User
from infusionist.clinics.models import Location
from infusionist.clinics.selectors import is_open
from infusionist.env import env_bool, env_int
from infusionist.patients.models import Patient

ROOT = Path(__file__).resolve().parents[3]


def test_location_is_open_in_its_own_time_zone(cast) -> None:
    # 17:30 UTC on a Tuesday is 09:30 in Los Angeles (PST): open.
    tuesday = dt.datetime(2026, 11, 24, 17, 30, tzinfo=dt.UTC)
    assert is_open(location=cast.location, now=tuesday)
    assert not is_open(location=cast.location, now=tuesday.replace(hour=16))
    assert not is_open(location=cast.location, now=tuesday + dt.timedelta(days=4))  # Saturday


def test_unknown_time_zone_is_rejected(cast) -> None:
    cast.location.time_zone = "Mars/Olympus"
    with pytest.raises(ValidationError):
        cast.location.full_clean()


def test_locations_page_shows_hours(client, cast) -> None:
    client.force_login(cast.frontdesk)
    html = client.get(reverse("clinics:locations")).content.decode()
    assert "Monday" in html and "9:00 AM" in html and "America/Los_Angeles" in html


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


def test_env_helpers_fail_loudly_on_bad_values(monkeypatch) -> None:
    monkeypatch.setenv("X_BOOL", "maybe")
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL must be true or false"):
        env_bool("X_BOOL", False)
    with pytest.raises(ImproperlyConfigured, match="X_INT must be a whole number"):
        env_int("X_INT", 1)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    test_only = ("DEBUG", "HTTPS", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    base = {k: v for k, v in os.environ.items() if k not in test_only}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="x" * 20 + "production-like-secret-key-with-enough-entropy-9f3a",
        ALLOWED_HOSTS="clinic.example.org",
        HTTPS="true",
        DEBUG="false",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_start_up_without_secret_key_says_what_to_do() -> None:
    result = _manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr

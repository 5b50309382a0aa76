from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from infusionist.clinics.selectors import is_open
from infusionist.env import env_bool, env_int

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
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_start_up_without_secret_key_says_what_to_do() -> None:
    result = _manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr

"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from infusionist.test import PASSWORD, TOTP_SECRET, Cast, build_cast

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A chairside tablet in landscape.
    return {**browser_context_args, "viewport": {"width": 1180, "height": 820}}


@pytest.fixture
def cast(transactional_db: Any) -> Cast:
    return build_cast()


def totp_now(secret: str = TOTP_SECRET) -> str:
    """Return the current six-digit TOTP code for `secret` (RFC 6238, 30-s steps)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def login(page: Any, base_url: str, email: str, *, password: str = PASSWORD) -> None:
    """Sign in through the real login form, answering the TOTP step when it is asked."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    if "/2fa/authenticate" in page.url:
        page.get_by_label("Code").fill(totp_now())
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_load_state()


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under var/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


#: A safety plan that says something in every step (each step is checked).
SAFETY_PLAN = {
    "1. Warning signs": "Not sleeping, pulling away from friends",
    "2. Coping steps": "Walk the dog, listen to music",
    "3. People and places": "Sister Ana 555-0100; the library",
    "4. Professionals and crisis lines": "Call or text 988; clinic 555-0199",
    "5. Making the environment safe": "Medicines locked away by partner",
}


def fill_safety_plan(form: Any) -> None:
    """Write every step of the safety plan in a risk-assessment form."""
    for label, text in SAFETY_PLAN.items():
        form.get_by_label(label).fill(text)

"""A safety plan that says something in every step, for tests that close alerts."""

from __future__ import annotations

GOOD_PLAN = {
    "warning_signs": "Not sleeping, pulling away from friends",
    "coping_steps": "Walk the dog, listen to music",
    "people_to_contact": "Sister Ana 555-0100; the library",
    "professional_contacts": "Call or text 988; clinic 555-0199",
    "means_safety": "Medicines locked away by partner",
}


def plan_post(prefix: str = "", **changes: str) -> dict[str, str]:
    """Return the plan as posted by a risk-assessment form with this field prefix."""
    return {f"{prefix}{name}": value for name, value in (GOOD_PLAN | changes).items()}

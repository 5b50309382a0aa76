"""What the eligibility rules read from an intake: allergies and unanswered pregnancy too."""

from __future__ import annotations

import pytest

from infusionist.intake.facts import facts_from_answers
from infusionist.lib import eligibility


def _allergy(substance: str) -> dict:
    return {"allergies": {"items": [{"substance": substance, "reaction": "swelling"}]}}


@pytest.mark.parametrize(
    "substance",
    [
        "Ketamine (Ketalar)",
        "ketamine",
        "KETALAR",
        "esketamine nasal spray",
        "Spravato",
        "Ketamina",
        "esketamina",
        "Kétamine",
    ],
)
def test_a_ketamine_allergy_listed_under_allergies_is_a_hard_stop(substance) -> None:
    facts = facts_from_answers(_allergy(substance))
    assert "ketamine_hypersensitivity" in facts.conditions
    rule = next(
        c for c in eligibility.evaluate(facts).checks if c.code == "ketamine_hypersensitivity"
    )
    assert rule.fired and rule.severity == "stop"


@pytest.mark.parametrize("substance", ["penicillin", "latex", "ketoconazole", "ketorolac"])
def test_other_allergies_are_not_ketamine(substance) -> None:
    assert "ketamine_hypersensitivity" not in facts_from_answers(_allergy(substance)).conditions


@pytest.mark.parametrize(
    ("asked", "answer", "not_ruled_out"),
    [
        (True, None, True),  # "Not sure, or I prefer not to say"
        (True, True, False),  # pregnant: the pregnancy hard stop fires instead
        (True, False, False),
        (False, None, False),  # not asked of this patient (born male, or outside 10-60)
    ],
)
def test_pregnancy_left_unanswered_must_be_ruled_out(asked, answer, not_ruled_out) -> None:
    facts = facts_from_answers({"medical": {"pregnant": answer}}, pregnancy_asked=asked)
    assert ("pregnancy_not_ruled_out" in facts.conditions) is not_ruled_out
    rule = next(
        c for c in eligibility.evaluate(facts).checks if c.code == "pregnancy_not_ruled_out"
    )
    assert rule.fired is not_ruled_out and rule.severity == "override"

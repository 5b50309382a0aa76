"""Made-up C-SSRS wording for tests: on each item's topic, not the licensed text."""

from __future__ import annotations

LICENSED_WORDING = "\n".join(
    [
        "q1: Test wording one: wished you were dead (past month)?",
        "q2: Test wording two: thoughts of killing yourself (past month)?",
        "q3: Test wording three: thought about how you might do it?",
        "q4: Test wording four: some intention of acting on the thoughts?",
        "q5: Test wording five: worked out the details of a plan?",
        "q6: Test wording six: ever done or prepared anything to end your life?",
        "q6b: Test wording six b: was it within the past 3 months?",
    ]
)

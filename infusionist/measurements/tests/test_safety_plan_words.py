"""A safety plan step must say what was agreed: placeholders, absence ("nothing agreed yet")
and deferral ("to be decided", "lo haremos después") are refused, in English and Spanish; a few
real words are accepted.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from infusionist.measurements import services
from infusionist.measurements.models import SafetyAlert
from infusionist.measurements.services.safety import reason_error, safety_plan_step_error
from infusionist.measurements.tests.safety_plans import GOOD_PLAN
from infusionist.measurements.tests.test_views import submit

ABSENT_OR_DEFERRED = [
    "nothing agreed yet",
    "Nothing agreed yet.",
    "NOTHING AGREED YET",
    "none yet",
    "None so far",
    "none identified",
    "not discussed",
    "Not yet discussed with the patient",
    "not agreed",
    "not addressed yet",
    "has not been discussed",
    "to be decided",
    "To be determined next session",
    "to be discussed",
    "TBD",
    "tbd with patient",
    "pending",
    "Pending.",
    "will do later",
    "Will do it later",
    "will discuss next visit",
    "We will discuss it at the next visit",
    "will complete tomorrow",
    "no plan",
    "No plan yet",
    "no one yet",
    "nobody identified",
    "later",
    "next time",
    "follow up next session",
    "nothing yet, patient tired",
    "n/a",
    "unknown",
    "declined",
    "patient declined",
    "nada acordado todavía",
    "Nada acordado todavia",
    "ninguno por ahora",
    "nadie por ahora",
    "pendiente",
    "Pendiente de hablar",
    "por decidir",
    "por definir",
    "a definir",
    "lo haremos después",
    "Lo haremos más tarde",
    "aún no",
    "todavía no",
    "todavía no se ha hablado",
    "no se ha acordado",
    "no hablado",
    "sin plan",
    "en la próxima visita",
    "no aplica",
]
PLACEHOLDERS = ["x", "asdf asdf", "qwerty", "jjj kkk", "aaaa bbbb", "ok ok", "test test", "-"]
REAL = [
    "Call 988",
    "Text 741741",
    "Mom 555-0100",
    "Walk the dog",
    "Sister Ana; the library",
    "Not sleeping, pulling away from friends",
    "No firearms in the home; partner holds the pills",
    "Medicines locked away by partner",
    "Hermana Ana 555-0100",
    "Llamar al 988",
    "Caminar con el perro",
    "No duerme, se aísla de sus amigos",
]


@pytest.mark.parametrize("text", ABSENT_OR_DEFERRED + PLACEHOLDERS)
def test_a_step_that_says_nothing_was_agreed_is_refused(text) -> None:
    assert safety_plan_step_error(text)


@pytest.mark.parametrize("text", REAL)
def test_a_step_with_a_couple_of_real_words_is_accepted(text) -> None:
    assert safety_plan_step_error(text) == ""


def test_an_override_reason_may_begin_no_plan() -> None:
    assert reason_error("No plan or intent now; ideation was last month, future-oriented") == ""
    assert reason_error("not discussed") and reason_error("none")


def test_the_reviewers_nothing_agreed_yet_plan_does_not_close_a_high_alert(cast) -> None:
    submit(cast, item9=2)
    alert = SafetyAlert.objects.get()
    with pytest.raises(ValidationError) as exc:
        services.safety_alert_close(
            alert=alert,
            actor=cast.physician,
            cssrs_answers={"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 0, "q6": 0},
            risk_level="high",
            plan_steps=dict.fromkeys(GOOD_PLAN, "nothing agreed yet"),
        )
    assert set(exc.value.message_dict) == set(GOOD_PLAN)
    assert "not agreed yet" in exc.value.message_dict["means_safety"][0]
    alert.refresh_from_db()
    assert alert.status == "open"

"""Turn a packet's answers into the eligibility kernel's :class:`IntakeFacts`.

The answers' JSON shape for the sections the rules read (other keys are kept and ignored)::

    "psychiatric": {"conditions": ["ptsd", "bipolar_disorder", ...], ...}
    "medical": {
        "conditions": ["hypertension", ...],
        "systolic_mmhg": 132, "diastolic_mmhg": 84,        # latest reading, or null
        "pregnant": false, "breastfeeding": false,          # null = not asked / n/a
        ...
    }
    "antidepressant_trials": {"trials": [
        {"drug": "sertraline", "daily_dose_mg": 150, "duration_weeks": 8,
         "adequate": true, "response": "none", "current_episode": true}, ...]}
    "medications": {"items": [
        {"name": "lorazepam", "dose_mg": 1, "times_per_day": 2, ...}, ...]}
    "plan": {"planned_route": "iv"}                          # optional, default "iv"

Condition codes are :data:`infusionist.lib.eligibility.CONDITIONS`; a medication's daily dose
is ``dose_mg × times_per_day`` (None when either is missing).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from collections.abc import Mapping
from typing import Any

from infusionist.lib.eligibility import AntidepressantTrial, IntakeFacts, Medication


def _num(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    number = _num(value)
    return None if number is None else int(round(number))


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


#: Words in an allergy's substance that name ketamine or esketamine (brand names too), read
#: without case or accents: an allergy listed there is a hypersensitivity the rules stop on.
KETAMINE_ALLERGY_WORDS = ("ketamin", "ketalar", "esketamin", "spravato", "ketanest")


def _names_ketamine(text: str) -> bool:
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c)
    )
    return any(word in plain for word in KETAMINE_ALLERGY_WORDS)


def facts_from_answers(
    answers: Mapping[str, Any],
    *,
    age_years: int | None = None,
    pregnancy_asked: bool = False,
) -> IntakeFacts:
    """Return the facts the eligibility rules read from a packet's ``answers`` (shape above).

    Unparseable numbers read as unknown (None); unknown condition codes are kept so the
    kernel can refuse them by name. An allergy whose substance names ketamine or esketamine
    ("Ketalar", "esketamina") adds ``ketamine_hypersensitivity``; when pregnancy was asked
    (``pregnancy_asked``: it can apply to this patient) and not answered yes or no,
    ``pregnancy_not_ruled_out`` is added.
    """
    psychiatric = answers.get("psychiatric") or {}
    medical = answers.get("medical") or {}
    codes = {
        str(code)
        for section in (psychiatric, medical)
        for code in (section.get("conditions") or [])
    }
    for allergy in (answers.get("allergies") or {}).get("items") or []:
        if isinstance(allergy, Mapping) and _names_ketamine(str(allergy.get("substance") or "")):
            codes.add("ketamine_hypersensitivity")
    if pregnancy_asked and _flag(medical.get("pregnant")) is None:
        codes.add("pregnancy_not_ruled_out")
    conditions = frozenset(codes)
    medications = []
    for item in (answers.get("medications") or {}).get("items") or []:
        name = str(item.get("name") or "").strip()
        if not name:
            continue
        dose, times = _num(item.get("dose_mg")), _num(item.get("times_per_day"))
        daily = dose * times if dose is not None and times is not None else None
        medications.append(Medication(name=name, daily_dose_mg=daily))
    trials = []
    for trial in (answers.get("antidepressant_trials") or {}).get("trials") or []:
        drug = str(trial.get("drug") or "").strip()
        if not drug:
            continue
        trials.append(
            AntidepressantTrial(
                drug=drug,
                daily_dose_mg=_num(trial.get("daily_dose_mg")),
                duration_weeks=_num(trial.get("duration_weeks")),
                adequate=_flag(trial.get("adequate")),
                response=str(trial.get("response") or "unknown"),
                current_episode=trial.get("current_episode") is not False,
            )
        )
    return IntakeFacts(
        conditions=conditions,
        medications=tuple(medications),
        systolic_mmhg=_int(medical.get("systolic_mmhg")),
        diastolic_mmhg=_int(medical.get("diastolic_mmhg")),
        pregnant=_flag(medical.get("pregnant")),
        breastfeeding=_flag(medical.get("breastfeeding")),
        antidepressant_trials=tuple(trials),
        planned_route=str((answers.get("plan") or {}).get("planned_route") or "iv"),
        age_years=age_years,
    )


def facts_digest(facts: IntakeFacts, *, date_of_birth: dt.date | None = None) -> str:
    """Return a SHA-256 hex digest of ``facts`` that is stable across key order and runs.

    The age is left out and the date of birth stands in for it: a birthday must not flag an
    approval for re-review, a corrected date of birth must.
    """
    payload = {
        "conditions": sorted(facts.conditions),
        "medications": sorted([m.name.lower(), m.daily_dose_mg] for m in facts.medications),
        "bp": [facts.systolic_mmhg, facts.diastolic_mmhg],
        "pregnant": facts.pregnant,
        "breastfeeding": facts.breastfeeding,
        "trials": [
            [
                t.drug.lower(),
                t.daily_dose_mg,
                t.duration_weeks,
                t.adequate,
                t.response,
                t.current_episode,
            ]
            for t in facts.antidepressant_trials
        ],
        "route": facts.planned_route,
        "born": date_of_birth.isoformat() if date_of_birth else None,
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()

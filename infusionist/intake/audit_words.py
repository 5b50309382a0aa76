"""The intake's audit events in words: which fields of a section changed, old and new values.

``services.intake_section_save`` audits a save with ``detail = {"section": code, "old":
answers | None, "new": answers, ...}`` (shapes: :mod:`infusionist.intake.sections`). The audit
report (``administration.selectors``) reads it with :func:`section_changes`: one
``(label, old, new)`` per field that differs, every value in the words staff pages use
(condition names, "Yes"/"No", phones as "(541) 555-0101", rows as "sertraline: 50 mg,
2 a day"), never a stored code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infusionist.contact import phone_display
from infusionist.intake import sections
from infusionist.intake.pages import STAFF_CONTACT_LABELS

EMPTY = "—"
FIELD_LABELS: dict[str, str] = {
    **STAFF_CONTACT_LABELS,
    "conditions": "Conditions",
    "diagnoses": "Diagnoses",
    "hospitalizations": "Psychiatric hospital stays",
    "substance_details": "Substance use",
    "prior_ketamine_details": "Ketamine or esketamine before",
    "trials": "Antidepressants tried",
    "systolic_mmhg": "Systolic blood pressure (mmHg)",
    "diastolic_mmhg": "Diastolic blood pressure (mmHg)",
    "pregnant": "Pregnant or could be",
    "breastfeeding": "Breastfeeding",
    "other": "Other physical health",
    "units": "Units",
    "height_cm_typed": "Height typed (cm)",
    "weight_kg_typed": "Weight typed (kg)",
    "height_ft": "Height typed (ft)",
    "height_in": "Height typed (in)",
    "weight_lb": "Weight typed (lb)",
    "height_cm": "Height (cm)",
    "weight_kg": "Weight (kg)",
}
#: "None of these" and its kin, by section.
NONE_LABELS = {
    "psychiatric": "None of these conditions",
    "medical": "None of these conditions",
    "antidepressant_trials": "Has not tried any antidepressant",
    "medications": "Takes no medicines",
    "allergies": "No known allergies",
}
UNITS_WORDS = {"metric": "cm and kg", "us": "feet, inches and pounds"}


def field_label(code: str, key: str) -> str:
    """Return the staff label of a section's answer key ("phone" -> "Mobile phone")."""
    if key in ("none", "none_known"):
        return NONE_LABELS.get(code, "None")
    if key == "items":
        return "Medicines" if code == "medications" else "Allergies"
    label = FIELD_LABELS.get(key, key.replace("_", " "))
    return label[:1].upper() + label[1:]


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _row_words(code: str, row: Mapping[str, Any]) -> str:
    if code == "antidepressant_trials":
        stored = row.get("adequate")
        adequate = "not sure" if stored is None else ("yes" if stored else "no")
        response = dict(sections.RESPONSE_CHOICES).get(str(row.get("response")), "")
        return (
            f"{row.get('drug') or '?'}: {_number(row.get('daily_dose_mg') or '?')} mg a day, "
            f"{_number(row.get('duration_weeks') or '?')} weeks, adequate {adequate}, "
            f"response: {str(response).lower() or '?'}"
        )
    if code == "medications":
        return (
            f"{row.get('name') or '?'}: {_number(row.get('dose_mg') or '?')} mg, "
            f"{_number(row.get('times_per_day') or '?')} a day"
        )
    if code == "allergies":
        reaction = row.get("reaction")
        return f"{row.get('substance') or '?'}" + (f" ({reaction})" if reaction else "")
    return "; ".join(f"{k}: {v}" for k, v in row.items())


def value_words(code: str, key: str, value: Any) -> str:
    """Return one stored answer in words ("seizure_disorder" -> "Seizures or epilepsy")."""
    if value is None or value == "" or value == []:
        return EMPTY
    if key == "conditions" and isinstance(value, list):
        return "; ".join(str(sections.CONDITION_WORDS.get(c, c)) for c in value)
    if key in ("trials", "items") and isinstance(value, list):
        return "; ".join(_row_words(code, r) for r in value if isinstance(r, Mapping)) or EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if key.endswith("phone") and isinstance(value, str):
        return phone_display(value)
    if key == "units":
        return UNITS_WORDS.get(str(value), str(value))
    if key in ("height_cm", "weight_kg"):
        try:
            return f"{float(value):.1f}"
        except ValueError:
            return str(value)
    return _number(value)


def section_title(code: object) -> str:
    """Return a section's staff title ("contacts" -> "Contact details"), or the code itself."""
    section = sections.BY_CODE.get(str(code))
    return section.staff_title if section else str(code)


def section_changes(code: str, old: object, new: object) -> list[tuple[str, str, str]]:
    """Return ``(label, old words, new words)`` for each answer of section ``code`` that
    differs between ``old`` and ``new`` (either may be None: not answered before), in the
    order of the new answers."""
    before = old if isinstance(old, Mapping) else {}
    after = new if isinstance(new, Mapping) else {}
    changes = []
    for key in dict.fromkeys([*after, *before]):
        if before.get(key) == after.get(key):
            continue
        if not before and after.get(key) in (None, "", [], False):
            continue  # a first save: only what was answered
        changes.append(
            (
                field_label(code, str(key)),
                value_words(code, str(key), before.get(key)),
                value_words(code, str(key), after.get(key)),
            )
        )
    return changes

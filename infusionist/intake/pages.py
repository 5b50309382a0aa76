"""What a section's page shows, shared by the patient's pages (portal) and the staff's (intake).

Both post the same field names (``sections.from_post`` reads them) and render the same
partial (``intake/_section_fields.html``), so the patient and staff see the same questions,
the same typed values and the same messages beside the fields.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infusionist.intake import sections
from infusionist.intake.models import IntakePacket
from infusionist.intake.selectors import contacts_from_record, patient_age_years, section_state
from infusionist.patients.models import Patient

CONTACT_KINDS = {
    "preferred_name": "text",
    "phone": "tel",
    "email": "email",
    "address_line1": "text",
    "address_line2": "text",
    "city": "text",
    "state": "text",
    "postal_code": "text",
    "emergency_contact_name": "text",
    "emergency_contact_relationship": "text",
    "emergency_contact_phone": "tel",
}
CONTACT_LABELS = {
    "preferred_name": gettext_lazy("The name you like to be called (optional)"),
    "phone": gettext_lazy("Mobile phone"),
    "email": gettext_lazy("Email"),
    "address_line1": gettext_lazy("Street address"),
    "address_line2": gettext_lazy("Apartment, suite (optional)"),
    "city": gettext_lazy("City"),
    "state": gettext_lazy("State"),
    "postal_code": gettext_lazy("ZIP code"),
    "emergency_contact_name": gettext_lazy("Emergency contact: name"),
    "emergency_contact_relationship": gettext_lazy("How you know them (for example partner)"),
    "emergency_contact_phone": gettext_lazy("Emergency contact: phone"),
}

#: The contact fields as staff pages name them.
STAFF_CONTACT_LABELS = {
    "preferred_name": "Preferred name",
    "phone": "Mobile phone",
    "email": "Email",
    "address_line1": "Street address",
    "address_line2": "Apartment, suite",
    "city": "City",
    "state": "State",
    "postal_code": "ZIP code",
    "emergency_contact_name": "Emergency contact: name",
    "emergency_contact_relationship": "Emergency contact: relationship",
    "emergency_contact_phone": "Emergency contact: phone",
}

#: Blank rows shown under the rows already typed (more come with "Add another").
BLANK_ROWS = 1


def _rows(items: list[dict[str, Any]], fields: tuple[str, ...], prefix: str) -> list[dict]:
    rows = []
    for index, item in enumerate([*items, *([{}] * BLANK_ROWS)]):
        rows.append(
            {
                "index": index,
                "prefix": f"{prefix}-{index}",
                "values": {f: _shown(item.get(f)) for f in fields},
                "raw": item,
            }
        )
    return rows


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _yes_no(value: Any) -> str:
    return "" if value is None else ("yes" if value else "no")


def section_context(
    *, code: str, packet: IntakePacket | None, patient: Patient, staff: bool = False
) -> dict[str, Any]:
    """Return the template context of one form section: its answers as typed (or, for the
    contacts, the patient's record until the patient saves), the problems beside the fields,
    what is still missing, and the choices. ``staff``: labels as staff pages name them
    ("Preferred name", not "The name you like to be called"). No query."""
    stored = None if packet is None else packet.answers.get(code)
    answers: dict[str, Any] = dict(stored or {})
    if code == "contacts" and stored is None:
        answers = contacts_from_record(patient)
    problems = sections.problems(code, answers) if stored is not None else {}
    context: dict[str, Any] = {
        "code": code,
        "section": sections.BY_CODE[code],
        "answers": answers,
        "values": {k: _shown(v) for k, v in answers.items() if not isinstance(v, list | dict)},
        "problems": problems,
        "missing": sections.missing(code, answers) if stored is not None else [],
        "state": section_state(code, packet, patient),
    }
    if code == "contacts":
        context["contact_fields"] = [
            (name, (STAFF_CONTACT_LABELS if staff else CONTACT_LABELS)[name], kind)
            for name, kind in CONTACT_KINDS.items()
        ]
    if code in ("psychiatric", "medical"):
        allowed = (
            sections.PSYCHIATRIC_CONDITIONS
            if code == "psychiatric"
            else sections.MEDICAL_CONDITIONS
        )
        chosen = set(answers.get("conditions") or [])
        context["conditions"] = [
            {"code": c, "words": sections.CONDITION_WORDS[c], "checked": c in chosen}
            for c in allowed
        ]
    if code == "medical":
        context["pregnancy_applies"] = sections.pregnancy_applies(
            sex_at_birth=patient.sex_at_birth, age_years=patient_age_years(patient)
        )
        context["pregnancy_questions"] = [
            ("pregnant", _("Are you pregnant, or could you be?"), _yes_no(answers.get("pregnant"))),
            (
                "breastfeeding",
                _("Are you breastfeeding?"),
                _yes_no(answers.get("breastfeeding")),
            ),
        ]
    if code == "antidepressant_trials":
        items = []
        for trial in answers.get("trials") or []:
            adequate = trial.get("adequate")
            items.append(
                {
                    **trial,
                    "adequate": "unsure" if adequate is None else _yes_no(adequate),
                    "adequate_words": dict(sections.ADEQUATE_CHOICES).get(
                        "unsure" if adequate is None else _yes_no(adequate), ""
                    ),
                    "response_words": dict(sections.RESPONSE_CHOICES).get(
                        str(trial.get("response") or "unknown"), ""
                    ),
                }
            )
        context["rows"] = _rows(
            items,
            (
                "drug",
                "daily_dose_mg",
                "duration_weeks",
                "adequate",
                "response",
                "adequate_words",
                "response_words",
            ),
            "trial",
        )
        context["row_fields"] = ("drug", "daily_dose_mg", "duration_weeks")
        context["adequate_choices"] = sections.ADEQUATE_CHOICES
        context["response_choices"] = sections.RESPONSE_CHOICES
    if code == "medications":
        context["rows"] = _rows(
            answers.get("items") or [], ("name", "dose_mg", "times_per_day"), "med"
        )
    if code == "allergies":
        context["rows"] = _rows(answers.get("items") or [], ("substance", "reaction"), "allergy")
    if code == "body":
        context["units"] = answers.get("units") or "metric"
        context["us_fields"] = [
            ("height_ft", _("Height: feet"), "5"),
            ("height_in", _("and inches"), "7"),
            ("weight_lb", _("Weight (lb)"), "160"),
        ]
        context["metric_fields"] = [
            ("height_cm_typed", _("Height (cm)"), "170"),
            ("weight_kg_typed", _("Weight (kg)"), "72"),
        ]
        context["bmi"] = sections.bmi_kg_per_m2(answers)
        context["kg"] = sections.display_kg(answers)
        context["cm"] = sections.display_cm(answers)
    return context


def next_after(code: str, done_codes: set[str]) -> str | None:
    """Return the first unfinished section after ``code`` (wrapping round), or None."""
    order = [s.code for s in sections.SECTIONS]
    start = order.index(code) + 1 if code in order else 0
    for candidate in order[start:] + order[:start]:
        if candidate not in done_codes and candidate != code:
            return candidate
    return None

"""The intake packet's sections: what each asks, how a posted form becomes answers, and checks.

Framework-light on purpose: the patient's pages and the staff's pages post the same field
names, and the same functions read them, so both see the same answers and the same messages.

Answers keep what was typed. A number that does not parse is stored as the text typed (the
facts reader, :mod:`infusionist.intake.facts`, reads it as unknown) and :func:`problems`
names it beside its field on every visit, so nothing typed is lost, ever.

Shapes (``answers[code]``; the keys the eligibility rules read are fixed in ``facts.py``)::

    "contacts":  {"preferred_name", "phone", "email", "address_line1", "address_line2",
                  "city", "state", "postal_code", "emergency_contact_name",
                  "emergency_contact_relationship", "emergency_contact_phone"}  (text)
    "psychiatric": {"conditions": [codes], "none": bool, "diagnoses": text,
                    "hospitalizations": int | typed text, "substance_details": text,
                    "prior_ketamine_details": text}
    "antidepressant_trials": {"trials": [{"drug", "daily_dose_mg", "duration_weeks",
                    "adequate": true | false | null, "response", "current_episode": true}],
                    "none": bool}
    "medical": {"conditions": [codes], "none": bool, "systolic_mmhg", "diastolic_mmhg",
                "pregnant": bool | null, "breastfeeding": bool | null, "other": text}
    "medications": {"items": [{"name", "dose_mg", "times_per_day"}], "none": bool}
    "allergies": {"items": [{"substance", "reaction"}], "none_known": bool}
    "body": {"units": "metric" | "us", "height_cm_typed", "weight_kg_typed", "height_ft",
             "height_in", "weight_lb", "height_cm": "170.18", "weight_kg": "72.5747792"}

``height_cm`` and ``weight_kg`` are exact decimal strings (1 in = 2.54 cm and
1 lb = 0.45359237 kg exactly, by definition), or absent while the typed value is not usable.
Plausible ranges are the dosing calculator's defaults (:class:`infusionist.lib.dosing.DoseLimits`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infusionist.lib.dosing import DoseLimits
from infusionist.lib.eligibility import CONDITIONS

#: Inches to centimetres and pounds to kilograms: exact by definition (NIST SP 811, B.8).
CM_PER_INCH = Decimal("2.54")
KG_PER_LB = Decimal("0.45359237")
INCHES_PER_FOOT = 12
MAX_ROWS = 30
MAX_TEXT_CHARS = 2000
#: Larger numbers are kept as the text typed (no answer here is near it).
LARGEST_NUMBER = Decimal(10**9)
BP_RANGE_MMHG = (40, 300)  # the kernel refuses readings outside it (lib/eligibility.py)


@dataclass(frozen=True)
class Section:
    code: str
    title: Promise
    #: The section's name on staff pages ("Contact details", not "Your contact details").
    staff_title: str
    #: A section the patient answers on a page (the baseline questionnaires are answered in
    #: the questionnaire pages; their state is read from the measurements app).
    form: bool = True


SECTIONS: tuple[Section, ...] = (
    Section("contacts", gettext_lazy("Your contact details"), "Contact details"),
    Section("psychiatric", gettext_lazy("Mental health history"), "Mental health history"),
    Section(
        "antidepressant_trials",
        gettext_lazy("Antidepressants you have tried"),
        "Antidepressants tried",
    ),
    Section("medical", gettext_lazy("Physical health"), "Physical health"),
    Section("medications", gettext_lazy("Medicines you take now"), "Current medicines"),
    Section("allergies", gettext_lazy("Allergies"), "Allergies"),
    Section("body", gettext_lazy("Height and weight"), "Height and weight"),
    Section(
        "baseline",
        gettext_lazy("Questionnaires before treatment"),
        "Baseline questionnaires",
        form=False,
    ),
)
BY_CODE = {s.code: s for s in SECTIONS}
FORM_SECTIONS = tuple(s.code for s in SECTIONS if s.form)

CONTACT_FIELDS = (
    "preferred_name",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
)

#: The condition codes each section asks about, in the order asked.
PSYCHIATRIC_CONDITIONS = (
    "psychosis_active",
    "psychosis_history",
    "mania_history",
    "bipolar_disorder",
    "bipolar_on_mood_stabilizer",
    "ptsd",
    "substance_use_active",
    "substance_use_history",
    "prior_ketamine_or_esketamine",
    "dementia",
    "traumatic_brain_injury_symptomatic",
)
MEDICAL_CONDITIONS = (
    "hypertension",
    "hypertension_uncontrolled",
    "cardiac_disease",
    "cardiac_disease_unstable",
    "aneurysmal_vascular_disease",
    "arteriovenous_malformation",
    "intracerebral_haemorrhage_history",
    "liver_disease_moderate",
    "liver_disease_severe",
    "raised_intracranial_pressure",
    "raised_intraocular_pressure",
    "thyroid_disease",
    "hyperthyroidism_uncontrolled",
    "seizure_disorder",
    "bladder_symptoms",
    "ketamine_hypersensitivity",
)
assert set(PSYCHIATRIC_CONDITIONS + MEDICAL_CONDITIONS) <= set(CONDITIONS)

#: Plain words for the patient (translated); staff pages show the same words.
CONDITION_WORDS: dict[str, Promise] = {
    "psychosis_active": gettext_lazy(
        "Hearing or seeing things others do not, or strong beliefs "
        "others do not share (psychosis), now"
    ),
    "psychosis_history": gettext_lazy("Psychosis at any time in the past"),
    "mania_history": gettext_lazy(
        "Mania or hypomania at any time (days of very high energy, little sleep, racing thoughts)"
    ),
    "bipolar_disorder": gettext_lazy("Bipolar disorder"),
    "bipolar_on_mood_stabilizer": gettext_lazy(
        "I take a mood stabilizer for bipolar disorder (for example lithium or valproate)"
    ),
    "ptsd": gettext_lazy("Post-traumatic stress disorder (PTSD)"),
    "substance_use_active": gettext_lazy("Problems with alcohol or drugs now"),
    "substance_use_history": gettext_lazy("Problems with alcohol or drugs in the past"),
    "prior_ketamine_or_esketamine": gettext_lazy(
        "Ketamine or esketamine (Spravato) treatment before"
    ),
    "dementia": gettext_lazy("Dementia"),
    "traumatic_brain_injury_symptomatic": gettext_lazy("A brain injury that still causes symptoms"),
    "hypertension": gettext_lazy("High blood pressure"),
    "hypertension_uncontrolled": gettext_lazy("High blood pressure that is not under control"),
    "cardiac_disease": gettext_lazy(
        "Heart disease (heart attack, heart failure, irregular heartbeat)"
    ),
    "cardiac_disease_unstable": gettext_lazy(
        "Heart problems that are not under control or got worse recently"
    ),
    "aneurysmal_vascular_disease": gettext_lazy(
        "An aneurysm (a bulge in a blood vessel: aorta, brain or elsewhere)"
    ),
    "arteriovenous_malformation": gettext_lazy("Arteriovenous malformation (AVM)"),
    "intracerebral_haemorrhage_history": gettext_lazy("Bleeding in the brain, ever"),
    "liver_disease_moderate": gettext_lazy("Liver disease"),
    "liver_disease_severe": gettext_lazy("Severe liver disease (cirrhosis or liver failure)"),
    "raised_intracranial_pressure": gettext_lazy("Raised pressure in the head"),
    "raised_intraocular_pressure": gettext_lazy("Raised pressure in the eye (glaucoma)"),
    "thyroid_disease": gettext_lazy("Thyroid disease"),
    "hyperthyroidism_uncontrolled": gettext_lazy("Overactive thyroid that is not under control"),
    "seizure_disorder": gettext_lazy("Seizures or epilepsy"),
    "bladder_symptoms": gettext_lazy(
        "Bladder or urinary problems (pain, urgency, going often, blood in urine)"
    ),
    "ketamine_hypersensitivity": gettext_lazy(
        "An allergic or bad reaction to ketamine or esketamine"
    ),
}

ADEQUATE_CHOICES = (
    ("yes", gettext_lazy("Yes")),
    ("no", gettext_lazy("No")),
    ("unsure", gettext_lazy("Not sure")),
)
RESPONSE_CHOICES = (
    ("none", gettext_lazy("It did not help")),
    ("partial", gettext_lazy("It helped a little")),
    ("remission", gettext_lazy("I felt well")),
    ("unknown", gettext_lazy("Not sure")),
)
YES_NO_UNSURE = {"yes": True, "no": False}


# ---- reading a post ---------------------------------------------------------------------


#: Control characters no one types (NUL cannot even be stored in PostgreSQL text): dropped.
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")


def _text(post: Mapping[str, Any], name: str) -> str:
    """Return the text posted as ``name``, whole (a text over MAX_TEXT_CHARS is kept as typed
    and refused by :func:`problems`, never cut)."""
    return str(post.get(name) or "").translate(_CONTROL).strip()


def _checked(post: Any, name: str) -> bool:
    return str(post.get(name) or "") in ("1", "on", "true", "yes")


#: The unit words a number box accepts after its number ("20mg", "20 mg"), by the box's unit.
UNIT_WORDS: dict[str, tuple[str, ...]] = {
    "mg": ("mg", "mgs", "milligram", "milligrams", "miligramos", "miligramo"),
    "kg": ("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramos"),
    "cm": ("cm", "cms", "centimetre", "centimetres", "centimeter", "centimeters", "centímetros"),
    "lb": ("lb", "lbs", "pound", "pounds", "libra", "libras"),
    "ft": ("ft", "feet", "foot", "'", "pies", "pie"),
    "in": ("in", "inch", "inches", '"', "pulgadas", "pulgada"),
    "weeks": ("w", "wk", "wks", "week", "weeks", "semana", "semanas"),
    "mmHg": ("mmhg", "mm hg"),
    "g": ("g", "gram", "grams", "gramos", "mcg", "µg", "micrograms", "microgramos"),
}
_UNIT_RE = re.compile(r"^\s*([+-]?\d+(?:[.,]\d+)?)\s*([^\d\s].*?)?\s*$")


def strip_unit(raw: str, unit: str) -> str:
    """Return ``raw`` without a trailing word of its own ``unit`` ("20 mg" -> "20" for "mg");
    any other text is returned unchanged."""
    match = _UNIT_RE.match(raw or "")
    if match and match.group(2) and match.group(2).strip().lower() in UNIT_WORDS.get(unit, ()):
        return match.group(1)
    return raw


def other_unit(raw: object, unit: str) -> str:
    """Return the unit ("lb", "kg", "ft", ...) that text typed in a ``unit`` box is written in
    when it is another one ("180 lbs" in a kg box -> "lb"; "5'10" -> "ft"), else ''."""
    if not isinstance(raw, str):
        return ""
    text = raw.strip().lower()
    if re.match(r"^\d+\s*(?:'|′|ft|feet|foot|pies?)\s*\d*", text) and unit != "ft":
        return "ft"
    match = _UNIT_RE.match(text)
    if not match or not match.group(2):
        return ""
    word = match.group(2).strip().rstrip(".")
    for other, words in UNIT_WORDS.items():
        if other != unit and word in words:
            return other
    return ""


def number_or_typed(raw: str, unit: str = "") -> int | float | str | None:
    """Return the typed number (int when whole), None for blank, or the text when unusable.

    A number followed by the box's own ``unit`` ("20mg", "20 mg" for "mg") reads as the number.
    """
    raw = strip_unit(raw.strip(), unit) if raw else ""
    raw = raw.strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return raw
    if not value.is_finite() or abs(value) > LARGEST_NUMBER:
        return raw
    return int(value) if value == value.to_integral_value() else float(value)


def _conditions(post: Any, allowed: tuple[str, ...]) -> list[str]:
    chosen = post.getlist("conditions") if hasattr(post, "getlist") else post.get("conditions", [])
    return [code for code in allowed if code in chosen]


def _rows(post: Mapping[str, Any], prefix: str, fields: tuple[str, ...]) -> list[dict[str, str]]:
    rows = []
    for index in range(MAX_ROWS):
        row = {f: _text(post, f"{prefix}-{index}-{f}") for f in fields}
        if any(row.values()):
            rows.append(row)
    return rows


def from_post(code: str, post: Any) -> dict[str, Any]:
    """Return the answers of section ``code`` read from a posted form (nothing typed dropped).

    Raises KeyError for a code that is not a form section.
    """
    if code == "contacts":
        return {name: _text(post, name) for name in CONTACT_FIELDS}
    if code == "psychiatric":
        return {
            "conditions": _conditions(post, PSYCHIATRIC_CONDITIONS),
            "none": _checked(post, "none"),
            "diagnoses": _text(post, "diagnoses"),
            "hospitalizations": number_or_typed(_text(post, "hospitalizations")),
            "substance_details": _text(post, "substance_details"),
            "prior_ketamine_details": _text(post, "prior_ketamine_details"),
        }
    if code == "antidepressant_trials":
        trials = []
        fields = ("drug", "daily_dose_mg", "duration_weeks", "adequate", "response")
        for row in _rows(post, "trial", fields):
            trials.append(
                {
                    "drug": row["drug"],
                    "daily_dose_mg": number_or_typed(row["daily_dose_mg"], "mg"),
                    "duration_weeks": number_or_typed(row["duration_weeks"], "weeks"),
                    "adequate": YES_NO_UNSURE.get(row["adequate"]),
                    "response": row["response"]
                    if row["response"] in dict(RESPONSE_CHOICES)
                    else "unknown",
                    "current_episode": True,
                }
            )
        return {"trials": trials, "none": _checked(post, "none")}
    if code == "medical":
        return {
            "conditions": _conditions(post, MEDICAL_CONDITIONS),
            "none": _checked(post, "none"),
            "systolic_mmhg": number_or_typed(_text(post, "systolic_mmhg"), "mmHg"),
            "diastolic_mmhg": number_or_typed(_text(post, "diastolic_mmhg"), "mmHg"),
            "pregnant": YES_NO_UNSURE.get(_text(post, "pregnant")),
            "breastfeeding": YES_NO_UNSURE.get(_text(post, "breastfeeding")),
            "other": _text(post, "other"),
        }
    if code == "medications":
        items = [
            {
                "name": row["name"],
                "dose_mg": number_or_typed(row["dose_mg"], "mg"),
                "times_per_day": number_or_typed(row["times_per_day"]),
            }
            for row in _rows(post, "med", ("name", "dose_mg", "times_per_day"))
        ]
        return {"items": items, "none": _checked(post, "none")}
    if code == "allergies":
        allergies = _rows(post, "allergy", ("substance", "reaction"))
        return {"items": allergies, "none_known": _checked(post, "none_known")}
    if code == "body":
        return body_from_typed(
            units="us" if _text(post, "units") == "us" else "metric",
            height_cm=_text(post, "height_cm_typed"),
            weight_kg=_text(post, "weight_kg_typed"),
            height_ft=_text(post, "height_ft"),
            height_in=_text(post, "height_in"),
            weight_lb=_text(post, "weight_lb"),
        )
    raise KeyError(code)


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() and abs(number) <= LARGEST_NUMBER else None


def body_from_typed(
    *,
    units: str,
    height_cm: str = "",
    weight_kg: str = "",
    height_ft: str = "",
    height_in: str = "",
    weight_lb: str = "",
) -> dict[str, Any]:
    """Return the body answers: what was typed, and the exact cm and kg when usable.

    Pounds and feet-inches convert exactly (1 lb = 0.45359237 kg, 1 in = 2.54 cm).
    """
    answers: dict[str, Any] = {"units": units}
    if units == "us":
        answers.update(height_ft=height_ft, height_in=height_in, weight_lb=weight_lb)
        feet = _decimal(strip_unit(height_ft, "ft"))
        inches = _decimal(strip_unit(height_in, "in") or "0")
        pounds = _decimal(strip_unit(weight_lb, "lb"))
        if feet is not None and inches is not None and (height_ft or height_in):
            answers["height_cm"] = str((feet * INCHES_PER_FOOT + inches) * CM_PER_INCH)
        if pounds is not None:
            answers["weight_kg"] = str(pounds * KG_PER_LB)
    else:
        answers.update(height_cm_typed=height_cm, weight_kg_typed=weight_kg)
        cm = _decimal(strip_unit(height_cm, "cm").replace(",", "."))
        kg = _decimal(strip_unit(weight_kg, "kg").replace(",", "."))
        if cm is not None:
            answers["height_cm"] = str(cm)
        if kg is not None:
            answers["weight_kg"] = str(kg)
    return answers


def bmi_kg_per_m2(body: Mapping[str, Any]) -> Decimal | None:
    """Return the BMI (kg/m², to 0.1) from the body answers, or None without both numbers."""
    cm, kg = _decimal(body.get("height_cm")), _decimal(body.get("weight_kg"))
    if not cm or not kg or cm <= 0:
        return None
    metres = cm / 100
    return (kg / (metres * metres)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def display_kg(body: Mapping[str, Any]) -> Decimal | None:
    kg = _decimal(body.get("weight_kg"))
    return None if kg is None else kg.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def display_cm(body: Mapping[str, Any]) -> Decimal | None:
    cm = _decimal(body.get("height_cm"))
    return None if cm is None else cm.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# ---- checks -----------------------------------------------------------------------------


#: The example each number's message gives (a typical value, never a limit), with its unit.
EXAMPLES = {
    "hospitalizations": "0",
    "daily_dose_mg": "50 mg",
    "duration_weeks": "8",
    "systolic_mmhg": "120",
    "diastolic_mmhg": "80",
    "dose_mg": "20 mg",
    "times_per_day": "2",
}
#: The units named in messages (translated; "lb" and "ft" when a metric box got them).
UNIT_NAMES: dict[str, Promise] = {
    "lb": gettext_lazy("pounds"),
    "ft": gettext_lazy("feet and inches"),
    "kg": gettext_lazy("kilograms"),
    "cm": gettext_lazy("centimetres"),
    "in": gettext_lazy("inches"),
    "mg": gettext_lazy("milligrams"),
    "g": gettext_lazy("grams"),
}


def _number_problem(value: object, low: float, high: float, unit: str, name: str = "") -> str:
    """Return a plain message for a value that is not a number in [low, high], else ''.

    ``unit`` is the box's unit ("mg", "weeks", "mmHg" or "" for a count). A number written
    in another unit ("0.5 g" in a mg box) is named as such.
    """
    if value in (None, ""):
        return ""
    if isinstance(value, str | bool):
        typed_in = other_unit(value, unit)
        if typed_in and typed_in in UNIT_NAMES and unit in UNIT_NAMES:
            return _(
                "This box is in %(unit)s; please enter the number in %(unit)s, like %(example)s."
            ) % {
                "unit": UNIT_NAMES[unit],
                "example": EXAMPLES.get(name, f"{low:g}"),
            }
        example = EXAMPLES.get(name, f"{low:g}")
        return _("Please enter a number, like %(example)s.") % {"example": example}
    if not isinstance(value, int | float) or not low <= float(value) <= high:
        if not unit:
            return _("Please check this number: it should be between %(low)s and %(high)s.") % {
                "low": f"{low:g}",
                "high": f"{high:g}",
            }
        return _(
            "Please check this number: it should be between %(low)s and %(high)s %(unit)s."
        ) % {
            "low": f"{low:g}",
            "high": f"{high:g}",
            "unit": _("weeks") if unit == "weeks" else unit,
        }
    return ""


#: The free-text answers of each section: top-level keys, and the row lists with their prefix.
_ROW_LISTS = {
    "antidepressant_trials": ("trials", "trial"),
    "medications": ("items", "med"),
    "allergies": ("items", "allergy"),
}
#: Body keys computed by the server (never typed).
_COMPUTED = {"units", "height_cm", "weight_kg"}


def _text_fields(code: str, answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return (form field name, text typed) for every text answer of section ``code``."""
    found = [
        (key, value)
        for key, value in answers.items()
        if isinstance(value, str) and key not in _COMPUTED
    ]
    if code in _ROW_LISTS:
        key, prefix = _ROW_LISTS[code]
        for index, row in enumerate(answers.get(key) or []):
            if isinstance(row, Mapping):
                found += [
                    (f"{prefix}-{index}-{name}", value)
                    for name, value in row.items()
                    if isinstance(value, str)
                ]
    return found


def _too_long(text: str) -> str:
    """Return the message for a text over MAX_TEXT_CHARS ("at most 2,000 characters; this has
    51,234"), else ''."""
    if len(text) <= MAX_TEXT_CHARS:
        return ""
    return _("Please shorten this: it can be at most %(limit)s characters; this has %(count)s.") % {
        "limit": f"{MAX_TEXT_CHARS:,}",
        "count": f"{len(text):,}",
    }


def problems(code: str, answers: Mapping[str, Any]) -> dict[str, str]:
    """Return field name -> plain message for the answers of section ``code`` ({} when fine).

    Field names are the form's (rows: ``trial-0-daily_dose_mg``). A problem never loses the
    typed value: the page shows it again with the message beside it.
    """
    found: dict[str, str] = {}
    for name, text in _text_fields(code, answers):
        if _too_long(text):
            found[name] = _too_long(text)
    if code == "contacts":
        found.update({k: v for k, v in _contact_problems(answers).items() if k not in found})
    elif code == "psychiatric":
        problem = _number_problem(answers.get("hospitalizations"), 0, 100, "", "hospitalizations")
        if problem and "hospitalizations" not in found:
            found["hospitalizations"] = problem
    elif code == "antidepressant_trials":
        for i, trial in enumerate(answers.get("trials") or []):
            if not trial.get("drug"):
                found[f"trial-{i}-drug"] = _("Please write the name of the medicine.")
            for name, high, unit in (
                ("daily_dose_mg", 10000, "mg"),
                ("duration_weeks", 520, "weeks"),
            ):
                problem = _number_problem(trial.get(name), 0, high, unit, name)
                if problem and f"trial-{i}-{name}" not in found:
                    found[f"trial-{i}-{name}"] = problem
    elif code == "medical":
        low, high = BP_RANGE_MMHG
        for name in ("systolic_mmhg", "diastolic_mmhg"):
            problem = _number_problem(answers.get(name), low, high, "mmHg", name)
            if problem and name not in found:
                found[name] = problem
        systolic, diastolic = answers.get("systolic_mmhg"), answers.get("diastolic_mmhg")
        if not found and isinstance(systolic, int | float) and isinstance(diastolic, int | float):
            if diastolic >= systolic:
                found["diastolic_mmhg"] = _(
                    "The lower number (diastolic) should be smaller than the upper number."
                )
        elif not found and (systolic is None) != (diastolic is None):
            missing = "diastolic_mmhg" if diastolic is None else "systolic_mmhg"
            found[missing] = _("Please enter both numbers of the reading, or neither.")
    elif code == "medications":
        for i, item in enumerate(answers.get("items") or []):
            if not item.get("name"):
                found[f"med-{i}-name"] = _("Please write the name of the medicine.")
            for name, high in (("dose_mg", 10000), ("times_per_day", 24)):
                problem = _number_problem(
                    item.get(name), 0, high, "mg" if name == "dose_mg" else "", name
                )
                if problem and f"med-{i}-{name}" not in found:
                    found[f"med-{i}-{name}"] = problem
    elif code == "allergies":
        for i, item in enumerate(answers.get("items") or []):
            if not item.get("substance"):
                found[f"allergy-{i}-substance"] = _("Please write what you are allergic to.")
    elif code == "body":
        found.update({k: v for k, v in _body_problems(answers).items() if k not in found})
    return found


def _contact_problems(answers: Mapping[str, Any]) -> dict[str, str]:
    """Check phone numbers and email with the patient registry's own field rules."""
    from django.core.exceptions import ValidationError

    from infusionist.patients.models import Patient

    found = {}
    for name in ("phone", "email", "emergency_contact_phone"):
        value = answers.get(name)
        if not value:
            continue
        try:
            Patient._meta.get_field(name).clean(value, None)  # type: ignore[union-attr]
        except ValidationError as error:
            found[name] = " ".join(str(m) for m in error.messages)
    return found


def _wrong_unit(typed: object, unit: str) -> str:
    """Return the message for a height or weight typed in the other system's unit ("180 lbs"
    in the kg box, "5'10" in the cm box), pointing to the unit switch; else ''."""
    other = other_unit(typed, unit)
    if unit in ("cm", "kg") and other in ("lb", "ft", "in"):
        return _(
            "This box is in %(unit)s. To give %(other)s, choose “feet, inches and pounds” "
            "under “Which units do you want to use?” above and press “Save”."
        ) % {"unit": UNIT_NAMES[unit], "other": UNIT_NAMES[other]}
    if unit in ("ft", "lb") and other in ("cm", "kg"):
        return _(
            "This box is in %(unit)s. To give %(other)s, choose “cm and kg” "
            "under “Which units do you want to use?” above and press “Save”."
        ) % {"unit": UNIT_NAMES[unit], "other": UNIT_NAMES[other]}
    return ""


def _body_problems(body: Mapping[str, Any]) -> dict[str, str]:
    limits = DoseLimits()
    found: dict[str, str] = {}
    us = body.get("units") == "us"
    height_field = "height_ft" if us else "height_cm_typed"
    weight_field = "weight_lb" if us else "weight_kg_typed"
    typed_height = (
        (body.get("height_ft") or body.get("height_in")) if us else body.get(height_field)
    )
    typed_weight = body.get(weight_field)
    cm, kg = _decimal(body.get("height_cm")), _decimal(body.get("weight_kg"))
    if typed_height and cm is None:
        found[height_field] = _wrong_unit(typed_height, "ft" if us else "cm") or _(
            "Please enter a number, like %(example)s."
        ) % {"example": "5" if us else "170"}
    elif cm is not None and not limits.min_height_cm <= float(cm) <= limits.max_height_cm:
        found[height_field] = _(
            "Please check the height: we expect between %(low)s and %(high)s cm "
            "(%(low_in)s to %(high_in)s inches)."
        ) % {
            "low": f"{limits.min_height_cm:g}",
            "high": f"{limits.max_height_cm:g}",
            "low_in": f"{limits.min_height_cm / 2.54:.0f}",
            "high_in": f"{limits.max_height_cm / 2.54:.0f}",
        }
    if us and body.get("height_in") and _decimal(strip_unit(body["height_in"], "in")) is None:
        found["height_in"] = _("Please enter a number, like %(example)s.") % {"example": "7"}
    if typed_weight and kg is None:
        found[weight_field] = _wrong_unit(typed_weight, "lb" if us else "kg") or _(
            "Please enter a number, like %(example)s."
        ) % {"example": "160" if us else "70"}
    elif kg is not None and not limits.min_weight_kg <= float(kg) <= limits.max_weight_kg:
        found[weight_field] = _(
            "Please check the weight: we expect between %(low)s and %(high)s kg "
            "(%(low_lb)s to %(high_lb)s lb)."
        ) % {
            "low": f"{limits.min_weight_kg:g}",
            "high": f"{limits.max_weight_kg:g}",
            "low_lb": f"{limits.min_weight_kg / 0.45359237:.0f}",
            "high_lb": f"{limits.max_weight_kg / 0.45359237:.0f}",
        }
    return found


def missing(code: str, answers: Mapping[str, Any]) -> list[str]:
    """Return what section ``code`` still needs before it counts as done (plain words)."""
    needs: list[str] = []
    if code == "contacts":
        if not answers.get("phone") and not answers.get("email"):
            needs.append(_("a phone number or email"))
        if not answers.get("emergency_contact_name") or not answers.get("emergency_contact_phone"):
            needs.append(_("an emergency contact (name and phone)"))
    elif code in ("psychiatric", "medical"):
        if not answers.get("conditions") and not answers.get("none"):
            needs.append(_("tick what applies, or “None of these”"))
        if code == "psychiatric" and answers.get("hospitalizations") in (None, ""):
            needs.append(_("how many times you stayed in hospital for your mental health"))
    elif code == "antidepressant_trials":
        if not answers.get("trials") and not answers.get("none"):
            needs.append(_("the antidepressants you tried, or “I have not tried any”"))
    elif code == "medications":
        if not answers.get("items") and not answers.get("none"):
            needs.append(_("your medicines, or “I take no medicines”"))
    elif code == "allergies":
        if not answers.get("items") and not answers.get("none_known"):
            needs.append(_("your allergies, or “No known allergies”"))
    elif code == "body":
        if "height_cm" not in answers:
            needs.append(_("your height"))
        if "weight_kg" not in answers:
            needs.append(_("your weight"))
    return needs


def is_done(code: str, answers: Mapping[str, Any] | None) -> bool:
    """Return whether a form section's answers are complete and have no problems."""
    if answers is None:
        return False
    return not missing(code, answers) and not problems(code, answers)


def pregnancy_applies(*, sex_at_birth: str, age_years: int | None) -> bool:
    """Return whether to ask about pregnancy and breastfeeding: not for someone born male.

    Asked of female, intersex and unknown sex at birth at any age from 10 to 60 years (or
    unknown age); never required.
    """
    if sex_at_birth == "male":
        return False
    return age_years is None or 10 <= age_years <= 60

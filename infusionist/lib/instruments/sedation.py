"""Monitoring and recovery scales: MOAA/S [48] and the modified Aldrete score [50]."""

from __future__ import annotations

from ._build import sum_of
from .model import (
    AnswerOption,
    FlagRule,
    Instrument,
    Item,
    Parameter,
    Params,
    Scored,
    ScoringRule,
    Values,
    lang_text,
)

# MOAA/S levels [48]; 0 is the "loss of consciousness" reported in esketamine trials [28].
_MOAAS_LEVELS = (
    (0, "No response after painful trapezius squeeze"),
    (1, "Responds only after painful trapezius squeeze"),
    (2, "Responds only after mild prodding or shaking"),
    (3, "Responds only after name is called loudly and/or repeatedly"),
    (4, "Lethargic response to name spoken in normal tone"),
    (5, "Responds readily to name spoken in normal tone"),
)
MOAAS_UNRESPONSIVE = 0

_MOAAS_ITEM = "level"


def _moaas_compute(values: Values, params: Params) -> Scored:
    level = values[_MOAAS_ITEM]
    flags = ("loss_of_consciousness",) if level == MOAAS_UNRESPONSIVE else ()
    return Scored(total=level, flags=flags)


MOAAS = Instrument(
    code="moaas",
    version="1.0.0",
    title="Modified Observer's Assessment of Alertness/Sedation (MOAA/S)",
    short_name="MOAA/S",
    items=(
        Item(
            link_id=_MOAAS_ITEM,
            name="Responsiveness",
            text=lang_text(en="Observed responsiveness"),
            options=tuple(
                AnswerOption(value, lang_text(en=f"{value} – {text}"))
                for value, text in _MOAAS_LEVELS
            ),
        ),
    ),
    scoring=ScoringRule(
        method="single_item",
        description="The observed level, 0 (no response) to 5 (responds readily).",
        compute=_moaas_compute,
    ),
    licence_note="Published observer scale; level descriptions as tabulated in [48].",
    sources=("48", "28"),
    administration="clinician",
    flags=(
        FlagRule(
            "loss_of_consciousness",
            "MOAA/S 0: no response even to a painful stimulus.",
            ("48", "28"),
        ),
    ),
    total_range=(0, 5),
)


# Modified Aldrete (1995) criteria, each 0-2 [50]. Circulation is "within ±20% of baseline" here;
# some versions use ±20 mmHg, which a clinic may document in its protocol instead.
_ALDRETE_CRITERIA = (
    (
        "activity",
        "Activity",
        (
            "Unable to move extremities",
            "Able to move 2 extremities voluntarily or on command",
            "Able to move 4 extremities voluntarily or on command",
        ),
    ),
    (
        "respiration",
        "Respiration",
        (
            "Apnoeic",
            "Dyspnoea or limited breathing",
            "Able to breathe deeply and cough freely",
        ),
    ),
    (
        "circulation",
        "Circulation",
        (
            "Blood pressure more than ±50% of baseline",
            "Blood pressure within ±20–50% of baseline",
            "Blood pressure within ±20% of baseline",
        ),
    ),
    (
        "consciousness",
        "Consciousness",
        (
            "Not responding",
            "Arousable on calling",
            "Fully awake",
        ),
    ),
    (
        "spo2",
        "Oxygen saturation",
        (
            "SpO2 below 90% even with supplemental oxygen",
            "Needs supplemental oxygen to keep SpO2 above 90%",
            "SpO2 above 92% on room air",
        ),
    ),
)

ALDRETE_DISCHARGE = Parameter(
    name="discharge_min_total",
    label="Ready for discharge from total",
    default=9,
    minimum=0,
    maximum=10,
    description=(
        "Flag ready for discharge when the total is at least this value. Default 9 [50]. Discharge "
        "also needs a responsible adult and no driving until the next day [22][40]."
    ),
    sources=("50",),
)


def _aldrete_compute(values: Values, params: Params) -> Scored:
    total = sum_of(values, (link_id for link_id, _name, _labels in _ALDRETE_CRITERIA))
    flags = ("discharge_ready",) if total >= params[ALDRETE_DISCHARGE.name] else ()
    return Scored(total=total, flags=flags)


ALDRETE = Instrument(
    code="aldrete",
    version="1.0.0",
    title="Modified Aldrete score",
    short_name="Aldrete",
    items=tuple(
        Item(
            link_id=link_id,
            name=name,
            text=lang_text(en=name),
            options=tuple(
                AnswerOption(value, lang_text(en=label)) for value, label in enumerate(labels)
            ),
        )
        for link_id, name, labels in _ALDRETE_CRITERIA
    ),
    scoring=ScoringRule(
        method="sum",
        description="Sum of 5 criteria, each 0–2 (0–10).",
        compute=_aldrete_compute,
    ),
    licence_note="Published clinical score (Aldrete 1995) [50].",
    sources=("50",),
    administration="clinician",
    flags=(
        FlagRule(
            "discharge_ready",
            "Total at or above the discharge threshold (a recovery criterion only).",
            ("50",),
        ),
    ),
    parameters=(ALDRETE_DISCHARGE,),
    total_range=(0, 10),
)

"""QIDS-SR16, the 16-item Quick Inventory of Depressive Symptomatology, self-report [52][53].

Scored by domain maxima, not by summing 16 items: the sleep items (1–4), appetite/weight items
(6–9) and psychomotor items (15–16) each contribute only their highest answer, giving 0–27 [52].
Licence terms are unverified [?], so only short item names ship; the clinic supplies the form.
"""

from __future__ import annotations

from ._build import link_ids, max_of, numeric_options, sum_of
from .model import (
    SUICIDALITY_FLAG,
    AnswerGroup,
    CrisisItem,
    FlagRule,
    Instrument,
    Item,
    Parameter,
    Params,
    Scored,
    ScoringRule,
    SeverityBand,
    Values,
    lang_text,
)

_NAMES = (
    "Falling asleep",
    "Sleep during the night",
    "Waking up too early",
    "Sleeping too much",
    "Feeling sad",
    "Decreased appetite",
    "Increased appetite",
    "Decreased weight (within the last two weeks)",
    "Increased weight (within the last two weeks)",
    "Concentration / decision making",
    "View of myself",
    "Thoughts of death or suicide",
    "General interest",
    "Energy level",
    "Feeling slowed down",
    "Feeling restless",
)

SLEEP_ITEMS = link_ids("q", 1, 4)
APPETITE_WEIGHT_ITEMS = link_ids("q", 6, 9)
PSYCHOMOTOR_ITEMS = link_ids("q", 15, 16)
SINGLE_ITEMS = ("q5", *link_ids("q", 10, 14))
SUICIDE_ITEM = "q12"

QIDS_ITEM12_ALERT = Parameter(
    name="item12_alert_at_least",
    label="Suicidality alert from item 12 answer",
    default=1,
    minimum=1,
    maximum=3,
    description=(
        "Raise the suicidality flag when item 12 (thoughts of death or suicide) is at least this "
        "value. No source sets this threshold [?]; the default 1 is the conservative choice, "
        "mirroring PHQ-9 item 9 [63]."
    ),
    sources=("?", "63"),
)

QIDS_BANDS = (  # [52]
    SeverityBand(0, 5, "none", "None"),
    SeverityBand(6, 10, "mild", "Mild"),
    SeverityBand(11, 15, "moderate", "Moderate"),
    SeverityBand(16, 20, "severe", "Severe"),
    SeverityBand(21, 27, "very_severe", "Very severe"),
)


def _items() -> tuple[Item, ...]:
    options = numeric_options(0, 3)
    # The form asks for item 6 or 7 and item 8 or 9, so these four are individually optional;
    # the answer groups below require one of each pair.
    optional = set(APPETITE_WEIGHT_ITEMS)
    return tuple(
        Item(
            link_id=f"q{number}",
            name=name,
            text={},
            options=options,
            required=f"q{number}" not in optional,
        )
        for number, name in enumerate(_NAMES, start=1)
    )


QIDS_CRISIS_ITEMS = (CrisisItem(SUICIDE_ITEM, parameter=QIDS_ITEM12_ALERT.name),)


def _safety_flags(values: Values, params: Params) -> tuple[str, ...]:
    if any(values.get(c.link_id, -1) >= c.threshold(params) for c in QIDS_CRISIS_ITEMS):
        return (SUICIDALITY_FLAG,)
    return ()


def _compute(values: Values, params: Params) -> Scored:
    sleep = max_of(values, SLEEP_ITEMS)
    appetite_weight = max_of(values, APPETITE_WEIGHT_ITEMS)
    psychomotor = max_of(values, PSYCHOMOTOR_ITEMS)
    total = sleep + appetite_weight + psychomotor + sum_of(values, SINGLE_ITEMS)
    return Scored(
        total=total,
        subscores={"sleep": sleep, "appetite_weight": appetite_weight, "psychomotor": psychomotor},
    )


QIDS_SR16 = Instrument(
    code="qids_sr16",
    version="1.0.0",
    title="Quick Inventory of Depressive Symptomatology, Self-Report (QIDS-SR16)",
    short_name="QIDS-SR16",
    titles=lang_text(es="Inventario rápido de síntomas depresivos, autoinforme (QIDS-SR16)"),
    items=_items(),
    scoring=ScoringRule(
        method="domain_max",
        description=(
            "max(1–4) + 5 + max(6–9) + 10 + 11 + 12 + 13 + 14 + max(15–16), each item 0–3 "
            "(0–27). Not a sum of the 16 items."
        ),
        compute=_compute,
        safety_flags=_safety_flags,
    ),
    licence_note=(
        "© UT Southwestern Medical Center. Licence terms are unverified [?]: item names only, no "
        "item or answer wording. Use the clinic's own licensed form and enter the answers here."
    ),
    sources=("52", "53"),
    severity_bands=QIDS_BANDS,
    flags=(
        FlagRule(
            SUICIDALITY_FLAG,
            "Item 12 at or above the clinic's alert answer: start the crisis workflow.",
            ("?", "63"),
        ),
    ),
    parameters=(QIDS_ITEM12_ALERT,),
    answer_groups=(
        AnswerGroup(("q6", "q7"), 1, 2, "Answer item 6 (decreased appetite) or 7 (increased)."),
        AnswerGroup(("q8", "q9"), 1, 2, "Answer item 8 (decreased weight) or 9 (increased)."),
    ),
    total_range=(0, 27),
    crisis_items=QIDS_CRISIS_ITEMS,
)

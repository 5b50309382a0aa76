"""Score-entry forms for copyrighted clinician scales: MADRS, CADSS and Y-BOCS.

These carry item names and numeric ratings only, never item wording or anchor descriptions;
the clinic rates with its own licensed copy and enters the numbers here.
"""

from __future__ import annotations

from ._build import link_ids, named_items, numeric_options, sum_of
from .model import (
    SUICIDALITY_FLAG,
    CrisisItem,
    FlagRule,
    Instrument,
    Parameter,
    Params,
    Scored,
    ScoringRule,
    SeverityBand,
    Values,
    lang_text,
)

_MADRS_NAMES = (
    "Apparent sadness",
    "Reported sadness",
    "Inner tension",
    "Reduced sleep",
    "Reduced appetite",
    "Concentration difficulties",
    "Lassitude",
    "Inability to feel",
    "Pessimistic thoughts",
    "Suicidal thoughts",
)
MADRS_ITEMS = link_ids("q", 1, 10)
MADRS_SUICIDE_ITEM = "q10"

MADRS_BANDS = (  # <7 normal, 7-19 mild, 20-34 moderate, >34 severe [51]
    SeverityBand(0, 6, "normal", "Normal / symptom absent"),
    SeverityBand(7, 19, "mild", "Mild"),
    SeverityBand(20, 34, "moderate", "Moderate"),
    SeverityBand(35, 60, "severe", "Severe"),
)

MADRS_ITEM10_ALERT = Parameter(
    name="item10_alert_at_least",
    label="Suicidality alert from item 10 rating",
    default=2,
    minimum=1,
    maximum=6,
    description=(
        "Raise the suicidality flag when item 10 (suicidal thoughts) is at least this rating. No "
        "source sets this threshold [?]; the default 2 is the lowest rating that describes "
        "suicidal thoughts, the conservative choice mirroring PHQ-9 item 9 [63]."
    ),
    sources=("?", "63"),
)


MADRS_CRISIS_ITEMS = (CrisisItem(MADRS_SUICIDE_ITEM, parameter=MADRS_ITEM10_ALERT.name),)


def _madrs_safety_flags(values: Values, params: Params) -> tuple[str, ...]:
    if any(values.get(c.link_id, -1) >= c.threshold(params) for c in MADRS_CRISIS_ITEMS):
        return (SUICIDALITY_FLAG,)
    return ()


def _madrs_compute(values: Values, params: Params) -> Scored:
    return Scored(total=sum_of(values, MADRS_ITEMS))


MADRS = Instrument(
    code="madrs",
    version="1.0.0",
    title="Montgomery–Åsberg Depression Rating Scale (MADRS), score entry",
    short_name="MADRS",
    titles=lang_text(es="Escala de depresión de Montgomery–Åsberg (MADRS)"),
    items=named_items("q", _MADRS_NAMES, numeric_options(0, 6)),
    scoring=ScoringRule(
        method="sum",
        description="Sum of 10 clinician ratings, each 0–6 (0–60).",
        compute=_madrs_compute,
        safety_flags=_madrs_safety_flags,
    ),
    licence_note=(
        "© Royal College of Psychiatrists; permission to reproduce was refused to CamCOPS [51]. "
        "Score entry only: item names, no wording or anchors."
    ),
    sources=("51", "54"),
    administration="clinician",
    severity_bands=MADRS_BANDS,
    flags=(
        FlagRule(
            SUICIDALITY_FLAG,
            "Item 10 at or above the clinic's alert rating: start the crisis workflow.",
            ("?", "63"),
        ),
    ),
    parameters=(MADRS_ITEM10_ALERT,),
    total_range=(0, 60),
    crisis_items=MADRS_CRISIS_ITEMS,
)


CADSS_SUBJECTIVE_ITEM_COUNT = 23  # 23 subjective of 28 items [49]
CADSS_ITEMS = link_ids("q", 1, CADSS_SUBJECTIVE_ITEM_COUNT)


def _cadss_compute(values: Values, params: Params) -> Scored:
    return Scored(total=sum_of(values, CADSS_ITEMS))


CADSS = Instrument(
    code="cadss",
    version="1.0.0",
    title="Clinician-Administered Dissociative States Scale (CADSS), subjective items",
    short_name="CADSS",
    items=named_items(
        "q",
        (f"CADSS item {number}" for number in range(1, CADSS_SUBJECTIVE_ITEM_COUNT + 1)),
        numeric_options(0, 4),
    ),
    scoring=ScoringRule(
        method="sum",
        description="Sum of the 23 subjective items, each 0–4 (0–92); observer items not included.",
        compute=_cadss_compute,
    ),
    licence_note=(
        "© J. Douglas Bremner; licence terms unverified [49][?]. Score entry only: generic item "
        "names, no wording."
    ),
    sources=("49", "28"),
    administration="clinician",
    total_range=(0, 92),
)


_YBOCS_NAMES = (
    "Time occupied by obsessive thoughts",
    "Interference due to obsessive thoughts",
    "Distress associated with obsessive thoughts",
    "Resistance against obsessions",
    "Degree of control over obsessive thoughts",
    "Time spent performing compulsive behaviours",
    "Interference due to compulsive behaviours",
    "Distress associated with compulsive behaviour",
    "Resistance against compulsions",
    "Degree of control over compulsive behaviour",
)
YBOCS_OBSESSION_ITEMS = link_ids("q", 1, 5)
YBOCS_COMPULSION_ITEMS = link_ids("q", 6, 10)

YBOCS_BANDS = (  # [51]
    SeverityBand(0, 7, "subclinical", "Subclinical"),
    SeverityBand(8, 15, "mild", "Mild"),
    SeverityBand(16, 23, "moderate", "Moderate"),
    SeverityBand(24, 31, "severe", "Severe"),
    SeverityBand(32, 40, "extreme", "Extreme"),
)


def _ybocs_compute(values: Values, params: Params) -> Scored:
    obsessions = sum_of(values, YBOCS_OBSESSION_ITEMS)
    compulsions = sum_of(values, YBOCS_COMPULSION_ITEMS)
    return Scored(
        total=obsessions + compulsions,
        subscores={"obsessions": obsessions, "compulsions": compulsions},
    )


YBOCS = Instrument(
    code="ybocs",
    version="1.0.0",
    title="Yale–Brown Obsessive Compulsive Scale (Y-BOCS), score entry",
    short_name="Y-BOCS",
    items=named_items("q", _YBOCS_NAMES, numeric_options(0, 4)),
    scoring=ScoringRule(
        method="sum",
        description=(
            "Sum of the 10 scored items, each 0–4 (0–40); obsessions = items 1–5, compulsions = "
            "items 6–10. Unscored items 1b and 6b are not collected."
        ),
        compute=_ybocs_compute,
    ),
    licence_note=(
        "© Wayne K. Goodman; no distribution without authorisation [51]. Score entry only: item "
        "names, no wording or anchors."
    ),
    sources=("51",),
    administration="clinician",
    severity_bands=YBOCS_BANDS,
    total_range=(0, 40),
)

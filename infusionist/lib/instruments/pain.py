"""Pain measures: the 0–10 numeric rating scale and the Brief Pain Inventory short form."""

from __future__ import annotations

from ._build import link_ids, named_items, numeric_options
from .model import (
    Instrument,
    Item,
    Params,
    Scored,
    ScoringRule,
    SeverityBand,
    Values,
    lang_text,
)

_PAIN_ANCHORS = {0: "No pain", 10: "Worst pain imaginable"}
_PAIN_ANCHORS_ES = {0: "Sin dolor", 10: "El peor dolor imaginable"}
_NRS_ITEM = "intensity"


def _nrs_compute(values: Values, params: Params) -> Scored:
    return Scored(total=values[_NRS_ITEM])


PAIN_NRS = Instrument(
    code="pain_nrs",
    version="1.0.0",
    title="Pain numeric rating scale (0–10)",
    short_name="Pain NRS",
    titles=lang_text(es="Escala numérica del dolor (0–10)"),
    items=(
        Item(
            link_id=_NRS_ITEM,
            name="Pain intensity",
            text=lang_text(
                en="Rate your pain right now, from 0 (no pain) to 10 (worst imaginable).",
                es=(
                    "Califique su dolor en este momento, de 0 (sin dolor) a 10 (el peor "
                    "imaginable)."
                ),
            ),
            options=numeric_options(0, 10, _PAIN_ANCHORS, anchors={"es": _PAIN_ANCHORS_ES}),
        ),
    ),
    scoring=ScoringRule(
        method="single_item",
        description="The rating itself, 0–10.",
        compute=_nrs_compute,
    ),
    licence_note="Public domain numeric rating scale [C].",
    sources=(),
    languages=("en", "es"),
    total_range=(0, 10),
)


_BPI_SEVERITY_NAMES = (
    "Worst pain in the last 24 hours",
    "Least pain in the last 24 hours",
    "Average pain",
    "Pain right now",
)
_BPI_INTERFERENCE_NAMES = (
    "Interference: general activity",
    "Interference: mood",
    "Interference: walking ability",
    "Interference: normal work",
    "Interference: relations with other people",
    "Interference: sleep",
    "Interference: enjoyment of life",
)
_SEVERITY_KEYS = ("worst_pain", "least_pain", "average_pain", "pain_now")

BPI_SEVERITY_ITEMS = link_ids("severity", 1, 4)
BPI_INTERFERENCE_ITEMS = link_ids("interference", 1, 7)

BPI_WORST_PAIN_BANDS = (  # worst pain, items rated 1-10 [59][60]
    SeverityBand(1, 4, "mild", "Mild"),
    SeverityBand(5, 6, "moderate", "Moderate"),
    SeverityBand(7, 10, "severe", "Severe"),
)


def _bpi_compute(values: Values, params: Params) -> Scored:
    subscores: dict[str, int | float] = {
        key: values[link_id]
        for key, link_id in zip(_SEVERITY_KEYS, BPI_SEVERITY_ITEMS, strict=True)
    }
    interference = [values[link_id] for link_id in BPI_INTERFERENCE_ITEMS]
    subscores["interference_mean"] = sum(interference) / len(interference)
    return Scored(total=None, subscores=subscores)


BPI_SHORT = Instrument(
    code="bpi_short",
    version="1.0.0",
    title="Brief Pain Inventory, short form (BPI-SF): severity and interference",
    short_name="BPI-SF",
    titles=lang_text(
        es="Inventario breve del dolor, forma corta (BPI-SF): intensidad e interferencia"
    ),
    items=(
        *named_items("severity", _BPI_SEVERITY_NAMES, numeric_options(0, 10)),
        *named_items("interference", _BPI_INTERFERENCE_NAMES, numeric_options(0, 10)),
    ),
    scoring=ScoringRule(
        method="items_and_mean",
        description=(
            "No total. The 4 severity ratings are reported as they are; interference is the mean "
            "of the 7 interference ratings (0–10). Severity band from worst pain: 1–4 mild, 5–6 "
            "moderate, 7–10 severe; worst pain 0 has no band."
        ),
        compute=_bpi_compute,
    ),
    licence_note=(
        "© Charles S. Cleeland / MD Anderson Cancer Center. Use needs permission and fees may "
        "apply [59][60]: item names only. Rate on the clinic's licensed form and enter the "
        "ratings here."
    ),
    sources=("59", "60"),
    severity_bands=BPI_WORST_PAIN_BANDS,
    band_on="worst_pain",
)

"""C-SSRS screener, clinician-administered [56][57].

No question wording ships: electronic versions of the C-SSRS are exclusively licensed to Clario,
with fees and certification per implementation [58]. Items carry link ids and neutral names only;
a clinic that holds a licence pastes the licensed wording into its own configuration.

Flow [56][57]: ask Q1 and Q2; only if Q2 is yes ask Q3, Q4 and Q5; then Q6 (suicidal behaviour),
and only if Q6 is yes ask Q6b (within the past 3 months). Answers are 0 (no) or 1 (yes).

Risk rule [57]: yes to Q4 or Q5 (past month) or behaviour within 3 months is imminent risk:
safety precautions until a mental-health professional evaluates. Any other yes is positive:
referral and crisis lines. The low/moderate split taught in training is not verified in Columbia
text [?], so it is not encoded.
"""

from __future__ import annotations

from ._build import NO_YES_OPTIONS
from .model import (
    SUICIDALITY_FLAG,
    CrisisItem,
    EnableWhen,
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

YES = 1

RISK_NEGATIVE = 0
RISK_POSITIVE = 1
RISK_IMMINENT = 2

IMMINENT_ITEMS = ("q4", "q5", "q6b")

_ASKED_IF_Q2_YES = EnableWhen("q2", YES)

CSSRS_ITEMS = (
    Item("q1", "Wish to be dead (past month)", {}, NO_YES_OPTIONS),
    Item("q2", "Suicidal thoughts (past month)", {}, NO_YES_OPTIONS),
    Item("q3", "Thoughts of method (past month)", {}, NO_YES_OPTIONS, enable_when=_ASKED_IF_Q2_YES),
    Item(
        "q4", "Intent, without plan (past month)", {}, NO_YES_OPTIONS, enable_when=_ASKED_IF_Q2_YES
    ),
    Item("q5", "Intent with plan (past month)", {}, NO_YES_OPTIONS, enable_when=_ASKED_IF_Q2_YES),
    Item("q6", "Suicidal behaviour (lifetime)", {}, NO_YES_OPTIONS),
    Item(
        "q6b",
        "Behaviour within past 3 months",
        {},
        NO_YES_OPTIONS,
        enable_when=EnableWhen("q6", YES),
    ),
)

#: Words (lower case, accents removed, as regular expressions) one of which a clinic's pasted
#: wording of each item must contain, English or Spanish, so a question stays on its topic
#: (wishing to be dead, thoughts of killing oneself, method, intent, plan, behaviour, within 3
#: months). A guard against wrong or test text, not a check of the licence; no published
#: source [?].
ITEM_TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "q1": ("dead", "die", "death", "not wake", "muert", "morir", "despertar"),
    "q2": ("kill", "suicid", "end (your|my|their) life", "matar", "quitar(te|se)? la vida"),
    "q3": ("how", "method", "way", "como", "metodo", "manera", "forma"),
    "q4": ("intent", "intend", "acting", "act on", "intenci", "actuar"),
    "q5": ("plan", "detail", "work(ed)? out", "detalle", "planea"),
    "q6": ("done", "do anything", "prepar", "attempt", "end (your|my) life", "hecho", "intent"),
    "q6b": ("3 months", "three months", "3 meses", "tres meses"),
}

CSSRS_ALERT = Parameter(
    name="alert_at_least_risk_level",
    label="Safety alert from risk level",
    default=RISK_IMMINENT,
    minimum=RISK_POSITIVE,
    maximum=RISK_IMMINENT,
    description=(
        "Raise the suicidality flag (crisis resources at once, clinician alert, documented risk "
        "assessment before the encounter closes) at this risk level or above: 1 = any positive, "
        "2 = imminent. Default 2, imminent risk [57][63]. Any positive still raises the positive "
        "flag, which should lead to referral and crisis lines [57]."
    ),
    sources=("57", "63"),
)

CSSRS_BANDS = (  # [57]
    SeverityBand(RISK_NEGATIVE, RISK_NEGATIVE, "negative", "Negative screen"),
    SeverityBand(
        RISK_POSITIVE, RISK_POSITIVE, "positive", "Positive: refer, and give crisis lines"
    ),
    SeverityBand(
        RISK_IMMINENT,
        RISK_IMMINENT,
        "imminent",
        "Imminent risk (high): safety precautions until a mental-health professional evaluates",
    ),
)


def risk_level(values: Values) -> int:
    """Return 0 negative, 1 positive or 2 imminent from the answers given so far [57]."""
    if any(values.get(link_id) == YES for link_id in IMMINENT_ITEMS):
        return RISK_IMMINENT
    if any(value == YES for value in values.values()):
        return RISK_POSITIVE
    return RISK_NEGATIVE


#: Clinician risk levels, lowest first, as a risk assessment records them.
CLINICIAN_RISK_LEVELS = ("low", "moderate", "high", "imminent")

#: The lowest clinician risk level consistent with each screener triage result [57]: the
#: screener's imminent result is "imminent risk (high)", so a clinician who records less than
#: "high" is overriding the triage and must say why. A positive or negative screen sets no
#: floor above "low" (the low/moderate split is not in Columbia's text [?]).
TRIAGE_FLOOR = {RISK_NEGATIVE: "low", RISK_POSITIVE: "low", RISK_IMMINENT: "high"}


def triage_floor(level: int) -> str:
    """Return the lowest clinician risk level consistent with screener risk ``level`` [57].

    ``level`` is 0 negative, 1 positive or 2 imminent (``risk_level``); raises KeyError for
    any other value.
    """
    return TRIAGE_FLOOR[level]


def below_triage(clinician_level: str, screener_level: int) -> bool:
    """Return whether a clinician's risk level is lower than the screener triage allows [57].

    Raises ValueError for a clinician level not in ``CLINICIAN_RISK_LEVELS``.
    """
    floor = CLINICIAN_RISK_LEVELS.index(triage_floor(screener_level))
    return CLINICIAN_RISK_LEVELS.index(clinician_level) < floor


def _flags_for(level: int, params: Params) -> tuple[str, ...]:
    flags: list[str] = []
    if level == RISK_IMMINENT:
        flags.append("imminent")
    elif level == RISK_POSITIVE:
        flags.append("positive")
    if level >= params[CSSRS_ALERT.name]:
        flags.append(SUICIDALITY_FLAG)
    return tuple(flags)


def _safety_flags(values: Values, params: Params) -> tuple[str, ...]:
    return _flags_for(risk_level(values), params)


def _compute(values: Values, params: Params) -> Scored:
    level = risk_level(values)
    return Scored(total=None, subscores={"risk_level": level}, flags=_flags_for(level, params))


CSSRS_SCREENER = Instrument(
    code="cssrs_screener",
    version="1.0.0",
    title="Columbia–Suicide Severity Rating Scale, screener (C-SSRS)",
    short_name="C-SSRS screener",
    titles=lang_text(es="Escala Columbia para evaluar el riesgo de suicidio, cribado (C-SSRS)"),
    items=CSSRS_ITEMS,
    scoring=ScoringRule(
        method="risk_rule",
        description=(
            "No total. Imminent if Q4, Q5 or Q6b is yes; positive if any other answer is yes; "
            "otherwise negative."
        ),
        compute=_compute,
        safety_flags=_safety_flags,
    ),
    licence_note=(
        "No C-SSRS wording is included. The paper C-SSRS is available free from Columbia "
        "University, but electronic versions are exclusively licensed to Clario, with fees and "
        "certification per implementation [58]. Obtain a licence and paste the licensed wording "
        "into the clinic's configuration; administer by a trained clinician."
    ),
    sources=("56", "57", "58"),
    administration="clinician",
    severity_bands=CSSRS_BANDS,
    band_on="risk_level",
    flags=(
        FlagRule(
            "positive", "A yes answer without imminent risk: refer, give crisis lines.", ("57",)
        ),
        FlagRule(
            "imminent",
            "Yes to Q4 or Q5, or behaviour within 3 months: safety precautions until evaluated.",
            ("57",),
        ),
        FlagRule(
            SUICIDALITY_FLAG,
            "Risk level at or above the clinic's alert level: start the crisis workflow.",
            ("57", "63"),
        ),
    ),
    parameters=(CSSRS_ALERT,),
    # Yes to intent (Q4, Q5) or recent behaviour (Q6b) is imminent risk [57].
    crisis_items=tuple(CrisisItem(link_id, at_least=YES) for link_id in IMMINENT_ITEMS),
)

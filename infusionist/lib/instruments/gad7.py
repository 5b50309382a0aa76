"""GAD-7 anxiety questionnaire [51][62].

Free to reproduce, translate, display and distribute [51]. English and US Spanish wording.
LOINC panel 69737-5 [62]; item 6 (irritable) is 69689-8 and item 7 (afraid) is 69736-7. The
answers use the same LOINC answer codes as PHQ-9 (LA6568-5..LA6571-9), and the 0 anchor is "Not at
all", not the "not at all sure" of some published copies [51].
"""

from __future__ import annotations

from ._build import link_ids, sum_of
from .model import (
    AnswerOption,
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
from .phq import DIFFICULTY_OPTIONS, DIFFICULTY_TEXT, FREQUENCY_OPTIONS, PHQ_LICENCE_NOTE

# (link_id, name, LOINC item code [62], English, Spanish)
_GAD7_ITEMS = (
    (
        "q1",
        "Nervousness",
        "69725-0",
        "Feeling nervous, anxious, or on edge",
        "Se ha sentido nervioso(a), ansioso(a) o con los nervios de punta",
    ),
    (
        "q2",
        "Uncontrollable worry",
        "68509-9",
        "Not being able to stop or control worrying",
        "No ha sido capaz de parar o controlar su preocupación",
    ),
    (
        "q3",
        "Excessive worry",
        "69733-4",
        "Worrying too much about different things",
        "Se ha preocupado demasiado por motivos diferentes",
    ),
    (
        "q4",
        "Trouble relaxing",
        "69734-2",
        "Trouble relaxing",
        "Ha tenido dificultad para relajarse",
    ),
    (
        "q5",
        "Restlessness",
        "69735-9",
        "Being so restless that it is hard to sit still",
        "Se ha sentido tan inquieto(a) que no ha podido quedarse quieto(a)",
    ),
    (
        "q6",
        "Irritability",
        "69689-8",
        "Becoming easily annoyed or irritable",
        "Se ha molestado o irritado fácilmente",
    ),
    (
        "q7",
        "Fear of something awful",
        "69736-7",
        "Feeling afraid, as if something awful might happen",
        "Ha tenido miedo de que algo terrible fuera a pasar",
    ),
)

GAD7_SYMPTOM_ITEMS = link_ids("q", 1, 7)

GAD7_POSITIVE_SCREEN = Parameter(
    name="positive_screen_at_least",
    label="Positive screen from total",
    default=10,
    minimum=1,
    maximum=21,
    description=(
        "Flag a positive screen when the total is at least this value. Default 10: generalised "
        "anxiety disorder sensitivity 89%, specificity 82% [51]."
    ),
    sources=("51",),
)

GAD7_BANDS = (  # cut-offs 5/10/15 [51]
    SeverityBand(0, 4, "minimal", "Minimal"),
    SeverityBand(5, 9, "mild", "Mild"),
    SeverityBand(10, 14, "moderate", "Moderate"),
    SeverityBand(15, 21, "severe", "Severe"),
)

# The reference does not source a LOINC code for the GAD-7 difficulty item, so it carries none;
# its answers reuse PHQ-9's wording without LOINC answer codes.
_GAD7_DIFFICULTY_OPTIONS = tuple(
    AnswerOption(option.value, option.label) for option in DIFFICULTY_OPTIONS
)


def _gad7_items() -> tuple[Item, ...]:
    symptom_items = tuple(
        Item(
            link_id=link_id,
            name=name,
            text=lang_text(en=english, es=spanish),
            options=FREQUENCY_OPTIONS,
            loinc_code=loinc,
        )
        for link_id, name, loinc, english, spanish in _GAD7_ITEMS
    )
    difficulty = Item(
        link_id="difficulty",
        name="Functional difficulty",
        text=DIFFICULTY_TEXT,
        options=_GAD7_DIFFICULTY_OPTIONS,
        required=False,
        scored=False,
    )
    return (*symptom_items, difficulty)


def _gad7_compute(values: Values, params: Params) -> Scored:
    total = sum_of(values, GAD7_SYMPTOM_ITEMS)
    flags = ("positive_screen",) if total >= params[GAD7_POSITIVE_SCREEN.name] else ()
    return Scored(total=total, flags=flags)


GAD7 = Instrument(
    code="gad7",
    version="1.0.0",
    title="Generalized Anxiety Disorder-7 (GAD-7)",
    short_name="GAD-7",
    titles=lang_text(es="Cuestionario de ansiedad generalizada-7 (GAD-7)"),
    items=_gad7_items(),
    scoring=ScoringRule(
        method="sum",
        description="Sum of items 1–7, each 0–3 (0–21); the difficulty item is not scored.",
        compute=_gad7_compute,
    ),
    licence_note=PHQ_LICENCE_NOTE,
    sources=("51", "62"),
    languages=("en", "es"),
    instructions=lang_text(
        en="Over the last 2 weeks, how often have you been bothered by the following problems?",
        es=(
            "Durante las últimas 2 semanas, ¿con qué frecuencia le han molestado los siguientes "
            "problemas?"
        ),
    ),
    severity_bands=GAD7_BANDS,
    flags=(
        FlagRule("positive_screen", "Total at or above the positive-screen threshold.", ("51",)),
    ),
    parameters=(GAD7_POSITIVE_SCREEN,),
    total_range=(0, 21),
    loinc_panel="69737-5",
    loinc_total="70274-6",
)

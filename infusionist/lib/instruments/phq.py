"""PHQ-9 and PHQ-2 depression questionnaires [51][61].

Free to reproduce, translate, display and distribute [51]. English and US Spanish wording.
LOINC codes as published for panel 44249-1 [61]; item 9 is 44260-8 and the total is 44261-6.
"""

from __future__ import annotations

from ._build import link_ids, sum_of
from .model import (
    SUICIDALITY_FLAG,
    AnswerOption,
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

PHQ_LICENCE_NOTE = (
    "Developed by Drs Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an "
    "educational grant from Pfizer Inc. No permission is required to reproduce, translate, display "
    "or distribute [51]."
)

#: "Over the last 2 weeks" frequency answers; LOINC answer list for PHQ items [61].
FREQUENCY_OPTIONS = (
    AnswerOption(0, lang_text(en="Not at all", es="Ningún día"), "LA6568-5"),
    AnswerOption(1, lang_text(en="Several days", es="Varios días"), "LA6569-3"),
    AnswerOption(
        2, lang_text(en="More than half the days", es="Más de la mitad de los días"), "LA6570-1"
    ),
    AnswerOption(3, lang_text(en="Nearly every day", es="Casi todos los días"), "LA6571-9"),
)

#: Difficulty answers [61]; note LA6575-0 is "very" and LA6574-3 is "extremely".
DIFFICULTY_OPTIONS = (
    AnswerOption(0, lang_text(en="Not difficult at all", es="No ha sido difícil"), "LA6572-7"),
    AnswerOption(1, lang_text(en="Somewhat difficult", es="Un poco difícil"), "LA6573-5"),
    AnswerOption(2, lang_text(en="Very difficult", es="Muy difícil"), "LA6575-0"),
    AnswerOption(3, lang_text(en="Extremely difficult", es="Extremadamente difícil"), "LA6574-3"),
)

DIFFICULTY_TEXT = lang_text(
    en=(
        "If you checked off any problems, how difficult have these problems made it for you to do "
        "your work, take care of things at home, or get along with other people?"
    ),
    es=(
        "Si marcó cualquiera de los problemas, ¿qué tanta dificultad le han dado estos problemas "
        "para hacer su trabajo, encargarse de las tareas del hogar, o llevarse bien con otras "
        "personas?"
    ),
)

# (link_id, name, LOINC item code [61], English, Spanish)
_PHQ9_ITEMS = (
    (
        "q1",
        "Anhedonia",
        "44250-9",
        "Little interest or pleasure in doing things",
        "Poco interés o placer en hacer cosas",
    ),
    (
        "q2",
        "Depressed mood",
        "44255-8",
        "Feeling down, depressed, or hopeless",
        "Se ha sentido decaído(a), deprimido(a) o sin esperanzas",
    ),
    (
        "q3",
        "Sleep",
        "44259-0",
        "Trouble falling or staying asleep, or sleeping too much",
        "Ha tenido dificultad para quedarse o permanecer dormido(a), o ha dormido demasiado",
    ),
    (
        "q4",
        "Fatigue",
        "44254-1",
        "Feeling tired or having little energy",
        "Se ha sentido cansado(a) o con poca energía",
    ),
    (
        "q5",
        "Appetite",
        "44251-7",
        "Poor appetite or overeating",
        "Sin apetito o ha comido en exceso",
    ),
    (
        "q6",
        "Worthlessness or guilt",
        "44258-2",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your "
        "family down",
        "Se ha sentido mal con usted mismo(a) — o que es un fracaso o que ha quedado mal con usted "
        "mismo(a) o con su familia",
    ),
    (
        "q7",
        "Concentration",
        "44252-5",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Ha tenido dificultad para concentrarse en ciertas actividades, tales como leer el "
        "periódico o ver la televisión",
    ),
    (
        "q8",
        "Psychomotor change",
        "44253-3",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "¿Se ha movido o hablado tan lento que otras personas podrían haberlo notado? O lo "
        "contrario — muy inquieto(a) o agitado(a) que ha estado moviéndose mucho más de lo normal",
    ),
    (
        "q9",
        "Thoughts of death or self-harm",
        "44260-8",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
        "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera",
    ),
)

PHQ9_SYMPTOM_ITEMS = link_ids("q", 1, 9)
PHQ9_DIFFICULTY_ID = "difficulty"

# Syndrome algorithm [51]: a symptom counts when answered "more than half the days" (2) or more,
# except item 9, which counts at "several days" (1); items 1 or 2 must be among those counted.
SYMPTOM_PRESENT_AT_LEAST = 2
ITEM9_PRESENT_AT_LEAST = 1
MAJOR_SYNDROME_MIN_SYMPTOMS = 5
OTHER_SYNDROME_MIN_SYMPTOMS = 2
CARDINAL_ITEMS = ("q1", "q2")

PHQ9_ITEM9_ALERT = Parameter(
    name="item9_alert_at_least",
    label="Suicidality alert from item 9 answer",
    default=1,
    minimum=1,
    maximum=3,
    description=(
        "Raise the suicidality flag when item 9 is at least this value. Default 1: any answer "
        "above 'not at all' requires a structured risk assessment before the visit ends "
        "[63][51]; a negative answer is not clearance [65]."
    ),
    sources=("51", "63", "65"),
)

PHQ9_POSITIVE_SCREEN = Parameter(
    name="positive_screen_at_least",
    label="Positive screen from total",
    default=10,
    minimum=1,
    maximum=27,
    description=(
        "Flag a positive screen when the total is at least this value. Default 10: major "
        "depression sensitivity 77-88%, specificity 88-94% [51]."
    ),
    sources=("51",),
)

PHQ2_POSITIVE_SCREEN = Parameter(
    name="positive_screen_at_least",
    label="Positive screen from total",
    default=3,
    minimum=1,
    maximum=6,
    description=(
        "Flag a positive screen when the PHQ-2 total is at least this value. Default 3 (Kroenke "
        "2003), a cut-off the clinical reference does not source [?]: review it."
    ),
    sources=("?",),
)

PHQ9_BANDS = (  # [51]
    SeverityBand(0, 4, "none", "None–minimal"),
    SeverityBand(5, 9, "mild", "Mild"),
    SeverityBand(10, 14, "moderate", "Moderate"),
    SeverityBand(15, 19, "moderately_severe", "Moderately severe"),
    SeverityBand(20, 27, "severe", "Severe"),
)

PHQ_INSTRUCTIONS = lang_text(
    en="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    es=(
        "Durante las últimas 2 semanas, ¿qué tan seguido le han molestado cualquiera de los "
        "siguientes problemas?"
    ),
)


def _phq9_items() -> tuple[Item, ...]:
    symptom_items = tuple(
        Item(
            link_id=link_id,
            name=name,
            text=lang_text(en=english, es=spanish),
            options=FREQUENCY_OPTIONS,
            loinc_code=loinc,
        )
        for link_id, name, loinc, english, spanish in _PHQ9_ITEMS
    )
    difficulty = Item(
        link_id=PHQ9_DIFFICULTY_ID,
        name="Functional difficulty",
        text=DIFFICULTY_TEXT,
        options=DIFFICULTY_OPTIONS,
        loinc_code="69722-7",
        required=False,
        scored=False,
    )
    return (*symptom_items, difficulty)


PHQ9_CRISIS_ITEMS = (CrisisItem("q9", parameter=PHQ9_ITEM9_ALERT.name),)


def _phq9_safety_flags(values: Values, params: Params) -> tuple[str, ...]:
    if any(values.get(c.link_id, -1) >= c.threshold(params) for c in PHQ9_CRISIS_ITEMS):
        return (SUICIDALITY_FLAG,)
    return ()


def depressive_syndrome(values: Values) -> str | None:
    """Return the PHQ-9 syndrome flag for complete answers, or None [51]."""
    counted = sum(
        1 for link_id in PHQ9_SYMPTOM_ITEMS[:-1] if values[link_id] >= SYMPTOM_PRESENT_AT_LEAST
    )
    counted += 1 if values["q9"] >= ITEM9_PRESENT_AT_LEAST else 0
    if not any(values[link_id] >= SYMPTOM_PRESENT_AT_LEAST for link_id in CARDINAL_ITEMS):
        return None
    if counted >= MAJOR_SYNDROME_MIN_SYMPTOMS:
        return "major_depressive_syndrome"
    if counted >= OTHER_SYNDROME_MIN_SYMPTOMS:
        return "other_depressive_syndrome"
    return None


def _phq9_compute(values: Values, params: Params) -> Scored:
    total = sum_of(values, PHQ9_SYMPTOM_ITEMS)
    flags: list[str] = []
    if total >= params[PHQ9_POSITIVE_SCREEN.name]:
        flags.append("positive_screen")
    syndrome = depressive_syndrome(values)
    if syndrome is not None:
        flags.append(syndrome)
    return Scored(total=total, flags=tuple(flags))


PHQ9 = Instrument(
    code="phq9",
    version="1.0.0",
    title="Patient Health Questionnaire-9 (PHQ-9)",
    short_name="PHQ-9",
    titles=lang_text(es="Cuestionario sobre la salud del paciente-9 (PHQ-9)"),
    items=_phq9_items(),
    scoring=ScoringRule(
        method="sum",
        description="Sum of items 1–9, each 0–3 (0–27); the difficulty item is not scored.",
        compute=_phq9_compute,
        safety_flags=_phq9_safety_flags,
    ),
    licence_note=PHQ_LICENCE_NOTE,
    sources=("51", "61", "63", "64", "65"),
    languages=("en", "es"),
    instructions=PHQ_INSTRUCTIONS,
    severity_bands=PHQ9_BANDS,
    flags=(
        FlagRule(
            SUICIDALITY_FLAG,
            "Item 9 at or above the clinic's alert answer: show crisis resources, alert the "
            "clinician and require a documented risk assessment before the encounter closes.",
            ("63", "51"),
        ),
        FlagRule("positive_screen", "Total at or above the positive-screen threshold.", ("51",)),
        FlagRule(
            "major_depressive_syndrome",
            "≥5 symptoms at ≥2 (item 9 at ≥1), including item 1 or 2.",
            ("51",),
        ),
        FlagRule(
            "other_depressive_syndrome",
            "2–4 symptoms at ≥2 (item 9 at ≥1), including item 1 or 2.",
            ("51",),
        ),
    ),
    parameters=(PHQ9_ITEM9_ALERT, PHQ9_POSITIVE_SCREEN),
    total_range=(0, 27),
    loinc_panel="44249-1",
    loinc_total="44261-6",
    crisis_items=PHQ9_CRISIS_ITEMS,
)


def _phq2_compute(values: Values, params: Params) -> Scored:
    total = sum_of(values, CARDINAL_ITEMS)
    flags = ("positive_screen",) if total >= params[PHQ2_POSITIVE_SCREEN.name] else ()
    return Scored(total=total, flags=flags)


PHQ2 = Instrument(
    code="phq2",
    version="1.0.0",
    title="Patient Health Questionnaire-2 (PHQ-2)",
    short_name="PHQ-2",
    titles=lang_text(es="Cuestionario sobre la salud del paciente-2 (PHQ-2)"),
    items=PHQ9.items[:2],
    scoring=ScoringRule(
        method="sum",
        description="Sum of PHQ-9 items 1 and 2, each 0–3 (0–6).",
        compute=_phq2_compute,
    ),
    licence_note=PHQ_LICENCE_NOTE,
    sources=("51", "61"),
    languages=("en", "es"),
    instructions=PHQ_INSTRUCTIONS,
    flags=(
        FlagRule(
            "positive_screen",
            "Total at or above the positive-screen threshold: give the full PHQ-9.",
            ("?",),
        ),
    ),
    parameters=(PHQ2_POSITIVE_SCREEN,),
    total_range=(0, 6),
    loinc_total="55758-7",
)

"""PCL-5, the PTSD Checklist for DSM-5 [55][51].

A US Government work (National Center for PTSD), free to use: full English wording ships.
Total 0–80; DSM-5 cluster subscores B (1–5), C (6–7), D (8–14), E (15–20) [55].
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
    Values,
    lang_text,
)

_TEXTS = (
    "Repeated, disturbing, and unwanted memories of the stressful experience?",
    "Repeated, disturbing dreams of the stressful experience?",
    "Suddenly feeling or acting as if the stressful experience were actually happening again "
    "(as if you were actually back there reliving it)?",
    "Feeling very upset when something reminded you of the stressful experience?",
    "Having strong physical reactions when something reminded you of the stressful experience "
    "(for example, heart pounding, trouble breathing, sweating)?",
    "Avoiding memories, thoughts, or feelings related to the stressful experience?",
    "Avoiding external reminders of the stressful experience (for example, people, places, "
    "conversations, activities, objects, or situations)?",
    "Trouble remembering important parts of the stressful experience?",
    "Having strong negative beliefs about yourself, other people, or the world (for example, "
    "having thoughts such as: I am bad, there is something seriously wrong with me, no one can "
    "be trusted, the world is completely dangerous)?",
    "Blaming yourself or someone else for the stressful experience or what happened after it?",
    "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
    "Loss of interest in activities that you used to enjoy?",
    "Feeling distant or cut off from other people?",
    "Trouble experiencing positive feelings (for example, being unable to feel happiness or have "
    "loving feelings for people close to you)?",
    "Irritable behavior, angry outbursts, or acting aggressively?",
    "Taking too many risks or doing things that could cause you harm?",
    'Being "superalert" or watchful or on guard?',
    "Feeling jumpy or easily startled?",
    "Having difficulty concentrating?",
    "Trouble falling or staying asleep?",
)

_NAMES = (
    "Intrusive memories",
    "Nightmares",
    "Flashbacks",
    "Cue-triggered distress",
    "Cue-triggered physical reactions",
    "Avoiding internal reminders",
    "Avoiding external reminders",
    "Trauma-related amnesia",
    "Negative beliefs",
    "Blame",
    "Negative feelings",
    "Loss of interest",
    "Detachment",
    "Trouble with positive feelings",
    "Irritability or aggression",
    "Risk-taking",
    "Hypervigilance",
    "Startle",
    "Concentration",
    "Sleep",
)

_OPTIONS = tuple(
    AnswerOption(value, lang_text(en=label))
    for value, label in enumerate(
        ("Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely")
    )
)

#: DSM-5 symptom clusters: (subscore key, items, symptoms needed for a provisional diagnosis) [55].
CLUSTERS = (
    ("cluster_b", link_ids("q", 1, 5), 1),
    ("cluster_c", link_ids("q", 6, 7), 1),
    ("cluster_d", link_ids("q", 8, 14), 2),
    ("cluster_e", link_ids("q", 15, 20), 2),
)

#: An item counts as a symptom when rated "Moderately" (2) or higher [55].
SYMPTOM_PRESENT_AT_LEAST = 2

PCL5_CUTOFF = Parameter(
    name="probable_ptsd_min_total",
    label="Probable PTSD from total",
    default=33,
    minimum=0,
    maximum=80,
    description=(
        "Flag probable PTSD when the total is at least this value. Published cut-offs are "
        "31–33 [55][51]; the default is 33."
    ),
    sources=("55", "51"),
)


def _compute(values: Values, params: Params) -> Scored:
    subscores: dict[str, int] = {}
    diagnosis = True
    for key, ids, needed in CLUSTERS:
        subscores[key] = sum_of(values, ids)
        symptoms = sum(1 for link_id in ids if values[link_id] >= SYMPTOM_PRESENT_AT_LEAST)
        diagnosis = diagnosis and symptoms >= needed
    total = sum(subscores.values())
    flags: list[str] = []
    if total >= params[PCL5_CUTOFF.name]:
        flags.append("probable_ptsd")
    if diagnosis:
        flags.append("provisional_ptsd_diagnosis")
    return Scored(total=total, subscores=subscores, flags=tuple(flags))


PCL5 = Instrument(
    code="pcl5",
    version="1.0.0",
    title="PTSD Checklist for DSM-5 (PCL-5)",
    short_name="PCL-5",
    titles=lang_text(es="Lista de verificación del TEPT para el DSM-5 (PCL-5)"),
    items=tuple(
        Item(link_id=f"q{number}", name=name, text=lang_text(en=text), options=_OPTIONS)
        for number, (name, text) in enumerate(zip(_NAMES, _TEXTS, strict=True), start=1)
    ),
    scoring=ScoringRule(
        method="sum",
        description=(
            "Sum of 20 items, each 0–4 (0–80); cluster subscores B 1–5, C 6–7, D 8–14, E 15–20."
        ),
        compute=_compute,
    ),
    licence_note="US Government work (National Center for PTSD); free to use [55][51].",
    sources=("55", "51"),
    instructions=lang_text(
        en=(
            "Below is a list of problems that people sometimes have in response to a very "
            "stressful experience. Please indicate how much you have been bothered by each "
            "problem in the past month."
        )
    ),
    flags=(
        FlagRule("probable_ptsd", "Total at or above the probable-PTSD threshold.", ("55", "51")),
        FlagRule(
            "provisional_ptsd_diagnosis",
            "Items rated ≥2: at least 1 in B, 1 in C, 2 in D and 2 in E.",
            ("55",),
        ),
    ),
    parameters=(PCL5_CUTOFF,),
    total_range=(0, 80),
)

"""Eligibility for ketamine or esketamine treatment: contraindications, treatment
resistance and medication flags, framework-free.

INTERFACE SKELETON (session lead): the shapes below are fixed so the intake app, the
physician review and the API can be built against them at once; the rules themselves are
filled in by the eligibility work (``evaluate``). Facts follow docs/clinical-reference.md §2;
source keys in square brackets resolve in :mod:`infusionist.lib.sources`.

Shapes:

- :class:`IntakeFacts` is everything the rules read, as plain values (no Django). The intake
  packet builds it (``intake.selectors``), the API builds it from a JSON body.
- :class:`EligibilityLimits` holds the per-clinic thresholds, defaults documented and sourced.
- :func:`evaluate` returns an :class:`EligibilityResult`: one :class:`RuleCheck` per rule
  (fired or not, so the physician's checklist shows every rule with its basis and the inputs
  it read), the diazepam-equivalent daily dose and whether treatment resistance is met.
- Bad facts raise :class:`InvalidFacts` naming the field (the API maps it to 422).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "CONDITIONS",
    "ROUTES",
    "SEVERITIES",
    "TRIAL_RESPONSES",
    "AntidepressantTrial",
    "EligibilityLimits",
    "EligibilityResult",
    "IntakeFacts",
    "InvalidFacts",
    "Medication",
    "RuleCheck",
    "Severity",
    "evaluate",
]

#: ``stop``: a hard stop, treatment may not go ahead; ``override``: may go ahead only when a
#: physician overrides the rule with a reason; ``info``: shown to the physician, no action.
Severity = Literal["stop", "override", "info"]
SEVERITIES: tuple[Severity, ...] = ("stop", "override", "info")

#: The planned route (as in :data:`infusionist.lib.dosing.ROUTE_DRUGS`): IV and IM racemic
#: ketamine, intranasal esketamine.
ROUTES: tuple[str, ...] = ("iv", "im", "intranasal")

#: Condition codes the intake asks about and the rules read, with the plain words staff see.
#: ``*_history`` means ever; the others mean now (current or active).
CONDITIONS: dict[str, str] = {
    "ketamine_hypersensitivity": "Allergy or hypersensitivity to ketamine or esketamine",
    "aneurysmal_vascular_disease": "Aneurysm (aorta, brain or other arteries)",
    "arteriovenous_malformation": "Arteriovenous malformation (AVM)",
    "intracerebral_haemorrhage_history": "Bleeding in the brain (intracerebral haemorrhage), ever",
    "hypertension": "High blood pressure (hypertension)",
    "hypertension_uncontrolled": "High blood pressure that is not controlled",
    "cardiac_disease": "Heart disease (coronary disease, heart failure, arrhythmia)",
    "cardiac_disease_unstable": "Heart disease that is not controlled or recently worse",
    "liver_disease_moderate": "Liver disease, moderate",
    "liver_disease_severe": "Liver disease, severe (cirrhosis, liver failure)",
    "raised_intracranial_pressure": "Raised pressure in the head (intracranial pressure)",
    "raised_intraocular_pressure": "Raised eye pressure (glaucoma)",
    "thyroid_disease": "Thyroid disease",
    "hyperthyroidism_uncontrolled": "Overactive thyroid that is not controlled",
    "seizure_disorder": "Seizures or epilepsy",
    "bladder_symptoms": "Bladder or urinary symptoms (pain, urgency, frequency, blood)",
    "psychosis_active": "Psychosis now (hallucinations, delusions)",
    "psychosis_history": "Psychosis, ever",
    "mania_history": "Mania or hypomania, ever",
    "bipolar_disorder": "Bipolar disorder",
    "bipolar_on_mood_stabilizer": "Bipolar disorder, taking a mood stabilizer",
    "ptsd": "Post-traumatic stress disorder (PTSD)",
    "substance_use_active": "Substance use disorder, active",
    "substance_use_history": "Substance use disorder, in the past",
    "dementia": "Dementia",
    "traumatic_brain_injury_symptomatic": "Brain injury with symptoms now",
    "prior_ketamine_or_esketamine": "Ketamine or esketamine treatment before",
}

#: How a patient responded to an antidepressant trial.
TRIAL_RESPONSES: tuple[str, ...] = ("none", "partial", "remission", "unknown")


class InvalidFacts(ValueError):
    """The facts cannot be evaluated; ``field`` names the offending input (dotted path, e.g.
    ``medications.2.daily_dose_mg``) and ``message`` says why in plain words."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Medication:
    """One current medication: generic ``name`` (case-insensitive; brand names the kernel
    knows are mapped to it), ``daily_dose_mg`` (total milligrams a day, None when unknown)."""

    name: str
    daily_dose_mg: float | None = None


@dataclass(frozen=True)
class AntidepressantTrial:
    """One antidepressant (or augmentation) trial: drug, daily dose in mg, duration in weeks,
    whether the prescriber judged dose and duration adequate (None = unknown), the
    response (:data:`TRIAL_RESPONSES`) and whether it was in the current episode."""

    drug: str
    daily_dose_mg: float | None = None
    duration_weeks: float | None = None
    adequate: bool | None = None
    response: str = "unknown"
    current_episode: bool = True


@dataclass(frozen=True)
class IntakeFacts:
    """Everything the eligibility rules read. ``conditions``: codes from :data:`CONDITIONS`;
    blood pressure in mmHg (None = not measured); ``pregnant``/``breastfeeding`` None = not
    asked or not applicable; ``planned_route`` from :data:`ROUTES`; ``age_years`` None =
    unknown."""

    conditions: frozenset[str] = frozenset()
    medications: tuple[Medication, ...] = ()
    systolic_mmhg: int | None = None
    diastolic_mmhg: int | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    antidepressant_trials: tuple[AntidepressantTrial, ...] = ()
    planned_route: str = "iv"
    age_years: int | None = None


@dataclass(frozen=True)
class EligibilityLimits:
    """Per-clinic thresholds; the defaults are the documented, sourced values.

    - ``max_benzodiazepine_diazepam_mg_per_day``: 8 mg/day diazepam-equivalent separated
      non-responders (sensitivity 80%, specificity 85%, n=47) [32].
    - ``min_failed_adequate_trials``: treatment resistance is no adequate response to at
      least 2 antidepressants of adequate dose and duration in the current episode [25].
    - ``max_systolic_mmhg`` / ``max_diastolic_mmhg``: 140/90, the esketamine label's general
      guide for a pre-dose blood pressure at which to weigh delaying treatment [27].
    """

    max_benzodiazepine_diazepam_mg_per_day: float = 8.0
    min_failed_adequate_trials: int = 2
    max_systolic_mmhg: int = 140
    max_diastolic_mmhg: int = 90


@dataclass(frozen=True)
class RuleCheck:
    """One rule as the physician's checklist shows it: ``code`` (stable, snake_case),
    ``title`` (what the rule checks), ``severity``, ``fired`` (whether it applies to this
    patient), ``reason`` (plain words: why it fired, or what was checked), ``source_keys``
    (e.g. ``("22", "27")``) and ``inputs`` (the facts it read, JSON-able values)."""

    code: str
    title: str
    severity: Severity
    fired: bool
    reason: str
    source_keys: tuple[str, ...]
    inputs: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class EligibilityResult:
    """``checks``: every rule, in checklist order; ``findings``: the fired ones;
    ``diazepam_equivalent_mg_per_day``: the summed benzodiazepine load (0.0 when none);
    ``treatment_resistant``: at least ``min_failed_adequate_trials`` adequate failed trials
    in the current episode (``failed_adequate_trials`` counts them)."""

    checks: tuple[RuleCheck, ...]
    diazepam_equivalent_mg_per_day: float
    treatment_resistant: bool
    failed_adequate_trials: int

    @property
    def findings(self) -> tuple[RuleCheck, ...]:
        return tuple(c for c in self.checks if c.fired)

    @property
    def hard_stops(self) -> tuple[RuleCheck, ...]:
        return tuple(c for c in self.findings if c.severity == "stop")

    @property
    def needs_override(self) -> tuple[RuleCheck, ...]:
        return tuple(c for c in self.findings if c.severity == "override")


def evaluate(facts: IntakeFacts, limits: EligibilityLimits | None = None) -> EligibilityResult:
    """Evaluate every rule against ``facts`` under ``limits`` (default: documented values).

    Raises :class:`InvalidFacts` for facts that cannot be evaluated (an unknown condition
    code or route, a negative dose, a blood pressure outside 40–300 mmHg).
    """
    raise NotImplementedError("filled in by the eligibility rules work")

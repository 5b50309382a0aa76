"""Eligibility evaluations: the eligibility rules as a stateless decision-support endpoint.

An integrator sends structured intake facts and gets back every rule's check (fired or not)
with its severity, plain reason, source keys and the inputs it read, the diazepam-equivalent
daily dose and whether treatment resistance is met. Nothing is stored. Inputs are bounded so
no request can make a 500; facts that cannot be evaluated answer 422 naming the field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from infusionist.accounts.api_auth import BearerToken, api_user
from infusionist.api.routers.treatment import DetailOut, ErrorOut
from infusionist.clinics.models import Organization
from infusionist.consultations.selectors import eligibility_limits_for
from infusionist.lib import eligibility
from infusionist.lib.eligibility import (
    AGE_RANGE_YEARS,
    BP_RANGE_MMHG,
    CONDITIONS,
    MAX_DAILY_DOSE_MG,
    MAX_NAME_CHARS,
    MAX_TRIAL_WEEKS,
    EligibilityLimits,
)

router = Router(tags=["eligibility"])

MAX_MEDICATIONS = 100
MAX_TRIALS = 50

EXAMPLE: dict[str, Any] = {
    "conditions": ["hypertension", "ptsd"],
    "medications": [
        {"name": "lorazepam", "daily_dose_mg": 2},
        {"name": "sertraline", "daily_dose_mg": 150},
    ],
    "systolic_mmhg": 132,
    "diastolic_mmhg": 84,
    "pregnant": False,
    "breastfeeding": False,
    "antidepressant_trials": [
        {
            "drug": "escitalopram",
            "daily_dose_mg": 20,
            "duration_weeks": 8,
            "adequate": True,
            "response": "none",
            "current_episode": True,
        },
        {
            "drug": "bupropion",
            "daily_dose_mg": 300,
            "duration_weeks": 10,
            "adequate": True,
            "response": "partial",
            "current_episode": True,
        },
    ],
    "planned_route": "iv",
    "age_years": 42,
}

ConditionCode = Annotated[
    str,
    Field(
        max_length=60,
        json_schema_extra={"enum": list(CONDITIONS)},
        description="A condition code (see the list of codes).",
    ),
]


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class MedicationIn(_Strict):
    name: str = Field(
        min_length=1,
        max_length=MAX_NAME_CHARS,
        description="Generic or brand name, any case; a strength after it is ignored "
        "(“Xanax 0.5 mg” reads as alprazolam).",
        examples=["lorazepam"],
    )
    daily_dose_mg: float | None = Field(
        None,
        ge=0,
        le=MAX_DAILY_DOSE_MG,
        description="Total milligrams a day (dose × times a day); null when unknown. A "
        "benzodiazepine without it cannot be converted to diazepam mg/day.",
        examples=[2],
    )


class AntidepressantTrialIn(_Strict):
    drug: str = Field(min_length=1, max_length=MAX_NAME_CHARS, examples=["escitalopram"])
    daily_dose_mg: float | None = Field(None, ge=0, le=MAX_DAILY_DOSE_MG, examples=[20])
    duration_weeks: float | None = Field(None, ge=0, le=MAX_TRIAL_WEEKS, examples=[8])
    adequate: bool | None = Field(
        None,
        description="Whether the prescriber judged dose and duration adequate; null: unknown "
        "(not counted).",
    )
    response: Literal["none", "partial", "remission", "unknown"] = Field(
        "unknown", description="Response to the trial; none and partial count as failed."
    )
    current_episode: bool = Field(True, description="The trial was in the current episode.")


class EligibilityEvaluationIn(_Strict):
    """Structured intake facts. Omitted values are unknown (not asked or not measured)."""

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, json_schema_extra={"examples": [EXAMPLE]}
    )

    conditions: list[ConditionCode] = Field(
        [],
        max_length=len(CONDITIONS),
        description="Condition codes that apply (current, or ever for the *_history codes): "
        + "; ".join(f"{code}: {words}" for code, words in CONDITIONS.items())
        + ".",
    )
    medications: list[MedicationIn] = Field(
        [],
        max_length=MAX_MEDICATIONS,
        description=f"Current medications, at most {MAX_MEDICATIONS}.",
    )
    systolic_mmhg: int | None = Field(
        None, ge=BP_RANGE_MMHG[0], le=BP_RANGE_MMHG[1], description="Latest reading, mmHg."
    )
    diastolic_mmhg: int | None = Field(
        None,
        ge=BP_RANGE_MMHG[0],
        le=BP_RANGE_MMHG[1],
        description="Latest reading, mmHg; below the systolic.",
    )
    pregnant: bool | None = Field(None, description="Null: not asked or not applicable.")
    breastfeeding: bool | None = Field(None, description="Null: not asked or not applicable.")
    antidepressant_trials: list[AntidepressantTrialIn] = Field(
        [],
        max_length=MAX_TRIALS,
        description="Antidepressant and augmentation trials, at most "
        f"{MAX_TRIALS}. Treatment resistance counts adequate trials with no or partial "
        "response in the current episode, each drug once.",
    )
    planned_route: Literal["iv", "im", "intranasal"] = Field(
        "iv", description="iv or im racemic ketamine, or intranasal esketamine."
    )
    age_years: int | None = Field(None, ge=AGE_RANGE_YEARS[0], le=AGE_RANGE_YEARS[1])

    def facts(self) -> eligibility.IntakeFacts:
        """Return the body as the eligibility kernel's facts."""
        return eligibility.IntakeFacts(
            conditions=frozenset(self.conditions),
            medications=tuple(
                eligibility.Medication(m.name, m.daily_dose_mg) for m in self.medications
            ),
            systolic_mmhg=self.systolic_mmhg,
            diastolic_mmhg=self.diastolic_mmhg,
            pregnant=self.pregnant,
            breastfeeding=self.breastfeeding,
            antidepressant_trials=tuple(
                eligibility.AntidepressantTrial(
                    drug=t.drug,
                    daily_dose_mg=t.daily_dose_mg,
                    duration_weeks=t.duration_weeks,
                    adequate=t.adequate,
                    response=t.response,
                    current_episode=t.current_episode,
                )
                for t in self.antidepressant_trials
            ),
            planned_route=self.planned_route,
            age_years=self.age_years,
        )


class RuleCheckOut(Schema):
    code: str = Field(description="Stable rule code, e.g. benzodiazepine_load_above_limit.")
    title: str = Field(description="What the rule checks.")
    severity: Literal["stop", "override", "info"] = Field(
        description="stop: treatment may not go ahead; override: only with a physician's "
        "recorded reason; info: for the physician's plan."
    )
    fired: bool = Field(description="Whether the rule applies to these facts.")
    reason: str = Field(description="Plain words: why it fired, or what was checked.")
    source_keys: list[str] = Field(
        description="Source keys, each listed on the clinical reference page "
        "(/reference/#source-32); ? means no published source."
    )
    inputs: dict[str, Any] = Field(description="The facts and limits the rule read.")


class LimitsOut(Schema):
    max_benzodiazepine_diazepam_mg_per_day: float = Field(description="Default 8 [32].")
    min_failed_adequate_trials: int = Field(description="Default 2 [25].")
    max_systolic_mmhg: int = Field(description="Default 140 [27].")
    max_diastolic_mmhg: int = Field(description="Default 90 [27].")
    min_age_years: int = Field(description="Default 18 [18][19].")


class EligibilityEvaluationOut(Schema):
    findings: list[RuleCheckOut] = Field(description="The rules that fired, in checklist order.")
    checks: list[RuleCheckOut] = Field(
        description="Every rule, fired or not: hard stops, then overrides, then information."
    )
    hard_stop: bool = Field(description="At least one stop fired.")
    needs_override: list[str] = Field(description="Codes of fired override rules.")
    diazepam_equivalent_mg_per_day: float = Field(
        description="Summed benzodiazepine load, diazepam mg/day (Ashton's equivalents [104])."
    )
    treatment_resistant: bool
    failed_adequate_trials: int = Field(
        description="Adequate trials with no or partial response in the current episode."
    )
    limits: LimitsOut = Field(description="The clinic's limits the rules applied.")


def _limits_for(organization: Organization) -> EligibilityLimits:
    """Return the eligibility limits ``organization`` set (its physician-signed settings; the
    documented defaults until it changes them). One query."""
    return eligibility_limits_for(organization=organization)


def _check_out(check: eligibility.RuleCheck) -> dict[str, Any]:
    return {
        "code": check.code,
        "title": check.title,
        "severity": check.severity,
        "fired": check.fired,
        "reason": check.reason,
        "source_keys": list(check.source_keys),
        "inputs": check.inputs,
    }


@router.post(
    "/eligibility-evaluations",
    response={200: EligibilityEvaluationOut, 422: ErrorOut, 403: DetailOut},
    summary="Evaluate eligibility for ketamine or esketamine treatment",
    description=(
        "Apply every eligibility rule (contraindications and cautions, treatment resistance, "
        "medication flags) to structured intake facts under the clinic's limits. Nothing is "
        "stored. Each check carries its severity (stop, override, info), a plain reason, its "
        "source keys and the inputs it read; `findings` are the checks that fired. Facts that "
        "cannot be evaluated (an unknown condition code, route or trial response, a negative "
        "or absurd dose, a blood pressure outside 40–300 mmHg or a diastolic at or above the "
        "systolic, an age outside 0–130) answer **422** with `errors` naming the field. "
        "Worked example: lorazepam 2 mg/day is 20 mg/day diazepam-equivalent, above the "
        "default 8 mg/day [32]; two adequate failed trials in the current episode meet "
        "treatment resistance [25]."
    ),
    auth=BearerToken("treatment.calculate"),
)
def eligibility_evaluation(request: HttpRequest, payload: EligibilityEvaluationIn) -> Any:
    user = api_user(request)
    organization = user.organization
    assert organization is not None  # can() refuses users without an organization
    limits = _limits_for(organization)
    try:
        result = eligibility.evaluate(payload.facts(), limits)
    except eligibility.InvalidFacts as exc:
        return Status(
            422,
            {
                "detail": "The request has invalid fields.",
                "errors": [{"field": exc.field, "message": exc.message}],
            },
        )
    return Status(
        200,
        {
            "findings": [_check_out(c) for c in result.findings],
            "checks": [_check_out(c) for c in result.checks],
            "hard_stop": bool(result.hard_stops),
            "needs_override": [c.code for c in result.needs_override],
            "diazepam_equivalent_mg_per_day": result.diazepam_equivalent_mg_per_day,
            "treatment_resistant": result.treatment_resistant,
            "failed_adequate_trials": result.failed_adequate_trials,
            "limits": {
                "max_benzodiazepine_diazepam_mg_per_day": (
                    limits.max_benzodiazepine_diazepam_mg_per_day
                ),
                "min_failed_adequate_trials": limits.min_failed_adequate_trials,
                "max_systolic_mmhg": limits.max_systolic_mmhg,
                "max_diastolic_mmhg": limits.max_diastolic_mmhg,
                "min_age_years": limits.min_age_years,
            },
        },
    )

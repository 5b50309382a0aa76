"""Dose calculations and PK simulations: stateless decision-support endpoints.

Inputs are bounded (finite numbers, ≤ 1,000 schedule items, ≤ 100,000 times) so no
request can make a 500 or hang; hard stops answer 422 with every stop reason.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from infusionist.accounts.api_auth import BearerToken, api_user
from infusionist.lib import dosing, pk
from infusionist.lib.products import KETALAR_VIAL_STRENGTHS_MG_PER_ML
from infusionist.treatment import calculations, selectors

router = Router(tags=["treatment"])

MAX_SCHEDULE_ITEMS = 1_000
MAX_TIMES = 100_000
MAX_TIME_MIN = 525_600.0  # one year

WORKED_EXAMPLE: dict[str, Any] = {
    "weight_kg": 70,
    "dose_mg_per_kg": 0.5,
    "duration_min": 40,
    "vial_mg_per_ml": 10,
    "bag_volume_ml": 100,
    "withdraw_equal_volume": False,
    "weight_basis": "actual",
}


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class DoseCalculationIn(_Strict):
    """One IV infusion session. Give exactly one of the four dose fields."""

    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        json_schema_extra={"examples": [WORKED_EXAMPLE]},
    )

    weight_kg: float = Field(
        gt=0, le=1000, description="Actual body weight in kilograms.", examples=[70]
    )
    dose_mg_per_kg: float | None = Field(
        None, gt=0, le=100, description="Session dose per kg of dosing weight.", examples=[0.5]
    )
    dose_mg: float | None = Field(None, gt=0, le=100_000, description="Session dose in mg.")
    dose_mg_per_kg_per_h: float | None = Field(
        None, gt=0, le=100, description="Dose rate per kg, held for duration_min (pain)."
    )
    dose_mg_per_h: float | None = Field(
        None, gt=0, le=100_000, description="Fixed dose rate in mg/h (e.g. CRPS 22 mg/h)."
    )
    duration_min: float = Field(
        gt=0,
        le=dosing.ABSOLUTE_CEILINGS["iv"].max_duration_min,
        description="Infusion length in minutes; at most 4 days, the longest regimen [21].",
    )
    vial_mg_per_ml: float = Field(
        description="Vial strength: 10, 50 or 100 mg/mL (Ketalar).", examples=[10]
    )
    bag_volume_ml: float = Field(
        ge=0, le=10_000, description="Diluent volume before the drug is added; 0 = neat syringe."
    )
    withdraw_equal_volume: bool = Field(
        False, description="Withdraw the drug's volume from the bag first (final = bag volume)."
    )
    weight_basis: Literal["actual", "ideal", "adjusted"] = Field(
        "actual",
        description="Dosing weight: actual, Devine ideal, or adjusted (IBW + 0.4 × excess).",
    )
    height_cm: float | None = Field(
        None, gt=0, le=300, description="Needed for ideal or adjusted weight."
    )
    sex: Literal["male", "female"] | None = Field(
        None, description="Needed for ideal or adjusted weight."
    )
    protocol_key: str | None = Field(
        None,
        max_length=60,
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        description="Apply this clinic protocol's maximum dose and rate (e.g. "
        "depression-iv-induction); otherwise the clinic's defaults apply.",
    )
    previous_weight_kg: float | None = Field(
        None,
        ge=1,
        le=1000,
        description="The patient's last recorded weight in kilograms; a larger change than "
        "the clinic allows (max_weight_change_pct) flags the weight.",
    )
    confirm_weight: bool = Field(
        False,
        description="The caller has checked a flagged weight (implausible BMI, or a large "
        "change from previous_weight_kg) and confirms it in kilograms. Without it a flagged "
        "weight answers 422 with its `weight_findings`.",
    )

    @field_validator("vial_mg_per_ml")
    @classmethod
    def _standard_vial(cls, value: float) -> float:
        if value not in KETALAR_VIAL_STRENGTHS_MG_PER_ML:
            strengths = ", ".join(f"{v:g}" for v in KETALAR_VIAL_STRENGTHS_MG_PER_ML[:-1])
            last = f"{KETALAR_VIAL_STRENGTHS_MG_PER_ML[-1]:g}"
            raise ValueError(f"vial_mg_per_ml must be {strengths} or {last} (Ketalar strengths).")
        return value

    @model_validator(mode="after")
    def _one_dose(self) -> DoseCalculationIn:
        # The rule's one home is DoseInputs; checking it here names the whole payload.
        errors = self.dose_inputs().order_errors("iv")
        if "dose_mg_per_kg" in errors:
            raise ValueError(errors["dose_mg_per_kg"])
        return self

    def dose_inputs(self) -> dosing.DoseInputs:
        """Return the payload as the dose calculator's typed input."""
        return dosing.DoseInputs(
            weight_kg=self.weight_kg,
            height_cm=self.height_cm,
            sex=self.sex,
            weight_basis=self.weight_basis,
            dose_mg_per_kg=self.dose_mg_per_kg,
            dose_mg=self.dose_mg,
            dose_mg_per_kg_per_h=self.dose_mg_per_kg_per_h,
            dose_mg_per_h=self.dose_mg_per_h,
            duration_min=self.duration_min,
            vial_mg_per_ml=self.vial_mg_per_ml,
            bag_volume_ml=self.bag_volume_ml,
            withdraw_equal_volume=self.withdraw_equal_volume,
        )


class FindingOut(Schema):
    code: str = Field(description="Stable machine code, e.g. dose_above_protocol_max.")
    message: str
    severity: Literal["warning", "confirm", "stop"] = Field(
        description="warning: check it; confirm: resend with confirm_weight once checked; "
        "stop: the dose must not be given."
    )
    rule: str = Field(description="The rule that produced the finding.")
    source: str = Field(
        description=(
            "Where the rule comes from: source keys such as [22], each listed on the clinical "
            "reference page (/reference/#source-22)."
        )
    )
    inputs: dict[str, str] = Field({}, description="The inputs the rule was applied to.")
    field: str = Field(
        "", description="The input the finding is about, e.g. dose_mg_per_kg; empty: all."
    )


class WeightCheckOut(Schema):
    weight_kg: float
    weight_lb: float = Field(description="The entered weight in pounds, to catch a unit slip.")
    bmi_kg_per_m2: float | None = Field(description="When height_cm is given.")
    previous_weight_kg: float | None
    change_pct: float | None = Field(description="Change from previous_weight_kg, percent.")
    findings: list[FindingOut] = Field(description="Flags to confirm (severity confirm).")
    confirmed: bool


class DoseCalculationOut(Schema):
    dose_mg: float
    dose_mg_per_kg: float
    dose_rate_mg_per_h: float
    dose_rate_mg_per_kg_per_h: float
    duration_min: float
    draw_volume_ml: float = Field(description="Volume drawn from the vial.")
    withdraw_volume_ml: float
    final_volume_ml: float
    final_concentration_mg_per_ml: float
    pump_rate_ml_per_h: float
    vtbi_ml: float
    dosing_weight_kg: float
    weight_basis: str
    weight_formula: str = Field(description="How the dosing weight was obtained; store it.")
    weight_check: WeightCheckOut = Field(
        description="The entered weight in kg and lb, its BMI and change, and any flags."
    )
    warnings: list[FindingOut]
    display: dict[str, str] = Field(description="Every value rounded half-up, with its unit.")


class FieldErrorOut(Schema):
    field: str
    message: str


class DoseErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut] = []
    stops: list[FindingOut] = Field([], description="Hard stops: the dose must not be given.")
    weight_findings: list[FindingOut] = Field(
        [], description="A flagged weight: check it and resend with confirm_weight: true."
    )
    warnings: list[FindingOut] = []
    calculation: DoseCalculationOut | None = Field(
        None, description="With a hard stop: the numbers that broke the limit, for review only."
    )


class DetailOut(Schema):
    detail: str


def _calculation_out(result: calculations.SessionResult) -> dict[str, Any]:
    calc = result.infusion
    assert calc is not None
    return {
        "dose_mg": calc.dose_mg,
        "dose_mg_per_kg": calc.dose_mg_per_kg,
        "dose_rate_mg_per_h": calc.dose_rate_mg_per_h,
        "dose_rate_mg_per_kg_per_h": calc.dose_rate_mg_per_kg_per_h,
        "duration_min": calc.duration_min,
        "draw_volume_ml": calc.draw_volume_ml,
        "withdraw_volume_ml": calc.withdraw_volume_ml,
        "final_volume_ml": calc.final_volume_ml,
        "final_concentration_mg_per_ml": calc.final_concentration_mg_per_ml,
        "pump_rate_ml_per_h": calc.pump_rate_ml_per_h,
        "vtbi_ml": calc.vtbi_ml,
        "dosing_weight_kg": calc.dosing_weight_kg,
        "weight_basis": calc.weight_basis,
        "weight_formula": calc.weight_formula,
        "weight_check": _weight_check_out(result),
        "warnings": [f.as_dict() for f in result.warnings],
        "display": {**calc.as_display(), **_weight_display(result)},
    }


def _weight_check_out(result: calculations.SessionResult) -> dict[str, Any]:
    check = result.weight_check
    assert check is not None  # the IV route always has a weight
    return {
        "weight_kg": check.weight_kg,
        "weight_lb": check.weight_lb,
        "bmi_kg_per_m2": check.bmi_kg_per_m2,
        "previous_weight_kg": check.previous_weight_kg,
        "change_pct": check.change_pct,
        "findings": [f.as_dict() for f in result.weight_findings],
        "confirmed": result.weight_confirmed,
    }


def _weight_display(result: calculations.SessionResult) -> dict[str, str]:
    return {label.lower().replace(" ", "_"): value for label, value in result.weight_rows()}


@router.post(
    "/dose-calculations",
    response={200: DoseCalculationOut, 422: DoseErrorOut, 403: DetailOut, 404: DetailOut},
    summary="Calculate an IV ketamine infusion",
    description=(
        "Return dose, dose rate, draw volume, final volume and concentration, pump rate and "
        "VTBI for one session, with warnings. Nothing is stored. A broken limit (protocol "
        "maximum dose or rate, undiluted 100 mg/mL, IV concentration) answers **422** with "
        "`stops` and the computed numbers for review; bad input answers 422 with `errors`. "
        "A flagged weight (a BMI outside the clinic's plausible range when height_cm is "
        "given, or a change from previous_weight_kg beyond the clinic's percentage: the "
        "signs of pounds typed as kilograms) answers 422 with `weight_findings` until the "
        "request says `confirm_weight: true`. "
        "Worked example: 70 kg × 0.5 mg/kg over 40 min from 10 mg/mL into 100 mL → 35 mg, "
        "52.5 mg/h, draw 3.5 mL, 103.5 mL, 0.338 mg/mL, 155.3 mL/h."
    ),
    auth=BearerToken("treatment.calculate"),
)
def dose_calculation(request: HttpRequest, payload: DoseCalculationIn) -> Any:
    user = api_user(request)
    organization = user.organization
    assert organization is not None  # can() refuses users without an organization
    protocol = None
    if payload.protocol_key:
        protocol = selectors.protocol_by_key(organization=organization, key=payload.protocol_key)
        if protocol is None:
            return Status(404, {"detail": f"No protocol {payload.protocol_key!r} in this clinic."})
    dosing_settings = selectors.dosing_settings_for(organization=organization)
    try:
        result = calculations.calculate_session(
            route="iv",
            inputs=payload.dose_inputs(),
            limits=calculations.limits_for(dosing_settings=dosing_settings, protocol=protocol),
            protocol=protocol,
            previous_weight_kg=payload.previous_weight_kg,
            weight_confirmed=payload.confirm_weight,
        )
    except dosing.InvalidDoseInput as exc:
        return Status(
            422,
            {
                "detail": "The request has invalid fields.",
                "errors": [{"field": k, "message": v} for k, v in exc.errors.items()],
            },
        )
    if not result.is_usable:
        details = []
        if result.is_stopped:
            details.append("Hard stop: " + " ".join(f.message for f in result.stops))
        weight_findings = result.weight_findings if result.needs_weight_confirmation else []
        if weight_findings:
            details.append(
                "Confirm the weight ("
                + ", ".join(f.code for f in weight_findings)
                + "): "
                + " ".join(f.message for f in weight_findings)
                + " Resend with confirm_weight: true once the weight is checked."
            )
        return Status(
            422,
            {
                "detail": " ".join(details),
                "errors": [
                    {"field": "weight_kg", "message": f"{f.code}: {f.message}"}
                    for f in weight_findings
                ],
                "stops": [f.as_dict() for f in result.stops],
                "weight_findings": [f.as_dict() for f in weight_findings],
                "warnings": [f.as_dict() for f in result.warnings],
                "calculation": _calculation_out(result),
            },
        )
    return Status(200, _calculation_out(result))


# --- PK simulation ----------------------------------------------------------------------

TimeMin = Annotated[float, Field(ge=0, le=MAX_TIME_MIN)]


class InfusionItemIn(_Strict):
    """A constant-rate infusion."""

    start_min: float = Field(ge=0, le=MAX_TIME_MIN, examples=[0])
    duration_min: float = Field(gt=0, le=MAX_TIME_MIN, examples=[40])
    rate_mg_per_min: float = Field(ge=0, le=1_000, examples=[0.875])


class BolusItemIn(_Strict):
    """An instantaneous bolus."""

    start_min: float = Field(ge=0, le=MAX_TIME_MIN, examples=[0])
    bolus_mg: float = Field(ge=0, le=10_000, examples=[20])


def _schedule_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "bolus" if "bolus_mg" in value else "infusion"
    return "bolus" if isinstance(value, BolusItemIn) else "infusion"


# An item with `bolus_mg` is a bolus; anything else is checked as an infusion, so an
# error names the missing infusion field instead of listing both shapes' fields.
ScheduleItem = Annotated[
    Annotated[InfusionItemIn, Tag("infusion")] | Annotated[BolusItemIn, Tag("bolus")],
    Discriminator(_schedule_kind),
]

PK_EXAMPLE: dict[str, Any] = {
    "model": "domino",
    "weight_kg": 70,
    "age_years": 40,
    "sex": "female",
    "height_cm": 170,
    "schedule": [{"start_min": 0, "duration_min": 40, "rate_mg_per_min": 0.875}],
    "times_min": [0, 10, 20, 30, 40, 60, 90, 120],
}


class PKSimulationIn(_Strict):
    """A dosing schedule and the times to predict concentrations at."""

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, json_schema_extra={"examples": [PK_EXAMPLE]}
    )

    model: Literal["domino", "clements", "kamp", "hijazi", "herd", "hornik"] = Field(
        description="Published ketamine PK model (see the project's clinical reference)."
    )
    weight_kg: float = Field(ge=1, le=500, description="Body weight in kilograms.")
    age_years: float | None = Field(None, ge=0, le=130)
    sex: Literal["male", "female"] | None = None
    height_cm: float | None = Field(None, gt=0, le=300)
    schedule: list[ScheduleItem] = Field(
        max_length=MAX_SCHEDULE_ITEMS,
        description=f"At most {MAX_SCHEDULE_ITEMS:,} infusions and boluses; overlaps add.",
    )
    times_min: list[TimeMin] = Field(
        min_length=1,
        max_length=MAX_TIMES,
        description=f"1–{MAX_TIMES:,} times in minutes from 0 (any order).",
    )


class PKWarningOut(Schema):
    code: str
    message: str


class PKSimulationOut(Schema):
    model: str
    citation: str
    times_min: list[float]
    cp_ng_per_ml: list[float] = Field(description="Plasma concentration, ng/mL.")
    ce_ng_per_ml: list[float] = Field(description="Effect-site concentration, ng/mL.")
    warnings: list[PKWarningOut]
    decision_support: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut] = []


@router.post(
    "/pk-simulations",
    response={200: PKSimulationOut, 422: ErrorOut, 403: DetailOut},
    summary="Predict plasma and effect-site ketamine concentrations",
    description=(
        "Closed-form simulation of a schedule of infusions and boluses with a published "
        "model. Check value: Domino, 70 kg, 0.5 mg/kg over 40 min → Cp 240.3 ng/mL at 40 min. "
        "Decision support only: a population prediction, not a measurement."
    ),
    auth=BearerToken("treatment.calculate"),
)
def pk_simulation(request: HttpRequest, payload: PKSimulationIn) -> Any:
    schedule: list[pk.Bolus | pk.Infusion] = [
        pk.Bolus(time_min=item.start_min, dose_mg=item.bolus_mg)
        if isinstance(item, BolusItemIn)
        else pk.Infusion(
            start_min=item.start_min,
            duration_min=item.duration_min,
            rate_mg_per_min=item.rate_mg_per_min,
        )
        for item in payload.schedule
    ]
    try:
        result = pk.simulate(
            payload.model,
            weight_kg=payload.weight_kg,
            age_years=payload.age_years,
            sex=payload.sex,
            height_cm=payload.height_cm,
            schedule=schedule,
            times_min=payload.times_min,
        )
    except ValueError as exc:
        return Status(422, {"detail": str(exc), "errors": []})
    model = pk.get_model(payload.model)
    return Status(
        200,
        {
            "model": model.name,
            "citation": model.citation,
            "times_min": result.times_min.tolist(),
            "cp_ng_per_ml": result.cp_ng_per_ml.tolist(),
            "ce_ng_per_ml": result.ce_ng_per_ml.tolist(),
            "warnings": [{"code": w.code, "message": w.message} for w in result.warnings],
            "decision_support": "Population prediction, not a measurement; never a substitute "
            "for monitoring.",
        },
    )

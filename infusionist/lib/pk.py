"""Ketamine pharmacokinetic simulation: closed-form, exact for piecewise-constant input.

Linear mammillary 2- and 3-compartment models with an effect site
(docs/clinical-reference.md §7). The state is ``x = [A1, A2, (A3,) Ae]`` in mg, where
``Ae = Ce·V1`` is the effect site written as an amount so the system matrix stays well
scaled::

    dA1/dt = R(t) − (k10 + k12 + k13)·A1 + k21·A2 + k31·A3
    dA2/dt = k12·A1 − k21·A2
    dA3/dt = k13·A1 − k31·A3
    dAe/dt = ke0·(A1 − Ae)            (so dCe/dt = ke0·(Cp − Ce), Cp = A1/V1)

The matrix is diagonalised once (``x = V·z``). In modal coordinates each mode decays
independently, so across an interval of length ``Δ`` with constant rate ``R`` (mg/min)::

    z(t0 + Δ) = exp(λΔ)·z(t0) + c·R·expm1(λΔ)/λ          with c = V⁻¹·e1

That update is exact, so the state is carried from one schedule breakpoint to the next
and every requested time is evaluated from its breakpoint in one vectorised step: no
ODE stepping and no interpolation. A bolus adds ``c·dose`` at its instant (curves are
right-continuous: a bolus at ``t`` is included in the value at ``t``).

Units: V in L, k in min⁻¹, amounts in mg, so A/V is mg/L = µg/mL; results are returned
in ng/mL (× 1000). Times are minutes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "MODELS",
    "Bolus",
    "Infusion",
    "ModelPopulation",
    "PKModel",
    "PKParameters",
    "PKResult",
    "PKWarning",
    "Schedule",
    "get_model",
    "infusion_for_dose",
    "schedule_dose_mg",
    "simulate",
    "tci_rates",
]

FloatArray = npt.NDArray[np.float64]
Sex = Literal["male", "female"]

NG_PER_ML_PER_MG_PER_L = 1000.0
MIN_PER_H = 60.0
# Eigenvalues closer than this (relative) make the eigenvector basis ill-conditioned;
# ke0 is then nudged by EIGEN_NUDGE (relative), an error far below assay precision.
EIGEN_MIN_RELATIVE_GAP = 1e-7
EIGEN_NUDGE = 1e-6


# --- schedule ---------------------------------------------------------------------


@dataclass(frozen=True)
class Bolus:
    """Give ``dose_mg`` at ``time_min`` (instantaneous)."""

    time_min: float
    dose_mg: float


@dataclass(frozen=True)
class Infusion:
    """Run ``rate_mg_per_min`` from ``start_min`` for ``duration_min``.

    A rate change is two back-to-back infusions; a pause is a gap. Overlapping
    infusions add.
    """

    start_min: float
    duration_min: float
    rate_mg_per_min: float

    @property
    def end_min(self) -> float:
        """Return the stop time in minutes."""
        return self.start_min + self.duration_min

    @property
    def dose_mg(self) -> float:
        """Return the amount delivered in mg (rate × time)."""
        return self.rate_mg_per_min * self.duration_min


Schedule = Sequence[Bolus | Infusion]


def infusion_for_dose(*, dose_mg: float, start_min: float, duration_min: float) -> Infusion:
    """Return the constant-rate infusion that gives ``dose_mg`` over ``duration_min``."""
    if duration_min <= 0:
        raise ValueError(f"duration_min must be greater than zero; got {duration_min}.")
    return Infusion(
        start_min=start_min, duration_min=duration_min, rate_mg_per_min=dose_mg / duration_min
    )


def schedule_dose_mg(schedule: Schedule) -> float:
    """Return the total amount the schedule delivers in mg."""
    return float(sum(item.dose_mg for item in schedule))


# --- models -----------------------------------------------------------------------


@dataclass(frozen=True)
class PKWarning:
    """Describe a caution about a simulation, such as a patient outside a model's data."""

    code: str
    message: str


@dataclass(frozen=True)
class PKParameters:
    """Hold one patient's model constants: V1 in L, rate constants in min⁻¹."""

    v1_l: float
    k10_per_min: float
    k12_per_min: float
    k21_per_min: float
    ke0_per_min: float
    k13_per_min: float = 0.0
    k31_per_min: float = 0.0

    @property
    def compartments(self) -> int:
        """Return 3 when a third compartment exchanges drug, else 2."""
        return 3 if self.k13_per_min > 0 else 2

    def system_matrix(self) -> FloatArray:
        """Return the rate matrix of ``[A1, A2, (A3,) Ae]`` in min⁻¹."""
        k10, k12, k21 = self.k10_per_min, self.k12_per_min, self.k21_per_min
        k13, k31, ke0 = self.k13_per_min, self.k31_per_min, self.ke0_per_min
        if self.compartments == 3:
            return np.array(
                [
                    [-(k10 + k12 + k13), k21, k31, 0.0],
                    [k12, -k21, 0.0, 0.0],
                    [k13, 0.0, -k31, 0.0],
                    [ke0, 0.0, 0.0, -ke0],
                ]
            )
        return np.array(
            [
                [-(k10 + k12), k21, 0.0],
                [k12, -k21, 0.0],
                [ke0, 0.0, -ke0],
            ]
        )


@dataclass(frozen=True)
class ModelPopulation:
    """Describe the patients a model was built from; bounds are inclusive.

    Where docs/clinical-reference.md gives no range for an adult model, the adult bounds
    are conservative defaults [?] that a clinic can change.
    """

    description: str
    weight_min_kg: float
    weight_max_kg: float
    age_min_years: float
    age_max_years: float


def _from_clearances(
    *,
    v1_l: float,
    v2_l: float,
    cl_l_per_h: float,
    q2_l_per_h: float,
    ke0_per_min: float,
    v3_l: float | None = None,
    q3_l_per_h: float | None = None,
) -> PKParameters:
    """Return rate constants from volumes (L) and clearances (L/h): k10 = CL/V1 etc."""
    k13 = k31 = 0.0
    if v3_l is not None and q3_l_per_h is not None:
        k13 = q3_l_per_h / MIN_PER_H / v1_l
        k31 = q3_l_per_h / MIN_PER_H / v3_l
    return PKParameters(
        v1_l=v1_l,
        k10_per_min=cl_l_per_h / MIN_PER_H / v1_l,
        k12_per_min=q2_l_per_h / MIN_PER_H / v1_l,
        k21_per_min=q2_l_per_h / MIN_PER_H / v2_l,
        k13_per_min=k13,
        k31_per_min=k31,
        ke0_per_min=ke0_per_min,
    )


# No model here was built on patients under 1 kg; below it the volumes round to zero.
MIN_WEIGHT_KG = 1.0


def _domino(weight_kg: float) -> PKParameters:
    return PKParameters(
        v1_l=0.063 * weight_kg,
        k10_per_min=0.4381,
        k12_per_min=0.5921,
        k13_per_min=0.5900,
        k21_per_min=0.2470,
        k31_per_min=0.0146,
        ke0_per_min=0.652,
    )


def _clements(weight_kg: float) -> PKParameters:
    return PKParameters(
        v1_l=1.7522 * weight_kg,
        k10_per_min=0.0109,
        k12_per_min=0.0186,
        k21_per_min=0.0137,
        ke0_per_min=5.2,
    )


def _hijazi(weight_kg: float) -> PKParameters:
    return PKParameters(
        v1_l=1.08 * weight_kg,
        k10_per_min=0.0333,
        k12_per_min=0.0088,
        k21_per_min=0.0030,
        ke0_per_min=4.773,
    )


def _kamp(weight_kg: float) -> PKParameters:
    scale = weight_kg / 70.0
    return _from_clearances(
        v1_l=25.0 * scale,
        v2_l=56.0 * scale,
        v3_l=157.0 * scale,
        cl_l_per_h=84.0 * scale,
        q2_l_per_h=161.0 * scale,
        q3_l_per_h=79.0 * scale,
        ke0_per_min=2.791,
    )


def _herd(weight_kg: float) -> PKParameters:
    scale = weight_kg / 70.0
    return _from_clearances(
        v1_l=38.7 * scale,
        v2_l=102.0 * scale,
        cl_l_per_h=90.0 * scale**0.75,
        q2_l_per_h=215.0 * scale**0.75,
        ke0_per_min=2.995,
    )


def _hornik(weight_kg: float) -> PKParameters:
    scale = weight_kg / 70.0
    return _from_clearances(
        v1_l=32.8 * scale,
        v2_l=152.0 * scale,
        cl_l_per_h=38.9 * scale**0.75,
        q2_l_per_h=54.9 * scale**0.75,
        ke0_per_min=4.212,
    )


@dataclass(frozen=True)
class PKModel:
    """Name a published model, its source, its population and its constants."""

    name: str
    citation: str
    population: ModelPopulation
    parameters_for_weight: Callable[[float], PKParameters] = field(repr=False)

    def parameters(self, *, weight_kg: float) -> PKParameters:
        """Return the constants for a patient of ``weight_kg``."""
        if not math.isfinite(weight_kg) or weight_kg < MIN_WEIGHT_KG:
            raise ValueError(
                f"weight_kg must be a finite number of at least {MIN_WEIGHT_KG:g} kg; "
                f"got {weight_kg}."
            )
        return self.parameters_for_weight(weight_kg)

    def check_population(self, weight_kg: float, age_years: float | None) -> list[PKWarning]:
        """Return warnings for a patient outside the model's weight or age range."""
        pop = self.population
        found: list[PKWarning] = []
        if not pop.weight_min_kg <= weight_kg <= pop.weight_max_kg:
            found.append(
                PKWarning(
                    "weight_outside_model",
                    f"Weight {weight_kg:g} kg is outside the weights this model was built from "
                    f"({pop.weight_min_kg:g}–{pop.weight_max_kg:g} kg); the curve is an "
                    "extrapolation.",
                )
            )
        if age_years is None:
            found.append(
                PKWarning(
                    "age_unknown",
                    f"Age not given: this model was built from patients aged "
                    f"{pop.age_min_years:g}–{pop.age_max_years:g} years.",
                )
            )
        elif not pop.age_min_years <= age_years <= pop.age_max_years:
            found.append(
                PKWarning(
                    "age_outside_model",
                    f"Age {age_years:g} years is outside the ages this model was built from "
                    f"({pop.age_min_years:g}–{pop.age_max_years:g} years); the curve is an "
                    "extrapolation.",
                )
            )
        return found


_ADULT_BOUNDS = {
    "weight_min_kg": 40.0,
    "weight_max_kg": 150.0,
    "age_min_years": 18.0,
    "age_max_years": 80.0,
}
_KE0_NOTE = "ke0 from a 1-min time-to-peak, as coded in opentiva 1.1.2 (§7)."

MODELS: dict[str, PKModel] = {
    "domino": PKModel(
        name="domino",
        citation=(
            "Domino ketamine model, constants as coded in opentiva 1.1.2 `Domino` "
            "(PMID 7198883 as given there; same constants in STANPUMP-derived code [83]). "
            "V1 0.063 L/kg; k10 .4381, k12 .5921, k13 .5900, k21 .2470, k31 .0146 /min; "
            "ke0 0.652 /min. " + _KE0_NOTE
        ),
        population=ModelPopulation(
            description="Adults; weight-proportional V1. Range not restated in the source "
            "notes, so adult default bounds [?].",
            **_ADULT_BOUNDS,
        ),
        parameters_for_weight=_domino,
    ),
    "clements": PKModel(
        name="clements",
        citation=(
            "Clements & Nimmo, Br J Anaesth 1981;53:27 (PMID 7459184), 250 µg/kg IV "
            "data (opentiva `Clements250`). V1 1.7522 L/kg; k10 .0109, k12 .0186, "
            "k21 .0137 /min; ke0 5.2 /min. " + _KE0_NOTE
        ),
        population=ModelPopulation(
            description="Adults; weight-proportional V1. Adult default bounds [?].",
            **_ADULT_BOUNDS,
        ),
        parameters_for_weight=_clements,
    ),
    "kamp": PKModel(
        name="kamp",
        citation=(
            "Kamp et al., Anesthesiology 2020;133:1192 (PMID 32997732) [81] (opentiva "
            "`Klamp`). V 25, 56, 157 L × (W/70); CL 84, Q2 161, Q3 79 L/h × (W/70); "
            "ke0 2.791 /min. The paper's two venous delay compartments are omitted, as in "
            "opentiva. " + _KE0_NOTE
        ),
        population=ModelPopulation(
            description="Adults (pooled meta-analytic data); linear (W/70) scaling. Adult "
            "default bounds [?].",
            **_ADULT_BOUNDS,
        ),
        parameters_for_weight=_kamp,
    ),
    "hijazi": PKModel(
        name="hijazi",
        citation=(
            "Hijazi et al., Br J Anaesth 2003;90:155 (PMID 12538370). V1 1.08 L/kg; "
            "k10 .0333, k12 .0088, k21 .0030 /min; ke0 4.773 /min. opentiva codes an upper "
            "age of 18 although the cohort was adult ICU patients (§7: suspect). " + _KE0_NOTE
        ),
        population=ModelPopulation(
            description="Adult intensive-care patients; weight-proportional V1. Adult "
            "default bounds [?].",
            **_ADULT_BOUNDS,
        ),
        parameters_for_weight=_hijazi,
    ),
    "herd": PKModel(
        name="herd",
        citation=(
            "Herd et al. (PMID 17564643, doi 10.1111/j.1460-9592.2006.02145.x). "
            "V 38.7, 102 L × (W/70); CL 90, Q 215 L/h × (W/70)^0.75; ke0 2.995 /min. " + _KE0_NOTE
        ),
        population=ModelPopulation(
            description="Children 1–14 years, 10.8–74.8 kg (opentiva bounds).",
            weight_min_kg=10.8,
            weight_max_kg=74.8,
            age_min_years=1.0,
            age_max_years=14.0,
        ),
        parameters_for_weight=_herd,
    ),
    "hornik": PKModel(
        name="hornik",
        citation=(
            "Hornik et al. (PMID 29677389, doi 10.1002/jcph.1116). V 32.8, 152 L × (W/70); "
            "CL 38.9, Q 54.9 L/h × (W/70)^0.75; ke0 4.212 /min. " + _KE0_NOTE
        ),
        population=ModelPopulation(
            description="Children and adolescents 1–18 years, 2–176 kg (opentiva bounds).",
            weight_min_kg=2.0,
            weight_max_kg=176.0,
            age_min_years=1.0,
            age_max_years=18.0,
        ),
        parameters_for_weight=_hornik,
    ),
}


def get_model(name: str) -> PKModel:
    """Return the registered model called ``name`` or raise a ValueError listing them."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(
            f"Unknown PK model {name!r}; choose one of {', '.join(sorted(MODELS))}."
        ) from None


# --- engine -----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _ModalSystem:
    """Hold the diagonalised system: eigenvalues, input vector and output rows."""

    eigenvalues_per_min: FloatArray  # λ (negative)
    input_modal: FloatArray  # c = V⁻¹·e1, per mg
    cp_row_mg_per_l: FloatArray  # Cp = row·z
    ce_row_mg_per_l: FloatArray  # Ce = row·z


def _modal_system(params: PKParameters) -> _ModalSystem:
    """Diagonalise the rate matrix of ``params``."""
    ke0 = params.ke0_per_min
    for _ in range(3):
        matrix = PKParameters(
            v1_l=params.v1_l,
            k10_per_min=params.k10_per_min,
            k12_per_min=params.k12_per_min,
            k21_per_min=params.k21_per_min,
            k13_per_min=params.k13_per_min,
            k31_per_min=params.k31_per_min,
            ke0_per_min=ke0,
        ).system_matrix()
        eigenvalues, vectors = np.linalg.eig(matrix)
        eigenvalues = np.real_if_close(eigenvalues)
        vectors = np.real_if_close(vectors)
        if np.iscomplexobj(eigenvalues) or np.iscomplexobj(vectors):
            raise ValueError("The PK model has oscillating modes; check its constants.")
        ordered = np.sort(np.abs(eigenvalues))
        gaps = np.diff(ordered) / ordered[1:]
        if ordered[0] > 0 and gaps.min() > EIGEN_MIN_RELATIVE_GAP:
            break
        # ke0 coincides with a disposition rate: separate it by a negligible amount.
        ke0 *= 1 + EIGEN_NUDGE
    else:
        raise ValueError(
            "The PK model's rate matrix has a zero or repeated rate; check its constants."
        )
    size = matrix.shape[0]
    unit_input = np.zeros(size)
    unit_input[0] = 1.0
    input_modal = np.linalg.solve(vectors, unit_input)
    return _ModalSystem(
        eigenvalues_per_min=eigenvalues.astype(np.float64),
        input_modal=input_modal.astype(np.float64),
        cp_row_mg_per_l=(vectors[0] / params.v1_l).astype(np.float64),
        ce_row_mg_per_l=(vectors[-1] / params.v1_l).astype(np.float64),
    )


def _validate_schedule(schedule: Schedule) -> None:
    for index, item in enumerate(schedule):
        if isinstance(item, Bolus):
            values = {"time_min": item.time_min, "dose_mg": item.dose_mg}
        elif isinstance(item, Infusion):
            values = {
                "start_min": item.start_min,
                "duration_min": item.duration_min,
                "rate_mg_per_min": item.rate_mg_per_min,
            }
        else:
            raise TypeError(f"schedule[{index}] must be a Bolus or an Infusion; got {item!r}.")
        for name, value in values.items():
            if not math.isfinite(value):
                raise ValueError(f"schedule[{index}].{name} must be finite; got {value}.")
            if name != "time_min" and name != "start_min" and value < 0:
                raise ValueError(f"schedule[{index}].{name} must not be negative; got {value}.")


def _breakpoints(schedule: Schedule) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return breakpoint times, the bolus at each, and the rate after each (mg/min)."""
    times = sorted(
        {item.time_min for item in schedule if isinstance(item, Bolus)}
        | {item.start_min for item in schedule if isinstance(item, Infusion)}
        | {item.end_min for item in schedule if isinstance(item, Infusion)}
    )
    times_min = np.array(times, dtype=np.float64)
    index = {t: i for i, t in enumerate(times)}
    bolus_mg = np.zeros(len(times))
    rate_change = np.zeros(len(times))
    for item in schedule:
        if isinstance(item, Bolus):
            bolus_mg[index[item.time_min]] += item.dose_mg
        elif item.duration_min > 0:
            rate_change[index[item.start_min]] += item.rate_mg_per_min
            rate_change[index[item.end_min]] -= item.rate_mg_per_min
    rate_mg_per_min = np.cumsum(rate_change)
    # Summing +r and −r can leave 1e-17 where nothing runs; keep "no infusion" exact.
    rate_mg_per_min[np.abs(rate_mg_per_min) < 1e-12 * max(1.0, np.abs(rate_change).max())] = 0.0
    return times_min, bolus_mg, rate_mg_per_min


def _carry(
    system: _ModalSystem, state: FloatArray, delta_min: float, rate_mg_per_min: float
) -> FloatArray:
    """Return the modal state ``delta_min`` later under a constant rate (exact)."""
    lam = system.eigenvalues_per_min
    growth = np.expm1(lam * delta_min)
    return state + growth * state + system.input_modal * rate_mg_per_min * (growth / lam)


def _evaluate(
    system: _ModalSystem, schedule: Schedule, times_min: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Return Cp and Ce (mg/L) at ``times_min`` for ``schedule``.

    With ``G = expm1(λΔ)`` the modal state is ``z = s + (s + r·c/λ)·G`` after ``Δ``
    minutes of rate ``r`` from breakpoint state ``s``, so each output is a fixed
    per-interval row times ``G`` plus a constant: one exponential per mode and time.
    """
    out = np.zeros((2, times_min.size))
    if not schedule:
        return out[0], out[1]
    bp_min, bolus_mg, rate_mg_per_min = _breakpoints(schedule)
    lam = system.eigenvalues_per_min
    c = system.input_modal
    states = np.empty((bp_min.size, lam.size))
    state = c * bolus_mg[0]
    states[0] = state
    for j in range(1, bp_min.size):
        state = _carry(system, state, bp_min[j] - bp_min[j - 1], rate_mg_per_min[j - 1])
        state = state + c * bolus_mg[j]
        states[j] = state

    rows = np.stack([system.cp_row_mg_per_l, system.ce_row_mg_per_l])  # (2, n)
    forced = rate_mg_per_min[:, None] * (c / lam)  # (K, n)
    slope = rows[None, :, :] * (states + forced)[:, None, :]  # (K, 2, n)
    level = states @ rows.T  # (K, 2)

    cuts = np.searchsorted(times_min, bp_min, side="left")
    is_sorted = times_min.size < 2 or bool(np.all(times_min[1:] >= times_min[:-1]))
    if is_sorted and np.count_nonzero(np.diff(np.append(cuts, times_min.size))) <= 32:
        # Sorted times (the usual curve): each interval is a contiguous slice.
        bounds = np.append(cuts, times_min.size)
        for j in range(bp_min.size):
            lo, hi = int(bounds[j]), int(bounds[j + 1])
            if hi <= lo:
                continue
            growth = np.expm1(np.multiply.outer(lam, times_min[lo:hi] - bp_min[j]))
            out[:, lo:hi] = slope[j] @ growth + level[j][:, None]
    else:
        which = np.searchsorted(bp_min, times_min, side="right") - 1
        started = np.flatnonzero(which >= 0)
        idx = which[started]
        growth = np.expm1(np.multiply.outer(lam, times_min[started] - bp_min[idx]))
        out[:, started] = np.einsum("tki,it->kt", slope[idx], growth) + level[idx].T
    # Round-off can leave −1e-20 where the true value is 0 or tiny; concentrations ≥ 0.
    np.maximum(out, 0.0, out=out)
    return out[0], out[1]


@dataclass(frozen=True, eq=False)
class PKResult:
    """Hold a simulated curve: times in minutes, concentrations in ng/mL."""

    times_min: FloatArray
    cp_ng_per_ml: FloatArray
    ce_ng_per_ml: FloatArray
    warnings: list[PKWarning]


def _resolve(model: PKModel | str) -> PKModel:
    return get_model(model) if isinstance(model, str) else model


def simulate(
    model: PKModel | str,
    *,
    weight_kg: float,
    age_years: float | None = None,
    sex: Sex | None = None,
    height_cm: float | None = None,
    schedule: Schedule,
    times_min: npt.ArrayLike,
) -> PKResult:
    """Return plasma and effect-site concentrations for ``schedule`` at ``times_min``.

    ``sex`` and ``height_cm`` are accepted for models that use them; none of the
    registered ketamine models does.
    """
    del sex, height_cm  # no registered ketamine model uses them
    pk_model = _resolve(model)
    params = pk_model.parameters(weight_kg=weight_kg)
    _validate_schedule(schedule)
    times = np.asarray(times_min, dtype=np.float64)
    if not np.all(np.isfinite(times)):
        raise ValueError("times_min must all be finite.")
    cp_mg_per_l, ce_mg_per_l = _evaluate(_modal_system(params), schedule, times.ravel())
    return PKResult(
        times_min=times,
        cp_ng_per_ml=(cp_mg_per_l * NG_PER_ML_PER_MG_PER_L).reshape(times.shape),
        ce_ng_per_ml=(ce_mg_per_l * NG_PER_ML_PER_MG_PER_L).reshape(times.shape),
        warnings=pk_model.check_population(weight_kg, age_years),
    )


def tci_rates(
    model: PKModel | str,
    *,
    weight_kg: float,
    age_years: float | None = None,
    sex: Sex | None = None,
    height_cm: float | None = None,
    target_cp_ng_per_ml: float,
    duration_min: float,
    step_min: float = 10.0 / 60.0,
    max_rate_mg_per_min: float | None = None,
) -> list[Infusion]:
    """Return the step infusions that bring plasma to a target and hold it there.

    Linearity gives each step's rate in closed form: with the state carried exactly,
    ``Cp(end) = Cp_free(end) + rate·Cp_unit(end)``, so the rate that lands Cp on the
    target at the end of each ``step_min`` step is ``(target − Cp_free) / Cp_unit``,
    clamped to ``[0, max_rate_mg_per_min]`` (``None``: no pump limit). Between updates
    Cp drifts slightly; a shorter ``step_min`` (default 10 s) holds it closer.
    """
    del sex, height_cm  # no registered ketamine model uses them
    for name, value in (
        ("target_cp_ng_per_ml", target_cp_ng_per_ml),
        ("duration_min", duration_min),
        ("step_min", step_min),
    ):
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a finite number above zero; got {value}.")
    if max_rate_mg_per_min is not None and not max_rate_mg_per_min > 0:
        raise ValueError(f"max_rate_mg_per_min must be above zero; got {max_rate_mg_per_min}.")
    pk_model = _resolve(model)
    system = _modal_system(pk_model.parameters(weight_kg=weight_kg))
    target_mg_per_l = target_cp_ng_per_ml / NG_PER_ML_PER_MG_PER_L
    lam = system.eigenvalues_per_min

    steps: list[Infusion] = []
    state = np.zeros(lam.size)
    start_min = 0.0
    count = math.ceil(duration_min / step_min - 1e-9)
    for i in range(count):
        end_min = min((i + 1) * step_min, duration_min)
        delta = end_min - start_min
        growth = np.expm1(lam * delta)
        free = state * (growth + 1.0)
        unit = system.input_modal * (growth / lam)
        cp_free = float(free @ system.cp_row_mg_per_l)
        cp_unit = float(unit @ system.cp_row_mg_per_l)
        rate = max((target_mg_per_l - cp_free) / cp_unit, 0.0)
        if max_rate_mg_per_min is not None:
            rate = min(rate, max_rate_mg_per_min)
        state = free + unit * rate
        steps.append(Infusion(start_min=start_min, duration_min=delta, rate_mg_per_min=rate))
        start_min = end_min
    return steps

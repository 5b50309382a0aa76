"""Ketamine products as supplied: the facts dosing and treatment plans share.

Framework-free constants, each with its source key (project reference, docs/clinical-reference.md).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ESKETAMINE",
    "KETALAR_VIALS",
    "KETALAR_VIAL_STRENGTHS_MG_PER_ML",
    "EsketamineDevice",
    "KetalarVial",
    "ketalar_vial_volume_ml",
]


@dataclass(frozen=True)
class KetalarVial:
    """A racemic ketamine (Ketalar) multi-dose vial: strength in mg/mL and its volume in mL."""

    strength_mg_per_ml: float
    volume_ml: float

    @property
    def label(self) -> str:
        return f"{self.strength_mg_per_ml:g} mg/mL"


#: Ketalar vials [22][23]: 10 mg/mL × 20 mL, 50 mg/mL × 10 mL, 100 mg/mL × 5 mL. The
#: 100 mg/mL vial must be diluted before IV use [22].
KETALAR_VIALS: tuple[KetalarVial, ...] = (
    KetalarVial(10.0, 20.0),
    KetalarVial(50.0, 10.0),
    KetalarVial(100.0, 5.0),
)
KETALAR_VIAL_STRENGTHS_MG_PER_ML: tuple[float, ...] = tuple(
    vial.strength_mg_per_ml for vial in KETALAR_VIALS
)


def ketalar_vial_volume_ml(strength_mg_per_ml: float) -> float | None:
    """Return the volume of the Ketalar vial of this strength, or None for another strength."""
    for vial in KETALAR_VIALS:
        if abs(vial.strength_mg_per_ml - strength_mg_per_ml) <= 1e-9 * vial.strength_mg_per_ml:
            return vial.volume_ml
    return None


@dataclass(frozen=True)
class EsketamineDevice:
    """Esketamine (Spravato) nasal spray facts from the label [18][19]."""

    #: Each device delivers 28 mg in two sprays; devices are given 5 min apart.
    device_mg: float = 28.0
    minutes_between_devices: int = 5
    #: Usual session doses, changed in 28-mg steps.
    usual_doses_mg: tuple[float, ...] = (56.0, 84.0)
    max_dose_mg: float = 84.0
    #: Patients aged 65 or older start at 28 mg.
    older_adult_age_years: float = 65.0
    older_adult_start_dose_mg: float = 28.0


ESKETAMINE = EsketamineDevice()

"""Shape checks shared by protocols, plan versions and their forms."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

DOSE_FIELDS = ("dose_mg_per_kg", "dose_mg", "dose_mg_per_kg_per_h", "dose_mg_per_h")
RATE_FIELDS = ("dose_mg_per_kg_per_h", "dose_mg_per_h")
# Which dose forms each route may use.
ROUTE_DOSE_FIELDS = {
    "iv": DOSE_FIELDS,
    "im": ("dose_mg_per_kg", "dose_mg"),
    "intranasal": ("dose_mg",),
}
MAX_TITRATION_STEPS = 8


def check_dose_shape(obj: Any, *, route: str, duration_min: int | None) -> dict[str, list[str]]:
    """Return field errors unless exactly one dose form fits the route."""
    errors: dict[str, list[str]] = {}
    given = [name for name in DOSE_FIELDS if getattr(obj, name, None) is not None]
    allowed = ROUTE_DOSE_FIELDS.get(route, DOSE_FIELDS)
    if len(given) != 1:
        errors["dose_mg_per_kg"] = [
            _("Enter exactly one dose: mg/kg, mg, mg/kg/h or mg/h (%(n)s given).")
            % {"n": len(given)}
        ]
    elif given[0] not in allowed:
        errors[given[0]] = [
            _("This route is dosed as %(forms)s.")
            % {"forms": ", ".join(f.replace("dose_", "").replace("_", " ") for f in allowed)}
        ]
    if route == "iv" and not duration_min:
        errors["duration_min"] = [_("An IV infusion needs a duration in minutes.")]
    if route != "iv" and duration_min:
        errors["duration_min"] = [_("Leave the duration empty for IM and intranasal doses.")]
    return errors


def parse_titration_steps(text: str) -> list[Decimal]:
    """Return rising mg/kg steps from "0.5, 0.75, 1.0", or raise ValueError with a message."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if len(parts) > MAX_TITRATION_STEPS:
        raise ValueError(_("Give at most %(n)s steps.") % {"n": MAX_TITRATION_STEPS})
    steps: list[Decimal] = []
    for part in parts:
        try:
            value = Decimal(part)
        except InvalidOperation:
            raise ValueError(
                _("%(part)r is not a number; write steps like 0.5, 0.75, 1.0.") % {"part": part}
            ) from None
        if not value.is_finite() or value <= 0 or value > 10:
            raise ValueError(_("Each step must be between 0 and 10 mg/kg."))
        steps.append(value)
    if any(b <= a for a, b in zip(steps, steps[1:], strict=False)):
        raise ValueError(_("Steps must rise, e.g. 0.5, 0.75, 1.0."))
    return steps

"""Template filters for clinical quantities."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from django import template

from infusionist.lib.dosing import pounds_from_kg, round_half_up

register = template.Library()


@register.filter
def qty(value: object) -> str:
    """Return a number without trailing zeros: Decimal("0.500") → "0.5", "52.50" → "52.5"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float) and math.isfinite(value):
        # Sums of floats carry noise (40.8 × 20 = 815.9999999999998): show 6 places at most.
        value = round_half_up(value, 6)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    text = format(number.normalize(), "f")
    return text


@register.filter
def lb(value: object) -> str:
    """Return a weight in kg as pounds to one decimal: Decimal("70.0") → "154.3"."""
    try:
        kg = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "—"
    if not kg.is_finite() or kg <= 0:
        return "—"
    return format(round_half_up(pounds_from_kg(float(kg)), 1).normalize(), "f")

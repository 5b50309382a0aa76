"""Template filters for clinical quantities."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def qty(value: object) -> str:
    """Return a number without trailing zeros: Decimal("0.500") → "0.5", "52.50" → "52.5"."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    text = format(number.normalize(), "f")
    return text

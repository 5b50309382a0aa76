"""Template filters of the consultation pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def plain_value(value: Any) -> str:
    """Return an input a rule read as plain text: "unknown" for None, "yes"/"no" for
    booleans, lists joined with commas, a mapping as "key: value" pairs (a benzodiazepine's
    name and doses), numbers without a trailing ".0"."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Mapping):
        return "(" + ", ".join(f"{k}: {plain_value(v)}" for k, v in value.items()) + ")"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(plain_value(v) for v in value) if value else "none"
    return str(value)


@register.filter
def limit_rows(limits: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return a decision's stored limits as (label with unit, value) pairs, in field order."""
    from infusionist.consultations.models import EligibilitySettings

    rows = []
    for field in EligibilitySettings._meta.concrete_fields:
        if field.name in limits:
            label = str(field.verbose_name)
            rows.append((label[:1].upper() + label[1:], plain_value(limits[field.name])))
    return rows


@register.filter
def rule_title(checklist: list[Mapping[str, Any]], code: str) -> str:
    """Return the title of rule ``code`` in a stored checklist (the code when absent)."""
    return next((str(row.get("title")) for row in checklist if row.get("code") == code), code)

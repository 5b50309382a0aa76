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

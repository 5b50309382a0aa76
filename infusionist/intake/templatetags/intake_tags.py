"""Template helpers of the intake pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: Mapping[str, Any] | None, key: str) -> Any:
    """``{{ problems|get:"trial-0-drug" }}``: the value under ``key``, or "" when absent."""
    if not mapping:
        return ""
    return mapping.get(key, "")


@register.simple_tag
def rowname(prefix: str, field: str) -> str:
    """``{% rowname row.prefix "drug" %}`` -> "trial-0-drug" (a repeatable row's field)."""
    return f"{prefix}-{field}"

"""Template filters for accounts."""

from __future__ import annotations

from django import template

from infusionist.accounts.roles import Role

register = template.Library()


@register.filter
def role_label(value: object) -> str:
    """Return the display name of a stored role value ("nurse" → "Nurse")."""
    try:
        return str(Role(str(value)).label)
    except ValueError:
        return str(value or "")

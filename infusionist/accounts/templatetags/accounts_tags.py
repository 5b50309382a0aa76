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


@register.filter
def may(user: object, capability: str) -> bool:
    """``{% if user|may:"protocols.edit" %}``: whether the user's role holds the capability,
    so a page shows a link only to the roles that can open it."""
    from infusionist.accounts.roles import can

    return bool(getattr(user, "is_authenticated", False)) and can(user, capability)

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from infusionist.accounts.home import home_url_for
from infusionist.accounts.roles import Role, can

# (url name, label, capability) in the order the navigation shows them
NAV_ITEMS = [
    ("today:index", _("Today"), "today.view"),
    ("patients:list", _("Patients"), "patients.search"),
    ("treatment:plan_list", _("Treatment plans"), "treatment.view"),
    ("treatment:calculator", _("Dose calculator"), "treatment.calculate"),
    ("treatment:protocol_list", _("Protocols"), "protocols.view"),
    ("measurements:alerts", _("Safety alerts"), "safety.review"),
    ("administration:locations", _("Locations"), "clinic.view"),
    ("administration:staff", _("Staff"), "staff.manage"),
    ("administration:audit_report", _("Audit report"), "audit.report"),
    ("reference:index", _("Clinical reference"), "reference.view"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Give templates the navigation the user's role may use and the role's home page."""
    user = getattr(request, "user", None)
    home_url = home_url_for(user)
    if user is None or not user.is_authenticated:
        return {
            "nav_items": [],
            "can_search_patients": False,
            "can_use_api": False,
            "home_url": home_url,
            "is_patient": False,
        }
    items = [(name, label) for name, label, cap in NAV_ITEMS if can(user, cap)]
    if settings.DEMO_MODE and can(user, "demo.outbox"):
        items.append(("demo:outbox", _("Demo outbox")))
    return {
        "nav_items": items,
        "can_search_patients": can(user, "patients.search"),
        "can_use_api": can(user, "api.use"),
        "home_url": home_url,
        "is_patient": user.role == Role.PATIENT,
    }

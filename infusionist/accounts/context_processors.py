from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from infusionist.accounts.home import home_url_for
from infusionist.accounts.roles import Role, can
from infusionist.clinics.selectors import clinic_brand

# (url name, label, capability) in the order the navigation shows them
NAV_ITEMS = [
    ("today:index", _("Today"), "today.view"),
    ("scheduling:calendar", _("Calendar"), "schedule.view"),
    ("infusions:board", _("Chair board"), "chart.board"),
    ("infusions:rems_list", _("REMS forms"), "chart.view"),
    ("patients:list", _("Patients"), "patients.search"),
    ("intake:list", _("Intakes"), "intake.view"),
    ("treatment:plan_list", _("Treatment plans"), "treatment.view"),
    ("treatment:calculator", _("Dose calculator"), "treatment.calculate"),
    ("treatment:protocol_list", _("Protocols"), "protocols.view"),
    ("measurements:alerts", _("Safety alerts"), "safety.review"),
    ("administration:locations", _("Locations"), "clinic.view"),
    ("administration:clinic_profile", _("Clinic profile"), "clinic.manage"),
    ("administration:scheduling_settings", _("Scheduling set-up"), "schedule.manage"),
    ("administration:chart_settings", _("Chart settings"), "chart.settings"),
    ("consent:documents", _("Consent documents"), "consent.manage"),
    ("administration:staff", _("Staff"), "staff.manage"),
    ("administration:audit_report", _("Audit report"), "audit.report"),
    ("reference:index", _("Clinical reference"), "reference.view"),
    ("waitlist:entries", _("Waitlist"), "schedule.book"),
]


def _current_link(path: str, urls: list[str]) -> str | None:
    """Return the menu address the page is under: the longest one that starts its path."""
    under = [url for url in urls if path == url or (url != "/" and path.startswith(url))]
    return max(under, key=len, default=None)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Give templates the navigation the user's role may use, the role's home page and the
    clinic's brand (name, logo, phone, crisis wording; ``clinic_brand``) for the header and
    the crisis panel. A page without a signed-in user (a questionnaire link) passes its own
    ``brand``, which wins over this one."""
    user = getattr(request, "user", None)
    home_url = home_url_for(user)
    if user is None or not user.is_authenticated:
        return {
            "nav_items": [],
            "can_search_patients": False,
            "can_use_api": False,
            "home_url": home_url,
            "is_patient": False,
            "brand": None,
        }
    names = [(name, label) for name, label, cap in NAV_ITEMS if can(user, cap)]
    if settings.DEMO_MODE and can(user, "demo.outbox"):
        names.append(("demo:outbox", _("Demo outbox")))
    links = [(reverse(name), label) for name, label in names]
    current = _current_link(request.path, [url for url, _label in links])
    return {
        "nav_items": [(url, label, url == current) for url, label in links],
        "can_search_patients": can(user, "patients.search"),
        "can_use_api": can(user, "api.use"),
        "home_url": home_url,
        "is_patient": user.role == Role.PATIENT,
        "brand": (
            clinic_brand(organization=user.organization, language=get_language() or "en")
            if user.organization_id
            else None
        ),
    }

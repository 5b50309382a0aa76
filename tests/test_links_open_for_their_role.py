"""Review round 2, finding 21: every link shown to a role opens for that role.

The kind: a page (Today, the home page, the navigation) shows a role a link it may not open
(the front desk saw "Overdue questionnaires" and got "role cannot open this page"). Walks
every same-site link on each staff role's Today page and the patient's home page, with data
in every panel, and asserts none answers 403.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from infusionist.accounts.roles import Role
from infusionist.measurements.models import Assignment

HREF = re.compile(r'href="([^"#]+)"')
SKIP = ("/static/", "/media/", "/accounts/logout", "mailto:", "tel:", "sms:", "http")


def _links(html: str) -> set[str]:
    found = set()
    for href in HREF.findall(html):
        if href.startswith(SKIP) or not href.startswith("/"):
            continue
        found.add(urlsplit(href.replace("&amp;", "&")).path)
    return found


@pytest.mark.parametrize(
    "role", [Role.FRONT_DESK, Role.NURSE, Role.PROVIDER, Role.PHYSICIAN, Role.CLINIC_ADMIN]
)
def test_every_link_on_a_roles_today_page_opens_for_it(client, cast, site, role) -> None:
    # Every overdue questionnaire shows on Today, with "see all" when there are more.
    Assignment.objects.filter(patient__organization=cast.org).update(
        available_at=timezone.now() - dt.timedelta(days=4),
        due_at=timezone.now() - dt.timedelta(days=3),
    )
    user = cast.staff()[role]
    client.force_login(user)
    html = client.get(reverse("today:index")).content.decode()
    links = _links(html)
    assert links, "Today shows no links at all"
    refused = {}
    # One step further too: the pages Today leads to (a patient's record, the overdue list).
    for path in sorted(links):
        response = client.get(path)
        refused[path] = response.status_code
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            for deeper in _links(response.content.decode()) - links:
                if deeper not in refused:
                    refused[deeper] = client.get(deeper).status_code
    assert {p: s for p, s in refused.items() if s == 403} == {}


def test_every_link_on_the_patients_home_page_opens_for_them(client, cast, site) -> None:
    client.force_login(cast.patient_user)
    html = client.get("/").content.decode()
    if 'href="/' not in html:
        html = client.get(client.get("/").url).content.decode()
    refused = {path: client.get(path).status_code for path in sorted(_links(html))}
    assert {p: s for p, s in refused.items() if s == 403} == {}


@pytest.mark.parametrize(
    "role", [Role.FRONT_DESK, Role.NURSE, Role.PROVIDER, Role.PHYSICIAN, Role.CLINIC_ADMIN]
)
def test_a_role_shown_overdue_questionnaires_opens_their_full_list(client, cast, role) -> None:
    from infusionist.accounts.roles import can

    user = cast.staff()[role]
    client.force_login(user)
    status = client.get(reverse("measurements:overdue")).status_code
    assert (status == 200) is can(user, "measurements.overdue")

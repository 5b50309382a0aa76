"""The menu marks exactly the page's own section as current."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

CURRENT = re.compile(r'<a href="([^"]+)" aria-current="page">')


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("treatment:protocol_list", "treatment:protocol_list"),
        ("treatment:calculator", "treatment:calculator"),
        ("treatment:plan_list", "treatment:plan_list"),
        ("today:index", "today:index"),
        ("patients:list", "patients:list"),
        ("administration:locations", "administration:locations"),
    ],
)
def test_one_menu_item_is_current(client, cast, url_name: str, expected: str) -> None:
    client.force_login(cast.physician if "administration" not in url_name else cast.admin)
    html = client.get(reverse(url_name)).content.decode()
    nav = html.split("<nav", 1)[1].split("</nav>", 1)[0]
    current = CURRENT.findall(nav)
    assert current == [reverse(expected)]


def test_a_page_under_no_menu_item_marks_none(client, cast) -> None:
    client.force_login(cast.physician)
    html = client.get(reverse("mfa_index")).content.decode()
    nav = html.split("<nav", 1)[1].split("</nav>", 1)[0]
    assert CURRENT.findall(nav) == []

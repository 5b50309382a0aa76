"""A reloaded or restored tab on an action's address (POST only) never shows a blank page.

After a form with errors is shown the browser's address is the form's action; a GET there
goes back (303) to the page that holds the form with a note that it was not sent, and other
methods get the branded, translated 405 page with a way on.
"""

from __future__ import annotations

import pytest
from django.urls import resolve

from infusionist.postonly import POST_ONLY_ATTRIBUTE, form_page_for
from tests.site import RULES, url_for

ACTIONS = sorted(name for name, rule in RULES.items() if rule.method == "POST")


def _allowed_user(cast, name: str):
    return next(user for role, user in cast.by_role().items() if role in RULES[name].roles)


@pytest.mark.parametrize("name", ACTIONS)
def test_get_on_every_action_goes_back_to_its_form(client, cast, site, name: str) -> None:
    client.force_login(_allowed_user(cast, name))
    url = url_for(name, site)
    response = client.get(url)
    assert response.status_code == 303, name
    target = response["Location"]
    assert target != url
    assert not getattr(resolve(target).func, POST_ONLY_ATTRIBUTE, False), f"{name} -> {target}"
    page = client.get(target)
    assert page.status_code == 200, f"{name} -> {target}"
    assert b"That form was not sent" in page.content, name


@pytest.mark.parametrize("name", ACTIONS)
def test_other_methods_get_the_branded_page(client, cast, site, name: str) -> None:
    client.force_login(_allowed_user(cast, name))
    response = client.put(url_for(name, site))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert b"That form was not sent" in response.content
    assert b"<nav" in response.content or b"<html" in response.content


@pytest.mark.parametrize(
    ("path", "page"),
    [
        ("/measurements/patients/3/enter/phq9/save/", "/measurements/patients/3/enter/phq9/"),
        ("/measurements/patients/3/safety/4/close/", "/measurements/patients/3/safety/"),
        ("/treatment/change-proposals/2/approve/", "/treatment/change-proposals/2/"),
        ("/clinic/locations/5/closures/add/", "/clinic/locations/5/"),
        ("/clinic/staff/invitations/7/resend/", "/clinic/staff/"),
        ("/portal/questionnaires/9/send/", "/portal/questionnaires/9/"),
        ("/q/answer/save/", "/q/answer/"),
    ],
)
def test_the_form_page_is_the_nearest_page_above(path: str, page: str) -> None:
    assert form_page_for(path) == page


def test_the_reviewers_reload_of_a_phq9_with_errors(client, cast, site) -> None:
    """The reviewer's case: PHQ-9 entered with errors, then the tab reloaded."""
    client.force_login(cast.nurse)
    url = url_for("measurements:enter_save", site)
    assert client.post(url, {}).status_code in (200, 422)  # shown again, with errors
    response = client.get(url, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][1] == 303
    assert b"That form was not sent" in response.content


@pytest.mark.django_db
def test_the_patient_link_save_address_is_never_blank(client) -> None:
    response = client.get("/q/answer/save/")
    assert response.status_code == 303
    assert response["Location"] == "/q/answer/"


@pytest.mark.django_db
def test_any_other_empty_405_is_branded(client) -> None:
    """allauth's and other views' own 405 answers get the branded page too."""
    response = client.put("/q/some-token/")  # require_http_methods(["GET", "POST"])
    assert response.status_code == 405
    assert response.content.strip()
    assert b"That form was not sent" in response.content


@pytest.mark.django_db
def test_the_page_speaks_spanish(client) -> None:
    response = client.put("/q/answer/save/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 405
    assert "no se envió".encode() in response.content

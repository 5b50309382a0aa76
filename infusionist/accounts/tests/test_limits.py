"""A refusal after too many tries says how long to wait (review 1, finding 14).

The sign-in lockout read "Too many failed login attempts. Try again later."; now every limit
allauth applies (wrong passwords, wrong authenticator codes, reset requests, anything else that
answers 429) names the wait, in the page's language, and keeps what was typed.
"""

from __future__ import annotations

import time

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from infusionist import errors
from infusionist.accounts import limits
from infusionist.test import PASSWORD

SPANISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "es-US,es;q=0.9"}


def _fail_sign_in(client, email: str, times: int, **browser) -> str:
    page = ""
    for _ in range(times):
        page = client.post(
            reverse("account_login"), {"login": email, "password": "wrong"}, **browser
        ).content.decode()
    return page


def test_the_sign_in_lockout_says_how_many_minutes(client, cast) -> None:
    page = _fail_sign_in(client, "frontdesk@test.example", 6)
    assert "paused for 5 minutes" in page
    assert "reset your password now" in page
    assert 'value="frontdesk@test.example"' in page  # the address typed is kept


def test_the_sign_in_lockout_is_spanish_for_a_spanish_browser(client, cast) -> None:
    page = _fail_sign_in(client, "alice@test.example", 6, **SPANISH_BROWSER)
    assert "está en pausa durante 5 minutos" in page
    assert "Too many" not in page


def test_the_wait_counts_down_from_the_oldest_try_that_still_counts(
    client, cast, monkeypatch
) -> None:
    _fail_sign_in(client, "frontdesk@test.example", 5)
    later = time.time() + 200
    monkeypatch.setattr(limits.time, "time", lambda: later)
    page = _fail_sign_in(client, "frontdesk@test.example", 1)
    # Five minutes from the first failure, 200 s gone: the pause has 100 s (2 minutes) left.
    assert "paused for 2 minutes" in page


def test_a_lockout_after_resetting_the_cache_falls_back_to_the_longest_window(db) -> None:
    request = RequestFactory().post("/")
    request.user = None
    assert limits.wait_s(request, action="login_failed", key="x") == 0
    assert limits.wait_or_window_s(request, action="login_failed", key="x") == 300


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(1, "1 minute"), (60, "1 minute"), (61, "2 minutes"), (300, "5 minutes")],
)
def test_minutes_are_rounded_up(seconds, expected) -> None:
    with translation.override("en"):
        assert limits.minutes_text(seconds) == expected


def test_the_authenticator_code_lockout_says_how_long(client, cast) -> None:
    client.post(reverse("account_login"), {"login": "nurse@test.example", "password": PASSWORD})
    page = ""
    for _ in range(6):
        page = client.post(reverse("mfa_authenticate"), {"code": "000000"}).content.decode()
    assert "Too many wrong codes. Wait 5 minutes" in page


def test_too_many_reset_requests_are_refused_beside_the_field_keeping_the_address(
    client, cast, mailoutbox
) -> None:
    for _ in range(5):
        client.post(reverse("account_reset_password"), {"email": "alice@test.example"})
    refused = client.post(reverse("account_reset_password"), {"email": "alice@test.example"})
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Too many requests in a short time. Wait 1 minute and try again." in html
    assert 'value="alice@test.example"' in html
    assert len(mailoutbox) == 5


def test_too_many_reset_requests_are_refused_in_spanish(client, cast) -> None:
    for _ in range(5):
        client.post(reverse("account_reset_password"), {"email": "bob@test.example"})
    refused = client.post(
        reverse("account_reset_password"), {"email": "bob@test.example"}, **SPANISH_BROWSER
    )
    assert "Espere 1 minuto e inténtelo de nuevo" in refused.content.decode()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/accounts/password/change/", "Wait 1 minute"),
        ("/accounts/email/", "Wait 1 minute"),
        ("/no-such-limit/", "Wait a minute"),
    ],
)
def test_any_other_limit_answers_a_page_that_says_how_long(client, cast, path, expected) -> None:
    from django.urls import Resolver404, resolve

    request = RequestFactory().post(path)
    request.user = cast.patient_user
    request.session = client.session
    try:
        request.resolver_match = resolve(path)
    except Resolver404:
        request.resolver_match = None
    with translation.override("en"):
        response = errors.too_many_requests(request)
    assert response.status_code == 429
    assert expected in response.content.decode()


def test_the_change_password_limit_reaches_the_page(client, cast) -> None:
    client.force_login(cast.patient_user)
    bad = {"oldpassword": "wrong", "password1": "x", "password2": "x"}
    responses = [client.post(reverse("account_change_password"), bad) for _ in range(6)]
    assert responses[-1].status_code == 429
    assert "Too many requests in a short time. Wait 1 minute" in responses[-1].content.decode()

"""The account pages (allauth's and ours) speak to the person reading them, in one language.

Review 1, finding 13: a Spanish-preferring patient's Security page and authenticator set-up
were English and worded for clinical staff, and patients had no way to change their password.
Finding 14: a staff member with a Spanish browser read a Spanish "signed in" message on an
English page, and the closed sign-up page was a dead end. Every page a patient can reach under
/accounts/ and /account-setup/ is walked here in both languages.
"""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from infusionist.test import PASSWORD, TOTP_SECRET
from tests.test_spanish_pages import ENGLISH_BROWSER, SPANISH_BROWSER, assert_spanish, visible

#: Pages a signed-in patient can open under /accounts/ and /account-setup/ (GET).
PATIENT_PAGES = [
    "mfa_index",
    "account_change_password",
    "account_reauthenticate",
    "account_email",
    "account_email_verification_sent",
    "account_logout",
    "account_inactive",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
    "account_setup:verify_email",
]
#: Pages that open once the patient has an authenticator (and has just confirmed who they are).
AUTHENTICATOR_PAGES = [
    "mfa_index",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
]
#: Spanish a page for English readers must not show (allauth's catalogue and ours).
SPANISH = ["Contraseña", "contraseña", "Seguridad", "Cerrar sesión", "correo electrónico", "Su "]
#: Staff wording a patient must not read.
STAFF_WORDING = ["Clinical staff", "personal clínico", "clinic admin", "administrador"]


def assert_english(response) -> str:
    text, lang = visible(response.content.decode())
    where = response.request["PATH_INFO"]
    assert lang == "en", f"<html lang> is {lang!r} on {where}"
    left = [word for word in SPANISH if word in text]
    assert not left, f"Spanish on an English page ({where}): {left}"
    return text


@pytest.fixture
def spanish_patient(cast):
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    return cast.patient_user


def _confirm(user) -> None:
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def _with_authenticator(client, user) -> None:
    """Give ``user`` an authenticator and recovery codes, and confirm who they are."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    _confirm(user)
    TOTP.activate(user, TOTP_SECRET)
    RecoveryCodes.activate(user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})


def _page(client, name: str, **browser):
    response = client.get(reverse(name), follow=True, **browser)
    assert response.status_code == 200, (name, response.status_code)
    return response


@pytest.mark.parametrize("name", PATIENT_PAGES)
def test_each_account_page_is_spanish_for_a_spanish_patient(client, spanish_patient, name) -> None:
    client.force_login(spanish_patient)
    text = assert_spanish(_page(client, name, **ENGLISH_BROWSER))
    assert not [w for w in STAFF_WORDING if w in text], text


@pytest.mark.parametrize("name", AUTHENTICATOR_PAGES)
def test_authenticator_pages_are_spanish_for_a_spanish_patient(
    client, spanish_patient, name
) -> None:
    client.force_login(spanish_patient)
    _with_authenticator(client, spanish_patient)
    assert_spanish(_page(client, name, **ENGLISH_BROWSER))


def test_adding_an_authenticator_is_spanish_and_worded_for_a_patient(
    client, spanish_patient
) -> None:
    # As in the demo: the address is on file but not yet confirmed.
    EmailAddress.objects.create(
        user=spanish_patient, email=spanish_patient.email, verified=False, primary=True
    )
    client.force_login(spanish_patient)
    step1 = assert_spanish(_page(client, "mfa_activate_totp", **ENGLISH_BROWSER))
    assert "Paso 1 de 2: confirme su correo electrónico" in step1
    assert "Llame a su clínica" in step1
    assert not [w for w in STAFF_WORDING if w in step1], step1
    sent = client.post(reverse("account_setup:verify_email"), follow=True, **ENGLISH_BROWSER)
    assert_spanish(sent, "Enviamos un enlace de confirmación a alice@test.example")
    _confirm(spanish_patient)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    step2 = _page(client, "mfa_activate_totp", **ENGLISH_BROWSER)
    assert step2.redirect_chain == []
    assert_spanish(step2, "Activar")


def test_an_english_patient_reads_the_same_pages_in_english(client, cast) -> None:
    client.force_login(cast.patient_user)
    for name in PATIENT_PAGES:
        text = assert_english(_page(client, name, **SPANISH_BROWSER))
        assert not [w for w in STAFF_WORDING if w in text], (name, text)


def test_staff_read_the_account_pages_in_english_whatever_their_browser(client, cast) -> None:
    client.force_login(cast.frontdesk)
    for name in ("mfa_index", "account_change_password", "account_email"):
        assert_english(_page(client, name, **SPANISH_BROWSER))


def test_a_patient_can_change_their_password_from_the_menu_and_the_security_page(
    client, spanish_patient
) -> None:
    client.force_login(spanish_patient)
    change = reverse("account_change_password")
    home = client.get(reverse("portal:home")).content.decode()
    assert re.search(rf'<a href="{change}">Cambiar contraseña</a>', home)
    security = client.get(reverse("mfa_index")).content.decode()
    assert f'href="{change}"' in security and "Cambiar su contraseña" in security
    form = client.get(change)
    assert_spanish(
        form, "Cambiar su contraseña", "Contraseña actual", "¿Olvidó su contraseña actual?"
    )
    wrong = client.post(
        change,
        {"oldpassword": "not-it", "password1": "x", "password2": "y"},
        **ENGLISH_BROWSER,
    )
    assert wrong.status_code == 200
    assert_spanish(wrong, "Cambiar su contraseña", "Esa no es su contraseña actual")
    done = client.post(
        change,
        {
            "oldpassword": PASSWORD,
            "password1": "otra-clave-larga-2026",
            "password2": "otra-clave-larga-2026",
        },
        follow=True,
        **SPANISH_BROWSER,
    )
    # Signed out to sign in again with the new password; the page and its message agree.
    assert done.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert_spanish(done, "Iniciar sesión")


def test_staff_security_page_also_offers_a_password_change(client, cast) -> None:
    client.force_login(cast.nurse)
    page = client.get(reverse("mfa_index")).content.decode()
    assert f'href="{reverse("account_change_password")}"' in page
    assert "On: signing in asks for the code" in page


@pytest.mark.parametrize(
    ("browser", "expected"),
    [
        (ENGLISH_BROWSER, ["Accounts come by invitation", "Go to the sign-in page"]),
        (SPANISH_BROWSER, ["Las cuentas se crean por invitación", "Ir a la página"]),
    ],
)
def test_closed_sign_up_explains_invitations_and_leads_back(client, db, browser, expected) -> None:
    page = client.get(reverse("account_signup"), **browser)
    html = page.content.decode()
    for phrase in expected:
        assert phrase in html
    assert f'href="{reverse("account_login")}"' in html
    assert "Sign Up Closed" not in html and "We are sorry" not in html


def test_an_inactive_account_is_told_what_to_do(client, db) -> None:
    page = client.get(reverse("account_inactive"), **SPANISH_BROWSER)
    assert_spanish(page, "Esta cuenta está desactivada", "llame a su clínica")
    english = client.get(reverse("account_inactive"), **ENGLISH_BROWSER).content.decode()
    assert "call your clinic" in english and f'href="{reverse("account_login")}"' in english


# ---- one language per page: messages made while signing in or out ------------------------------


def test_staff_with_a_spanish_browser_read_the_signed_in_message_in_english(client, cast) -> None:
    today = client.post(
        reverse("account_login"),
        {"login": "frontdesk@test.example", "password": PASSWORD},
        follow=True,
        **SPANISH_BROWSER,
    )
    text = assert_english(today)
    assert "Successfully signed in as" in text
    assert "Ha iniciado sesión" not in text


def test_a_clinician_with_a_spanish_browser_reads_every_sign_in_step_in_one_language(
    client, cast
) -> None:
    step = client.post(
        reverse("account_login"),
        {"login": "nurse@test.example", "password": PASSWORD},
        follow=True,
        **SPANISH_BROWSER,
    )
    assert_spanish(step)  # the code step is still the sign-in page: the browser's language
    today = client.post(
        reverse("mfa_authenticate"), {"code": _code()}, follow=True, **SPANISH_BROWSER
    )
    text = assert_english(today)
    assert "Successfully signed in as" in text


def _code() -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def test_the_signed_out_message_is_in_the_sign_in_page_language(client, cast) -> None:
    client.force_login(cast.frontdesk)
    page = client.post(reverse("account_logout"), follow=True, **SPANISH_BROWSER)
    text = assert_spanish(page, "Iniciar sesión")
    assert "Ha cerrado sesión" in text


def test_the_confirmation_link_from_the_email_opens_in_the_patients_language(
    client, spanish_patient
) -> None:
    from allauth.account.models import EmailConfirmationHMAC

    address = EmailAddress.objects.create(
        user=spanish_patient, email=spanish_patient.email, verified=False, primary=True
    )
    key = EmailConfirmationHMAC(address).key
    client.force_login(spanish_patient)
    page = client.get(reverse("account_confirm_email", args=[key]), **ENGLISH_BROWSER)
    assert_spanish(page, "Confirmar")
    done = client.post(reverse("account_confirm_email", args=[key]), follow=True, **ENGLISH_BROWSER)
    assert_spanish(done)
    assert EmailAddress.objects.get(pk=address.pk).verified


def test_a_patients_code_step_and_reauthentication_follow_one_language(
    client, spanish_patient
) -> None:
    _confirm(spanish_patient)
    TOTP.activate(spanish_patient, TOTP_SECRET)
    step = client.post(
        reverse("account_login"),
        {"login": spanish_patient.email, "password": PASSWORD},
        follow=True,
        **SPANISH_BROWSER,
    )
    assert step.redirect_chain[-1][0] == reverse("mfa_authenticate")
    assert_spanish(step)
    home = client.post(
        reverse("mfa_authenticate"), {"code": _code()}, follow=True, **ENGLISH_BROWSER
    )
    assert_spanish(home, "Su página")  # the patient's own language once signed in
    again = client.get(reverse("mfa_reauthenticate"), follow=True, **ENGLISH_BROWSER)
    assert_spanish(again)

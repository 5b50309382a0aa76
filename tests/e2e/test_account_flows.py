"""Browser flows of the account pages (review 1, findings 13 and 14).

A Spanish-preferring patient finds Security and the change-password link on a phone and reads
them in Spanish; a nurse whose browser prefers Spanish reads an English Today page with an
English "signed in" message; the closed sign-up page leads back to sign-in.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from infusionist.test import PASSWORD
from tests.e2e.conftest import login, shot, totp_now

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _context(browser, *, viewport: dict[str, int], locale: str):
    return browser.new_context(
        viewport=viewport,
        device_scale_factor=1,
        is_mobile=viewport is PHONE,
        has_touch=viewport is PHONE,
        locale=locale,
    )


def test_a_spanish_patient_changes_their_password_from_the_menu_on_a_phone(
    browser, live_server, cast
) -> None:
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    # As in the demo: the address is on file but not yet confirmed.
    EmailAddress.objects.create(user=cast.patient_user, email="alice@test.example")
    context = _context(browser, viewport=PHONE, locale="en-US")
    page = context.new_page()
    login(page, live_server.url, "alice@test.example")
    page.get_by_role("link", name="Seguridad").click()
    expect(page.get_by_role("heading", name="Seguridad", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Cambiar su contraseña")).to_be_visible()
    expect(page.get_by_text("Es opcional.")).to_be_visible()
    shot(page, "account-security-es-phone")
    page.get_by_role("link", name="Añadir una aplicación de autenticación").click()
    expect(
        page.get_by_role("heading", name="Paso 1 de 2: confirme su correo electrónico")
    ).to_be_visible()
    expect(page.get_by_text("Clinical staff")).to_have_count(0)
    shot(page, "account-authenticator-step1-es-phone")
    page.get_by_role("link", name="Cambiar contraseña", exact=True).click()
    expect(page.get_by_role("heading", name="Cambiar su contraseña")).to_be_visible()
    page.get_by_label("Contraseña actual").fill("not-my-password")
    page.locator("#id_password1").fill("otra-clave-larga-2026")
    page.locator("#id_password2").fill("otra-clave-larga-2026")
    page.get_by_role("button", name="Guardar mi contraseña nueva").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    shot(page, "account-password-change-error-es-phone")
    page.get_by_label("Contraseña actual").fill(PASSWORD)
    page.locator("#id_password1").fill("otra-clave-larga-2026")
    page.locator("#id_password2").fill("otra-clave-larga-2026")
    page.get_by_role("button", name="Guardar mi contraseña nueva").click()
    # Signed out to sign in again, on the sign-in page itself (not back to the form).
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    shot(page, "account-password-changed-phone")
    context.close()


def test_a_nurse_with_a_spanish_browser_reads_one_language_per_page(
    browser, live_server, cast
) -> None:
    context = _context(browser, viewport=DESKTOP, locale="es-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Correo electrónico").fill("nurse@test.example")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.get_by_label("Código").fill(totp_now())
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_text("Successfully signed in as")).to_be_visible()
    expect(page.get_by_text("Ha iniciado sesión")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shot(page, "account-nurse-es-browser-today-desktop")
    context.close()


def test_closed_sign_up_leads_back_to_sign_in_on_a_phone(browser, live_server, cast) -> None:
    context = _context(browser, viewport=PHONE, locale="es-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/signup/")
    expect(page.get_by_role("heading", name="Las cuentas se crean por invitación")).to_be_visible()
    shot(page, "account-signup-closed-es-phone")
    page.get_by_role("link", name="Ir a la página para iniciar sesión").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    context.close()


def test_the_lockout_says_how_long_on_a_phone(browser, live_server, cast) -> None:
    context = _context(browser, viewport=PHONE, locale="en-US")
    page = context.new_page()
    for _ in range(6):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill("frontdesk@test.example")
        page.get_by_label("Password").fill("wrong-password")
        page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("paused for 5 minutes")).to_be_visible()
    shot(page, "account-lockout-phone")
    context.close()

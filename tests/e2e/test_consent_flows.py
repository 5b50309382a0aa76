"""Browser flows of consent: a patient signs the ketamine consent in Spanish on a phone and
downloads the PDF; the clinic admin's documents pages and the staff copy on a desktop."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader

from infusionist.consent import services
from infusionist.consent.models import ConsentSignature
from tests.e2e.conftest import SCREENSHOTS, login, shot

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _screen(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_patient_signs_the_ketamine_consent_in_spanish_on_a_phone(browser, live_server, cast):
    services.consent_documents_create_defaults(organization=cast.org)
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True, accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("response", lambda r: errors.append(r.url) if r.status >= 500 else None)
    login(page, live_server.url, "alice@test.example")

    card = page.locator("section.consent-card")
    heading = "Formularios de consentimiento para firmar"
    assert card.get_by_role("heading", name=heading).is_visible()
    _screen(page, "consent-portal-home-phone-es")
    card.get_by_role("link", name="Leer y firmar").click()
    shot(page, "consent-portal-list-phone-es")
    page.locator("li.portal-card", has_text="tratamiento con ketamina").get_by_role(
        "link", name="Leer y firmar"
    ).click()
    assert page.get_by_role(
        "heading", name="Consentimiento para el tratamiento con ketamina"
    ).is_visible()
    assert page.get_by_text("Problemas de vejiga", exact=False).is_visible()

    # A name that does not match: refused kindly, nothing typed is lost.
    name = page.get_by_label("Escriba su nombre legal completo")
    name.fill("Alicia Otra")
    page.get_by_label("Lo he leído y estoy de acuerdo").check()
    page.get_by_role("button", name="Firmar", exact=True).click()
    assert page.get_by_text("no coincide con el nombre de su expediente").is_visible()
    assert name.input_value() == "Alicia Otra"
    assert page.get_by_label("Lo he leído y estoy de acuerdo").is_checked()
    page.get_by_text("no coincide con el nombre de su expediente").scroll_into_view_if_needed()
    _screen(page, "consent-portal-sign-mismatch-phone-es")

    name.fill("alice testpatient")
    page.get_by_role("button", name="Firmar", exact=True).click()
    assert page.get_by_text("Gracias. Su firma quedó registrada.").is_visible()
    assert page.get_by_text("Esta es su copia firmada").is_visible()
    shot(page, "consent-portal-signed-copy-phone-es")
    signature = ConsentSignature.objects.get()
    assert (signature.language, signature.typed_name, signature.kind) == (
        "es",
        "alice testpatient",
        "ketamine_treatment",
    )
    assert signature.ip_address == "127.0.0.1"

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Descargar PDF").first.click()
    data = Path(download_info.value.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "alice testpatient" in text and "Consentimiento para el tratamiento" in text
    assert errors == []
    context.close()


def test_admin_documents_and_staff_copy_on_a_desktop(browser, live_server, cast):
    services.consent_documents_create_defaults(organization=cast.org)
    version = cast.org.consent_documents.get(kind="ketamine_treatment")
    services.consent_sign(
        patient=cast.patient,
        version=version,
        actor=cast.nurse,
        typed_name="Alice Testpatient",
        agreed=True,
        language="en",
        method=ConsentSignature.Method.TABLET,
    )
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    login(page, live_server.url, "admin@test.example")
    page.goto(f"{live_server.url}/consent/")
    assert page.get_by_role("heading", name="Consent documents").is_visible()
    shot(page, "consent-documents-desktop")
    page.goto(f"{live_server.url}/consent/documents/{version.pk}/")
    page.get_by_role("button", name="Start a new version from this one").click()
    page.get_by_label("Effective on").wait_for()
    shot(page, "consent-draft-edit-desktop")
    page.goto(f"{live_server.url}/record/{cast.patient.pk}/")
    assert page.get_by_role("heading", name="Consent", exact=True).is_visible()
    shot(page, "consent-record-panel-desktop")
    page.goto(f"{live_server.url}/consent/patients/{cast.patient.pk}/")
    shot(page, "consent-patient-desktop")
    page.get_by_role("link", name="View").first.click()
    assert page.get_by_text("witnessed by").is_visible()
    shot(page, "consent-staff-copy-desktop")
    context.close()

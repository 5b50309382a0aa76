"""Issue 9, clinic profile, end to end: the clinic admin edits the profile from the product's
own page (a refused phone keeps everything typed), uploads a logo and writes Spanish crisis
wording; a Spanish-preferring patient then sees the clinic's logo and name at the top of the
questionnaire, and the clinic's Spanish words on the crisis panel after the national lines,
all on a phone screen (docs/decisions/0011)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw
from playwright.sync_api import expect

from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import Organization, OrganizationLogo
from tests.e2e.conftest import login, shot
from tests.e2e.test_patient_flows import (
    DESKTOP,
    SLOW_MS,
    assert_panel_on_screen,
    choose,
    confirm_date_of_birth,
    link_url,
    open_assignment,
    phone,
    screen,
    settle,
)

# As long as the profile allows (120 characters, on two lines): the urgent crisis panel must
# still fit a phone screen with it, national lines and all.
SPANISH_WORDING = (
    "Línea de crisis del condado de Lane, 24 horas: (541) 555-0150.\n"
    "En horario de atención, llame a la clínica: 541-555-0123."
)
ENGLISH_WORDING = "Lane County crisis line, 24 hours: (541) 555-0150."
assert len(SPANISH_WORDING) == 120


def logo_png() -> bytes:
    """A fictional logo: a white cross on a plum disc, 200 x 200 pixels with transparency."""
    image = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, 199, 199), fill=(120, 40, 90, 255))
    draw.rectangle((88, 40, 112, 160), fill="white")
    draw.rectangle((40, 88, 160, 112), fill="white")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_the_admin_edits_the_profile_and_a_spanish_patient_sees_it(
    browser, live_server, cast
) -> None:
    base = live_server.url
    admin_context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    page = admin_context.new_page()
    login(page, base, "admin@test.example")
    page.get_by_role("link", name="Clinic profile", exact=True).click()
    expect(page.get_by_role("heading", name="Clinic profile", exact=True)).to_be_visible()
    expect(page.get_by_label("Main phone number")).to_have_value("(541) 555-0199")

    # A number with an extension is refused beside the field; the wording typed stays.
    page.get_by_label("Main phone number").fill("541 555 0123 ext 4")
    page.get_by_label("Crisis wording (Spanish)").fill(SPANISH_WORDING)
    page.get_by_label("Crisis wording (English)").fill(ENGLISH_WORDING)
    page.get_by_label("Message greeting (Spanish)").fill("Un saludo de {clinic}.")
    page.get_by_role("button", name="Save clinic profile").click()
    expect(page.get_by_text("Leave out the extension")).to_be_visible()
    expect(page.get_by_label("Crisis wording (Spanish)")).to_have_value(SPANISH_WORDING)
    expect(page.get_by_label("Message greeting (Spanish)")).to_have_value("Un saludo de {clinic}.")
    shot(page, "clinic-profile-refused-desktop")
    page.get_by_label("Main phone number").fill("541 555 0123")
    page.get_by_role("button", name="Save clinic profile").click()
    expect(page.get_by_text("Clinic profile saved.")).to_be_visible()
    expect(page.get_by_label("Main phone number")).to_have_value("(541) 555-0123")
    expect(page.get_by_text("Un saludo de Willowbrook Test Clinic.")).to_be_visible()  # preview

    # An SVG is refused; a PNG becomes the logo at the top of every page.
    page.get_by_label("Logo file").set_input_files(
        files=[
            {
                "name": "logo.svg",
                "mimeType": "image/svg+xml",
                "buffer": b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>',
            }
        ]
    )
    page.get_by_role("button", name="Upload logo").click()
    expect(page.get_by_text("SVG logos are not accepted")).to_be_visible()
    page.get_by_label("Logo file").set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": logo_png()}]
    )
    page.get_by_role("button", name="Upload logo").click()
    expect(page.get_by_text("Logo saved.")).to_be_visible()
    header_logo = page.locator("header .brand-logo")
    expect(header_logo).to_be_visible()
    assert header_logo.evaluate("img => img.naturalWidth") > 0
    shot(page, "clinic-profile-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "clinic-profile-phone")
    admin_context.close()

    org = Organization.objects.get(pk=cast.org.pk)
    assert org.phone == "+15415550123" and org.crisis_text_es == SPANISH_WORDING
    assert OrganizationLogo.objects.filter(organization=org).exists()
    assert AuditEvent.objects.filter(object_type="clinic_profile", action="update").count() == 1
    assert AuditEvent.objects.filter(object_type="clinic_logo", action="create").count() == 1

    # A Spanish-preferring patient opens a questionnaire link on a phone.
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    assignment = open_assignment(cast.patient, "phq9")
    context = phone(browser, locale="es-US")
    patient = context.new_page()
    patient.goto(link_url(live_server, assignment))
    expect(patient.locator("html")).to_have_attribute("lang", "es")
    expect(patient.locator("header .brand-logo")).to_be_visible()
    expect(patient.locator("header .brand-name")).to_have_text("Willowbrook Test Clinic")
    confirm_date_of_birth(patient, "es")
    panel = patient.locator("#crisis")
    expect(panel).to_contain_text("988")
    for line in SPANISH_WORDING.split("\n"):
        expect(panel).to_contain_text(line)
    expect(panel).not_to_contain_text(ENGLISH_WORDING)
    # A crisis answer brings the panel, national lines and the clinic's words, onto the screen.
    choose(patient, "q9", 1)
    assert_panel_on_screen(patient, "q9")
    urgent = patient.locator("#crisisq9")
    expect(urgent).to_contain_text(SPANISH_WORDING.split("\n")[1], timeout=SLOW_MS)
    expect(urgent.locator('a[href="tel:988"]')).to_be_visible()
    expect(urgent.locator('a[href="tel:911"]')).to_be_visible()
    screen(patient, "clinic-profile-crisis-es-phone")
    shot(patient, "clinic-profile-questionnaire-es-phone")
    choose(patient, "q9", 0)
    settle(patient)
    patient.set_viewport_size(DESKTOP)
    shot(patient, "clinic-profile-questionnaire-es-desktop")
    context.close()

    # An English reader of the same clinic sees the English wording instead.
    cast.patient.preferred_language = "en"
    cast.patient.save(update_fields=["preferred_language"])
    context = phone(browser)
    english = context.new_page()
    english.goto(link_url(live_server, open_assignment(cast.patient, "gad7")))
    expect(english.locator("#crisis")).to_contain_text(ENGLISH_WORDING)
    expect(english.locator("#crisis")).not_to_contain_text("Línea de crisis")
    shot(english, "clinic-profile-link-en-phone")
    context.close()

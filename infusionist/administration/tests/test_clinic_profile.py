"""The clinic profile page (docs/decisions/0011): the clinic admin edits the name, main phone,
logo, crisis wording and message texts; each change is audited with old and new values; bad
input is refused beside its field with everything typed kept; and the profile reaches the
header, the patient pages, the crisis panel and the questionnaire messages."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from infusionist.administration import services
from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import Organization, OrganizationLogo
from infusionist.clinics.profile import LOGO_MAX_BYTES
from infusionist.measurements import services as measurement_services
from infusionist.measurements.tests.test_patient_crisis import DOB, open_assignment

PROFILE = {
    "name": "Willowbrook Test Clinic",
    "phone": "541.555.0123",
    "crisis_text_en": "Lane County crisis line, 24 hours: (541) 555-0150.",
    "crisis_text_es": "Línea de crisis del condado, 24 horas: (541) 555-0150.",
    "message_greeting_en": "Hello from {clinic}.",
    "message_greeting_es": "Un saludo de {clinic}.",
    "message_signoff_en": "Questions? Call {phone}.",
    "message_signoff_es": "¿Preguntas? Llame al {phone}.",
}


def png(size: tuple[int, int] = (120, 120)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (20, 122, 120, 255)).save(out, "PNG")
    return out.getvalue()


def _upload(name: str, data: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


# ---- the page -----------------------------------------------------------------------------


def test_the_admin_sees_the_profile_with_the_phone_shown_the_national_way(client, cast) -> None:
    client.force_login(cast.admin)
    page = client.get(reverse("administration:clinic_profile")).content.decode()
    assert 'value="(541) 555-0199"' in page and "+15415550199" not in page
    assert "No logo yet" in page
    # The preview shows what a patient receives, in both languages.
    assert "Willowbrook Test Clinic: your short check-in" in page
    assert "Willowbrook Test Clinic: su cuestionario breve" in page
    assert reverse("administration:clinic_profile") in page  # the navigation links to it


def test_saving_stores_the_phone_in_e164_and_audits_old_and_new_values(client, cast) -> None:
    client.force_login(cast.admin)
    response = client.post(reverse("administration:clinic_profile"), PROFILE)
    assert response.status_code == 302
    org = Organization.objects.get(pk=cast.org.pk)
    assert org.phone == "+15415550123"
    assert org.crisis_text_es == PROFILE["crisis_text_es"]
    event = AuditEvent.objects.get(object_type="clinic_profile")
    assert event.action == "update" and event.actor_id == cast.admin.pk
    assert event.organization_id == cast.org.pk and event.patient_id is None
    assert event.detail["before"]["phone"] == "+15415550199"
    assert event.detail["after"]["phone"] == "+15415550123"
    assert event.detail["before"]["crisis_text_es"] == ""
    assert "name" not in event.detail["fields"]  # unchanged fields are not listed
    # The same values again change nothing and write nothing.
    client.post(reverse("administration:clinic_profile"), PROFILE)
    assert AuditEvent.objects.filter(object_type="clinic_profile").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "541-555-0100 ext 4", "Leave out the extension"),
        ("phone", "(123) 456-7890", "That is not a US phone number"),
        ("phone", "+44 20 7946 0958", "Only US numbers (+1)"),
        ("phone", "call us", "This is not a phone number"),
        ("crisis_text_es", "x" * 121, "no more than 120 characters"),
        ("crisis_text_en", "one\ntwo\nthree", "Use at most 2 lines"),
        ("crisis_text_en", "Do not call 988, call us instead at (541) 555-0100.", "Leave out 988"),
        ("crisis_text_es", "No llame al 988; llámenos al (541) 555-0100.", "Leave out 988"),
        ("message_greeting_en", "Dear {first_name}", "{first_name} cannot be used"),
        ("message_signoff_es", "Vea https://example.test", "Leave out web addresses"),
        ("message_greeting_en", "Hi {clinic", "A curly bracket is not closed"),
        ("name", "", "This field is required."),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_everything_typed_is_kept(
    client, cast, field, value, message
) -> None:
    client.force_login(cast.admin)
    typed = {**PROFILE, field: value}
    response = client.post(reverse("administration:clinic_profile"), typed)
    assert response.status_code == 422
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert "Everything you typed is kept." in page
    for other, kept in typed.items():
        if other != field and other != "phone":
            assert form[other].value() == kept
    assert not AuditEvent.objects.filter(object_type="clinic_profile").exists()
    assert Organization.objects.get(pk=cast.org.pk).phone == "+15415550199"


def test_a_line_break_counts_as_one_character_as_the_browser_counts_it(client, cast) -> None:
    client.force_login(cast.admin)
    wording = "a" * 60 + "\r\n" + "b" * 59  # 120 characters in the browser, 121 bytes sent
    response = client.post(
        reverse("administration:clinic_profile"), {**PROFILE, "crisis_text_en": wording}
    )
    assert response.status_code == 302
    assert Organization.objects.get(pk=cast.org.pk).crisis_text_en == wording.replace("\r\n", "\n")


def test_only_the_clinic_admin_of_the_same_clinic_may_change_the_profile(cast) -> None:
    with pytest.raises(PermissionDenied):
        services.clinic_profile_update(organization=cast.org, actor=cast.nurse, data=PROFILE)
    with pytest.raises(PermissionDenied):
        services.clinic_profile_update(organization=cast.org, actor=cast.outsider, data=PROFILE)
    with pytest.raises(PermissionDenied):
        services.clinic_logo_set(organization=cast.org, actor=cast.outsider, data=png())
    assert Organization.objects.get(pk=cast.org.pk).name == "Willowbrook Test Clinic"


def test_the_service_refuses_a_bad_phone_naming_the_field(cast) -> None:
    with pytest.raises(ValidationError) as refused:
        services.clinic_profile_update(
            organization=cast.org, actor=cast.admin, data={"phone": "555-0100"}
        )
    assert "phone" in refused.value.message_dict


# ---- the logo ------------------------------------------------------------------------------


def test_an_uploaded_logo_shows_in_the_header_and_is_audited(client, cast) -> None:
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:clinic_logo_upload"), {"logo": _upload("logo.png", png())}
    )
    assert response.status_code == 302
    logo = OrganizationLogo.objects.get(organization=cast.org)
    assert Organization.objects.get(pk=cast.org.pk).logo_sha256 == logo.sha256
    event = AuditEvent.objects.get(object_type="clinic_logo")
    assert event.action == "create" and event.detail["before"] is None
    assert event.detail["after"]["sha256"] == logo.sha256
    assert event.detail["after"]["content_type"] == "image/png"
    url = reverse("clinics:logo", args=[logo.sha256])
    page = client.get(reverse("today:index")).content.decode()
    assert f'class="brand-logo" src="{url}"' in page
    # Served to anyone (patient link pages have no login), cached, never sniffed.
    client.logout()
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert bytes(served.content) == bytes(logo.data)
    assert "immutable" in served["Cache-Control"]
    assert served["X-Content-Type-Options"] == "nosniff"
    assert client.get(reverse("clinics:logo", args=["0" * 64])).status_code == 404


def test_replacing_and_removing_the_logo_are_audited_with_old_and_new(client, cast) -> None:
    client.force_login(cast.admin)
    first = services.clinic_logo_set(organization=cast.org, actor=cast.admin, data=png())
    first_sha = first.sha256
    client.post(
        reverse("administration:clinic_logo_upload"),
        {"logo": _upload("new.png", png((200, 100)))},
    )
    replaced = AuditEvent.objects.filter(object_type="clinic_logo").latest("pk")
    assert replaced.action == "update"
    assert replaced.detail["before"]["sha256"] == first_sha
    assert replaced.detail["after"]["width_px"] == 200
    client.post(reverse("administration:clinic_logo_remove"))
    removed = AuditEvent.objects.filter(object_type="clinic_logo").latest("pk")
    assert removed.action == "delete" and removed.detail["after"] is None
    assert not OrganizationLogo.objects.filter(organization=cast.org).exists()
    assert Organization.objects.get(pk=cast.org.pk).logo_sha256 == ""
    page = client.get(reverse("today:index")).content.decode()
    assert "brand-logo" not in page and "Willowbrook Test Clinic" in page


@pytest.mark.parametrize(
    ("name", "data", "content_type", "message"),
    [
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
            "SVG logos are not accepted",
        ),
        ("logo.png", b"MZ\x90\x00 not an image at all", "image/png", "not a readable PNG"),
        ("logo.png", b"\x89PNG" + b"0" * (LOGO_MAX_BYTES + 10), "image/png", "at most 512 KB"),
        ("logo.png", png((8, 8)), "image/png", "at least 32"),
    ],
)
def test_a_file_that_is_not_an_acceptable_image_is_refused_saying_why(
    client, cast, name, data, content_type, message
) -> None:
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:clinic_logo_upload"),
        {"logo": _upload(name, data, content_type)},
    )
    assert response.status_code == 422
    assert any(message in error for error in response.context["logo_form"].errors["logo"])
    assert 'id="id_logo_error"' in response.content.decode()
    assert not OrganizationLogo.objects.filter(organization=cast.org).exists()
    assert not AuditEvent.objects.filter(object_type="clinic_logo").exists()


def test_a_logo_form_sent_without_a_file_says_so(client, cast) -> None:
    client.force_login(cast.admin)
    response = client.post(reverse("administration:clinic_logo_upload"), {})
    assert response.status_code == 422
    assert response.context["logo_form"].errors["logo"]


# ---- where patients see it -----------------------------------------------------------------


def _open_link(client, cast, lang: str) -> str:
    cast.patient.preferred_language = lang
    cast.patient.save(update_fields=["preferred_language"])
    _, token = measurement_services.link_issue(
        assignment=open_assignment(cast.patient, "phq9"), channel="sms"
    )
    start = client.get(reverse("questionnaire:start", args=[token])).content.decode()
    client.post(reverse("questionnaire:start", args=[token]), DOB)
    return start + client.get(reverse("questionnaire:answer")).content.decode()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_patient_sees_the_clinics_wording_in_their_language_after_the_national_lines(
    client, cast, lang
) -> None:
    services.clinic_profile_update(organization=cast.org, actor=cast.admin, data=PROFILE)
    services.clinic_logo_set(organization=cast.org, actor=cast.admin, data=png())
    html = _open_link(client, cast, lang)
    own, other = (
        ("crisis_text_es", "crisis_text_en")
        if lang == "es"
        else ("crisis_text_en", "crisis_text_es")
    )
    assert PROFILE[own] in html and PROFILE[other] not in html
    panel = html.split('<section class="mbc-crisis')[1].split("</section>")[0]
    # The national lines stay, and come first.
    assert panel.index('href="tel:988"') < panel.index(PROFILE[own])
    assert 'href="tel:911"' in panel and "741741" in panel
    assert (
        "También, de parte de" if lang == "es" else "Also, from Willowbrook Test Clinic:"
    ) in panel
    # The clinic's name and logo head the page; its phone is where patients look for it.
    logo = OrganizationLogo.objects.get(organization=cast.org)
    assert f'src="{reverse("clinics:logo", args=[logo.sha256])}"' in html
    assert (
        '<span class="brand-name" title="Willowbrook Test Clinic">Willowbrook Test Clinic</span>'
        in html
    )


def test_without_spanish_wording_a_spanish_reader_sees_the_national_lines_alone(
    client, cast
) -> None:
    services.clinic_profile_update(
        organization=cast.org, actor=cast.admin, data={"crisis_text_en": PROFILE["crisis_text_en"]}
    )
    html = _open_link(client, cast, "es")
    assert PROFILE["crisis_text_en"] not in html and "mbc-crisis-clinic" not in html
    assert 'href="tel:988"' in html and "AYUDA" in html


def test_the_portal_gives_the_patient_the_clinics_main_phone(client, cast) -> None:
    services.clinic_profile_update(
        organization=cast.org, actor=cast.admin, data={"phone": "(541) 555-0123"}
    )
    client.force_login(cast.patient_user)
    page = client.get(reverse("portal:home")).content.decode()
    assert '<a class="portal-phone" href="tel:+15415550123">(541) 555-0123</a>' in page


def test_a_long_clinic_name_is_cut_in_the_header_with_the_full_name_as_its_title(
    client, cast
) -> None:
    long_name = "W" * 150
    Organization.objects.filter(pk=cast.org.pk).update(name=long_name)
    client.force_login(cast.admin)
    page = client.get(reverse("today:index")).content.decode()
    assert f'<span class="brand-name" title="{long_name}">' in page

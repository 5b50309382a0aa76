"""The rules of a clinic's profile (clinics/profile.py): phone, message texts, crisis wording,
logo; and the profile's fields on the organization."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from PIL import Image

from infusionist.clinics import profile
from infusionist.clinics.models import Location, Organization


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (200, 80), **save: object) -> bytes:
    image = Image.new("RGBA" if fmt != "JPEG" else "RGB", size, (20, 122, 120))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


# ---- phone ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "(541) 555-0100",
        "541-555-0100",
        "541.555.0100",
        "5415550100",
        "1 541 555 0100",
        "+1 (541) 555-0100",
        "  541/555-0100 ",
    ],
)
def test_a_us_number_in_any_usual_form_is_stored_in_e164(typed) -> None:
    assert profile.phone_normalize(typed) == "+15415550100"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("541-555-0100 ext 12", "phone_extension"),
        ("call us", "phone_unreadable"),
        ("555-0100", "phone_invalid"),
        ("541 555 01000", "phone_invalid"),
        ("+44 20 7946 0958", "phone_country"),
        ("(041) 555-0100", "phone_invalid"),
        ("(123) 456-7890", "phone_invalid"),
    ],
)
def test_a_number_that_is_not_a_us_phone_is_refused_saying_why(typed, code) -> None:
    with pytest.raises(ValidationError) as refused:
        profile.phone_normalize(typed)
    assert refused.value.code == code


def test_an_empty_phone_stays_empty_and_tel_addresses_carry_the_country_code() -> None:
    assert profile.phone_normalize("  ") == ""
    assert profile.phone_tel_uri("+15415550100") == "tel:+15415550100"
    assert profile.phone_tel_uri("(541) 555-0100") == "tel:+15415550100"
    assert profile.phone_tel_uri("") == ""


def test_a_stored_number_is_shown_the_national_way_and_free_text_as_typed() -> None:
    assert profile.phone_display("+15415550100") == "(541) 555-0100"
    assert profile.phone_display("ext. 4 at the desk") == "ext. 4 at the desk"
    assert profile.phone_display("") == ""


def test_the_model_keeps_only_e164(cast) -> None:
    cast.org.phone = "(541) 555-0100"
    with pytest.raises(ValidationError) as refused:
        cast.org.full_clean()
    assert "phone" in refused.value.message_dict
    cast.org.phone = "+15415550100"
    cast.org.full_clean()


# ---- message texts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "Hello from {clinic}.", "Questions? Call {phone}.", "{clinic} · {phone}", "Use {{ and }}"],
)
def test_message_texts_may_name_the_clinic_and_its_phone(text) -> None:
    profile.validate_message_text(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Hello {name}", "message_placeholder"),
        ("Hello {patient.first_name}", "message_placeholder"),
        ("Your {instrument} is due", "message_placeholder"),
        ("Hello {}", "message_placeholder"),
        ("Hello {0}", "message_placeholder"),
        ("Hello {clinic!r}", "message_placeholder"),
        ("Hello {clinic:>40}", "message_placeholder"),
        ("Hello {clinic", "placeholder_brace"),
        ("Hello clinic}", "placeholder_brace"),
        ("Line one\nline two", "message_lines"),
        ("See https://example.test/", "message_web_address"),
        ("See www.example.test", "message_web_address"),
        ("Bell\x07", "control_characters"),
    ],
)
def test_message_texts_with_patient_details_links_or_broken_braces_are_refused(text, code) -> None:
    with pytest.raises(ValidationError) as refused:
        profile.validate_message_text(text)
    assert refused.value.code == code


def test_an_unknown_placeholder_is_named_with_the_ones_allowed() -> None:
    with pytest.raises(ValidationError) as refused:
        profile.validate_message_text("Dear {first_name},")
    message = refused.value.messages[0]
    assert "{first_name}" in message and "Use only {clinic} and {phone}." in message


def test_message_texts_are_filled_and_broken_ones_left_out() -> None:
    fill = profile.message_text_fill
    assert fill("Hi from {clinic}: {phone}", clinic="Willow", phone="(541) 555-0100") == (
        "Hi from Willow: (541) 555-0100"
    )
    assert fill("Braces {{ stay }}", clinic="W", phone="") == "Braces { stay }"
    assert fill("Dear {name}", clinic="W", phone="") == ""  # never half-filled
    assert fill("   ", clinic="W", phone="") == ""


def test_message_texts_are_at_most_one_text_message_segment_long(cast) -> None:
    cast.org.message_greeting_en = "x" * (profile.MESSAGE_TEXT_MAX_CHARS + 1)
    with pytest.raises(ValidationError) as refused:
        cast.org.full_clean()
    assert "message_greeting_en" in refused.value.message_dict


# ---- crisis wording --------------------------------------------------------------------------


def test_crisis_wording_is_bounded_in_characters_and_lines(cast) -> None:
    cast.org.crisis_text_es = "x" * profile.CRISIS_TEXT_MAX_CHARS
    cast.org.full_clean()
    cast.org.crisis_text_es = "x" * (profile.CRISIS_TEXT_MAX_CHARS + 1)
    with pytest.raises(ValidationError) as refused:
        cast.org.full_clean()
    assert "crisis_text_es" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        profile.validate_crisis_text("one\ntwo\nthree")
    assert refused.value.code == "crisis_lines"
    profile.validate_crisis_text("one\r\n\ntwo")  # a blank line does not count
    with pytest.raises(ValidationError):
        profile.validate_crisis_text("tab\x00")


def test_profile_texts_are_read_per_language(cast) -> None:
    cast.org.crisis_text_en, cast.org.crisis_text_es = "County line", "Línea del condado"
    assert cast.org.profile_text("crisis_text", "es") == "Línea del condado"
    assert cast.org.profile_text("crisis_text", "fr") == "County line"
    with pytest.raises(ValueError, match="Not a profile text"):
        cast.org.profile_text("name", "en")


# ---- the phone patients are given ------------------------------------------------------------


def test_patients_are_given_the_main_phone_else_the_primary_locations(
    cast, django_assert_num_queries
) -> None:
    org = Organization.objects.get(pk=cast.org.pk)
    with django_assert_num_queries(0):
        assert org.contact_phone == "(541) 555-0199"
    Organization.objects.filter(pk=org.pk).update(phone="")
    Location.objects.filter(pk=cast.location.pk).update(phone="(541) 555-0177")
    org.refresh_from_db()
    assert org.contact_phone == "(541) 555-0177"


def test_the_migration_copies_each_clinics_primary_location_phone(cast) -> None:
    migration = importlib.import_module(
        "infusionist.clinics.migrations.0004_fill_organization_phone"
    )
    Organization.objects.update(phone="")
    Location.objects.filter(pk=cast.location.pk).update(phone="541.555.0123")
    Location.objects.filter(organization=cast.other_org).update(phone="ext. 4 at the desk")
    migration.fill_phone(apps, None)
    assert Organization.objects.get(pk=cast.org.pk).phone == "+15415550123"
    assert Organization.objects.get(pk=cast.other_org.pk).phone == ""  # left for the clinic


# ---- logo ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")],
)
def test_a_png_jpeg_or_webp_logo_is_accepted_and_re_encoded(fmt, content_type) -> None:
    logo = profile.logo_read(image_bytes(fmt))
    assert logo.content_type == content_type
    assert (logo.width_px, logo.height_px) == (200, 80)
    with Image.open(io.BytesIO(logo.data)) as stored:
        assert stored.format == fmt and stored.size == (200, 80)
    assert len(logo.sha256) == 64


def test_a_logo_loses_its_metadata_and_anything_hidden_after_the_image() -> None:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    exif[0x8825] = {2: (45.0, 30.0, 0.0)}  # GPS latitude
    photo = image_bytes("JPEG", exif=exif.tobytes())
    logo = profile.logo_read(photo + b"<?php echo 'payload'; ?>")
    assert b"Camera maker" not in logo.data and b"payload" not in logo.data
    with Image.open(io.BytesIO(logo.data)) as stored:
        assert not stored.getexif()


def test_a_large_logo_is_shrunk_to_the_stored_size() -> None:
    logo = profile.logo_read(image_bytes("PNG", (2000, 500)))
    assert (logo.width_px, logo.height_px) == (profile.LOGO_STORED_MAX_SIDE_PX, 128)


def test_an_upright_photo_stays_upright() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    logo = profile.logo_read(image_bytes("JPEG", (200, 80), exif=exif.tobytes()))
    assert (logo.width_px, logo.height_px) == (80, 200)


def _animated_webp() -> bytes:
    frames = [Image.new("RGB", (64, 64), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(out, "GIF")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "logo_empty"),
        (b"\x89PNG" + b"0" * profile.LOGO_MAX_BYTES, "logo_too_large"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "logo_svg"),
        (b'<svg onload="alert(1)"></svg>', "logo_svg"),
        (b"\xef\xbb\xbf  <svg></svg>", "logo_svg"),
        (image_bytes("PNG")[:200], "logo_unreadable"),  # truncated
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 40, "logo_unreadable"),
        (b"%PDF-1.7 not an image", "logo_unreadable"),
        (_gif(), "logo_unreadable"),
        (_animated_webp(), "logo_animated"),
        (image_bytes("PNG", (20, 20)), "logo_too_few_pixels"),
        (image_bytes("PNG", (3000, 100)), "logo_too_many_pixels"),
    ],
    ids=[
        "empty",
        "over-512-KB",
        "svg",
        "svg-with-script",
        "svg-after-bom",
        "truncated-png",
        "corrupt-png",
        "pdf",
        "gif",
        "animated-webp",
        "tiny",
        "huge",
    ],
)
def test_a_logo_that_is_not_a_still_png_jpeg_or_webp_of_sensible_size_is_refused(
    data, code
) -> None:
    with pytest.raises(ValidationError) as refused:
        profile.logo_read(data)
    assert refused.value.code == code


def test_the_size_refusal_says_how_large_the_file_is() -> None:
    with pytest.raises(ValidationError) as refused:
        profile.logo_read(b"x" * (profile.LOGO_MAX_BYTES + 2000))
    assert refused.value.messages == [
        "The file is 514 KB; a logo may be at most 512 KB. Export it smaller."
    ]


# ---- the brand pages show --------------------------------------------------------------------


def test_the_brand_gives_the_wording_of_the_pages_language_and_never_another(
    cast, django_assert_num_queries
) -> None:
    from infusionist.clinics.selectors import clinic_brand

    Organization.objects.filter(pk=cast.org.pk).update(
        crisis_text_en="County line: (541) 555-0150.", logo_sha256="a" * 64
    )
    org = Organization.objects.get(pk=cast.org.pk)
    with django_assert_num_queries(0):
        english = clinic_brand(organization=org, language="en")
        spanish = clinic_brand(organization=org, language="es")
        assert english.crisis_text == "County line: (541) 555-0150."
        assert spanish.crisis_text == ""  # no English on a Spanish page: national lines alone
        assert english.logo_url == "/logos/" + "a" * 64 + "/"
        assert english.phone == "(541) 555-0199" and english.phone_tel == "tel:+15415550199"


def test_a_clinic_without_a_main_phone_gives_its_primary_locations_only_when_shown(
    cast, django_assert_num_queries
) -> None:
    from infusionist.clinics.selectors import clinic_brand

    Organization.objects.filter(pk=cast.org.pk).update(phone="")
    Location.objects.filter(pk=cast.location.pk).update(phone="541-555-0177")
    org = Organization.objects.get(pk=cast.org.pk)
    with django_assert_num_queries(0):
        brand = clinic_brand(organization=org, language="en")
        assert brand.name == "Willowbrook Test Clinic"
    with django_assert_num_queries(1):  # the primary location, once
        assert brand.phone == "(541) 555-0177" and brand.phone_tel == "tel:+15415550177"


def test_a_truncated_logo_is_refused_even_when_a_library_lets_pillow_pad_it() -> None:
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as importing WeasyPrint does
    try:
        with pytest.raises(ValidationError) as refused:
            profile.logo_read(image_bytes("PNG")[:200])
        assert refused.value.code == "logo_unreadable"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before

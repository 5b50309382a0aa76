"""Rules of a clinic's profile: its main phone, logo, crisis wording and patient-message texts.

Plain functions beside the data they guard (docs/decisions/0011): the model's validators, the
clinic profile form, the services and the message builder all call these, so each rule has one
home.

- **Phone**: a US (NANP) number checked with ``phonenumbers``, stored in E.164
  (``+15415550100``) and shown the national way (``(541) 555-0100``); :func:`phone_normalize`,
  :func:`phone_display`.
- **Logo**: a PNG, JPEG or WebP of at most ``LOGO_MAX_BYTES``, decoded with Pillow, cleaned
  (re-encoded without metadata, turned upright, shrunk to ``LOGO_STORED_MAX_SIDE_PX``) and
  kept as bytes in the database; :func:`logo_read`. SVG is refused: it can carry scripts.
- **Crisis wording**: the clinic's own words *added after* the national crisis lines on patient
  pages, never instead of them; short (``CRISIS_TEXT_MAX_CHARS``, ``CRISIS_TEXT_MAX_LINES``) so
  the crisis panel still fits a phone screen; :func:`validate_crisis_text`.
- **Message texts**: a greeting and a sign-off the clinic adds around the fixed body of the
  questionnaire e-mail and text (which always carries the link and the crisis sentence). One
  line each, ``MESSAGE_TEXT_MAX_CHARS`` at most, placeholders limited to
  ``MESSAGE_PLACEHOLDERS`` (no patient details), no web addresses;
  :func:`validate_message_text` and :func:`message_text_fill`.
"""

from __future__ import annotations

import hashlib
import io
import re
import string
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from infusionist import contact

# ---- phone ---------------------------------------------------------------------------------

PHONE_FORMAT_HELP = _("A US number with its area code, e.g. (541) 555-0100.")
#: Phone numbers are read as US numbers and must belong to the North American Numbering Plan
#: (country code 1): patients are called from, and the clinic is in, the US.
PHONE_REGION = "US"


def phone_normalize(value: str) -> str:
    """Return a phone number as typed by a person in E.164 form (``+15415550100``); "" stays "".

    Parsed and validated with ``phonenumbers`` (Google's libphonenumber data) as a US number:
    ``(541) 555-0100``, ``541.555.0100``, ``+1 541 555 0100`` all give ``+15415550100``.
    Raises ValidationError (with a code) for text that is not a phone number
    (``phone_unreadable``), an extension (``phone_extension``), a number outside the North
    American Numbering Plan (``phone_country``) or one that no carrier can give out, such as
    an area code starting with 0 or 1 or too few digits (``phone_invalid``).
    """
    import phonenumbers

    text = (value or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _(
                "This is not a phone number. Type the digits with the area code, "
                "e.g. (541) 555-0100."
            ),
            code="phone_unreadable",
        ) from None
    if number.extension:
        raise ValidationError(
            _(
                "Leave out the extension: patients are given one number to call, "
                "e.g. (541) 555-0100."
            ),
            code="phone_extension",
        )
    if number.country_code != 1:
        raise ValidationError(
            _("Only US numbers (+1) can be used: patients are called from the US."),
            code="phone_country",
        )
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _(
                "That is not a US phone number: check the area code and the number of digits "
                "(ten, e.g. (541) 555-0100)."
            ),
            code="phone_invalid",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone_e164(value: str) -> None:
    """Model validator: the value is a valid US number in E.164 form (or empty)."""
    if not value:
        return
    try:
        standard = phone_normalize(value)
    except ValidationError:
        standard = ""
    if standard != value:
        raise ValidationError(
            _("Store the phone number in E.164 form, e.g. +15415550100."), code="phone_form"
        )


def phone_display(value: str) -> str:
    """Return a stored E.164 number the way US patients read it, ``(541) 555-0100``.

    The one display rule of :func:`infusionist.contact.phone_display`: anything that is not a
    readable number is returned as is.
    """
    return contact.phone_display(value)


def phone_tel_uri(value: str) -> str:
    """Return the ``tel:`` address of a phone number (``tel:+15415550100``), or ""."""
    try:
        standard = contact.phone_normalize(value) if value else ""
    except ValidationError:
        standard = value
    number = contact.tel_uri_filter(standard)
    return f"tel:{number}" if number else ""


# ---- crisis wording and message texts ------------------------------------------------------

#: The clinic's crisis wording, per language: at most this many characters…
CRISIS_TEXT_MAX_CHARS = 120
#: …on at most this many lines, so the crisis panel still fits a 390 x 844 phone screen.
CRISIS_TEXT_MAX_LINES = 2
#: A greeting or sign-off of the questionnaire messages: one line of at most this many
#: characters (a text message segment is 160 characters; the body itself is about 300).
MESSAGE_TEXT_MAX_CHARS = 160
#: What a greeting or sign-off may name: never a patient detail (docs/decisions/0011).
MESSAGE_PLACEHOLDERS = ("clinic", "phone")

_WEB_ADDRESS = re.compile(r"(?i)(\bhttps?://|\bwww\.)")


def _control_characters(value: str, *, allow_newlines: bool) -> bool:
    allowed = {"\n"} if allow_newlines else set()
    return any(unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in allowed for ch in value)


#: The national lines the crisis panel always shows; the clinic's wording may not mention
#: them (it could only repeat, contradict or discourage them: "do not call 988, call us").
_NATIONAL_LINE_NUMBERS = re.compile(
    r"(?<![\d-])(?:9[\s.-]?8[\s.-]?8|9[\s.-]?1[\s.-]?1|741[\s.-]?741|838[\s.-]?255)(?![\s.-]?\d)"
    r"|273[\s.-]?(?:8255|talk)"
    r"|\b(?:nine|nueve)[\s-]+(?:eight|ocho)[\s-]+(?:eight|ocho)\b"
    r"|\b(?:nine|nueve)[\s-]+(?:one|uno)[\s-]+(?:one|uno)\b"
)
_NATIONAL_LINE_WORDS = (
    "lifeline",
    "life line",
    "crisis text line",
    "crisis textline",
    "suicide & crisis",
    "suicide and crisis",
    "linea de vida",
    "linea de texto de crisis",
    "linea de crisis por texto",
    "linea de prevencion",
    "linea nacional",
    "ayudame",
    "veterans crisis",
)


#: Wording that steers a reader away from crisis help ("do not call the hotline", "call us
#: instead", "no llame a la línea de crisis"): refused whatever line it names, because the
#: clinic's words sit right under the national lines on a patient's crisis panel.
_ENCOURAGEMENT = re.compile(r"\b(?:don'?t|do not|no) (?:hesitate|dude|dudes)\b")
_DISCOURAGING = re.compile(
    r"\b(?:do not|don'?t|never|no need to|avoid|skip|no llame|no llames|nunca|no hace falta|"
    r"no es necesario|evite)\b[^.;:!?\n]{0,60}"
    r"\b(?:crisis|hotline|helpline|line|lines|linea|lineas|national|nacional|emergency|"
    r"emergencia|emergencias|ambulance|ambulancia|police|policia)\b"
    r"|\b(?:instead|rather than|en lugar de|en vez de|call us first|llame(?:nos)? primero|"
    r"primero a la clinica|before calling|antes de llamar)\b"
)


def discourages_crisis_help(value: str) -> bool:
    """Return whether ``value`` tells the reader not to use crisis or emergency help, or to
    call the clinic instead of it, in English or Spanish ("Do not call the national hotline",
    "call us instead", "No llame a la línea de crisis"). "Don't hesitate to call the county
    crisis line" does not count.
    """
    plain = _ENCOURAGEMENT.sub(" ", _plain(value))
    return bool(_DISCOURAGING.search(plain))


def _plain(value: str) -> str:
    """Return ``value`` without accents, case-folded, with runs of white space as one space."""
    plain = "".join(
        ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch)
    ).casefold()
    return re.sub(r"\s+", " ", plain.replace("\u2019", "'"))


def mentions_national_crisis_line(value: str) -> bool:
    """Return whether ``value`` names a national crisis line (988, 741741, 911, the Lifeline,
    the Crisis Text Line, 1-800-273-8255, the Veterans line), in English or Spanish.

    A local number that merely contains the digits (``(541) 988-1234``) does not count.
    """
    plain = _plain(value)
    return bool(_NATIONAL_LINE_NUMBERS.search(plain)) or any(
        word in plain for word in _NATIONAL_LINE_WORDS
    )


def validate_crisis_text(value: str) -> None:
    """The clinic's crisis wording: plain text, ``CRISIS_TEXT_MAX_LINES`` lines at most,
    naming no national crisis line (the panel always shows them above it).

    (The length limit is the model field's ``max_length``.)
    """
    if mentions_national_crisis_line(value):
        raise ValidationError(
            _(
                "Leave out 988, 741741, 911, the Lifeline and the Crisis Text Line: patients "
                "always see them above your words. Write only what your clinic adds, such as a "
                "county crisis line or when to call the clinic."
            ),
            code="crisis_national_line",
        )
    if discourages_crisis_help(value):
        raise ValidationError(
            _(
                "Do not steer patients away from crisis or emergency help (“instead”, “do not "
                "call…”): your words appear under the national lines and may only add to them."
            ),
            code="crisis_discouraging",
        )
    if _control_characters(value.replace("\r\n", "\n"), allow_newlines=True):
        raise ValidationError(
            _("Remove the control characters (pasted text can carry them)."),
            code="control_characters",
        )
    lines = [line for line in value.replace("\r\n", "\n").split("\n") if line.strip()]
    if len(lines) > CRISIS_TEXT_MAX_LINES:
        raise ValidationError(
            _(
                "Use at most %(lines)s lines: the crisis resources must fit on a phone "
                "screen together."
            ),
            code="crisis_lines",
            params={"lines": CRISIS_TEXT_MAX_LINES},
        )


def _placeholders(value: str) -> list[tuple[str, str | None, str | None]]:
    """Return (name, format spec, conversion) of each ``{…}`` in ``value``.

    Raises ValidationError for a lone brace.
    """
    try:
        parsed = list(string.Formatter().parse(value))
    except ValueError:
        raise ValidationError(
            _(
                "A curly bracket is not closed. Placeholders look like {clinic} or {phone}; "
                "remove any other { or }."
            ),
            code="placeholder_brace",
        ) from None
    return [
        (name, spec, conversion) for _text, name, spec, conversion in parsed if name is not None
    ]


def validate_message_text(value: str) -> None:
    """A greeting or sign-off: one line, known placeholders only, no web address.

    Raises ValidationError naming an unknown placeholder (``{name}``: messages carry no patient
    details), a lone brace, a line break, a web address (the message already carries the
    questionnaire link; a second address looks like a scam) or control characters.
    """
    if "\n" in value or "\r" in value:
        raise ValidationError(
            _("Keep it to one line: the message puts it on a line of its own."),
            code="message_lines",
        )
    if _control_characters(value, allow_newlines=False):
        raise ValidationError(
            _("Remove the control characters (pasted text can carry them)."),
            code="control_characters",
        )
    if _WEB_ADDRESS.search(value):
        raise ValidationError(
            _(
                "Leave out web addresses: the message already carries the questionnaire link, "
                "and a second address makes it look like a scam."
            ),
            code="message_web_address",
        )
    names = ["{" + name + "}" for name in MESSAGE_PLACEHOLDERS]
    allowed = ", ".join(names[:-1]) + " and " + names[-1]
    for name, spec, conversion in _placeholders(value):
        if name not in MESSAGE_PLACEHOLDERS or spec or conversion:
            shown = "{" + (name or "") + "}"
            raise ValidationError(
                _(
                    "%(placeholder)s cannot be used: messages name no patient details. "
                    "Use only %(allowed)s."
                ),
                code="message_placeholder",
                params={"placeholder": shown, "allowed": allowed},
            )


def message_text_fill(text: str, *, clinic: str, phone: str) -> str:
    """Return ``text`` with {clinic} and {phone} filled in; "" for empty or invalid text.

    Never raises: text that breaks the rules (it cannot pass the model's validators, but a
    message must go out regardless) is left out rather than sent half-filled.
    """
    if not text.strip():
        return ""
    try:
        validate_message_text(text)
    except ValidationError:
        return ""
    values = {"clinic": clinic, "phone": phone}
    return "".join(
        literal + (values[name] if name is not None else "")
        for literal, name, _spec, _conv in string.Formatter().parse(text)
    ).strip()


def message_text_uses_phone(text: str) -> bool:
    try:
        return any(name == "phone" for name, _s, _c in _placeholders(text))
    except ValidationError:
        return False


# ---- logo ------------------------------------------------------------------------------------

#: The largest logo file accepted, in bytes (512 KB).
LOGO_MAX_BYTES = 512 * 1024
#: Sides of an uploaded logo, in pixels: at least this on the shorter side…
LOGO_MIN_SIDE_PX = 32
#: …and at most this on the longer side (checked before the image is decoded).
LOGO_MAX_SIDE_PX = 2048
#: A stored logo is shrunk to this on its longer side (the header shows it 40 px high).
LOGO_STORED_MAX_SIDE_PX = 512
#: Pillow format name -> the content type the logo is served with.
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


@dataclass(frozen=True)
class LogoImage:
    """A checked, cleaned logo: its bytes, content type, size in pixels and SHA-256 digest."""

    data: bytes
    content_type: str
    width_px: int
    height_px: int
    sha256: str


def _not_an_image() -> ValidationError:
    return ValidationError(
        _("This file is not a readable PNG, JPEG or WebP image. Export the logo again and retry."),
        code="logo_unreadable",
    )


def logo_read(data: bytes) -> LogoImage:
    """Check an uploaded logo and return it cleaned.

    The file must be a PNG, JPEG or WebP (by its content, not its name) of at most
    ``LOGO_MAX_BYTES`` bytes, ``LOGO_MIN_SIDE_PX``..``LOGO_MAX_SIDE_PX`` pixels a side, one
    frame, and decode completely. It is turned upright (EXIF orientation), shrunk to
    ``LOGO_STORED_MAX_SIDE_PX`` on its longer side and re-encoded in its own format, which
    drops metadata (camera, location) and anything hidden after the image data. Raises
    ValidationError saying what is wrong (too large, SVG, not an image, animated, too small or
    too big in pixels).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise ValidationError(_("The file is empty."), code="logo_empty")
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s KB; a logo may be at most %(limit)s KB. Export it smaller."),
            code="logo_too_large",
            params={"size": -(-len(data) // 1024), "limit": LOGO_MAX_BYTES // 1024},
        )
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head:
        raise ValidationError(
            _("SVG logos are not accepted (they can carry scripts). Upload a PNG, JPEG or WebP."),
            code="logo_svg",
        )
    try:
        # Structure and checksums first: a library (WeasyPrint) sets Pillow's global
        # LOAD_TRUNCATED_IMAGES, under which load() pads a truncated file instead of failing.
        with Image.open(io.BytesIO(data), formats=list(LOGO_FORMATS)) as checked:
            checked.verify()
        with Image.open(io.BytesIO(data), formats=list(LOGO_FORMATS)) as opened:
            image_format = opened.format or ""
            width_px, height_px = opened.size
            if max(width_px, height_px) > LOGO_MAX_SIDE_PX:
                raise ValidationError(
                    _(
                        "The logo is %(width)s x %(height)s pixels; at most %(limit)s pixels a "
                        "side is accepted. Export it smaller."
                    ),
                    code="logo_too_many_pixels",
                    params={"width": width_px, "height": height_px, "limit": LOGO_MAX_SIDE_PX},
                )
            if min(width_px, height_px) < LOGO_MIN_SIDE_PX:
                raise ValidationError(
                    _(
                        "The logo is %(width)s x %(height)s pixels; it needs at least %(limit)s "
                        "pixels a side to look sharp."
                    ),
                    code="logo_too_few_pixels",
                    params={"width": width_px, "height": height_px, "limit": LOGO_MIN_SIDE_PX},
                )
            if getattr(opened, "n_frames", 1) > 1:
                raise ValidationError(
                    _("Animated images are not accepted. Upload a still logo."),
                    code="logo_animated",
                )
            opened.load()  # decodes every byte: a truncated or corrupt file fails here
            image = ImageOps.exif_transpose(opened)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _not_an_image() from None
    except Image.DecompressionBombError:
        raise _not_an_image() from None
    if image_format not in LOGO_FORMATS:
        raise _not_an_image()
    image.thumbnail((LOGO_STORED_MAX_SIDE_PX, LOGO_STORED_MAX_SIDE_PX))
    cleaned = _encode(image, image_format)
    return LogoImage(
        data=cleaned,
        content_type=LOGO_FORMATS[image_format],
        width_px=image.width,
        height_px=image.height,
        sha256=hashlib.sha256(cleaned).hexdigest(),
    )


def _encode(image: object, image_format: str) -> bytes:
    """Re-encode ``image`` (a Pillow image) in ``image_format`` with no metadata."""
    from PIL import Image

    assert isinstance(image, Image.Image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    out = io.BytesIO()
    if image_format == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
    elif image_format == "WEBP":
        image.convert("RGBA" if has_alpha else "RGB").save(out, "WEBP", quality=90, method=4)
    else:
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
            image = image.convert("RGBA" if has_alpha else "RGB")
        kwargs = {}
        if image.mode == "P" and "transparency" in image.info:
            kwargs["transparency"] = image.info["transparency"]
        image.save(out, "PNG", optimize=True, **kwargs)
    return out.getvalue()

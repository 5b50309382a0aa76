"""US contact fields: phone and fax numbers, ZIP codes and states, one home for every form.

Every phone, fax, ZIP code and state field of the product (locations, patients, their
emergency contacts, the clinic profile) uses the model fields here, so the forms, the JSON
API and every service that calls ``full_clean()`` check and store them the same way:

- **Phone and fax numbers** are read with Google's libphonenumber rules (the
  ``phonenumbers`` package), in the United States unless they start with ``+`` and a country
  code; they are stored in E.164 (``+15415550142``, an extension after `` ext. ``) and shown
  in national format (``(541) 555-0142``; numbers abroad in international format).
  ``PhoneNumberField`` (model) and ``PhoneFormField`` (form) do this; ``{{ value|phone }}``
  (a built-in template filter) shows a stored number.
- **ZIP codes** are five digits or ZIP+4 (``97401`` or ``97401-1234``; nine digits typed
  together get their hyphen): ``ZipCodeField``.
- **States** are the two-letter USPS codes of the states, the District of Columbia and the
  territories, chosen from a list (``StateField``, a select on every form).

A value stored before these rules (migrations ``*_contact_fields_*`` normalised what they
could) is shown as it was and flagged beside its field the next time its form is saved.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from django import forms, template
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

register = template.Library()

#: Region assumed for a number typed without ``+`` and a country code.
DEFAULT_PHONE_REGION = "US"
_EXTENSION_SEPARATOR = " ext. "

#: States, the District of Columbia and the territories, by USPS code (licences and addresses).
US_STATES = [
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
    ("AS", "American Samoa"),
    ("GU", "Guam"),
    ("MP", "Northern Mariana Islands"),
    ("PR", "Puerto Rico"),
    ("VI", "U.S. Virgin Islands"),
]
_STATE_CODES = {code for code, _name in US_STATES}
_STATE_BY_NAME = {name.lower(): code for code, name in US_STATES} | {
    "virgin islands": "VI",
    "us virgin islands": "VI",
    "washington dc": "DC",
    "washington d.c.": "DC",
    "d.c.": "DC",
}
_EXTENSION_AT_END = re.compile(r"(?i)[,;]?\s*(?:ext(?:ension)?|x)\.?\s*#?\s*\d{1,7}\s*$")
_ZIP = re.compile(r"^(\d{5})(?:[-\s]?(\d{4}))?$")

PHONE_HELP = _(
    "A US number such as (541) 555-0142; numbers abroad start with + and the country code."
)
ZIP_HELP = _("Five digits, or ZIP+4: 97401 or 97401-1234.")


# ---- phone and fax numbers ----------------------------------------------------------------


def phone_normalize(value: str) -> str:
    """Return a typed phone number in E.164 (``"+15415550142"``, `` ext. 12`` appended if any).

    ``"(541) 555-0142"``, ``"541.555.0142"`` and ``"+1 541 555 0142"`` give the same value;
    a blank value gives ``""``. Raises ``ValidationError`` (code ``phone_invalid``) for text
    that is not a valid number: letters, too few digits, an area code that does not exist.
    """
    text = (value or "").strip()
    if not text:
        return ""
    # Letters are refused (no vanity numbers), except an extension at the end: "x12", "ext. 12".
    if re.search(r"[A-Za-z]", _EXTENSION_AT_END.sub("", text)):
        raise _phone_error()
    try:
        number = phonenumbers.parse(text, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise _phone_error() from None
    if not phonenumbers.is_valid_number(number):
        raise _phone_error()
    stored = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{stored}{_EXTENSION_SEPARATOR}{number.extension}" if number.extension else stored


def phone_display(value: str) -> str:
    """Return a stored number as people read it: ``"(541) 555-0142"`` in the US.

    Numbers abroad are shown in international format (``"+44 20 7946 0958"``). A value that
    is not a valid number (stored before the rules) is returned unchanged.
    """
    text = (value or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_valid_number(number):
        return text
    region = phonenumbers.region_code_for_number(number)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == DEFAULT_PHONE_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def _phone_error() -> ValidationError:
    return ValidationError(
        _(
            "Enter a valid phone number with its area code, e.g. (541) 555-0142; "
            "for a number abroad, start with + and the country code."
        ),
        code="phone_invalid",
    )


def validate_phone(value: str) -> None:
    """Raise ``ValidationError`` unless ``value`` is blank or a valid phone number."""
    phone_normalize(value)


class PhoneFormField(forms.CharField):
    """A phone or fax number typed any usual way; cleans to E.164, shows national format."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["max_length"] = max(kwargs.get("max_length") or 0, 40)  # room for typed spaces
        kwargs["help_text"] = kwargs.get("help_text") or PHONE_HELP
        super().__init__(**kwargs)
        if isinstance(self.widget, forms.TextInput):
            self.widget.input_type = "tel"

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        # No autocomplete attribute: staff type other people's numbers, never their own.
        attrs["inputmode"] = "tel"
        return attrs

    def prepare_value(self, value: Any) -> Any:
        # A stored E.164 value is shown as typed by people; what the user typed stays as is.
        if isinstance(value, str) and value.startswith("+"):
            return phone_display(value)
        return value

    def to_python(self, value: Any) -> str:
        return phone_normalize(super().to_python(value) or "")


class _NormalizedCharField(models.CharField):
    """A text column whose ``full_clean()`` stores the value in one canonical form.

    ``to_python`` normalises what it can and leaves the rest for the validators to refuse,
    and queries and saves use the value as it is: a row stored before the rules still
    loads, shows and saves without an error (it is flagged when its form is next saved).
    """

    def _normalize(self, value: str) -> str:
        raise NotImplementedError

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return text
        try:
            return self._normalize(text)
        except ValidationError:
            return text

    def get_prep_value(self, value: Any) -> Any:
        value = models.Field.get_prep_value(self, value)
        return value if value is None else str(value)


class PhoneNumberField(_NormalizedCharField):
    """A phone or fax number stored in E.164 (see the module docstring)."""

    description = "Phone number (E.164)"
    default_validators = [validate_phone]  # noqa: RUF012  (Django reads it as a class attribute)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        super().__init__(*args, **kwargs)

    def _normalize(self, value: str) -> str:
        return phone_normalize(value)

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().formfield(**{"form_class": PhoneFormField, **kwargs})


@register.filter(name="phone")
def phone_filter(value: object) -> str:
    """``{{ location.phone|phone }}``: a stored number in national format (see phone_display)."""
    return phone_display(str(value or ""))


@register.filter(name="tel_uri")
def tel_uri_filter(value: object) -> str:
    """``<a href="tel:{{ phone|tel_uri }}">``: the number for a tel: link (RFC 3966)."""
    text = str(value or "").strip()
    number, _sep, extension = text.partition(_EXTENSION_SEPARATOR)
    number = re.sub(r"[^0-9+]", "", number)
    return f"{number};ext={extension}" if extension else number


# ---- ZIP codes ----------------------------------------------------------------------------


def zip_code_normalize(value: str) -> str:
    """Return ``"97401"`` or ``"97401-1234"`` (nine digits typed together get their hyphen).

    Raises ``ValidationError`` (code ``zip_invalid``) for anything else, and for ``00000``
    (no ZIP code starts with 000).
    """
    text = (value or "").strip()
    if not text:
        return ""
    match = _ZIP.match(text)
    if not match or match.group(1).startswith("000"):
        raise ValidationError(
            _("Enter a ZIP code of five digits, or ZIP+4 such as 97401-1234."), code="zip_invalid"
        )
    five, four = match.groups()
    return f"{five}-{four}" if four else five


class ZipCodeFormField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        kwargs["help_text"] = kwargs.get("help_text") or ZIP_HELP
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "numeric"})
        return attrs

    def to_python(self, value: Any) -> str:
        return zip_code_normalize(super().to_python(value) or "")


def validate_zip_code(value: str) -> None:
    """Raise ``ValidationError`` unless ``value`` is blank or a ZIP code (zip_code_normalize)."""
    zip_code_normalize(value)


class ZipCodeField(_NormalizedCharField):
    """A US ZIP code, five digits or ZIP+4."""

    description = "US ZIP code"
    default_validators = [validate_zip_code]  # noqa: RUF012  (Django reads it as a class attribute)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        super().__init__(*args, **kwargs)

    def _normalize(self, value: str) -> str:
        return zip_code_normalize(value)

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().formfield(**{"form_class": ZipCodeFormField, **kwargs})


# ---- states -------------------------------------------------------------------------------


def state_code_for(value: str) -> str:
    """Return the USPS code for a typed state (``"or"``, ``"Oregon"``, ``"OR"`` -> ``"OR"``).

    Returns ``""`` when the text names no state, district or territory in ``US_STATES``.
    """
    text = re.sub(r"\s+", " ", (value or "").strip()).lower()
    if text.upper() in _STATE_CODES:
        return text.upper()
    return _STATE_BY_NAME.get(text, "")


class StateField(_NormalizedCharField):
    """A US state, district or territory: its two-letter code, chosen from ``US_STATES``.

    A full name is stored as its code (``"Oregon"`` -> ``"OR"``), so the API may send either.
    """

    description = "US state or territory (USPS code)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 2)
        kwargs["choices"] = US_STATES
        super().__init__(*args, **kwargs)
        self.error_messages["invalid_choice"] = _("Choose the state from the list.")

    def _normalize(self, value: str) -> str:
        return state_code_for(value) or value

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("choices", None)  # the list lives here; migrations need not copy it
        return name, path, args, kwargs

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        field = super().formfield(**kwargs)
        assert isinstance(field, forms.ChoiceField)
        # A select reads "—" for no choice, like the other selects of the product.
        field.choices = [("", "—"), *US_STATES]
        field.error_messages["invalid_choice"] = _("Choose the state from the list.")
        return field


#: US time zones a location may use, in the words people read ("Pacific Time (Los Angeles)").
US_TIME_ZONES: list[tuple[str, Any]] = [
    ("America/New_York", _("Eastern Time (New York)")),
    ("America/Chicago", _("Central Time (Chicago)")),
    ("America/Denver", _("Mountain Time (Denver)")),
    ("America/Phoenix", _("Mountain Time, no daylight saving (Phoenix)")),
    ("America/Los_Angeles", _("Pacific Time (Los Angeles)")),
    ("America/Anchorage", _("Alaska Time (Anchorage)")),
    ("Pacific/Honolulu", _("Hawaii Time (Honolulu)")),
    ("America/Puerto_Rico", _("Atlantic Time (Puerto Rico)")),
]


@register.filter(name="time_zone_name")
def time_zone_name(value: object) -> str:
    """Return an IANA zone name in words: "America/Los_Angeles" -> "Pacific Time (Los Angeles)".

    A zone outside the table is shown by its place ("Europe/Lisbon" -> "Lisbon time").
    """
    key = str(value or "")
    labels = dict(US_TIME_ZONES)
    if key in labels:
        return str(labels[key])
    place = key.rsplit("/", 1)[-1].replace("_", " ")
    return str(_("%(place)s time") % {"place": place}) if place else ""


#: The first three digits of ZIP codes by state (USPS ZIP3 prefixes; a prefix shared by two
#: states, as 063 by Connecticut and Fishers Island NY, is listed under both).
ZIP3_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "AL": ((350, 369),),
    "AK": ((995, 999),),
    "AZ": ((850, 865),),
    "AR": ((716, 729),),
    "CA": ((900, 961),),
    "CO": ((800, 816),),
    "CT": ((60, 69),),
    "DE": ((197, 199),),
    "DC": ((200, 205), (569, 569)),
    "FL": ((320, 349),),
    "GA": ((300, 319), (398, 399)),
    "HI": ((967, 968),),
    "ID": ((832, 838),),
    "IL": ((600, 629),),
    "IN": ((460, 479),),
    "IA": ((500, 528),),
    "KS": ((660, 679),),
    "KY": ((400, 427),),
    "LA": ((700, 714),),
    "ME": ((39, 49),),
    "MD": ((206, 219),),
    "MA": ((10, 27), (55, 55)),
    "MI": ((480, 499),),
    "MN": ((550, 567),),
    "MS": ((386, 397),),
    "MO": ((630, 658),),
    "MT": ((590, 599),),
    "NE": ((680, 693),),
    "NV": ((889, 898),),
    "NH": ((30, 38),),
    "NJ": ((70, 89),),
    "NM": ((870, 884),),
    "NY": ((5, 5), (63, 63), (100, 149)),
    "NC": ((270, 289),),
    "ND": ((580, 588),),
    "OH": ((430, 459),),
    "OK": ((730, 749),),
    "OR": ((970, 979),),
    "PA": ((150, 196),),
    "RI": ((28, 29),),
    "SC": ((290, 299),),
    "SD": ((570, 577),),
    "TN": ((370, 385),),
    "TX": ((733, 733), (750, 799), (885, 885)),
    "UT": ((840, 847),),
    "VT": ((50, 59),),
    "VA": ((201, 201), (220, 246)),
    "WA": ((980, 994),),
    "WV": ((247, 268),),
    "WI": ((530, 549),),
    "WY": ((820, 831),),
    "AS": ((967, 967),),
    "GU": ((969, 969),),
    "MP": ((969, 969),),
    "PR": ((6, 7), (9, 9)),
    "VI": ((8, 8),),
}


def zip_state_mismatch(state: str, zip_code: str) -> str:
    """Return a message when a ZIP code's first three digits belong to another state, else "".

    ``state`` is a two-letter code from ``US_STATES``; ``zip_code`` "97402" or "97402-1234".
    A state or prefix missing from ``ZIP3_RANGES`` is not judged (returns "").
    """
    digits = re.sub(r"\D", "", zip_code or "")[:3]
    ranges = ZIP3_RANGES.get((state or "").upper())
    if len(digits) < 3 or not ranges:
        return ""
    prefix = int(digits)
    if any(lo <= prefix <= hi for lo, hi in ranges):
        return ""
    owners = [
        code for code, spans in ZIP3_RANGES.items() if any(lo <= prefix <= hi for lo, hi in spans)
    ]
    names = dict(US_STATES)
    chosen = names.get(state.upper(), state)
    if owners:
        return str(
            _(
                "ZIP codes starting %(prefix)s are in %(owner)s, not %(state)s. "
                "Check the ZIP code or the state."
            )
            % {"prefix": digits, "owner": names.get(owners[0], owners[0]), "state": chosen}
        )
    return ""

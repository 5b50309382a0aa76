"""Form fields and validation wording shared by every app.

Page numbers never fail a list, and Django's validation messages read as plain instructions.

A list's ``?page=`` comes from links people edit, shorten or paste: ``abc``, ``0``, ``-3`` or a
number past the end must show page 1 (or the last page), never "no results" or an error.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import (
    DecimalValidator,
    MaxLengthValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    StepValueValidator,
)
from django.utils.translation import gettext, gettext_lazy, ngettext, ngettext_lazy


class PageNumberField(forms.IntegerField):
    """A page number (1, 2, …): anything unreadable cleans to None (the list shows page 1).

    Values below 1 clean to None, values above ``max_value`` to ``max_value``; the paginator
    then shows the nearest real page (``Paginator.get_page``). Never raises ValidationError.
    """

    def __init__(self, *, max_value: int = 1_000_000, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.page_limit = max_value

    def to_python(self, value: Any) -> int | None:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            return None
        if number < 1:
            return None
        return min(number, self.page_limit)

    def validate(self, value: Any) -> None:
        return None

    def run_validators(self, value: Any) -> None:
        return None


# Plain validation messages --------------------------------------------------------------
#
# Django's own wording ("Ensure this value is greater than or equal to 1.", "Ensure that there
# are no more than 4 digits before the decimal point.") reaches people through every number and
# text field of every form. install_plain_validation_messages() replaces it, site-wide, with
# short instructions that name the limit in words, in English and Spanish (our catalogue).


def _min_value_message() -> Any:
    return gettext_lazy("Enter %(limit_value)s or more.")


def _max_value_message() -> Any:
    return gettext_lazy("Enter %(limit_value)s or less.")


def _plain_decimal_error(validator: DecimalValidator, exc: ValidationError) -> ValidationError:
    """Return ``exc`` reworded: the largest number in words instead of digit counts."""
    places = validator.decimal_places or 0
    code = exc.code
    if code in ("max_whole_digits", "max_digits") and validator.max_digits is not None:
        whole = validator.max_digits - places
        limit = 10**whole if whole > 0 else 1
        return ValidationError(
            gettext("Enter a number smaller than %(limit)s.") % {"limit": f"{limit:,}"},
            code=code,
        )
    if code == "max_decimal_places":
        if places == 0:
            return ValidationError(gettext("Enter a whole number."), code=code)
        return ValidationError(
            ngettext(
                "Enter no more than %(places)d digit after the decimal point.",
                "Enter no more than %(places)d digits after the decimal point.",
                places,
            )
            % {"places": places},
            code=code,
        )
    return exc


def _without_trailing_zeros(value: Any) -> Any:
    """Return a decimal without trailing fractional zeros: "12.000" has no decimals to refuse.

    Whole numbers keep their digits (``Decimal("100")`` stays 100, not ``1E+2``).
    """
    if not isinstance(value, Decimal) or not value.is_finite():
        return value
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return value
    trimmed = value.normalize()
    return trimmed if trimmed.as_tuple().exponent < 0 else value.quantize(Decimal(1))  # type: ignore[operator]


def _by_cause(validator: DecimalValidator, value: Any, exc: ValidationError) -> ValidationError:
    """Name the real cause of a digit-count refusal.

    Django reports ``max_digits`` first, so "70.12345" in a field of 5 digits and 1 decimal
    place reads as "too large" although it is the decimals that are too many. Decimals are
    checked first here, then the whole digits.
    """
    if exc.code != "max_digits" or not isinstance(value, Decimal) or not value.is_finite():
        return exc
    value = _without_trailing_zeros(value)
    _sign, digit_tuple, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    decimals = -exponent if exponent < 0 else 0
    whole = max(len(digit_tuple) - decimals, 0) if exponent < 0 else len(digit_tuple) + exponent
    places = validator.decimal_places
    if places is not None and decimals > places:
        return ValidationError(exc.messages[0], code="max_decimal_places")
    if (
        validator.max_digits is not None
        and places is not None
        and whole > validator.max_digits - places
    ):
        return ValidationError(exc.messages[0], code="max_whole_digits")
    return exc


def plain_number(value: Any) -> Any:
    """Return a limit as people write it: Decimal("300.0") -> "300", 4.50 -> "4.5"."""
    if isinstance(value, bool) or not isinstance(value, Decimal | float | int):
        return value
    if isinstance(value, int):
        return value
    number = Decimal(str(value))
    if not number.is_finite():
        return value
    text = format(number.normalize(), "f")
    return text


def _with_plain_limit(call: Any) -> Any:
    def wrapped(self: Any, value: Any) -> None:
        try:
            call(self, value)
        except ValidationError as exc:
            if isinstance(exc.params, dict) and "limit_value" in exc.params:
                exc.params["limit_value"] = plain_number(exc.params["limit_value"])
            raise

    wrapped._plain = True  # type: ignore[attr-defined]
    return wrapped


def install_plain_validation_messages() -> None:
    """Reword Django's validators' messages for the whole site (call once, from AppConfig.ready).

    Changes the class-level messages of MinValueValidator, MaxValueValidator,
    MinLengthValidator, MaxLengthValidator and StepValueValidator (a field given its own
    message keeps it) and wraps DecimalValidator so digit limits read as the largest number.
    Idempotent.
    """
    if getattr(DecimalValidator, "_plain_messages", False):
        return
    MinValueValidator.message = _min_value_message()
    MaxValueValidator.message = _max_value_message()
    StepValueValidator.message = gettext_lazy("Enter a multiple of %(limit_value)s.")
    MaxLengthValidator.message = ngettext_lazy(
        "Use no more than %(limit_value)d character (this has %(show_value)d).",
        "Use no more than %(limit_value)d characters (this has %(show_value)d).",
        "limit_value",
    )
    MinLengthValidator.message = ngettext_lazy(
        "Use at least %(limit_value)d character (this has %(show_value)d).",
        "Use at least %(limit_value)d characters (this has %(show_value)d).",
        "limit_value",
    )
    for limited in (MinValueValidator, MaxValueValidator, StepValueValidator):
        limited.__call__ = _with_plain_limit(limited.__call__)  # type: ignore[method-assign]
    original = DecimalValidator.__call__

    def call(self: DecimalValidator, value: Any) -> None:
        try:
            original(self, _without_trailing_zeros(value))
        except ValidationError as exc:
            raise _plain_decimal_error(self, _by_cause(self, value, exc)) from None

    DecimalValidator.__call__ = call  # type: ignore[method-assign]
    DecimalValidator._plain_messages = True  # type: ignore[attr-defined]

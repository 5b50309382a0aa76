"""The forms patients and website visitors fill in to book: the free consultation, a portal
booking, a waitlist offer's answer. Every label and message is in the page's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from infusionist.contact import PhoneFormField

LANGUAGE_CHOICES = [("en", "English"), ("es", "Español")]
NOTE_MAX_CHARS = 500


def parse_start(value: str) -> dt.datetime | None:
    """An ISO 8601 start with its offset, or None for anything else (naive, malformed)."""
    try:
        parsed = dt.datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


class SlotField(forms.CharField):
    """The chosen open time: one of ``choices`` (ISO values the page showed)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("error_messages", {"required": _("Choose a time from the list above.")})
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if text and parse_start(text) is None:
            raise forms.ValidationError(_("Choose a time from the list above."), code="invalid")
        return text


class ConsultationBookingForm(forms.Form):
    """A website visitor's free consultation call: a time, who they are, how to reach them.

    ``website`` is a honeypot: hidden from people, filled by form-filling robots.
    """

    start = SlotField(label=_("Time"))
    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        error_messages={"required": _("Enter your name so the clinic knows whom to call.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = PhoneFormField(
        label=_("Phone number the clinic should call"),
        error_messages={"required": _("Enter a phone number: the consultation is a call.")},
    )
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Enter an email address such as name@example.com.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    language = forms.ChoiceField(
        label=_("Language for the call"),
        choices=LANGUAGE_CHOICES,
        error_messages={"invalid_choice": _("Choose English or Spanish.")},
    )
    note = forms.CharField(
        label=_("Anything you would like us to know (optional)"),
        required=False,
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Please do not include medical details here; we will ask on the call."),
    )
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The phone field's own help names a US number; a visitor only needs the example.
        for name in ("name", "phone", "email", "note"):
            self.fields[name].widget.attrs.setdefault("class", "bk-input")

    def clean_name(self) -> str:
        return (self.cleaned_data.get("name") or "").strip()

    def is_robot(self) -> bool:
        return bool((self.data.get("website") or "").strip())


class CancelForm(forms.Form):
    """A patient's optional reason for cancelling."""

    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=300,
        error_messages={"max_length": _("Keep the reason under 300 characters.")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PortalBookingForm(forms.Form):
    """A signed-in patient's choice of an open time."""

    start = SlotField(label=_("Time"))

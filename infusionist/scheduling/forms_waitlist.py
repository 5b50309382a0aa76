"""The staff form that puts a patient on the waitlist (staff pages are in English)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class WaitlistEntryForm(forms.Form):
    """Staff put a patient on the waitlist: what, where, between which dates, which days."""

    appointment_type: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Appointment type"),
        queryset=None,
        error_messages={"required": _("Choose the appointment type the patient waits for.")},
    )
    location: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Location"), queryset=None, required=False, empty_label=_("Any location")
    )
    earliest_on = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Enter the first day that suits."),
            "invalid": _("Enter a date such as 2026-12-01."),
        },
    )
    latest_on = forms.DateField(
        label=_("Until (inclusive)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Enter the last day that suits."),
            "invalid": _("Enter a date such as 2026-12-01."),
        },
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days that suit (none ticked: any day)"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose days from Monday to Sunday.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=300,
        error_messages={"max_length": _("Keep the note under 300 characters.")},
    )

    def __init__(self, *args: Any, types: Any, locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appointment_type"].queryset = types  # type: ignore[attr-defined]
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("earliest_on"), data.get("latest_on")
        if first and last and last < first:
            self.add_error("latest_on", _("The last day must be on or after the first day."))
        return data

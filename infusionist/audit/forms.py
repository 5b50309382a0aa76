from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from infusionist.audit.models import AuditEvent


class AuditFilterForm(forms.Form):
    actor: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, label=_("User")
    )
    patient_mrn = forms.CharField(max_length=20, required=False, label=_("Patient MRN"))
    date_from = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=_("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    outcome = forms.ChoiceField(
        choices=[("", _("Any")), *AuditEvent.Outcome.choices], required=False, label=_("Outcome")
    )
    page = forms.IntegerField(min_value=1, max_value=1_000_000, required=False)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from infusionist.accounts.models import User

        self.fields["actor"].queryset = User.objects.filter(organization=organization)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def local_bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """Return the chosen dates as aware datetimes in the clinic's time zone."""
        tz = timezone.get_current_timezone()
        start, end = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
        lower = dt.datetime.combine(start, dt.time.min, tzinfo=tz) if start else None
        upper = (
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if end else None
        )
        return lower, upper

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import Organization
from infusionist.patients.selectors import patients_for_organization


class AuditFilterForm(forms.Form):
    actor: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, label=_("User")
    )
    patient_mrn = forms.CharField(max_length=20, required=False, label=_("Patient MRN"))
    # The results URL carries the patient's internal id, never the MRN (no PHI in URLs).
    patient = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
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

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["actor"].queryset = User.objects.filter(organization=organization)  # type: ignore[attr-defined]

    def query_string(self) -> str:
        """Return the filters as a query string that names the patient only by internal id."""
        query = QueryDict(mutable=True)
        data = self.cleaned_data
        if data.get("actor"):
            query["actor"] = str(data["actor"].pk)
        if data.get("patient"):
            query["patient"] = str(data["patient"])
        for name in ("date_from", "date_to"):
            if data.get(name):
                query[name] = data[name].isoformat()
        if data.get("outcome"):
            query["outcome"] = data["outcome"]
        return query.urlencode()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mrn = (data.get("patient_mrn") or "").strip().upper()
        if mrn:
            found = patients_for_organization(organization=self.organization).filter(mrn=mrn)
            patient_id = found.values_list("pk", flat=True).first()
            if patient_id is None:
                self.add_error(
                    "patient_mrn",
                    _("No patient with MRN %(mrn)s in this clinic.") % {"mrn": mrn},
                )
            else:
                data["patient"] = patient_id
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

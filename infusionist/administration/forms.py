from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db.models import Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from infusionist.accounts.models import User
from infusionist.accounts.professional import (
    US_STATES,
    Credential,
    dea_number_normalize,
    dea_number_problem,
    validate_person_name,
)
from infusionist.accounts.roles import STAFF_ROLES, Role
from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import (
    BusinessHours,
    Chair,
    Location,
    LocationStaffing,
    Organization,
)
from infusionist.clinics.profile import (
    LOGO_MAX_BYTES,
    LOGO_MAX_SIDE_PX,
    phone_display,
    phone_normalize,
)
from infusionist.contact import US_TIME_ZONES, zip_state_mismatch
from infusionist.formfields import PageNumberField
from infusionist.lib import instruments
from infusionist.lib.measurement_schedule import MIN_INTERVAL_DAYS_DEFAULTS
from infusionist.measurements.models import (
    MAX_MIN_INTERVAL_DAYS,
    SETTINGS_GROUPS,
    MeasurementSettings,
    parse_min_interval_days,
)
from infusionist.measurements.services import (
    CLINICAL_MEASUREMENT_SETTINGS_FIELDS,
    MEASUREMENT_SETTINGS_FIELDS,
)
from infusionist.measurements.services.safety import reason_error
from infusionist.patients.selectors import patients_for_organization
from infusionist.treatment.forms import change_reason_field, mark_clinical
from infusionist.treatment.models import ClinicalChangeProposal


class StaffChoiceField(forms.ModelChoiceField):
    """A staff member by name, with their role; a deactivated account says so."""

    def label_from_instance(self, obj: Any) -> str:
        name = obj.full_name or obj.email
        label = f"{name} ({obj.get_role_display()})"
        return label if obj.is_active else f"{label}, deactivated"


class AuditFilterForm(forms.Form):
    # Staff only, by name: a patient's own actions are found with the patient filter, which
    # shows every event about them (no select of thousands of patients).
    actor = StaffChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Staff member"),
        empty_label=_("Anyone"),
    )
    patient_mrn = forms.CharField(
        max_length=20,
        required=False,
        label=_("Patient MRN"),
        help_text=_("Events about one patient, including their own."),
    )
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
    page = PageNumberField()

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["actor"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            organization=organization, role__in=STAFF_ROLES
        ).order_by(Lower(Coalesce(NullIf("full_name", Value("")), "email")), "email")

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


# ---- locations, hours, closures, rooms, chairs, staffing ---------------------------------


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = [
            "name",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "phone",
            "fax",
            "time_zone",
            "is_primary",
        ]
        labels = {"is_primary": _("Primary location (shown first; its time zone is the clinic's)")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.initial.get("time_zone") or (
            self.instance.time_zone if self.instance else ""
        )
        choices = list(US_TIME_ZONES)
        if current and current not in dict(choices):
            choices.append((current, current))
        self.fields["time_zone"] = forms.ChoiceField(
            label=_("Time zone"), choices=choices, initial=current or "America/New_York"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mismatch = zip_state_mismatch(data.get("state") or "", data.get("postal_code") or "")
        if mismatch:
            self.add_error("postal_code", mismatch)
        return data

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        duplicate = Location.objects.filter(
            organization_id=self.instance.organization_id, name__iexact=name
        ).exclude(pk=self.instance.pk)
        if self.instance.organization_id and duplicate.exists():
            raise forms.ValidationError(_("Another location already has this name."))
        return name

    def location_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class WeeklyHoursForm(forms.Form):
    """Two opening blocks per weekday (a lunch break splits a day); empty means closed."""

    def __init__(self, *args: Any, location: Location, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.location = location
        blocks: dict[int, list[BusinessHours]] = {}
        for hours in location.hours.all():
            blocks.setdefault(hours.weekday, []).append(hours)
        time_widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        for weekday, label in BusinessHours.Weekday.choices:
            for block in (1, 2):
                existing = blocks.get(weekday, [])
                current = existing[block - 1] if len(existing) >= block else None
                for edge in ("opens", "closes"):
                    name = f"day{weekday}_{edge}{block}"
                    self.fields[name] = forms.TimeField(
                        label=f"{label} {edge} ({block})",
                        required=False,
                        widget=time_widget,
                        initial=getattr(current, f"{edge}_at") if current else None,
                    )

    def rows(self) -> list[tuple[str, list[tuple[forms.BoundField, forms.BoundField]]]]:
        return [
            (
                str(label),
                [(self[f"day{weekday}_opens{b}"], self[f"day{weekday}_closes{b}"]) for b in (1, 2)],
            )
            for weekday, label in BusinessHours.Weekday.choices
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for weekday, label in BusinessHours.Weekday.choices:
            for block in (1, 2):
                opens = data.get(f"day{weekday}_opens{block}")
                closes = data.get(f"day{weekday}_closes{block}")
                if (opens is None) != (closes is None) and not self.errors:
                    self.add_error(
                        f"day{weekday}_opens{block}",
                        _("%(day)s: give both the opening and the closing time, or neither.")
                        % {"day": label},
                    )
        return data

    def hours(self) -> dict[int, list[tuple[dt.time, dt.time]]]:
        data = self.cleaned_data
        result: dict[int, list[tuple[dt.time, dt.time]]] = {}
        for weekday, _label in BusinessHours.Weekday.choices:
            blocks = []
            for block in (1, 2):
                opens = data.get(f"day{weekday}_opens{block}")
                closes = data.get(f"day{weekday}_closes{block}")
                if opens is not None and closes is not None:
                    blocks.append((opens, closes))
            result[weekday] = blocks
        return result


class ClosureForm(forms.Form):
    starts_on = forms.DateField(
        label=_("First day closed"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Last day closed"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The same day for a one-day closure."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=200, help_text=_("e.g. Thanksgiving Day, staff training.")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The closure ends before it starts: check the dates."))
        return data


class RoomForm(forms.Form):
    name = forms.CharField(label=_("Room name"), max_length=80)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class ChairForm(forms.Form):
    name = forms.CharField(label=_("Chair name"), max_length=80)
    capabilities = forms.MultipleChoiceField(
        label=_("Equipped for"),
        choices=Chair.Capability.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one thing this chair is equipped for.")},
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class StaffingForm(forms.ModelForm):
    class Meta:
        model = LocationStaffing
        fields = ["chairs_per_nurse", "physician_availability", "physician_response_min"]

    def staffing_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


# ---- staff and roles (docs/decisions/0008) -------------------------------------------------

STAFF_ROLE_CHOICES = [(role.value, role.label) for role in Role if role in STAFF_ROLES]
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, validators=[validate_person_name]
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("Choose a role")), *STAFF_ROLE_CHOICES],
        help_text=_(
            "Nurses, providers and physicians add an authenticator app when they first sign in."
        ),
    )


class StaffForm(forms.Form):
    """A staff member's name, role and professional details (the service checks how they fit)."""

    full_name = forms.CharField(
        label=_("Full name"), max_length=150, validators=[validate_person_name]
    )
    role = forms.ChoiceField(label=_("Role"), choices=STAFF_ROLE_CHOICES)
    credentials = forms.ChoiceField(
        label=_("Credentials"),
        choices=[("", _("None")), *Credential.choices],
        required=False,
        help_text=_("Nurses: RN, NP or CRNA. Providers: NP, PA or CRNA. Physicians: MD or DO."),
    )
    licence_number = forms.CharField(
        label=_("Licence number"),
        max_length=40,
        required=False,
        help_text=_(
            "Providers and physicians sign orders: they need a licence number as the state "
            "board issued it, its state and an expiry date that has not passed."
        ),
    )
    licence_state = forms.ChoiceField(
        label=_("Licence state"), choices=[("", "—"), *US_STATES], required=False
    )
    licence_expires_on = forms.DateField(
        label=_("Licence expires on"), required=False, widget=DATE_WIDGET
    )
    dea_number = forms.CharField(
        label=_("DEA registration number"),
        max_length=20,
        required=False,
        help_text=_("Prescribers only: two letters then seven digits, such as AB1234563."),
    )
    dea_expires_on = forms.DateField(
        label=_("DEA registration expires on"), required=False, widget=DATE_WIDGET
    )

    @classmethod
    def for_user(cls, user: User, data: QueryDict | None = None) -> StaffForm:
        return cls(data, initial={name: getattr(user, name) for name in STAFF_FORM_FIELDS})

    def clean_dea_number(self) -> str:
        value = dea_number_normalize(self.cleaned_data.get("dea_number") or "")
        problem = dea_number_problem(value) if value else ""
        if problem:
            raise forms.ValidationError(problem)
        return value

    def staff_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in STAFF_FORM_FIELDS}


STAFF_FORM_FIELDS = (
    "full_name",
    "role",
    "credentials",
    "licence_number",
    "licence_state",
    "licence_expires_on",
    "dea_number",
    "dea_expires_on",
)


class AuthenticatorResetForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Recorded in the audit trail, e.g. “Phone lost on 3 March; identity checked in person.”"
        ),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("What the token is for"),
        max_length=100,
        help_text=_("e.g. “Scheduling sync”. The token acts as you, with your role."),
    )


# --- measurement settings (docs/decisions/0010) ---------------------------------------------

#: The unit shown after each measurement setting's box (the label names it too where it can).
MEASUREMENT_SETTING_UNITS = {
    "response_reduction_pct": _("% below baseline"),
    "remission_max_phq9": _("PHQ-9 points (0–27)"),
    "remission_max_qids_sr16": _("QIDS-SR16 points (0–27)"),
    "remission_max_madrs": _("MADRS points (0–60)"),
    "loss_of_response_consecutive": _("consecutive scores"),
    "phq9_item9_alert_at_least": _(
        "item 9 answer: 1 several days, 2 more than half the days, 3 nearly every day"
    ),
    "cssrs_alert_at_least_risk_level": _("risk level: 1 any positive answer, 2 imminent risk"),
    "safety_escalation_minutes": _("min"),
    "induction_interval_days": _("days"),
    "maintenance_interval_days": _("days"),
    "next_day_checkin_hours": _("h after the infusion"),
    "pre_infusion_lead_hours": _("h before the infusion"),
    "completion_window_hours": _("h"),
    "checkin_local_hour": _("h, clinic-local (0–23)"),
    "instrument_min_interval_days": "",
    "max_reminders": _("reminders"),
    "reminder_interval_hours": _("h"),
}


def _instrument_title(code: str) -> str:
    """Return the short name staff read ("PHQ-9"), the code for an unknown one."""
    try:
        instrument = instruments.get(code)
    except instruments.UnknownInstrument:
        return code
    return instrument.short_name or instrument.title


def _split_codes(value: Any) -> list[str]:
    """Return the codes in a stored "phq9,gad7" string or in posted values (each may hold a
    comma-separated list), in order, once each."""
    items = [value] if isinstance(value, str) else list(value or [])
    codes: list[str] = []
    for item in items:
        for code in str(item).split(","):
            code = code.strip()
            if code and code not in codes:
                codes.append(code)
    return codes


class InstrumentChecklistField(forms.MultipleChoiceField):
    """The instruments sent on schedule as one tick box per sendable instrument (its title),
    stored as the model's comma-separated codes. The model's validator names an unknown or
    clinician-only code ("madrs is clinician-administered")."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        choices = [
            (code, instruments.get(code).title)
            for code in MIN_INTERVAL_DAYS_DEFAULTS
            if code in {i.code for i in instruments.all_instruments()}
        ]
        for unused in ("max_length", "empty_value"):
            kwargs.pop(unused, None)
        kwargs.setdefault("error_messages", {})["required"] = _(
            "Tick at least one instrument to send on schedule."
        )
        kwargs["help_text"] = _(
            "The self-report questionnaires sent on the schedule. Clinician-administered "
            "ones (MADRS, C-SSRS) are entered by staff and never sent."
        )
        super().__init__(choices=choices, **kwargs)

    def prepare_value(self, value: Any) -> list[str]:
        return _split_codes(value)

    def to_python(self, value: Any) -> list[str]:
        return _split_codes(value)

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def clean(self, value: Any) -> str:
        codes = self.to_python(value)
        self.validate(codes)
        return ",".join(codes)


class IntervalDaysWidget(forms.MultiWidget):
    """One whole-number box (days) per schedulable instrument, labelled with its title and
    its documented default; a blank box keeps the default."""

    template_name = "administration/widgets/interval_days.html"
    use_fieldset = True

    def __init__(self) -> None:
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            code: forms.NumberInput(
                attrs={"min": 0, "max": MAX_MIN_INTERVAL_DAYS, "inputmode": "numeric"}
            )
            for code in MIN_INTERVAL_DAYS_DEFAULTS
        }
        super().__init__(widgets)

    def decompress(self, value: Any) -> list[Any]:
        """Put each ``code:days`` pair's days in its box, as written (a refused "phq9:120"
        still shows 120 beside PHQ-9)."""
        shown: dict[str, str] = {}
        for entry in str(value or "").replace(";", ",").replace("\n", ",").split(","):
            code, _sep, days = (part.strip() for part in entry.partition(":"))
            if code in MIN_INTERVAL_DAYS_DEFAULTS and code not in shown:
                shown[code] = days
        return [shown.get(code) for code in MIN_INTERVAL_DAYS_DEFAULTS]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        # A client that posts the stored form ("phq9:7,gad7:7") is read as such.
        if name in data and not any(
            f"{name}_{code}" in data for code in MIN_INTERVAL_DAYS_DEFAULTS
        ):
            return data.get(name)
        return super().value_from_datadict(data, files, name)

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        for sub, code in zip(
            context["widget"]["subwidgets"], MIN_INTERVAL_DAYS_DEFAULTS, strict=True
        ):
            sub["title"] = _instrument_title(code)
            sub["default_days"] = MIN_INTERVAL_DAYS_DEFAULTS[code]
        return context


class IntervalDaysField(forms.Field):
    """The minimum days between two scheduled questionnaires, per instrument, stored as the
    model's ``code:days`` pairs (only the boxes filled in). Each box takes a whole number
    from 0 to ``MAX_MIN_INTERVAL_DAYS``; the message names the instrument."""

    widget = IntervalDaysWidget

    def __init__(self, **kwargs: Any) -> None:
        for unused in ("max_length", "empty_value"):
            kwargs.pop(unused, None)
        kwargs["required"] = False
        kwargs["help_text"] = _(
            "A blank box keeps the default; 0 asks as often as the schedule does. A scheduled "
            "questionnaire is not sent when it would be due within this many days of the last "
            "completed one of the same instrument. Defaults: the recall period each one asks "
            "about [?] — PHQ-9, PHQ-2 and GAD-7 14 ('the last 2 weeks' [51]), QIDS-SR16 7 "
            "[52], PCL-5 30 ('the past month' [55]), BPI 1 [59], pain NRS 0. Questionnaires "
            "sent by staff are never held back."
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        if isinstance(value, str):  # the stored form, checked by the model's validator
            return value.strip()
        pairs = []
        for code, raw in zip(MIN_INTERVAL_DAYS_DEFAULTS, value or [], strict=False):
            text = str(raw if raw is not None else "").strip()
            if not text:
                continue
            if not text.isdigit() or int(text) > MAX_MIN_INTERVAL_DAYS:
                raise forms.ValidationError(
                    _("%(title)s: enter a whole number of days from 0 to %(max)s.")
                    % {"title": _instrument_title(code), "max": MAX_MIN_INTERVAL_DAYS},
                    code="invalid",
                )
            pairs.append(f"{code}:{int(text)}")
        return ",".join(pairs)


def shown_intervals(value: str) -> str:
    """Return ``code:days`` pairs as people read them: "PHQ-9 7 days, GAD-7 7 days"."""
    try:
        pairs = parse_min_interval_days(value or "")
    except forms.ValidationError:
        return value
    return ", ".join(
        str(
            ngettext("%(title)s %(days)s day", "%(title)s %(days)s days", days)
            % {"title": _instrument_title(code), "days": days}
        )
        for code, days in pairs.items()
    )


@dataclass(frozen=True)
class SettingRow:
    """One setting as the page shows it: the bound field and what stands beside it."""

    field: forms.BoundField
    unit: str
    default: str
    source: str
    allowed: tuple[int, int] | None
    clinical: bool
    #: The stored value, as shown beside a box that holds what was typed.
    in_use: str
    #: The value each pending proposal would give it, with that proposal.
    pending: list[tuple[Any, ClinicalChangeProposal]]


@dataclass(frozen=True)
class SettingGroup:
    heading: str
    note: str
    rows: list[SettingRow]


class MeasurementSettingsForm(forms.ModelForm):
    """A clinic's measurement settings, each beside its documented default and sources.

    A number outside its range is refused with the range in the message. For a user who may
    not sign (a clinic admin) the clinical fields say a change waits for a physician.
    """

    change_reason = change_reason_field()

    class Meta:
        model = MeasurementSettings
        fields = list(MEASUREMENT_SETTINGS_FIELDS)
        widgets = {
            "cssrs_licensed_wording": forms.Textarea(attrs={"rows": 7}),
        }
        field_classes = {
            "scheduled_instruments": InstrumentChecklistField,
            "instrument_min_interval_days": IntervalDaysField,
        }

    def __init__(
        self,
        *args: Any,
        needs_signature: bool = False,
        pending: Sequence[ClinicalChangeProposal] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.needs_signature = needs_signature
        self.pending = list(pending)
        # Validation copies what was typed onto the instance; keep what is stored.
        self.in_use = {name: getattr(self.instance, name) for name in MEASUREMENT_SETTINGS_FIELDS}
        for name in MEASUREMENT_SETTINGS_FIELDS:
            allowed = MeasurementSettings.allowed_range(name)
            field = self.fields[name]
            if allowed is None or not isinstance(field, forms.IntegerField):
                continue
            low, high = allowed
            message = _("Enter a whole number from %(low)s to %(high)s.") % {
                "low": low,
                "high": high,
            }
            field.validators = [
                MinValueValidator(low, message=message),
                MaxValueValidator(high, message=message),
            ]
            field.error_messages["invalid"] = message
            field.error_messages["required"] = message
            field.widget.attrs.update({"min": low, "max": high, "inputmode": "numeric"})
        if needs_signature:
            mark_clinical(self, CLINICAL_MEASUREMENT_SETTINGS_FIELDS)

    def clean(self) -> dict[str, Any]:
        """A proposed change of the licensed C-SSRS wording needs a reason, for the physician
        who signs it (a physician's own change is signed by them as they save)."""
        data = super().clean() or {}
        wording = data.get("cssrs_licensed_wording")
        if (
            self.needs_signature
            and wording is not None
            and wording.strip() != (self.in_use["cssrs_licensed_wording"] or "").strip()
            and reason_error(data.get("change_reason") or "")
        ):
            self.add_error(
                "change_reason",
                _(
                    "Say why the C-SSRS wording changes (for example the licence or version it "
                    "comes from); the physician who signs reads it."
                ),
            )
        return data

    def settings_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in MEASUREMENT_SETTINGS_FIELDS}

    def groups(self) -> list[SettingGroup]:
        """Return the fields in the page's groups, each with its default, sources and range."""
        return [
            SettingGroup(
                heading=str(heading),
                note=str(note),
                rows=[self._row(name) for name in names],
            )
            for heading, note, names in SETTINGS_GROUPS
        ]

    def _row(self, name: str) -> SettingRow:
        return SettingRow(
            field=self[name],
            unit=str(MEASUREMENT_SETTING_UNITS.get(name, "")),
            default=_shown_default(name),
            source=MeasurementSettings.SOURCE_KEYS[name],
            allowed=MeasurementSettings.allowed_range(name),
            clinical=name in CLINICAL_MEASUREMENT_SETTINGS_FIELDS,
            in_use=_shown_setting(name, self.in_use[name]),
            pending=[
                (proposal.changes[name]["after"], proposal)
                for proposal in self.pending
                if name in proposal.changes
            ],
        )


def _shown_default(name: str) -> str:
    if name == "instrument_min_interval_days":
        return shown_intervals(
            ",".join(f"{code}:{days}" for code, days in MIN_INTERVAL_DAYS_DEFAULTS.items())
        )
    if name == "scheduled_instruments":
        return _shown_setting(name, MeasurementSettings.documented_default(name))
    return MeasurementSettings.documented_default(name)


def _shown_setting(name: str, value: Any) -> str:
    if name == "cssrs_licensed_wording":
        lines = len([line for line in str(value).splitlines() if line.strip()])
        return str(_("%(n)s lines") % {"n": lines}) if lines else str(_("none"))
    if value in (None, ""):
        return str(_("the defaults")) if name == "instrument_min_interval_days" else "—"
    if name == "instrument_min_interval_days":
        return shown_intervals(str(value))
    if name == "scheduled_instruments":
        return ", ".join(_instrument_title(code) for code in _split_codes(value))
    return str(value)


class NewlineCharField(forms.CharField):
    """Text whose line breaks are counted as one character each, as the browser counts them
    for ``maxlength`` (a form sends each one as two: CR LF)."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        return text.replace("\r\n", "\n").replace("\r", "\n")


class ClinicProfileForm(forms.ModelForm):
    """The clinic profile: name, main phone, crisis wording and message texts, per language.

    Bound to a copy of the organization (the page's header keeps showing the saved profile
    while the form shows what was typed). The phone is shown the national way and stored in
    E.164; each rule's message comes from ``clinics.profile``.
    """

    class Meta:
        model = Organization
        fields = [
            "name",
            "phone",
            "crisis_text_en",
            "crisis_text_es",
            "message_greeting_en",
            "message_greeting_es",
            "message_signoff_en",
            "message_signoff_es",
        ]
        field_classes = {
            "crisis_text_en": NewlineCharField,
            "crisis_text_es": NewlineCharField,
        }
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "crisis_text_en": forms.Textarea(attrs={"rows": 3}),
            "crisis_text_es": forms.Textarea(attrs={"rows": 3, "lang": "es"}),
            "message_greeting_es": forms.TextInput(attrs={"lang": "es"}),
            "message_signoff_es": forms.TextInput(attrs={"lang": "es"}),
        }
        help_texts = {
            "name": _("Shown at the top of every page and in every message to patients."),
            "message_greeting_en": _(
                "Put before the questionnaire message. You may use {clinic} and {phone}."
            ),
            "message_signoff_en": _(
                "Put after the questionnaire message. You may use {clinic} and {phone}."
            ),
            "message_greeting_es": _("The greeting for patients who prefer Spanish."),
            "message_signoff_es": _("The sign-off for patients who prefer Spanish."),
            "crisis_text_es": _(
                "Shown to patients who read in Spanish. Left empty, they see the national lines "
                "alone."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Typed in any usual form (longer than the stored E.164); clean_phone checks it.
        phone = self.fields["phone"]
        assert isinstance(phone, forms.CharField)
        phone.max_length = 30
        phone.validators = [v for v in phone.validators if not isinstance(v, MaxLengthValidator)]
        phone.widget.attrs["maxlength"] = "30"
        if not self.is_bound and self.instance.phone:
            self.initial["phone"] = phone_display(self.instance.phone)
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField) and name != "name":
                field.strip = True

    def clean_phone(self) -> str:
        return phone_normalize(self.cleaned_data.get("phone") or "")

    def profile_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class LogoForm(forms.Form):
    """A logo file to upload; its content is checked by ``clinics.profile.logo_read``."""

    logo = forms.FileField(
        label=_("Logo file"),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["logo"].help_text = _(
            "A PNG, JPEG or WebP image of at most %(kb)s KB and %(px)s pixels a side. SVG is "
            "not accepted. It is shown up to 36 pixels high at the top of every page."
        ) % {"kb": LOGO_MAX_BYTES // 1024, "px": LOGO_MAX_SIDE_PX}

    def clean_logo(self) -> Any:
        upload = self.cleaned_data["logo"]
        if upload.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s KB; a logo may be at most %(limit)s KB. Export it smaller.")
                % {"size": -(-upload.size // 1024), "limit": LOGO_MAX_BYTES // 1024}
            )
        return upload

"""Forms of the scheduling set-up pages: booking rules, appointment types, shifts, time off.

The rules themselves live in ``scheduling.configuration``; these forms read what was typed,
keep it on an error, and put each rule's message beside its field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from infusionist.accounts.models import User
from infusionist.clinics.models import Chair, Location, Organization
from infusionist.lib.scheduling import Minutes
from infusionist.scheduling import configuration
from infusionist.scheduling.models import AppointmentType, SchedulingSettings, StaffShift
from infusionist.treatment.models import Protocol

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def add_problems(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError beside the fields it names (the rest on top)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class SchedulingSettingsForm(forms.ModelForm):
    reminder_offsets = forms.CharField(
        label=_("Reminders before the start (hours)"),
        required=False,
        max_length=200,
        help_text=_(
            "Whole hours separated by commas, such as 72, 24, 2 (at most 336 hours, two "
            "weeks). Leave empty to send no reminders."
        ),
    )

    class Meta:
        model = SchedulingSettings
        fields = [
            "slot_step_min",
            "chair_prep_min",
            "chair_turnover_min",
            "late_cancellation_window_h",
            "waitlist_offer_minutes",
            "booking_horizon_days",
            "min_notice_h",
            "mobile_min_prepaid_sessions",
        ]
        help_texts = {
            "slot_step_min": _("Free times are offered on this grid, e.g. 9:00, 9:15, 9:30."),
            "chair_turnover_min": _("Cleaning and making the chair ready for the next patient."),
            "late_cancellation_window_h": _(
                "A cancellation closer to the start than this is marked late."
            ),
            "waitlist_offer_minutes": _(
                "A freed slot offered to a waiting patient goes to the next one after this."
            ),
            "booking_horizon_days": _("On the website and the portal; staff may book further."),
            "min_notice_h": _("On the website and the portal; staff may book sooner."),
            "mobile_min_prepaid_sessions": _(
                "A mobile visit is booked only for a patient who has prepaid this many sessions"
                " (the booking form asks how many, from the payment records)."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["reminder_offsets"] = configuration.reminder_offsets_text(
                self.instance.reminder_offsets_h or []
            )
        for field in self.fields.values():
            if isinstance(field, forms.IntegerField):
                field.widget.attrs.setdefault("inputmode", "numeric")

    def clean_reminder_offsets(self) -> list[int]:
        return configuration.reminder_offsets_parse(self.cleaned_data.get("reminder_offsets", ""))

    def settings_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["reminder_offsets_h"] = self.cleaned_data["reminder_offsets"]
        return data


class ProtocolChoiceField(forms.ModelChoiceField):
    """A protocol by name with the minutes it gives an appointment."""

    def label_from_instance(self, obj: Any) -> str:
        if obj.duration_min:
            return str(
                _("%(name)s (%(infusion)s min infusion, %(observation)s min observation)")
                % {
                    "name": obj.name,
                    "infusion": obj.duration_min,
                    "observation": obj.observation_min,
                }
            )
        return str(
            _("%(name)s (%(observation)s min observation)")
            % {"name": obj.name, "observation": obj.observation_min}
        )


class AppointmentTypeForm(forms.ModelForm):
    protocol = ProtocolChoiceField(
        queryset=Protocol.objects.none(),
        required=False,
        label=_("Protocol (infusions and esketamine sessions)"),
        empty_label=_("None"),
        help_text=_(
            "Ketamine infusions and esketamine sessions take their infusion and observation "
            "minutes from the protocol."
        ),
    )
    chair_capability = forms.ChoiceField(
        label=_("Needs a chair equipped for"),
        required=False,
        choices=[
            ("", _("No chair (a call, telehealth or an office visit)")),
            *Chair.Capability.choices,
        ],
    )

    class Meta:
        model = AppointmentType
        fields = [
            "name",
            "name_es",
            "kind",
            "protocol",
            "service_min",
            "observation_min",
            "travel_buffer_min",
            "chair_capability",
            "staff_role",
            "staff_exclusive",
            "needs_physician_available",
            "public_bookable",
            "portal_bookable",
        ]
        labels = {
            "name_es": _("Name in Spanish (shown to Spanish-speaking patients)"),
            "service_min": _("Length (min)"),
            "observation_min": _("Observation after treatment (min)"),
            "travel_buffer_min": _("Travel each way (min)"),
            "staff_role": _("Booked with"),
        }
        help_texts = {
            "service_min": _(
                "For types without a protocol; for esketamine, the dosing time before observation."
            ),
            "public_bookable": _(
                "Only the free consultation call: a visitor of the website has no patient "
                "record yet, and every treatment needs an eligibility review and payment first."
            ),
            "portal_bookable": _(
                "Patients whose eligibility is approved may book it themselves in the portal."
            ),
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["protocol"].queryset = Protocol.objects.filter(  # type: ignore[attr-defined]
            organization=organization, drug__in=set(configuration.PROTOCOL_KINDS.values())
        ).order_by("drug", "name", "id")
        for name in ("service_min", "observation_min", "travel_buffer_min"):
            self.fields[name].widget.attrs.setdefault("inputmode", "numeric")

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise ValidationError(_("Give the appointment type a name."))
        taken = AppointmentType.objects.filter(organization=self.organization, name__iexact=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_("Another appointment type already has this name."))
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        for name, message in configuration.appointment_type_problems(
            organization=self.organization, data=data
        ).items():
            self.add_error(name, message)
        return data

    def type_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def minutes(self, settings: SchedulingSettings) -> Minutes | None:
        """The chair time of what was typed (or saved); None while a number is unreadable."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        source = data if self.is_bound else None

        def value(name: str) -> Any:
            if source is not None:
                return source.get(name)
            return getattr(self.instance, name, None)

        numbers = [value(n) for n in ("service_min", "observation_min", "travel_buffer_min")]
        if any(n is None for n in numbers):
            return None
        return configuration.type_minutes(
            kind=value("kind") or "",
            protocol=value("protocol"),
            service_min=numbers[0],
            observation_min=numbers[1],
            travel_buffer_min=numbers[2],
            chair_capability=value("chair_capability") or "",
            settings=settings,
        )


class StaffShiftForm(forms.ModelForm):
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=WEEKDAY_CHOICES, coerce=int)

    class Meta:
        model = StaffShift
        fields = ["location", "weekday", "starts_at", "ends_at", "valid_from", "valid_until"]
        labels = {
            "starts_at": _("Starts (local time)"),
            "ends_at": _("Ends (local time)"),
            "valid_from": _("From (optional)"),
            "valid_until": _("Until (optional)"),
        }
        widgets = {
            "starts_at": TIME_WIDGET,
            "ends_at": TIME_WIDGET,
            "valid_from": DATE_WIDGET,
            "valid_until": DATE_WIDGET,
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        locations = Location.objects.filter(organization=organization).order_by(
            "-is_primary", "name"
        )
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]
        self.fields["location"].empty_label = None  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        # The service checks the shift as a whole (overlaps, end before start) and says so
        # beside the field; the model's own check would only repeat it less clearly.
        pass

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error(
                "ends_at",
                _(
                    "The shift ends at or before it starts. A shift past midnight is two shifts, "
                    "one on each day."
                ),
            )
        since, until = data.get("valid_from"), data.get("valid_until")
        if since and until and until < since:
            self.add_error("valid_until", _("The “until” date is before the “from” date."))
        return data

    def shift_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class StaffTimeOffForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("From"), widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(label=_("Until"), widget=DATETIME_WIDGET)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Seen by the clinic's staff, e.g. annual leave, training."),
    )

    def __init__(self, *args: Any, zone: dt.tzinfo, zone_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        for name, label in (("starts_at", _("From")), ("ends_at", _("Until"))):
            self.fields[name].label = f"{label} ({zone_name})"

    def _aware(self, value: dt.datetime) -> dt.datetime:
        # Typed in the clinic's zone: attach it (a time skipped by a DST change moves on).
        naive = value.replace(tzinfo=None) if value.tzinfo else value
        return naive.replace(tzinfo=self.zone)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts:
            data["starts_at"] = starts = self._aware(starts)
        if ends:
            data["ends_at"] = ends = self._aware(ends)
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The time off ends at or before it starts."))
        if data.get("reason") is not None and not data["reason"].strip():
            self.add_error("reason", _("Say why, e.g. annual leave."))
        return data


def staff_label(user: User) -> str:
    """A staff member as the pages name them: name and role."""
    return f"{user.full_name or user.email} ({user.get_role_display()})"

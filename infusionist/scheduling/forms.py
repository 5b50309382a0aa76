"""Forms of the staff calendar and booking pages.

Every choice (type, location, chair, staff member) is limited to the signed-in user's
organization, so another clinic's id is refused as "not one of the choices". Times picked
from an open-slot list travel as ISO 8601 instants with their offset.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from infusionist.clinics.models import Chair, Location
from infusionist.scheduling.models import AppointmentType

#: Weekday choices, 0 = Monday (``datetime.date.weekday``).
WEEKDAYS = [
    ("0", _("Mon")),
    ("1", _("Tue")),
    ("2", _("Wed")),
    ("3", _("Thu")),
    ("4", _("Fri")),
    ("5", _("Sat")),
    ("6", _("Sun")),
]
#: The most sessions one series form books (a long induction plus boosters).
MAX_SERIES_SESSIONS = 24


class InstantField(forms.Field):
    """An instant chosen from the open times: ISO 8601 with its offset."""

    default_error_messages = {"invalid": _("Choose one of the open times shown.")}

    def to_python(self, value: Any) -> dt.datetime | None:
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 40:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            instant = dt.datetime.fromisoformat(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if instant.tzinfo is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return instant


class ChoiceOfTheClinic(forms.ModelChoiceField):
    default_error_messages = {
        "invalid_choice": _("Choose one of the options in the list."),
    }


def _chair_label(chair: Chair) -> str:
    return f"{chair.room.location.name} · {chair.room.name} · {chair.name}"


class _StaffChoice(ChoiceOfTheClinic):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.get_role_display()})"


class _ChairChoice(ChoiceOfTheClinic):
    def label_from_instance(self, obj: Any) -> str:
        return _chair_label(obj)


class PatientPickForm(forms.Form):
    q = forms.CharField(
        label=_("Find the patient"),
        max_length=100,
        required=False,
        help_text=_("Name, date of birth, phone or MRN."),
    )


class BookQueryForm(forms.Form):
    """What to book, where and which day (sent with GET: no patient data in it)."""

    appointment_type = ChoiceOfTheClinic(
        label=_("Appointment type"), queryset=AppointmentType.objects.none()
    )
    location = ChoiceOfTheClinic(label=_("Location"), queryset=Location.objects.none())
    day = forms.DateField(
        label=_("Day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a real date, for example 2026-03-14.")},
    )
    chair = _ChairChoice(
        label=_("Chair (optional)"),
        queryset=Chair.objects.none(),
        required=False,
        empty_label=_("Any free chair"),
    )
    staff = _StaffChoice(
        label=_("Staff member (optional)"),
        queryset=None,
        required=False,
        empty_label=_("Anyone free"),
    )

    def __init__(
        self,
        *args: Any,
        types: QuerySet[AppointmentType],
        locations: QuerySet[Location],
        chairs: QuerySet[Chair],
        staff: QuerySet[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appointment_type"].queryset = types  # type: ignore[attr-defined]
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]
        self.fields["chair"].queryset = chairs  # type: ignore[attr-defined]
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]
        if locations.count() == 1:
            self.fields["location"].empty_label = None  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chair, location = data.get("chair"), data.get("location")
        if chair is not None and location is not None and chair.room.location_id != location.pk:
            self.add_error("chair", _("That chair is at another location."))
        return data


class BookSaveForm(BookQueryForm):
    """The booking itself: the query plus the chosen start, visit address and a note."""

    start = InstantField(label=_("Time"))
    visit_address = forms.CharField(
        label=_("Visit address"),
        max_length=300,
        required=False,
        help_text=_("Where the nurse goes: street, number, apartment, city."),
    )
    note = forms.CharField(
        label=_("Note for the team (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    prepaid_sessions = forms.IntegerField(
        label=_("Sessions the patient has prepaid (mobile visits)"),
        min_value=0,
        max_value=200,
        required=False,
        help_text=_("From the payment records: mobile visits need the clinic's minimum."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = getattr(data.get("appointment_type"), "kind", "")
        if kind == AppointmentType.Kind.MOBILE_VISIT:
            if not (data.get("visit_address") or ""):
                self.add_error("visit_address", _("A mobile visit needs the visit address."))
            if data.get("prepaid_sessions") is None and "prepaid_sessions" not in self.errors:
                self.add_error(
                    "prepaid_sessions",
                    _("Say how many sessions the patient has prepaid (a whole number)."),
                )
        return data


class MoveForm(forms.Form):
    """Move an appointment: a start chosen from the open times, or a day and a time typed."""

    day = forms.DateField(
        label=_("New day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a real date, for example 2026-03-14.")},
    )
    time = forms.TimeField(
        label=_("Or type a time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"invalid": _("Enter a time such as 14:30.")},
    )
    start = InstantField(label=_("Open time"), required=False)
    chair = _ChairChoice(
        label=_("Chair (optional)"),
        queryset=Chair.objects.none(),
        required=False,
        empty_label=_("Any free chair"),
    )
    staff = _StaffChoice(
        label=_("Staff member (optional)"),
        queryset=None,
        required=False,
        empty_label=_("Anyone free"),
    )
    reason = forms.CharField(label=_("Why it moves (optional)"), max_length=300, required=False)

    def __init__(
        self, *args: Any, chairs: QuerySet[Chair], staff: QuerySet[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = chairs  # type: ignore[attr-defined]
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is cancelled"),
        max_length=300,
        error_messages={"required": _("Say why the appointment is cancelled.")},
    )
    confirm_late = forms.BooleanField(
        label=_("I understand this is a late cancellation."), required=False
    )

    def __init__(self, *args: Any, late: bool = False, **kwargs: Any) -> None:
        # The appointment page also shows the move form: distinct ids keep labels right.
        kwargs.setdefault("auto_id", "cancel_%s")
        super().__init__(*args, **kwargs)
        self.late = late

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.late and not data.get("confirm_late"):
            self.add_error(
                "confirm_late",
                _("This is inside the late-cancellation window: tick the box to confirm."),
            )
        return data


class MarkForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[],
        error_messages={"invalid_choice": _("Choose one of the statuses shown.")},
    )

    def __init__(self, *args: Any, statuses: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = statuses  # type: ignore[attr-defined]


class SeriesForm(forms.Form):
    """Propose an induction series (sent with GET: no patient data in it)."""

    appointment_type = ChoiceOfTheClinic(
        label=_("Appointment type"), queryset=AppointmentType.objects.none()
    )
    location = ChoiceOfTheClinic(label=_("Location"), queryset=Location.objects.none())
    first_day = forms.DateField(
        label=_("First day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a real date, for example 2026-03-14.")},
    )
    weekdays = forms.MultipleChoiceField(
        label=_("Days of the week"),
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one day of the week."),
            "invalid_choice": _("Choose days from Monday to Sunday."),
        },
    )
    local_time = forms.TimeField(
        label=_("Time"),
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"invalid": _("Enter a time such as 09:30.")},
    )
    session_count = forms.IntegerField(
        label=_("Number of sessions"),
        min_value=1,
        max_value=MAX_SERIES_SESSIONS,
        required=False,
        help_text=_("Leave empty for the protocol's number of sessions."),
    )

    def __init__(
        self,
        *args: Any,
        types: QuerySet[AppointmentType],
        locations: QuerySet[Location],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appointment_type"].queryset = types  # type: ignore[attr-defined]
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]
        if locations.count() == 1:
            self.fields["location"].empty_label = None  # type: ignore[attr-defined]

    def sessions(self) -> int:
        """The number of sessions asked for, or the protocol's (6 without one)."""
        count = self.cleaned_data.get("session_count")
        if count:
            return int(count)
        protocol = getattr(self.cleaned_data.get("appointment_type"), "protocol", None)
        return int(getattr(protocol, "session_count", 0) or 6)

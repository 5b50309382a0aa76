from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from infusionist.lib import instruments
from infusionist.measurements import selectors
from infusionist.measurements.models import MeasurementProfile, RiskAssessment
from infusionist.measurements.patient_text import text_for
from infusionist.measurements.services import safety
from infusionist.patients.birth_dates import date_from_two_digit_year

#: A staff-entered completion time older than this many days must be confirmed with a reason
#: (a mistyped year, such as 1990 for 2026, would otherwise become the baseline). No published
#: source [?]: a year covers a paper form brought from a previous clinic without a prompt.
STAFF_ENTRY_MAX_AGE_DAYS = 365

ENTERABLE_INSTRUMENTS = ("phq9", "gad7", "qids_sr16", "pcl5", "madrs", "cssrs_screener")


def item_label(item: instruments.Item, lang: str, wording: Mapping[str, str] | None = None) -> str:
    """Return the item's wording in ``lang``; licensed wording pasted by the clinic; or its name."""
    if wording and wording.get(item.link_id):
        return wording[item.link_id]
    return item.text.get(lang) or item.text.get("en") or item.name


def _option_label(item: instruments.Item, value: int, lang: str) -> str:
    label = item.option(value).label
    return label.get(lang) or label.get("en") or str(value)


class InstrumentForm(forms.Form):
    """One radio group per item. Every item is optional here: the library decides completeness.

    Field names are the instrument's link ids, so the library's errors land beside their item.

    Branching (the C-SSRS flow [56][57]: Q3–Q5 only when Q2 is yes, Q6b only when Q6 is yes)
    follows the instrument's ``enable_when``: an item not asked is rendered hidden and a page
    script keeps that up to date as answers change; without the script every item shows, with a
    note saying when it is asked. Either way a "No"
    (the item's lowest answer) to an item that is not asked is dropped as not asked, so answering
    "No" to every question is accepted; any other answer to it is refused beside the item, never
    dropped, so a risk answer is not lost to a changed earlier answer.
    """

    def __init__(
        self,
        *args: Any,
        instrument: instruments.Instrument,
        lang: str = "en",
        wording: Mapping[str, str] | None = None,
        patient_facing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.lang = lang
        self.patient_facing = patient_facing
        for item in instrument.items:
            number = instrument.item_number(item.link_id)
            choices = [
                (option.value, option.label.get(lang) or option.label.get("en") or option.value)
                for option in item.options
            ]
            field = forms.TypedChoiceField(
                label=item_label(item, lang, wording),
                choices=choices,
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
            )
            field.item = item  # type: ignore[attr-defined]
            field.number = number  # type: ignore[attr-defined]
            field.asked_when = None  # type: ignore[attr-defined]
            field.lowest = min(item.allowed_values)  # type: ignore[attr-defined]
            condition = item.enable_when
            if condition is not None:
                controller = instrument.item(condition.link_id)
                field.asked_when = {  # type: ignore[attr-defined]
                    "name": self.add_prefix(condition.link_id),
                    "value": condition.value,
                    "number": instrument.item_number(condition.link_id),
                    "answer": _option_label(controller, condition.value, lang),
                }
            self.fields[item.link_id] = field

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for item in self.instrument.items:
            condition = item.enable_when
            if condition is None or data.get(item.link_id) is None:
                continue
            controlling = data.get(condition.link_id)
            if (
                controlling is not None
                and controlling != condition.value
                and data[item.link_id] == self.fields[item.link_id].lowest  # type: ignore[attr-defined]
            ):
                data[item.link_id] = None  # "No" to a question not asked: not asked
        return data

    def item_fields(self) -> list[forms.BoundField]:
        """Return the items' bound fields; ``not_asked`` marks an item the flow skips for now.

        An item is not asked while its controlling answer is anything but the enabling value,
        unless it holds an answer other than its lowest or shows an error (then it stays in view
        so it can be corrected). The page hides such items; without a script they show.
        """
        fields = [self[item.link_id] for item in self.instrument.items]
        for bound in fields:
            bound.not_asked = self._not_asked(bound)  # type: ignore[attr-defined]
        return fields

    def _not_asked(self, bound: forms.BoundField) -> bool:
        asked_when = getattr(bound.field, "asked_when", None)
        if asked_when is None or bound.errors:
            return False
        condition = bound.field.item.enable_when  # type: ignore[attr-defined]
        controlling = self[condition.link_id].value()
        if controlling not in (None, "") and str(controlling) == str(condition.value):
            return False
        own = bound.value()
        return own in (None, "") or str(own) == str(bound.field.lowest)  # type: ignore[attr-defined]

    def answers(self) -> dict[str, int | None]:
        data = getattr(self, "cleaned_data", {})
        return {item.link_id: data.get(item.link_id) for item in self.instrument.items}

    def add_answer_errors(self, errors: Mapping[str, str]) -> None:
        """Put the library's per-item errors beside their items (plain words for patients)."""
        plain = text_for(self.lang)["choose"]
        for link_id, message in errors.items():
            if link_id in self.fields:
                asked_when = getattr(self.fields[link_id], "asked_when", None)
                if self.patient_facing:
                    message = plain
                elif message.startswith("required"):
                    message = "Required: choose an answer."
                elif asked_when is not None and message.startswith("asked only when"):
                    message = (
                        f"Asked only if question {asked_when['number']} is "
                        f"“{asked_when['answer']}”. Choose “Not answered” here, or correct "
                        f"question {asked_when['number']}."
                    )
                else:
                    message = message[:1].upper() + message[1:] + "."
                self.add_error(link_id, message)
            else:
                self.add_error(None, f"{link_id}: {message}")


class StaffEntryForm(InstrumentForm):
    completed_at = forms.DateTimeField(
        label=_("Completed at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Leave empty for now. For a paper form, enter when the patient filled it in."),
    )

    confirm_old_date = forms.BooleanField(
        label=_("Yes, this questionnaire was completed that long ago"),
        required=False,
    )
    old_date_reason = forms.CharField(
        label=_("Why a questionnaire this old is entered now"),
        max_length=2_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: paper form from the previous clinic, scanned into the chart."),
    )

    def __init__(self, *args: Any, date_of_birth: dt.date | None = None, **kwargs: Any) -> None:
        """``date_of_birth``: the patient's; no completion time before it is accepted."""
        super().__init__(*args, **kwargs)
        self.date_of_birth = date_of_birth
        self.needs_old_confirmation = bool(
            self.is_bound and (self.data.get(self.add_prefix("confirm_old_date")))
        )

    def clean_completed_at(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data.get("completed_at")
        if value is None:
            return value
        if value > timezone.now():
            raise forms.ValidationError(_("The completion time cannot be in the future."))
        local = timezone.localtime(value).date()
        if self.date_of_birth is not None and local < self.date_of_birth:
            raise forms.ValidationError(
                _("The completion date is before the patient's date of birth (%(dob)s).")
                % {"dob": date_format(self.date_of_birth, "N j, Y")}
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        value = data.get("completed_at")
        window = dt.timedelta(days=STAFF_ENTRY_MAX_AGE_DAYS)
        if (
            value is not None
            and "completed_at" not in self.errors
            and value < timezone.now() - window
        ):
            self.needs_old_confirmation = True
            if not data.get("confirm_old_date"):
                self.add_error(
                    "completed_at",
                    _(
                        "This is more than %(days)s days ago (%(when)s). Check the year; if the "
                        "patient really completed it then, tick the confirmation below and say why."
                    )
                    % {
                        "days": STAFF_ENTRY_MAX_AGE_DAYS,
                        "when": date_format(timezone.localtime(value), "N j, Y"),
                    },
                )
            elif safety.reason_error(data.get("old_date_reason") or ""):
                self.add_error(
                    "old_date_reason",
                    _("Say in a few words why a questionnaire this old is entered now."),
                )
        return data


class RiskAssessmentForm(InstrumentForm):
    """The documented risk assessment that closes a safety alert: C-SSRS screener, level, plan.

    The safety plan is written step by step (``services.SAFETY_PLAN_STEPS``); each step must
    say something. A level below the screener's triage needs an override reason; the service
    decides that (``services.safety_alert_close``) and its errors land beside these fields.
    """

    risk_level = forms.ChoiceField(
        label=_("Assessed risk level"),
        choices=[("", "—"), *RiskAssessment.RiskLevel.choices],
        help_text=_(
            "Yes to intent (questions 4, 5) or behaviour in the past 3 months (question 6b) "
            "triages as imminent risk, at least “High” [57], on this screener or one already "
            "recorded for the alert; a lower level needs a reason below."
        ),
    )
    override_reason = forms.CharField(
        label=_("Reason for a level lower than the C-SSRS triage"),
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when you record a lower level than the triage: what you found."),
    )
    answers_changed_reason = forms.CharField(
        label=_("Reason for changing a Yes already recorded on the screener"),
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only when you change an answer the nurse or the patient recorded as Yes to No: "
            "what the patient told you."
        ),
    )
    warning_signs = forms.CharField(
        label=_("1. Warning signs"),
        max_length=4_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Thoughts, moods or situations that mean a crisis may be starting."),
    )
    coping_steps = forms.CharField(
        label=_("2. Coping steps the patient can take alone"),
        max_length=4_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    people_to_contact = forms.CharField(
        label=_("3. People and places for distraction; people to ask for help"),
        max_length=4_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Names and phone numbers."),
    )
    professional_contacts = forms.CharField(
        label=_("4. Professionals and crisis lines"),
        max_length=4_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    means_safety = forms.CharField(
        label=_("5. Making the environment safe (means safety)"),
        max_length=4_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was agreed about firearms, medicines and other means."),
    )
    notes = forms.CharField(
        label=_("Assessment notes"),
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    PLAN_FIELDS = (
        "warning_signs",
        "coping_steps",
        "people_to_contact",
        "professional_contacts",
        "means_safety",
    )

    #: The crisis lines every plan starts with (docs/clinical-reference.md, "Crisis resources").
    CRISIS_LINES = (
        "988 Suicide & Crisis Lifeline (call or text 988); Crisis Text Line (text HOME to "
        "741741); 911 for immediate danger"
    )

    def __init__(self, *args: Any, clinic_phone: str = "", **kwargs: Any) -> None:
        """``clinic_phone``: the clinic's main number as shown (``Organization.contact_phone``);
        the "Professionals and crisis lines" step starts with it, or without a clinic entry
        when there is none."""
        super().__init__(*args, **kwargs)
        self.fields["professional_contacts"].initial = (
            f"{self.CRISIS_LINES}; this clinic: {clinic_phone}"
            if clinic_phone.strip()
            else self.CRISIS_LINES
        )
        for name in self.PLAN_FIELDS:
            self.fields[name].error_messages["required"] = _(
                "Write this step of the safety plan with the patient."
            )
        self.fields["risk_level"].error_messages["required"] = _(
            "Choose the risk level you assessed."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        answers = self.answers()
        try:
            instruments.validate_answers(self.instrument, answers)
            triage: int | None = safety.screener_level(answers)
        except instruments.InvalidAnswers:
            triage = None
        errors = safety.assessment_errors(
            risk_level=data.get("risk_level") or "",
            plan_steps=self.plan_steps(),
            override_reason=data.get("override_reason") or "",
            triage=triage,
        )
        for name, message in errors.items():
            if name not in self.errors:
                self.add_error(name, message)
        return data

    def plan_steps(self) -> dict[str, str]:
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) or "" for name in self.PLAN_FIELDS}

    def plan_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.PLAN_FIELDS]


class DateOfBirthForm(forms.Form):
    """Month, day and year as separate boxes: easiest to type on a phone."""

    month = forms.IntegerField(min_value=1, max_value=12)
    day = forms.IntegerField(min_value=1, max_value=31)
    # Two-digit years are read in the past (61 is 1961), as everywhere a birth date is typed.
    year = forms.IntegerField(min_value=0, max_value=2100)

    def __init__(self, *args: Any, lang: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        words = text_for(lang)
        self.invalid_message = words["dob_invalid"]
        self.future_message = words["dob_future"]
        for name in ("month", "day", "year"):
            field = self.fields[name]
            field.label = words[name]
            field.error_messages = {
                key: words["dob_invalid"]
                for key in ("required", "invalid", "min_value", "max_value")
            }
            field.widget.attrs.update(
                {"inputmode": "numeric", "autocomplete": f"bday-{name}", "pattern": "[0-9]*"}
            )
            field.widget.input_type = "text"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                year, month, day = data["year"], data["month"], data["day"]
                if year < 100:
                    dob = date_from_two_digit_year(year, month, day)
                elif year < 1900:
                    raise ValueError(year)
                else:
                    dob = dt.date(year, month, day)
            except (TypeError, ValueError, KeyError):
                raise forms.ValidationError(self.invalid_message) from None
            if dob > timezone.localdate():
                raise forms.ValidationError(self.future_message)
            data["date_of_birth"] = dob
        return data


class ProfileForm(forms.ModelForm):
    class Meta:
        model = MeasurementProfile
        fields = ["responsible_clinician", "channel"]

    def __init__(self, *args: Any, clinicians: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_clinician"].queryset = clinicians  # type: ignore[attr-defined]
        self.fields["responsible_clinician"].required = True
        self.fields["responsible_clinician"].label = _("Responsible clinician (receives alerts)")
        self.fields["channel"].label = _("Send questionnaires by")


class SendForm(forms.Form):
    """Choose a questionnaire to send the patient now.

    Only instruments a patient can answer from their wording are offered
    (``selectors.send_refusal``); the others are listed beside the form with the reason. One
    not worded in the patient's preferred language needs ``confirm_language``.
    """

    instrument = forms.ChoiceField(label=_("Questionnaire"))
    confirm_language = forms.BooleanField(
        label=_("Send it anyway, in the language it has"),
        required=False,
    )

    def __init__(self, *args: Any, patient_language: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient_language = patient_language
        choices = []
        self.refused: list[tuple[instruments.Instrument, str]] = []
        self.other_language: list[instruments.Instrument] = []
        for instrument in selectors.sendable_instruments():
            refusal = selectors.send_refusal(instrument)
            if refusal:
                self.refused.append((instrument, refusal))
                continue
            languages = instrument.patient_languages()
            label = f"{instrument.display_name} ({selectors.language_names(languages)})"
            if patient_language not in languages:
                self.other_language.append(instrument)
                label += " — " + str(
                    _("not in the patient's language (%(lang)s)")
                    % {"lang": selectors.LANGUAGE_NAMES.get(patient_language, patient_language)}
                )
            choices.append((instrument.code, label))
        self.fields["instrument"].choices = choices  # type: ignore[attr-defined]
        self.fields["instrument"].error_messages["invalid_choice"] = _(
            "Choose one of the questionnaires listed; the others cannot be sent to patients."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = data.get("instrument")
        if code and not data.get("confirm_language"):
            instrument = instruments.get(code)
            if self.patient_language not in instrument.patient_languages():
                self.add_error(
                    "instrument", selectors.language_warning(instrument, self.patient_language)
                )
                self.needs_confirmation = True
        return data

"""Forms of consent: a document version's draft, the clinic's settings, a signature."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from infusionist.consent.models import ConsentDocumentVersion, ConsentKind, ConsentSignature


class DraftForm(forms.ModelForm):
    """A draft version's titles, texts (English and Spanish) and effective date."""

    class Meta:
        model = ConsentDocumentVersion
        fields = ["title_en", "body_en", "title_es", "body_es", "effective_on"]
        widgets = {
            "body_en": forms.Textarea(attrs={"rows": 18}),
            "body_es": forms.Textarea(attrs={"rows": 18}),
            "effective_on": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "body_en": "Plain text: a blank line between paragraphs; start a line with "
            "“- ” for a list; a short line without a full stop above a paragraph is a heading.",
        }


class SettingsForm(forms.Form):
    """Which documents the clinic requires before treatment."""

    required_kinds = forms.MultipleChoiceField(
        label="Required before any treatment",
        choices=[(k, ConsentKind(k).label) for k in ConsentKind.values if k != "telehealth"],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The ketamine treatment consent is always required.",
    )
    telehealth_required_for_telehealth = forms.BooleanField(
        label="Also require the telehealth consent when a telehealth consultation is used",
        required=False,
    )

    def clean_required_kinds(self) -> list[str]:
        kinds = self.cleaned_data["required_kinds"]
        if ConsentKind.KETAMINE_TREATMENT not in kinds:
            raise forms.ValidationError("The ketamine treatment consent is always required.")
        return kinds


class SignForm(forms.Form):
    """The patient's typed name and agreement."""

    typed_name = forms.CharField(
        label=_("Type your full legal name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "autocapitalize": "words"}),
    )
    agreed = forms.BooleanField(label=_("I have read and agree"), required=False)


class WitnessForm(SignForm):
    """A consent signed in front of a staff member, on a clinic tablet or on paper."""

    typed_name = forms.CharField(
        label="The patient's full legal name, as they signed it", max_length=200, required=False
    )
    agreed = forms.BooleanField(
        label="The patient read the document (or had it read to them) and agreed",
        required=False,
    )

    method = forms.ChoiceField(
        label="How the patient signed",
        choices=[
            (ConsentSignature.Method.TABLET, "On a clinic tablet, with me present"),
            (ConsentSignature.Method.PAPER, "On paper, with me present (paper kept on file)"),
        ],
        widget=forms.RadioSelect,
        initial=ConsentSignature.Method.TABLET,
    )
    language = forms.ChoiceField(
        label="Language of the text the patient read",
        choices=[("en", "English"), ("es", "Spanish")],
        initial="en",
    )

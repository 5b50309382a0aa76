"""The clinic's measurement settings page (docs/decisions/0010).

The settings are the measurements app's (its model, its rule of which fields are clinical,
its audited write); a clinic admin's clinical change becomes a proposal of the treatment
app's, signed by a physician where dosing proposals are signed. The page gathers both, so it
lives here, above them.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from infusionist.accounts.access import (
    context_of,
    organization_of,
    require_capability,
    user_of,
)
from infusionist.accounts.roles import can
from infusionist.administration.forms import MeasurementSettingsForm
from infusionist.measurements.selectors import measurement_settings_for
from infusionist.treatment import selectors as treatment_selectors
from infusionist.treatment import services as treatment_services
from infusionist.treatment.models import ClinicalChangeProposal
from infusionist.treatment.views import form_errors, proposed_message

TARGET = ClinicalChangeProposal.Target.MEASUREMENT_SETTINGS


@require_capability("measurements.settings")
def measurement_settings(request: HttpRequest) -> HttpResponse:
    """Show and edit the measurement settings: clinical ones only with a physician's signature.

    A physician's save applies at once; a clinic admin's changes to clinical fields become
    one proposal (with the reason given) and the other fields apply at once.
    """
    user = user_of(request)
    organization = organization_of(request)
    needs_signature = not can(user, treatment_services.SIGN_CAPABILITY)
    proposals = [
        p
        for p in treatment_selectors.pending_change_proposals(organization=organization)
        if p.target == TARGET
    ]
    form = MeasurementSettingsForm(
        request.POST or None,
        instance=measurement_settings_for(organization=organization),
        needs_signature=needs_signature,
        pending=proposals,
    )
    if request.method == "POST" and form.is_valid():
        try:
            edit = treatment_services.clinical_limits_edit(
                target=TARGET,
                organization=organization,
                actor=user,
                data=form.settings_data(),
                reason=form.cleaned_data["change_reason"],
                context=context_of(request),
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            proposed_message(request, edit.proposal)
            if edit.changed:
                messages.success(request, _("Measurement settings saved."))
            elif edit.proposal is None:
                messages.info(request, _("Nothing was changed."))
            return redirect("administration:measurement_settings")
    return render(
        request,
        "administration/measurement_settings.html",
        {
            "form": form,
            "groups": form.groups(),
            "needs_signature": needs_signature,
            "proposals": proposals,
        },
    )

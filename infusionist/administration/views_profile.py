"""The clinic profile page: name, main phone, logo, crisis wording and message texts.

The clinic admin edits it (docs/decisions/0011); patient pages, the header and the
questionnaire messages read it. Three URLs, one action each: the page (and saving its
texts), uploading a logo, removing the logo.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from infusionist.accounts.access import context_of, organization_of, require_capability, user_of
from infusionist.administration import services
from infusionist.administration.forms import ClinicProfileForm, LogoForm
from infusionist.clinics import selectors as clinic_selectors
from infusionist.clinics.models import Organization
from infusionist.clinics.profile import (
    CRISIS_TEXT_MAX_CHARS,
    CRISIS_TEXT_MAX_LINES,
    MESSAGE_TEXT_MAX_CHARS,
)
from infusionist.measurements.patient_messages import link_message
from infusionist.postonly import post_only

#: The link shown in the message preview: the shape of a real one, going nowhere.
PREVIEW_URL_PATH = "/q/example-link/"


def _page(
    request: HttpRequest,
    *,
    profile_form: ClinicProfileForm | None = None,
    logo_form: LogoForm | None = None,
    status: int = 200,
) -> HttpResponse:
    organization = organization_of(request)
    # A copy: the form may hold refused input while the header shows the saved profile.
    saved = Organization.objects.get(pk=organization.pk)
    url = settings.SITE_URL.rstrip("/") + PREVIEW_URL_PATH
    return render(
        request,
        "administration/clinic_profile.html",
        {
            "form": profile_form or ClinicProfileForm(instance=saved),
            "logo_form": logo_form or LogoForm(),
            "logo": clinic_selectors.logo_facts(organization=organization),
            "brand_en": clinic_selectors.clinic_brand(organization=saved, language="en"),
            "previews": [
                (_("English"), link_message(organization=saved, language="en", url=url)),
                (_("Spanish"), link_message(organization=saved, language="es", url=url)),
            ],
            "limits": {
                "crisis_chars": CRISIS_TEXT_MAX_CHARS,
                "crisis_lines": CRISIS_TEXT_MAX_LINES,
                "message_chars": MESSAGE_TEXT_MAX_CHARS,
            },
        },
        status=status,
    )


@require_capability("clinic.manage")
def clinic_profile(request: HttpRequest) -> HttpResponse:
    """Show the clinic profile; a POST saves its name, phone and texts."""
    if request.method != "POST":
        return _page(request)
    organization = organization_of(request)
    form = ClinicProfileForm(request.POST, instance=Organization.objects.get(pk=organization.pk))
    if form.is_valid():
        try:
            changed = services.clinic_profile_update(
                organization=organization,
                actor=user_of(request),
                data=form.profile_data(),
                context=context_of(request),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, _("Clinic profile saved.") if changed else _("Nothing was changed.")
            )
            return redirect("administration:clinic_profile")
    return _page(request, profile_form=form, status=422)


@post_only
@require_capability("clinic.manage")
def clinic_logo_upload(request: HttpRequest) -> HttpResponse:
    """Make the uploaded image the clinic's logo, or say what is wrong with the file."""
    form = LogoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.clinic_logo_set(
                organization=organization_of(request),
                actor=user_of(request),
                data=form.cleaned_data["logo"].read(),
                context=context_of(request),
            )
        except ValidationError as exc:
            form.add_error("logo", exc)
        else:
            messages.success(request, _("Logo saved. It now shows at the top of every page."))
            return redirect("administration:clinic_profile")
    return _page(request, logo_form=form, status=422)


@post_only
@require_capability("clinic.manage")
def clinic_logo_remove(request: HttpRequest) -> HttpResponse:
    """Remove the clinic's logo; pages then show the clinic's name alone."""
    removed = services.clinic_logo_remove(
        organization=organization_of(request),
        actor=user_of(request),
        context=context_of(request),
    )
    messages.success(request, _("Logo removed.") if removed else _("There was no logo to remove."))
    return redirect("administration:clinic_profile")

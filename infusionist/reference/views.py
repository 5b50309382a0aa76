"""The clinical reference page: every source key on screen links here (``#source-22``).

It shows the clinic's own thresholds with their sources (dose-calculator and measurement
settings, instrument parameters), the clinical facts (``lib.clinical_reference``) and every
source (``lib.sources``). It holds no patient data, so viewing it is not audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from infusionist.accounts.access import organization_of, require_capability, user_of
from infusionist.accounts.roles import can
from infusionist.lib import instruments, sources
from infusionist.lib.clinical_reference import SAFETY_CRITICAL, SECTIONS, UNSOURCED_FACTS
from infusionist.measurements.selectors import measurement_settings_for
from infusionist.treatment.models import DosingSettings
from infusionist.treatment.selectors import dosing_settings_for


@dataclass(frozen=True)
class SettingRow:
    """One clinic setting as shown: its label, this clinic's value and where it comes from."""

    label: str
    value: object
    basis: str


def _dosing_rows(dosing_settings: DosingSettings) -> list[SettingRow]:
    rows = []
    for name, keys in DosingSettings.SOURCE_KEYS.items():
        field = dosing_settings._meta.get_field(name)
        value = getattr(dosing_settings, name)
        if isinstance(field, models.Field) and field.choices:
            value = getattr(dosing_settings, f"get_{name}_display")()
        rows.append(SettingRow(str(getattr(field, "verbose_name", name)), _shown(value), keys))
    return rows


def _shown(value: object) -> object:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


def _measurement_rows(measurement_settings: models.Model) -> list[SettingRow]:
    rows = []
    for field in measurement_settings._meta.concrete_fields:
        # Long licensed wording and bookkeeping fields are not thresholds.
        if not field.editable or not field.help_text or isinstance(field, models.TextField):
            continue
        value = getattr(measurement_settings, field.attname)
        rows.append(SettingRow(str(field.verbose_name), _shown(value), str(field.help_text)))
    return rows


@require_capability("reference.view")
def index(request: HttpRequest) -> HttpResponse:
    organization = organization_of(request)
    return render(
        request,
        "reference/index.html",
        {
            "dosing_rows": _dosing_rows(dosing_settings_for(organization=organization)),
            "measurement_rows": _measurement_rows(
                measurement_settings_for(organization=organization)
            ),
            "instruments": instruments.all_instruments(),
            "sections": SECTIONS,
            "safety_critical": SAFETY_CRITICAL,
            "unsourced": UNSOURCED_FACTS,
            "sources": sources.SOURCES.values(),
            "can_edit_dosing": can(user_of(request), "protocols.edit"),
            "can_edit_measurements": can(user_of(request), "measurements.settings"),
        },
    )

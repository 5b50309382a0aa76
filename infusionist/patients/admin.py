from django.contrib import admin
from django.db import models

from infusionist.patients.forms import DateOfBirthField
from infusionist.patients.models import Patient


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["mrn", "legal_last_name", "legal_first_name", "date_of_birth", "organization"]
    list_filter = ["organization"]
    search_fields = ["mrn", "last_name_key", "first_name_key"]
    readonly_fields = ["mrn", "organization", "created_at", "updated_at", "created_by"]
    list_select_related = ["organization"]
    # The one date-of-birth parser: a two-digit year is never read as a future year.
    formfield_overrides = {models.DateField: {"form_class": DateOfBirthField}}

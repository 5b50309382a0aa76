from django.contrib import admin

from infusionist.clinics.models import BusinessHours, Location, Organization


class BusinessHoursInline(admin.TabularInline):
    model = BusinessHours
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "mrn_prefix"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "city", "time_zone", "is_primary"]
    inlines = [BusinessHoursInline]

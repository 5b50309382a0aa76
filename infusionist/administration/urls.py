from django.urls import path

from infusionist.administration import (
    views,
    views_chart,
    views_profile,
    views_scheduling,
    views_settings,
    views_staff,
)

app_name = "administration"
urlpatterns = [
    # The clinic profile (docs/decisions/0011): name, phone, logo, crisis wording, messages.
    path("profile/", views_profile.clinic_profile, name="clinic_profile"),
    path("profile/logo/", views_profile.clinic_logo_upload, name="clinic_logo_upload"),
    path("profile/logo/remove/", views_profile.clinic_logo_remove, name="clinic_logo_remove"),
    path("locations/", views.location_list, name="locations"),
    path("locations/new/", views.location_create, name="location_create"),
    path("locations/<int:location_id>/", views.location_detail, name="location_detail"),
    path("locations/<int:location_id>/edit/", views.location_edit, name="location_edit"),
    path("locations/<int:location_id>/hours/", views.location_hours, name="location_hours"),
    path(
        "locations/<int:location_id>/staffing/",
        views.location_staffing,
        name="location_staffing",
    ),
    path("locations/<int:location_id>/closures/add/", views.closure_add, name="closure_add"),
    path("closures/<int:closure_id>/remove/", views.closure_remove, name="closure_remove"),
    path("locations/<int:location_id>/rooms/add/", views.room_add, name="room_add"),
    path("rooms/<int:room_id>/edit/", views.room_edit, name="room_edit"),
    path("rooms/<int:room_id>/chairs/add/", views.chair_add, name="chair_add"),
    path("chairs/<int:chair_id>/edit/", views.chair_edit, name="chair_edit"),
    # Staff and roles (docs/decisions/0008)
    path("staff/", views_staff.staff_list, name="staff"),
    path("staff/invite/", views_staff.staff_invite, name="staff_invite"),
    path("staff/sign-ins/", views_staff.sign_ins, name="sign_ins"),
    path("staff/<int:user_id>/", views_staff.staff_detail, name="staff_detail"),
    path("staff/<int:user_id>/edit/", views_staff.staff_edit, name="staff_edit"),
    path("staff/<int:user_id>/deactivate/", views_staff.staff_deactivate, name="staff_deactivate"),
    path("staff/<int:user_id>/reactivate/", views_staff.staff_reactivate, name="staff_reactivate"),
    path(
        "staff/<int:user_id>/authenticator/reset/",
        views_staff.authenticator_reset,
        name="authenticator_reset",
    ),
    path(
        "staff/invitations/<int:invitation_id>/resend/",
        views_staff.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "staff/invitations/<int:invitation_id>/revoke/",
        views_staff.invitation_revoke,
        name="invitation_revoke",
    ),
    # Not under /clinic/a…: the navigation marks the current item by its first characters.
    path("tokens/", views_staff.api_tokens, name="api_tokens"),
    path("tokens/new/", views_staff.api_token_create, name="api_token_create"),
    path("tokens/<int:token_id>/revoke/", views_staff.api_token_revoke, name="api_token_revoke"),
    # Measurement settings (docs/decisions/0010): clinical ones only with a physician's signature.
    path(
        "measurement-settings/",
        views_settings.measurement_settings,
        name="measurement_settings",
    ),
    # Chart settings (issue 12): chairside thresholds signed by a physician; REMS form rules.
    path("chart-settings/", views_chart.chart_settings, name="chart_settings"),
    path("chart-settings/rems-forms/new/", views_chart.rems_rule_create, name="rems_rule_create"),
    path(
        "chart-settings/rems-forms/<int:rems_rule_id>/edit/",
        views_chart.rems_rule_edit,
        name="rems_rule_edit",
    ),
    path(
        "chart-settings/rems-forms/<int:rems_rule_id>/retire/",
        views_chart.rems_rule_retire,
        name="rems_rule_retire",
    ),
    path(
        "chart-settings/rems-forms/<int:rems_rule_id>/reinstate/",
        views_chart.rems_rule_reinstate,
        name="rems_rule_reinstate",
    ),
    # Scheduling set-up (issue 11): booking rules, appointment types, shifts and time off.
    path("scheduling/", views_scheduling.scheduling_settings, name="scheduling_settings"),
    path("scheduling/types/", views_scheduling.appointment_types, name="appointment_types"),
    path(
        "scheduling/types/new/",
        views_scheduling.appointment_type_create,
        name="appointment_type_create",
    ),
    path(
        "scheduling/types/<int:appointment_type_id>/edit/",
        views_scheduling.appointment_type_edit,
        name="appointment_type_edit",
    ),
    path(
        "scheduling/types/<int:appointment_type_id>/deactivate/",
        views_scheduling.appointment_type_deactivate,
        name="appointment_type_deactivate",
    ),
    path(
        "scheduling/types/<int:appointment_type_id>/reactivate/",
        views_scheduling.appointment_type_reactivate,
        name="appointment_type_reactivate",
    ),
    path("scheduling/staff/", views_scheduling.staff_schedules, name="staff_schedules"),
    path(
        "scheduling/staff/<int:user_id>/",
        views_scheduling.staff_schedule,
        name="staff_schedule",
    ),
    path(
        "scheduling/staff/<int:user_id>/shifts/add/",
        views_scheduling.shift_add,
        name="shift_add",
    ),
    path(
        "scheduling/staff/<int:user_id>/time-off/add/",
        views_scheduling.time_off_add,
        name="time_off_add",
    ),
    path("scheduling/shifts/<int:shift_id>/edit/", views_scheduling.shift_edit, name="shift_edit"),
    path(
        "scheduling/shifts/<int:shift_id>/remove/",
        views_scheduling.shift_remove,
        name="shift_remove",
    ),
    path(
        "scheduling/time-off/<int:time_off_id>/remove/",
        views_scheduling.time_off_remove,
        name="time_off_remove",
    ),
    path("scheduling/mine/", views_scheduling.my_schedule, name="my_schedule"),
    path("audit/", views.audit_report, name="audit_report"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
]

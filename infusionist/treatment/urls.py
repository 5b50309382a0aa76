from django.urls import path

from infusionist.treatment import views

app_name = "treatment"
urlpatterns = [
    path("calculator/", views.calculator, name="calculator"),
    path("protocols/", views.protocol_list, name="protocol_list"),
    path("protocols/add-defaults/", views.protocols_add_defaults, name="protocols_add_defaults"),
    path("protocols/<int:protocol_id>/edit/", views.protocol_edit, name="protocol_edit"),
    path("dosing-settings/", views.dosing_settings_edit, name="dosing_settings_edit"),
    path("change-proposals/<int:proposal_id>/", views.change_proposal, name="change_proposal"),
    path(
        "change-proposals/<int:proposal_id>/approve/",
        views.change_proposal_approve,
        name="change_proposal_approve",
    ),
    path(
        "change-proposals/<int:proposal_id>/reject/",
        views.change_proposal_reject,
        name="change_proposal_reject",
    ),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:patient_id>/", views.plan_detail, name="plan_detail"),
    path(
        "plans/<int:patient_id>/versions/<int:number>/",
        views.plan_version_detail,
        name="plan_version_detail",
    ),
    path("plans/<int:patient_id>/draft/", views.plan_draft, name="plan_draft"),
    path(
        "plans/<int:patient_id>/draft/protocol/<int:protocol_id>/",
        views.plan_draft_from_protocol,
        name="plan_draft_from_protocol",
    ),
    path(
        "plans/<int:patient_id>/draft/discard/", views.plan_draft_discard, name="plan_draft_discard"
    ),
    path("plans/<int:patient_id>/sign/", views.plan_sign, name="plan_sign"),
]

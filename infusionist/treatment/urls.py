from django.urls import path

from infusionist.treatment import views

app_name = "treatment"
# Mounted at the site root so each area has its own first path segment (navigation).
# Object ids that are not patients travel as query parameters (protocol=, version=),
# so every page is reachable by the permission-matrix test with a patient id alone.
urlpatterns = [
    path("dose-calculator/", views.calculator, name="calculator"),
    path("protocols/", views.protocol_list, name="protocol_list"),
    path("protocols/edit/", views.protocol_edit, name="protocol_edit"),
    path("protocols/dosing-settings/", views.settings_edit, name="settings_edit"),
    path("treatment-plans/", views.plan_list, name="plan_list"),
    path("treatment-plans/<int:patient_id>/", views.plan_detail, name="plan_detail"),
    path("treatment-plans/<int:patient_id>/draft/", views.plan_draft, name="plan_draft"),
    path("treatment-plans/<int:patient_id>/sign/", views.plan_sign, name="plan_sign"),
]

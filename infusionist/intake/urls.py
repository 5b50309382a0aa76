"""Staff pages of the intake packet (/intake/); the patient's are in the portal."""

from django.urls import path

from infusionist.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.intake_list, name="list"),
    path("patients/<int:patient_id>/", views.intake_detail, name="detail"),
    path(
        "patients/<int:patient_id>/sections/<slug:section>/",
        views.intake_section,
        name="section",
    ),
    path(
        "patients/<int:patient_id>/sections/<slug:section>/save/",
        views.intake_section_save,
        name="section_save",
    ),
    path(
        "patients/<int:patient_id>/questionnaires/ask/",
        views.intake_baseline_start,
        name="baseline_start",
    ),
    path("patients/<int:patient_id>/submit/", views.intake_submit, name="submit"),
]

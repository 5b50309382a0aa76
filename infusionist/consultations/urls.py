from django.urls import path

from infusionist.consultations import views

app_name = "consultations"
urlpatterns = [
    path("patients/<int:patient_id>/", views.patient_consultations, name="patient"),
    path("patients/<int:patient_id>/schedule/", views.schedule, name="schedule"),
    path(
        "patients/<int:patient_id>/visits/<int:consultation_id>/held/",
        views.record_held,
        name="record_held",
    ),
    path(
        "patients/<int:patient_id>/visits/<int:consultation_id>/missed/",
        views.mark_missed,
        name="mark_missed",
    ),
    path(
        "patients/<int:patient_id>/visits/<int:consultation_id>/cancel/",
        views.cancel,
        name="cancel",
    ),
    path("patients/<int:patient_id>/review/", views.review, name="review"),
    path("patients/<int:patient_id>/review/sign/", views.decision_sign, name="decision_sign"),
    path("patients/<int:patient_id>/decisions/", views.decisions, name="decisions"),
    path("limits/", views.limits, name="limits"),
]

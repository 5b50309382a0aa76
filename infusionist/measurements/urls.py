from django.urls import path

from infusionist.measurements import views

app_name = "measurements"
urlpatterns = [
    path("alerts/", views.alert_list, name="alerts"),
    path("overdue/", views.overdue_list, name="overdue"),
    path("patients/<int:patient_id>/", views.patient_measurements, name="patient"),
    path("patients/<int:patient_id>/profile/", views.profile_update, name="profile_update"),
    path("patients/<int:patient_id>/send/", views.questionnaire_send, name="send"),
    path(
        "patients/<int:patient_id>/responses/<int:response_id>/baseline/",
        views.baseline_choose,
        name="baseline_choose",
    ),
    path(
        "patients/<int:patient_id>/enter/<slug:instrument_code>/",
        views.enter_response,
        name="enter",
    ),
    path(
        "patients/<int:patient_id>/enter/<slug:instrument_code>/save/",
        views.enter_response_save,
        name="enter_save",
    ),
    path("patients/<int:patient_id>/safety/", views.patient_safety, name="safety"),
    path(
        "patients/<int:patient_id>/safety/<int:alert_id>/acknowledge/",
        views.alert_acknowledge,
        name="alert_acknowledge",
    ),
    path(
        "patients/<int:patient_id>/safety/<int:alert_id>/close/",
        views.alert_close,
        name="alert_close",
    ),
]

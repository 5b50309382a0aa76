"""The patient's confirm and cancel links of an appointment reminder (no login)."""

from django.urls import path

from infusionist.scheduling import views_reminders

app_name = "appointment_link"
urlpatterns = [
    path("<str:token>/confirm/", views_reminders.appointment_confirm, name="confirm"),
    path("<str:token>/cancel/", views_reminders.appointment_cancel, name="cancel"),
]

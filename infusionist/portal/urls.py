"""The patient's own pages (/portal/): home, and each open questionnaire by its id."""

from django.urls import include, path

from infusionist.consent.urls import portal_urlpatterns as consent_urlpatterns
from infusionist.portal import booking_views, intake_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("questionnaires/<int:assignment_id>/", views.answer, name="answer"),
    path("questionnaires/<int:assignment_id>/send/", views.answer_send, name="answer_send"),
    path("questionnaires/<int:assignment_id>/save/", views.answer_save, name="answer_save"),
    path("questionnaires/<int:assignment_id>/done/", views.done, name="done"),
    path("consent/", include(consent_urlpatterns)),
    # Appointments (booking_views.py): upcoming, cancel, book a follow-up or a booster.
    path("appointments/", booking_views.appointments, name="appointments"),
    path(
        "appointments/<int:appointment_id>/cancel/",
        booking_views.appointment_cancel_view,
        name="appointment_cancel",
    ),
    path("appointments/book/<int:type_id>/", booking_views.book, name="book"),
    path("appointments/book/<int:type_id>/book/", booking_views.book_save, name="book_save"),
    # The intake packet (intake_views.py): review and submit, one page per section.
    path("intake/", intake_views.intake, name="intake"),
    path("intake/submit/", intake_views.intake_submit, name="intake_submit"),
    path(
        "intake/questionnaires/start/",
        intake_views.intake_baseline_start,
        name="intake_baseline_start",
    ),
    path("intake/sections/<slug:section>/", intake_views.intake_section, name="intake_section"),
    path(
        "intake/sections/<slug:section>/save/",
        intake_views.intake_section_save,
        name="intake_save",
    ),
]

"""The patient's own pages (/portal/): home, and each open questionnaire by its id."""

from django.urls import include, path

from infusionist.consent.urls import portal_urlpatterns as consent_urlpatterns
from infusionist.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("questionnaires/<int:assignment_id>/", views.answer, name="answer"),
    path("questionnaires/<int:assignment_id>/send/", views.answer_send, name="answer_send"),
    path("questionnaires/<int:assignment_id>/save/", views.answer_save, name="answer_save"),
    path("questionnaires/<int:assignment_id>/done/", views.done, name="done"),
    path("consent/", include(consent_urlpatterns)),
]

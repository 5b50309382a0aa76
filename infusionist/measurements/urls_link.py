"""The patient's link pages, at short neutral addresses (/q/...) that name no condition."""

from django.urls import path

from infusionist.measurements import views_link

app_name = "questionnaire"
urlpatterns = [
    path("answer/", views_link.link_answer, name="answer"),
    path("answer/save/", views_link.link_answer_save, name="answer_save"),
    path("done/", views_link.link_done, name="done"),
    path("<str:token>/", views_link.link_start, name="start"),
]

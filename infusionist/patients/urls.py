from django.urls import path

from infusionist.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<int:patient_id>/edit/", views.patient_edit, name="edit"),
]

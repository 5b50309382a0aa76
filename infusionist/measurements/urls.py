from django.urls import path

from infusionist.measurements import views

app_name = "measurements"
urlpatterns = [
    path("alerts/", views.alert_list, name="alerts"),
    path("overdue/", views.overdue_list, name="overdue"),
    path("patient/<int:patient_id>/", views.patient_measurements, name="patient"),
    path("patient/<int:patient_id>/enter/", views.enter_response, name="enter"),
    path("patient/<int:patient_id>/safety/", views.patient_safety, name="safety"),
]

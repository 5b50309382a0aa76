from django.urls import path

from infusionist.record import views

app_name = "record"
urlpatterns = [path("<int:patient_id>/", views.patient_record, name="patient")]

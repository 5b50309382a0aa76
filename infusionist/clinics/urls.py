from django.urls import path

from infusionist.clinics import views

app_name = "clinics"
urlpatterns = [path("locations/", views.location_list, name="locations")]

from django.urls import re_path

from infusionist.clinics import views

app_name = "clinics"
urlpatterns = [
    re_path(r"^(?P<sha256>[0-9a-f]{64})/$", views.logo, name="logo"),
]

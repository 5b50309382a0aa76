from django.urls import path

from infusionist.administration import views

app_name = "administration"
urlpatterns = [
    path("locations/", views.location_list, name="locations"),
    path("audit/", views.audit_report, name="audit_report"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
]

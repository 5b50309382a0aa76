from django.urls import path

from infusionist.administration import views

app_name = "administration"
urlpatterns = [
    path("locations/", views.location_list, name="locations"),
    path("locations/new/", views.location_create, name="location_create"),
    path("locations/<int:location_id>/", views.location_detail, name="location_detail"),
    path("locations/<int:location_id>/edit/", views.location_edit, name="location_edit"),
    path("locations/<int:location_id>/hours/", views.location_hours, name="location_hours"),
    path(
        "locations/<int:location_id>/staffing/",
        views.location_staffing,
        name="location_staffing",
    ),
    path("locations/<int:location_id>/closures/add/", views.closure_add, name="closure_add"),
    path("closures/<int:closure_id>/remove/", views.closure_remove, name="closure_remove"),
    path("locations/<int:location_id>/rooms/add/", views.room_add, name="room_add"),
    path("rooms/<int:room_id>/edit/", views.room_edit, name="room_edit"),
    path("rooms/<int:room_id>/chairs/add/", views.chair_add, name="chair_add"),
    path("chairs/<int:chair_id>/edit/", views.chair_edit, name="chair_edit"),
    path("audit/", views.audit_report, name="audit_report"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
]

from django.urls import path

from infusionist.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("appointments/<int:appointment_id>/", views.appointment_detail, name="appointment"),
    path(
        "appointments/<int:appointment_id>/move/",
        views.appointment_move,
        name="appointment_move",
    ),
    path(
        "appointments/<int:appointment_id>/cancel/",
        views.appointment_cancel,
        name="appointment_cancel",
    ),
    path(
        "appointments/<int:appointment_id>/mark/",
        views.appointment_mark,
        name="appointment_mark",
    ),
    path("book/", views.book_pick, name="book_pick"),
    path("book/<int:patient_id>/", views.book, name="book"),
    path("book/<int:patient_id>/save/", views.book_save, name="book_save"),
    path("series/<int:patient_id>/", views.series, name="series"),
    path("series/<int:patient_id>/book/", views.series_book, name="series_book"),
]

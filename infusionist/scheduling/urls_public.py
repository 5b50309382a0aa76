"""The website's booking pages, with no sign-in: /book/<clinic slug>/consultation/..."""

from django.urls import path

from infusionist.scheduling import views_public

app_name = "booking"
urlpatterns = [
    path("<slug:org_slug>/consultation/", views_public.consultation, name="consultation"),
    path(
        "<slug:org_slug>/consultation/book/",
        views_public.consultation_book,
        name="consultation_book",
    ),
    path(
        "<slug:org_slug>/consultation/booked/",
        views_public.consultation_booked,
        name="consultation_booked",
    ),
]

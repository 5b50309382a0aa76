"""The waitlist's staff pages (/waitlist/) and the patient's offer links (/waitlist/offer/)."""

from django.urls import path

from infusionist.scheduling import views_waitlist

app_name = "waitlist"
urlpatterns = [
    path("", views_waitlist.entries, name="entries"),
    path("patients/<int:patient_id>/add/", views_waitlist.entry_add, name="entry_add"),
    path("<int:waitlist_entry_id>/remove/", views_waitlist.entry_remove, name="entry_remove"),
]

offer_urlpatterns = (
    [
        path("<str:token>/", views_waitlist.offer, name="offer"),
        path("<str:token>/accept/", views_waitlist.offer_accept, name="offer_accept"),
        path("<str:token>/decline/", views_waitlist.offer_decline, name="offer_decline"),
    ],
    "waitlist_offer",
)

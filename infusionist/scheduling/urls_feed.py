"""A staff member's secret calendar feed (no login: the secret in the address is the key)."""

from django.urls import path

from infusionist.scheduling import views_feed

app_name = "calendar_feed"
urlpatterns = [
    path("<str:token>.ics", views_feed.calendar_feed_ics, name="ics"),
]

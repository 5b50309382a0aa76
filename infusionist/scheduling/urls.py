"""Staff pages of scheduling, under /schedule/."""

from django.urls import path

from infusionist.scheduling import views_feed

app_name = "scheduling"
urlpatterns = [
    path("feed/", views_feed.calendar_feed, name="feed"),
    path("feed/new/", views_feed.calendar_feed_rotate, name="feed_rotate"),
    path("feed/remove/", views_feed.calendar_feed_remove, name="feed_remove"),
]

from django.urls import path

from infusionist.demo import views

app_name = "demo"
urlpatterns = [path("outbox/", views.outbox, name="outbox")]

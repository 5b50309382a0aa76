from django.urls import path

from infusionist.today import views

app_name = "today"
urlpatterns = [path("", views.today, name="index")]

from django.urls import path

from infusionist.accounts import views

app_name = "account_setup"
urlpatterns = [path("verify-email/", views.verify_email, name="verify_email")]

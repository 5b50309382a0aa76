from django.urls import path

from infusionist.accounts import views

app_name = "account_setup"
urlpatterns = [
    path("verify-email/", views.verify_email, name="verify_email"),
    path("join/", views.invitation_accept, name="invitation_accept"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]

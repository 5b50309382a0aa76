from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path

from infusionist.accounts.home import home_url_for
from infusionist.api.api import api
from infusionist.scheduling.urls_waitlist import offer_urlpatterns as waitlist_offer_urls


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def root(request: HttpRequest) -> HttpResponse:
    """Send each person to their role's home page (staff: Today; a patient: their own page)."""
    return redirect(home_url_for(request.user))


urlpatterns = [
    path("", root, name="root"),
    path("health/", health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("account-setup/", include("infusionist.accounts.urls")),
    path("today/", include("infusionist.today.urls")),
    path("schedule/", include("infusionist.scheduling.urls")),
    path("chart/", include("infusionist.infusions.urls")),
    path("patients/", include("infusionist.patients.urls")),
    path("record/", include("infusionist.record.urls")),
    path("clinic/", include("infusionist.administration.urls")),
    path("logos/", include("infusionist.clinics.urls")),
    path("measurements/", include("infusionist.measurements.urls")),
    path("q/", include("infusionist.measurements.urls_link")),
    path("portal/", include("infusionist.portal.urls")),
    path("treatment/", include("infusionist.treatment.urls")),
    path("consent/", include("infusionist.consent.urls")),
    path("consultations/", include("infusionist.consultations.urls")),
    path("reference/", include("infusionist.reference.urls")),
    path("demo/", include("infusionist.demo.urls")),
    path("intake/", include("infusionist.intake.urls")),
    path("appointments/", include("infusionist.scheduling.urls_link")),
    path("calendar/", include("infusionist.scheduling.urls_feed")),
    path("book/", include("infusionist.scheduling.urls_public")),
    path("waitlist/offer/", include(waitlist_offer_urls)),
    path("waitlist/", include("infusionist.scheduling.urls_waitlist")),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
]

handler400 = "infusionist.errors.bad_request"
handler403 = "infusionist.errors.permission_denied"
handler404 = "infusionist.errors.page_not_found"
handler500 = "infusionist.errors.server_error"
# allauth answers too many sign-in, reset or e-mail requests with this (not Django).
handler429 = "infusionist.errors.too_many_requests"

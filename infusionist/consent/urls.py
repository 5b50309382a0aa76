"""Staff pages of consent (/consent/): documents, settings, a patient's consents, copies."""

from django.urls import path

from infusionist.consent import views

app_name = "consent"
urlpatterns = [
    path("", views.documents, name="documents"),
    path("defaults/", views.defaults_add, name="defaults_add"),
    path("settings/", views.settings_edit, name="settings_edit"),
    path("documents/<int:version_id>/", views.document_detail, name="document_detail"),
    path("documents/<int:version_id>/new-version/", views.draft_create, name="draft_create"),
    path("drafts/<int:draft_id>/", views.draft_edit, name="draft_edit"),
    path("drafts/<int:draft_id>/publish/", views.publish, name="publish"),
    path("patients/<int:patient_id>/", views.patient_consents, name="patient"),
    path(
        "patients/<int:patient_id>/documents/<int:version_id>/witness/",
        views.witness,
        name="witness",
    ),
    path("signatures/<int:signature_id>/", views.signature_detail, name="signature"),
    path("signatures/<int:signature_id>/pdf/", views.signature_pdf, name="signature_pdf"),
]

#: The signed-in patient's consent pages, mounted under /portal/consent/ by portal/urls.py.
portal_urlpatterns = [
    path("", views.portal_list, name="consent_list"),
    path("<int:version_id>/", views.portal_document, name="consent_document"),
    path("<int:version_id>/sign/", views.portal_sign, name="consent_sign"),
    path("signatures/<int:signature_id>/", views.portal_signature, name="consent_signature"),
    path(
        "signatures/<int:signature_id>/pdf/",
        views.portal_signature_pdf,
        name="consent_signature_pdf",
    ),
]

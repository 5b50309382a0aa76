from django.urls import path

from infusionist.infusions import views_rems, views_summary

app_name = "infusions"
urlpatterns = [
    # --- REMS forms and the printable session summary (views_rems.py, views_summary.py) ---
    path("rems/", views_rems.rems_list, name="rems_list"),
    path("rems/<int:form_id>/", views_rems.rems_form, name="rems_form"),
    path("rems/<int:form_id>/save/", views_rems.rems_form_save, name="rems_form_save"),
    path("rems/<int:form_id>/submit/", views_rems.rems_form_submit, name="rems_form_submit"),
    path("visits/<int:visit_id>/summary/", views_summary.visit_summary, name="visit_summary"),
    # --- end of the REMS forms and session summary ---
]

from django.urls import path

from infusionist.infusions import views, views_board, views_rems, views_summary

app_name = "infusions"

# --- the chart of one visit (views.py) ---
urlpatterns = [
    path("visits/<int:visit_id>/", views.visit_page, name="visit"),
    path("visits/<int:visit_id>/check-in/", views.visit_checkin, name="visit_checkin"),
    path("visits/<int:visit_id>/cancel/", views.visit_cancel, name="visit_cancel"),
    path("visits/<int:visit_id>/checks/", views.visit_checks, name="visit_checks"),
    path("visits/<int:visit_id>/vitals/", views.visit_vitals, name="visit_vitals"),
    path("visits/<int:visit_id>/alert/", views.visit_alert_respond, name="visit_alert_respond"),
    path("visits/<int:visit_id>/override/", views.visit_override, name="visit_override"),
    path("visits/<int:visit_id>/start/", views.visit_start, name="visit_start"),
    path("visits/<int:visit_id>/pump/", views.visit_pump, name="visit_pump"),
    path("visits/<int:visit_id>/dose/", views.visit_dose, name="visit_dose"),
    path("visits/<int:visit_id>/waste/", views.visit_waste, name="visit_waste"),
    path("visits/<int:visit_id>/rating/", views.visit_rating, name="visit_rating"),
    path("visits/<int:visit_id>/side-effect/", views.visit_side_effect, name="visit_side_effect"),
    path("visits/<int:visit_id>/medication/", views.visit_prn, name="visit_prn"),
    path("visits/<int:visit_id>/ready/", views.visit_ready, name="visit_ready"),
    path("visits/<int:visit_id>/discharge/", views.visit_discharge, name="visit_discharge"),
    path("visits/<int:visit_id>/note/", views.visit_note_sign, name="visit_note_sign"),
    path("visits/<int:visit_id>/cosign/", views.visit_cosign, name="visit_cosign"),
    path("visits/<int:visit_id>/addendum/", views.visit_addendum, name="visit_addendum"),
    # --- REMS forms and the printable session summary (views_rems.py, views_summary.py) ---
    path("rems/", views_rems.rems_list, name="rems_list"),
    path("rems/<int:form_id>/", views_rems.rems_form, name="rems_form"),
    path("rems/<int:form_id>/save/", views_rems.rems_form_save, name="rems_form_save"),
    path("rems/<int:form_id>/submit/", views_rems.rems_form_submit, name="rems_form_submit"),
    path("visits/<int:visit_id>/summary/", views_summary.visit_summary, name="visit_summary"),
    # --- end of the REMS forms and session summary ---
]

# --- the chair board (views_board.py): every chair of a location, its rows polled ---
urlpatterns += [
    path("board/", views_board.board, name="board"),
    path("board/<int:location_id>/", views_board.board_location, name="board_location"),
    path("board/<int:location_id>/rows/", views_board.board_location_rows, name="board_rows"),
]

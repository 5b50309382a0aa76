from django.urls import path

from infusionist.infusions import views_board

app_name = "infusions"
urlpatterns = [
    # The chair board (issue 12): every chair of a location, refreshed by polling its rows.
    path("board/", views_board.board, name="board"),
    path("board/<int:location_id>/", views_board.board_location, name="board_location"),
    path("board/<int:location_id>/rows/", views_board.board_location_rows, name="board_rows"),
]

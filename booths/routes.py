"""URL table of the exhibition hall."""

from starlette.routing import Route

from booths import views

routes = [
    Route("/booths", views.hall, name="hall"),
    Route("/booths/{slug}", views.booth_detail, name="booth"),
]

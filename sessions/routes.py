"""URL table of the programme, and the start-up work the programme needs."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from sessions import views

routes = [
    Route("/", views.home, name="home"),
    Route("/programme", views.programme, name="programme"),
    Route("/sessions/{session_id}", views.session_detail, name="session"),
    Route("/recordings", views.recordings, name="recordings"),
]


def register_app_hooks(app: Starlette) -> None:
    """Start-up and shutdown work of the programme (live stages, recording uploads)."""

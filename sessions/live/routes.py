"""HTTP side of the live stage (publisher and viewer offers, stage page).

Owned by the live-stage work; the app factory mounts ``routes`` and calls
``register_live_hooks`` at start-up.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import BaseRoute

routes: list[BaseRoute] = []


def register_live_hooks(app: Starlette) -> None:
    """Start-up work (spool recovery) and shutdown work (close peers) of the live stage."""

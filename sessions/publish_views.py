"""Organisers' publish page (``/organiser/publish``): lists what is still a draft and
publishes it all at once (:mod:`sessions.publishing`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fair.app_services import app_services
from fair.web import read_form
from sessions.publishing import drafts, publish_all
from sessions.setup_pages import organiser, saving, show


async def _publish_page(request: Request, extra: dict[str, Any]) -> Response:
    async with app_services(request).db.session() as db:
        pending = await drafts(db)
    return show(request, "sessions/organiser/publish.html", {"drafts": pending}, extra)


async def publish(request: Request) -> Response:
    """GET lists the drafts; POST publishes them (409 on the page when there are none)."""
    actor = organiser(request)
    if request.method == "GET":
        return await _publish_page(request, {})
    await read_form(request)
    return await saving(
        request,
        lambda db: publish_all(db, actor),
        "/organiser/publish?saved=1",
        _publish_page,
        {},
    )


routes = [Route("/organiser/publish", publish, methods=["GET", "POST"])]

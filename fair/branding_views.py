"""The organisers' branding form and the stylesheet that carries the accent colour (a
file, not an inline style: the CSP allows no inline CSS)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from fair.app_services import app_services
from fair.auth import require_user
from fair.branding import BrandingCache, save_branding
from fair.errors import HTTPError
from fair.models import Role
from fair.web import current_user, form_text, read_form, render


async def branding_css(request: Request) -> Response:
    branding = app_services(request).branding.current
    cache = "public, max-age=31536000, immutable" if request.query_params.get("v") else "no-cache"
    return Response(branding.stylesheet(), media_type="text/css", headers={"Cache-Control": cache})


async def branding_edit(request: Request) -> Response:
    require_user(current_user(request), Role.organiser)
    cache: BrandingCache = app_services(request).branding
    values = {"name": cache.current.name, "accent": cache.current.accent}
    error: HTTPError | None = None
    if request.method == "POST":
        form = await read_form(request)
        values = {
            "name": form_text(form, "name", max_length=60),
            "accent": form_text(form, "accent", max_length=40),
        }
        try:
            async with app_services(request).db.session() as db:
                branding = await save_branding(db, name=values["name"], accent=values["accent"])
                await db.commit()
        except HTTPError as exc:
            error = exc
        else:
            cache.current = branding
            return RedirectResponse("/organiser/branding?saved=1", status_code=303)
    return render(
        request,
        "branding.html",
        {"values": values, "error": error, "saved": request.query_params.get("saved") == "1"},
        status_code=error.status_code if error else 200,
    )


routes = [
    Route("/branding.css", branding_css),
    Route("/organiser/branding", branding_edit, methods=["GET", "POST"]),
]

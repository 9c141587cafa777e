"""The organisers' branding form and the stylesheet that carries the accent colour (a
file, not an inline style: the CSP allows no inline CSS)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from fair.app_services import app_services
from fair.auth import require_user
from fair.branding import BrandingCache, load_branding, save_branding
from fair.branding_pictures import branding_kind, find_branding_image, replace_picture
from fair.errors import HTTPError
from fair.image_sets import read_picture, serve_image
from fair.models import Role
from fair.upload_receiving import LOGO_TYPES, forget_upload, receive_upload
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


async def picture_upload(request: Request) -> Response:
    """A new event logo or favicon (POST under /organiser, where ``fair.app.UPLOAD_PATHS``
    gives it the upload limit); refused pictures leave the old one in place."""
    require_user(current_user(request), Role.organiser)
    kind = branding_kind(request.path_params["kind"])
    upload, _fields = await receive_upload(request, prefix="branding-uploads", allowed=LOGO_TYPES)
    storage = app_services(request).storage
    try:
        data = await read_picture(storage, upload.stored.key, upload.stored.size)
        async with app_services(request).db.session() as db:
            await replace_picture(db, storage, kind, data)
            app_services(request).branding.current = await load_branding(db)
    finally:
        await forget_upload(request, upload)  # only the resized variants are kept
    return RedirectResponse(f"/organiser/branding?saved=1#{kind.name}", status_code=303)


async def picture_variant(request: Request) -> Response:
    """One size of the event logo or favicon; the URL changes with each upload."""
    p = request.path_params
    branding = app_services(request).branding.current
    kind = branding_kind(p["kind"]).name
    picture = branding.logo if kind == "event-logo" else branding.favicon
    key, content_type = find_branding_image(picture, kind, p["version"], p["name"])
    return await serve_image(request, key, content_type, p["name"])


routes = [
    Route("/branding.css", branding_css),
    Route("/organiser/branding", branding_edit, methods=["GET", "POST"]),
    Route("/organiser/branding/{kind}", picture_upload, methods=["POST"]),
    Route("/branding/{kind}/{version}/{name}", picture_variant, methods=["GET", "HEAD"]),
]

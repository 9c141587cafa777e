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
from fair.form_errors import field_errors
from fair.i18n import gettext_for
from fair.image_sets import read_picture, serve_image
from fair.models import Role
from fair.upload_receiving import LOGO_TYPES, forget_upload, receive_upload, refused_file
from fair.web import current_user, form_text, language, read_form, render


async def branding_css(request: Request) -> Response:
    branding = app_services(request).branding.current
    cache = "public, max-age=31536000, immutable" if request.query_params.get("v") else "no-cache"
    return Response(branding.stylesheet(), media_type="text/css", headers={"Cache-Control": cache})


async def branding_edit(request: Request) -> Response:
    """GET shows the name and accent colour; POST saves both. A refused save shows the
    form again with both as typed, the reason next to its field."""
    require_user(current_user(request), Role.organiser)
    cache: BrandingCache = app_services(request).branding
    values = {"name": cache.current.name, "accent": cache.current.accent}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await read_form(request)
        values = {key: str(form.get(key) or "") for key in ("name", "accent")}
        try:
            name = form_text(form, "name", max_length=60)
            accent = form_text(form, "accent", max_length=40)
            async with app_services(request).db.session() as db:
                branding = await save_branding(db, name=name, accent=accent)
                await db.commit()
        except HTTPError as exc:
            if exc.status_code != 400:
                raise
            errors = field_errors(exc, gettext_for(language(request)).gettext)
        else:
            cache.current = branding
            return RedirectResponse("/organiser/branding?saved=1", status_code=303)
    return _page(request, values, errors=errors, status_code=400 if errors else 200)


def _page(
    request: Request,
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    picture: tuple[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    """The branding page; after a refused save the name and colour as typed with
    ``errors``, or the refused picture (``picture``: its kind's name and its error)."""
    context = {
        "values": values,
        "errors": errors or {},
        "picture_target": picture[0] if picture else "",
        "picture_errors": picture[1] if picture else {},
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "branding.html", context, status_code=status_code)


async def picture_upload(request: Request) -> Response:
    """A new event logo or favicon (POST under /organiser, where ``fair.app.UPLOAD_PATHS``
    gives it the upload limit); refused pictures leave the old one in place."""
    require_user(current_user(request), Role.organiser)
    kind = branding_kind(request.path_params["kind"])
    try:
        upload, _fields = await receive_upload(
            request, prefix="branding-uploads", allowed=LOGO_TYPES
        )
        storage = app_services(request).storage
        try:
            data = await read_picture(storage, upload.stored.key, upload.stored.size)
            async with app_services(request).db.session() as db:
                await replace_picture(db, storage, kind, data)
                app_services(request).branding.current = await load_branding(db)
        finally:
            await forget_upload(request, upload)  # only the resized variants are kept
    except HTTPError as error:
        refused = (kind.name, refused_file(request, error))  # at this picture's field
        current = app_services(request).branding.current
        values = {"name": current.name, "accent": current.accent}
        return _page(request, values, picture=refused, status_code=error.status_code)
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

"""The explanation in German Sign Language (BITV 2.0 § 4): one video organisers upload,
shown on /gebaerdensprache above the page's text (:mod:`fair.legal`).

The video lives in storage under a fixed key per type, so no database row is needed: a
new upload replaces the old one only once it is stored completely (the storage's
``save_stream`` contract), then the other type's key is removed.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from fair.app_services import app_services
from fair.auth import require_user
from fair.errors import HTTPError
from fair.legal import legal_bodies, legal_kind, save_legal_page
from fair.models import Role
from fair.storage import Storage
from fair.storage.http import range_response
from fair.upload_receiving import refused_file, upload_errors
from fair.uploads import UnsupportedFileType, checked_stream, stream_upload_form
from fair.web import check_csrf, current_user, language, render

KEYS = {"video/mp4": "accessibility/gebaerdensprache.mp4",
        "video/webm": "accessibility/gebaerdensprache.webm"}  # fmt: skip


async def video_type(storage: Storage) -> str | None:
    """The content type of the published video, or None while there is none."""
    for content_type, key in KEYS.items():
        if await storage.exists(key):
            return content_type
    return None


async def upload_video(request: Request) -> Response:
    """POST /organiser/legal/gebaerdensprache/video: organisers only, MP4 or WebM."""
    require_user(current_user(request), Role.organiser)
    storage: Storage = app_services(request).storage
    max_bytes = app_services(request).settings.max_upload_bytes
    try:
        async with upload_errors():
            form = await stream_upload_form(request, field_name="file", max_bytes=max_bytes)
            check_csrf(request, form.fields.get("csrf_token"))
            content_type, body = await checked_stream(form.chunks, form.filename)
            if content_type not in KEYS:
                raise UnsupportedFileType(content_type)
            await storage.save_stream(
                KEYS[content_type], body, content_type=content_type, max_bytes=max_bytes
            )
    except HTTPError as error:
        return await _refused(request, error)
    for other, key in KEYS.items():
        if other != content_type:
            await storage.delete(key)
    # the page is served from the page cache, emptied by commits on its legal_pages rows:
    # saving its text (unchanged) is that commit
    async with app_services(request).db.session() as db:
        await save_legal_page(db, "gebaerdensprache", await legal_bodies(db, "gebaerdensprache"))
        await db.commit()
    return RedirectResponse("/gebaerdensprache?saved=1", status_code=303)


async def _refused(request: Request, error: HTTPError) -> Response:
    """The page again, the refused video's reason at its file field (the published
    video stays)."""
    errors = refused_file(request, error)
    async with app_services(request).db.session() as db:
        bodies = await legal_bodies(db, "gebaerdensprache")
    context = {
        "kind": legal_kind("gebaerdensprache"),
        "body": bodies[language(request)],
        "sign_video": await video_type(app_services(request).storage),
        "video_errors": errors,
        "saved": False,
    }
    return render(request, "legal.html", context, status_code=error.status_code)


async def video(request: Request) -> Response:
    """GET /gebaerdensprache/video: the video with Range support (seeking)."""
    storage: Storage = app_services(request).storage
    content_type = await video_type(storage)
    if content_type is None:
        raise HTTPError(404, "Noch kein Video in Gebärdensprache veröffentlicht.")
    name = "gebaerdensprache." + content_type.split("/")[1]
    return await range_response(
        storage, KEYS[content_type], request, filename=name, content_type=content_type
    )

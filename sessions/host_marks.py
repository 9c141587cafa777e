"""The host region's mark on each event day: uploaded by organisers per day, shown with the
host's name on the programme's day headings and the home page's day cards.

A mark goes through the same Pillow pipeline as every other picture (:mod:`fair.images`:
not a picture, SVG posing as PNG, decompression bombs refused with a message) and is
stored as resized variants under ``host-marks/{day}`` (:mod:`fair.image_sets`). The
description lives on the day row pages already load, so showing marks costs no query.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from fair.app_services import app_services
from fair.auth import require_user
from fair.errors import HTTPError
from fair.ids import parse_id
from fair.image_sets import (
    delete_keys,
    find_image,
    image_set_keys,
    read_picture,
    serve_image,
    store_image_set,
)
from fair.images import ImageKind
from fair.models import EventDay, Role
from fair.storage import Storage
from fair.upload_receiving import LOGO_TYPES, forget_upload, receive_upload
from fair.web import current_user
from sessions.series_views import series_page
from sessions.setup_pages import refused_upload

HOST_MARK = ImageKind("host-mark", (48, 96, 192), "png")


def mark_prefix(day_id: int) -> str:
    return f"host-marks/{day_id}"


async def _day(db: AsyncSession, raw: str) -> EventDay:
    day_id = parse_id(raw)
    day = await db.get(EventDay, day_id) if day_id is not None else None
    if day is None:
        raise HTTPError(404, "Tag nicht gefunden.")
    return day


async def replace_host_mark(
    db: AsyncSession, storage: Storage, day: EventDay, data: bytes
) -> dict[str, Any]:
    """Store the new mark's variants, point the day at them, drop the old ones; a refused
    picture changes nothing."""
    picture = await store_image_set(storage, mark_prefix(day.id), HOST_MARK, data)
    old = day.mark()
    try:
        day.host_mark = json.dumps(picture, sort_keys=True)
        await db.commit()
    except BaseException:
        await delete_keys(storage, image_set_keys(mark_prefix(day.id), HOST_MARK.name, picture))
        raise
    if old is not None:
        await delete_keys(storage, image_set_keys(mark_prefix(day.id), HOST_MARK.name, old))
    return picture


async def mark_upload(request: Request) -> Response:
    """POST under /organiser (``fair.app.UPLOAD_PATHS`` gives it the upload limit)."""
    require_user(current_user(request), Role.organiser)
    async with app_services(request).db.session() as db:
        day = await _day(db, request.path_params["day_id"])  # 404 before reading the body
    series_id = day.series_id
    try:
        await _store_mark(request, day.id)
    except HTTPError as error:
        # the series page again, the reason at this day's file field
        page = lambda r, extra: series_page(r, extra, series_id)  # noqa: E731
        return await refused_upload(request, error, page, f"mark-{day.id}")
    return RedirectResponse(f"/organiser/series/{series_id}?saved=1", status_code=303)


async def _store_mark(request: Request, day_id: int) -> None:
    upload, _fields = await receive_upload(request, prefix="host-mark-uploads", allowed=LOGO_TYPES)
    storage = app_services(request).storage
    try:
        data = await read_picture(storage, upload.stored.key, upload.stored.size)
        async with app_services(request).db.session() as db:
            await replace_host_mark(db, storage, await _day(db, str(day_id)), data)
    finally:
        await forget_upload(request, upload)  # only the resized variants are kept


async def mark_variant(request: Request) -> Response:
    """One size of a day's host mark; the URL changes with each upload."""
    p = request.path_params
    async with app_services(request).db.session() as db:
        day = await _day(db, p["day_id"])
    key, content_type = find_image(
        mark_prefix(day.id), HOST_MARK.name, day.mark(), p["version"], p["name"]
    )
    return await serve_image(request, key, content_type, p["name"])


routes = [
    Route("/organiser/days/{day_id}/mark", mark_upload, methods=["POST"]),
    Route("/days/{day_id}/mark/{version}/{name}", mark_variant, methods=["GET", "HEAD"]),
]

"""The event's own logo (header) and favicon (browser tab), uploaded by organisers.

Both go through the same Pillow pipeline as booth pictures (:mod:`fair.images`: not a
picture, SVG posing as PNG and decompression bombs are refused with a message) and are
stored as resized variants under ``branding/`` (:mod:`fair.image_sets`). The favicon is
cropped square and offered as 32 px PNG (tab) and 180 px PNG (home screen). The
descriptions live on the first event series and reach pages through the in-memory
:class:`fair.branding.BrandingCache`, so no page queries for them.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fair.errors import HTTPError, bad_request
from fair.image_sets import delete_keys, find_image, image_set_keys, store_image_set
from fair.images import ImageKind
from fair.models import EventSeries
from fair.storage import Storage

PREFIX = "branding"
EVENT_LOGO = ImageKind("event-logo", (120, 240, 480), "png")
FAVICON = ImageKind("favicon", (32, 180), "png", aspect=1.0)
KINDS = {k.name: k for k in (EVENT_LOGO, FAVICON)}
COLUMNS = {"event-logo": "brand_logo", "favicon": "brand_favicon"}


def picture_of(series: EventSeries | None, kind: str) -> dict[str, Any] | None:
    raw = getattr(series, COLUMNS[kind], None) if series is not None else None
    value = json.loads(raw) if raw else None
    return value if isinstance(value, dict) else None


def branding_kind(name: str) -> ImageKind:
    try:
        return KINDS[name]
    except KeyError:
        raise HTTPError(404, "Bild nicht gefunden.") from None


async def replace_picture(
    db: AsyncSession, storage: Storage, kind: ImageKind, data: bytes
) -> dict[str, Any]:
    """Store the new variants, point the series at them, then drop the old ones. Nothing
    changes when the picture is refused (the variants written so far are removed)."""
    series = await db.scalar(select(EventSeries).order_by(EventSeries.id).limit(1))
    if series is None:
        raise bad_request("file", "es gibt noch keine Veranstaltungsreihe")
    picture = await store_image_set(storage, PREFIX, kind, data)
    old = picture_of(series, kind.name)
    try:
        setattr(series, COLUMNS[kind.name], json.dumps(picture, sort_keys=True))
        await db.commit()
    except BaseException:
        await delete_keys(storage, image_set_keys(PREFIX, kind.name, picture))
        raise
    if old is not None:
        await delete_keys(storage, image_set_keys(PREFIX, kind.name, old))
    return picture


def find_branding_image(
    picture: dict[str, Any] | None, kind: str, version: str, name: str
) -> tuple[str, str]:
    return find_image(PREFIX, kind, picture, version, name)

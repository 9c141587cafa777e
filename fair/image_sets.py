"""Storing a picture's resized variants (:mod:`fair.images`) side by side under one
prefix, described by a small dict that pages turn into ``srcset`` with width and height.

Used for booth logos and covers (``images/{booth}``) and the event's own logo and
favicon (``branding``); the description's ``v`` changes with every upload, so each
variant's URL can be cached for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fair.app_services import app_services
from fair.errors import HTTPError
from fair.images import ImageKind, ImageRefused, make_variants
from fair.storage import Storage
from fair.storage.http import range_response

MAX_PICTURE_BYTES = 30 * 1024 * 1024


def image_key(prefix: str, kind: str, version: str, name: str) -> str:
    return f"{prefix}/{kind}/{version}/{name}"


async def read_picture(storage: Storage, key: str, size: int) -> bytes:
    """A stored upload's bytes, to decode; 413 naming the limit when it is too large."""
    if size > MAX_PICTURE_BYTES:
        raise HTTPError(
            413, f"file: Bild zu groß (höchstens {MAX_PICTURE_BYTES // 2**20} MB)", field="file"
        )
    opened = await storage.open_range(key, None, None)
    return b"".join([chunk async for chunk in opened.body])


async def serve_image(request: Request, key: str, content_type: str, name: str) -> Response:
    """One stored variant; its URL changes with every upload, so it is cached for good."""
    response = await range_response(
        app_services(request).storage, key, request, filename=name, content_type=content_type
    )
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Content-Disposition"] = "inline"
    return response


async def _chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def store_image_set(
    storage: Storage, prefix: str, kind: ImageKind, data: bytes
) -> dict[str, Any]:
    """Decode ``data``, store every variant, return the set's description. Refusals are
    :class:`HTTPError` naming the field ``file``; on any failure nothing stays stored."""
    try:
        variants = await asyncio.to_thread(make_variants, data, kind)
    except ImageRefused as exc:
        raise HTTPError(exc.status, f"file: {exc}", field="file") from exc
    version = uuid.uuid4().hex[:16]
    written: list[str] = []
    try:
        for v in variants:
            key = image_key(prefix, kind.name, version, v.name)
            await storage.save_stream(
                key, _chunk(v.data), content_type=v.content_type, max_bytes=len(v.data)
            )
            written.append(key)
    except BaseException:
        await delete_keys(storage, written)
        raise
    largest = max(variants, key=lambda v: v.width)
    return {
        "v": version,
        "w": largest.width,
        "h": largest.height,
        "widths": sorted({v.width for v in variants}),
        "fallback": kind.fallback,
    }


def image_set_keys(prefix: str, kind: str, picture: dict[str, Any]) -> list[str]:
    return [
        image_key(prefix, kind, picture["v"], f"{w}.{fmt}")
        for w in picture["widths"]
        for fmt in ("webp", picture["fallback"])
    ]


def find_image(
    prefix: str, kind: str, picture: dict[str, Any] | None, version: str, name: str
) -> tuple[str, str]:
    """(storage key, content type) of a variant of the current ``picture``; 404 otherwise."""
    if picture is None or picture["v"] != version:
        raise HTTPError(404, "Bild nicht gefunden.")
    width, _, fmt = name.partition(".")
    if not width.isdigit() or int(width) not in picture["widths"]:
        raise HTTPError(404, "Bild nicht gefunden.")
    if fmt not in ("webp", picture["fallback"]):
        raise HTTPError(404, "Bild nicht gefunden.")
    return image_key(prefix, kind, version, name), f"image/{fmt}"


async def delete_keys(storage: Storage, keys: list[str]) -> None:
    for key in keys:
        with contextlib.suppress(Exception):
            await storage.delete(key)

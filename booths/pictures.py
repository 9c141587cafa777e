"""Booth logo and cover: the upload is resized into variants (:mod:`fair.images`) that are
stored next to each other and described in ``Booth.image_sets``; pages show them with
``srcset`` and fixed width/height so nothing jumps while they load."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from booths.models import Booth
from fair.errors import HTTPError
from fair.images import KINDS, ImageKind, ImageRefused, make_variants
from fair.storage import Storage

MAX_PICTURE_BYTES = 30 * 1024 * 1024


def picture_kind(name: str) -> ImageKind:
    try:
        return KINDS[name]
    except KeyError:
        raise HTTPError(404, "Bild nicht gefunden.") from None


def variant_key(booth_id: int, kind: str, version: str, name: str) -> str:
    return f"images/{booth_id}/{kind}/{version}/{name}"


async def _read(storage: Storage, key: str, size: int) -> bytes:
    if size > MAX_PICTURE_BYTES:
        raise HTTPError(413, f"file: Bild zu groß (höchstens {MAX_PICTURE_BYTES // 2**20} MB)")
    opened = await storage.open_range(key, None, None)
    return b"".join([chunk async for chunk in opened.body])


async def _chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def store_variants(
    storage: Storage, booth_id: int, kind: ImageKind, original_key: str, size: int
) -> dict[str, Any]:
    """Decode the stored original, store every variant, return the set's description.
    On any failure the variants written so far are removed and the error raised
    (:class:`HTTPError` with the reason); the caller removes the original."""
    data = await _read(storage, original_key, size)
    return await store_picture_data(storage, booth_id, kind, data)


async def store_picture_data(
    storage: Storage, booth_id: int, kind: ImageKind, data: bytes
) -> dict[str, Any]:
    """The variants of ``data`` stored; see :func:`store_variants`."""
    try:
        variants = await asyncio.to_thread(make_variants, data, kind)
    except ImageRefused as exc:
        raise HTTPError(exc.status, f"file: {exc}", field="file") from exc
    version = uuid.uuid4().hex[:16]
    written: list[str] = []
    try:
        for v in variants:
            key = variant_key(booth_id, kind.name, version, v.name)
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


def variant_keys(booth_id: int, kind: str, picture: dict[str, Any]) -> list[str]:
    return [
        variant_key(booth_id, kind, picture["v"], f"{w}.{fmt}")
        for w in picture["widths"]
        for fmt in ("webp", picture["fallback"])
    ]


async def delete_keys(storage: Storage, keys: list[str]) -> None:
    for key in keys:
        with contextlib.suppress(Exception):
            await storage.delete(key)


def set_picture(booth: Booth, kind: str, picture: dict[str, Any] | None) -> dict[str, Any] | None:
    """Replace (or with None remove) the booth's picture of ``kind``; returns the old one."""
    sets = json.loads(booth.image_sets or "{}")
    old = sets.pop(kind, None)
    if picture is not None:
        sets[kind] = picture
    booth.image_sets = json.dumps(sets, sort_keys=True)
    return old if isinstance(old, dict) else None


def find_variant(booth: Booth, kind: str, version: str, name: str) -> tuple[str, str]:
    """(storage key, content type) of a variant the booth currently shows; 404 otherwise."""
    picture = booth.picture(kind)
    if picture is None or picture["v"] != version:
        raise HTTPError(404, "Bild nicht gefunden.")
    width, _, fmt = name.partition(".")
    if not width.isdigit() or int(width) not in picture["widths"]:
        raise HTTPError(404, "Bild nicht gefunden.")
    if fmt not in ("webp", picture["fallback"]):
        raise HTTPError(404, "Bild nicht gefunden.")
    return variant_key(booth.id, kind, version, name), f"image/{fmt}"

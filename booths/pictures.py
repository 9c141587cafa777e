"""Booth logo and cover: the upload is resized into variants (:mod:`fair.images`) that are
stored next to each other and described in ``Booth.image_sets``; pages show them with
``srcset`` and fixed width/height so nothing jumps while they load."""

from __future__ import annotations

import json
from typing import Any

from booths.models import Booth
from fair.errors import HTTPError
from fair.image_sets import (
    MAX_PICTURE_BYTES,
    delete_keys,
    find_image,
    image_key,
    image_set_keys,
    read_picture,
    store_image_set,
)
from fair.images import KINDS, ImageKind
from fair.storage import Storage

__all__ = [
    "MAX_PICTURE_BYTES",
    "delete_keys",
    "find_variant",
    "picture_kind",
    "set_picture",
    "store_picture_data",
    "store_variants",
    "variant_key",
    "variant_keys",
]


def picture_kind(name: str) -> ImageKind:
    try:
        return KINDS[name]
    except KeyError:
        raise HTTPError(404, "Bild nicht gefunden.") from None


def _prefix(booth_id: int) -> str:
    return f"images/{booth_id}"


def variant_key(booth_id: int, kind: str, version: str, name: str) -> str:
    return image_key(_prefix(booth_id), kind, version, name)


async def store_variants(
    storage: Storage, booth_id: int, kind: ImageKind, original_key: str, size: int
) -> dict[str, Any]:
    """Decode the stored original, store every variant, return the set's description.
    On any failure the variants written so far are removed and the error raised
    (:class:`HTTPError` with the reason); the caller removes the original."""
    data = await read_picture(storage, original_key, size)
    return await store_picture_data(storage, booth_id, kind, data)


async def store_picture_data(
    storage: Storage, booth_id: int, kind: ImageKind, data: bytes
) -> dict[str, Any]:
    """The variants of ``data`` stored; see :func:`store_variants`."""
    return await store_image_set(storage, _prefix(booth_id), kind, data)


def variant_keys(booth_id: int, kind: str, picture: dict[str, Any]) -> list[str]:
    return image_set_keys(_prefix(booth_id), kind, picture)


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
    return find_image(_prefix(booth.id), kind, booth.picture(kind), version, name)

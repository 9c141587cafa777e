"""Serving stored objects over HTTP: Range requests, attachment headers."""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from fair.storage.base import (
    ObjectNotFound,
    RangeNotSatisfiable,
    Storage,
    StorageUnavailable,
    _resolve_range,
    content_disposition,
)

# At most 18 digits: int() refuses very long digit strings, and no object is that big.
_RANGE_RE = re.compile(r"^bytes=([0-9]{0,18})-([0-9]{0,18})$")


def parse_range(header: str | None, total: int) -> tuple[int, int] | None:
    """``None`` for no Range header; raises :class:`RangeNotSatisfiable` for anything we
    cannot serve (malformed, several ranges, outside the object)."""
    if header is None:
        return None
    match = _RANGE_RE.match(header.strip().replace(" ", ""))
    if not match or match.groups() == ("", ""):
        raise RangeNotSatisfiable(total)
    first_s, last_s = match.groups()
    if not first_s:  # suffix range: the last N bytes
        count = int(last_s)
        if count == 0 or total == 0:
            raise RangeNotSatisfiable(total)
        return max(total - count, 0), total - 1
    return _resolve_range(int(first_s), int(last_s) if last_s else None, total)


async def range_response(
    storage: Storage, key: str, request: Request, *, filename: str, content_type: str
) -> Response:
    """Stream an object to the browser with Range support (video seeking, resumed
    downloads), always as an attachment and never sniffed into HTML."""
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(filename),
        "X-Content-Type-Options": "nosniff",
    }
    try:
        total = await storage.size(key)
        try:
            wanted = parse_range(request.headers.get("range"), total)
        except RangeNotSatisfiable:
            return Response(
                status_code=416, headers={**headers, "Content-Range": f"bytes */{total}"}
            )
        if request.method == "HEAD":
            headers["Content-Length"] = str(total)
            return Response(status_code=200, headers=headers, media_type=content_type)
        if wanted is None:
            opened = await storage.open_range(key, None, None)
            status = 200
        else:
            opened = await storage.open_range(key, *wanted)
            headers["Content-Range"] = f"bytes {opened.start}-{opened.end}/{opened.total}"
            status = 206
    except ObjectNotFound as exc:
        raise HTTPException(status_code=404) from exc
    except StorageUnavailable as exc:
        raise HTTPException(status_code=503, headers={"Retry-After": "30"}) from exc
    headers["Content-Length"] = str(max(opened.end - opened.start + 1, 0))
    return StreamingResponse(
        opened.body, status_code=status, headers=headers, media_type=content_type
    )

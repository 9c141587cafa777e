"""Serving a stored file as a download: one way for booth materials and a session's slides.

With S3 the visitor is sent to a short-lived presigned URL (the file never passes
through the app); with local storage it is streamed with Range support. Either way the
browser gets ``Content-Disposition: attachment`` with the stored file name.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from fair.storage import Storage, range_response

PRESIGNED_SECONDS = 300
"""Lifetime of an S3 download link: long enough to start, short enough not to share."""


def counts_as_download(request: Request) -> bool:
    """True for the request that starts a download; the range requests a player or a
    download manager makes for the rest of the file are not counted again."""
    range_header = request.headers.get("range", "")
    return request.method == "GET" and (not range_header or range_header.startswith("bytes=0-"))


async def send_stored_file(
    request: Request, storage: Storage, key: str, *, filename: str, content_type: str
) -> Response:
    """A presigned redirect (S3) or the file itself, as an attachment named ``filename``."""
    url = await storage.presigned_url(
        key, expires=PRESIGNED_SECONDS, filename=filename, content_type=content_type
    )
    if url is not None:
        return RedirectResponse(
            url,
            status_code=303,
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )
    return await range_response(storage, key, request, filename=filename, content_type=content_type)

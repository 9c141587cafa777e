"""Serving stored objects over HTTP with Starlette's own Range support.

A file on this machine's disk is answered by Starlette's :class:`FileResponse`: single
and multiple ranges, suffix ranges, ``If-Range``, 416 with ``Content-Range: bytes */N``
and 400 for a malformed header or another unit. An S3 object that passes through the app
(pictures, recordings, HLS segments) is answered by the same ``FileResponse`` code reading
from the bucket instead of a file, so both backends answer every request alike.
"""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.types import Receive, Scope, Send

from fair.storage.base import (
    ObjectNotFound,
    ObjectStat,
    Storage,
    StorageUnavailable,
    content_disposition,
)

PATHSEND = "http.response.pathsend"


async def range_response(
    storage: Storage,
    key: str,
    request: Request,
    *,
    content_type: str,
    filename: str | None = None,
) -> Response:
    """Stream an object to the browser with Range support (video seeking, resumed
    downloads), always as an attachment and never sniffed into HTML; named ``filename``,
    or by default the key's last part (recordings, posters, HLS segments)."""
    headers = {
        "Content-Disposition": content_disposition(filename or key.rsplit("/", 1)[-1]),
        "X-Content-Type-Options": "nosniff",
    }
    try:
        info = await storage.stat(key)
    except ObjectNotFound as exc:
        raise HTTPException(status_code=404) from exc
    except StorageUnavailable as exc:
        raise HTTPException(status_code=503, headers={"Retry-After": "30"}) from exc
    path = storage.local_file(key)
    if path is not None:
        return FileResponse(
            path, headers=headers, media_type=content_type, stat_result=_stat_result(info)
        )
    return StoredObjectResponse(storage, key, info, headers=headers, media_type=content_type)


def _stat_result(info: ObjectStat) -> os.stat_result:
    """The two fields ``FileResponse`` reads (size, mtime) in the shape it expects."""
    mtime = info.modified
    return os.stat_result((stat.S_IFREG | 0o644, 0, 0, 1, 0, 0, info.size, mtime, mtime, mtime))


class StoredObjectResponse(FileResponse):
    """``FileResponse`` reading an object from storage instead of a local file.

    Starlette decides everything (status, headers, which ranges, the multipart body); this
    class only supplies the bytes. It learns which ranges Starlette chose, so each range is
    one ranged GET of exactly those bytes, as before.
    """

    def __init__(
        self,
        storage: Storage,
        key: str,
        info: ObjectStat,
        *,
        headers: Mapping[str, str],
        media_type: str,
    ) -> None:
        super().__init__(
            key, headers=headers, media_type=media_type, stat_result=_stat_result(info)
        )
        self._reader = _ObjectReader(storage, key, info.size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A server offering "pathsend" would be handed the key as a local path.
        extensions = {k: v for k, v in scope.get("extensions", {}).items() if k != PATHSEND}
        await super().__call__({**scope, "extensions": extensions}, receive, send)

    async def _handle_single_range(
        self, send: Send, start: int, end: int, file_size: int, send_header_only: bool
    ) -> None:
        self._reader.ranges = {start: end}
        await super()._handle_single_range(send, start, end, file_size, send_header_only)

    async def _handle_multiple_ranges(
        self, send: Send, ranges: list[tuple[int, int]], file_size: int, send_header_only: bool
    ) -> None:
        self._reader.ranges = dict(ranges)
        await super()._handle_multiple_ranges(send, ranges, file_size, send_header_only)

    @asynccontextmanager
    async def _open_file(self) -> AsyncIterator[_ObjectReader]:  # type: ignore[override]
        try:
            yield self._reader
        finally:
            await self._reader.close()


class _ObjectReader:
    """The ``seek``/``read`` that ``FileResponse`` uses on a file, served by one GET per
    range (``ranges`` maps a start to its end, exclusive; without it: the whole object)."""

    def __init__(self, storage: Storage, key: str, size: int) -> None:
        self.storage, self.key, self.size = storage, key, size
        self.ranges: dict[int, int] = {}
        self._position = 0
        self._body: AsyncIterator[bytes] | None = None
        self._buffer = b""

    async def seek(self, position: int) -> None:
        await self.close()
        self._position = position

    async def read(self, count: int) -> bytes:
        out = bytearray()
        while len(out) < count:
            if not self._buffer:
                if self._body is None:
                    end = self.ranges.get(self._position, self.size)
                    if self._position >= end:
                        break
                    opened = await self.storage.open_range(self.key, self._position, end - 1)
                    self._body = opened.body
                self._buffer = await anext(self._body, b"")
                if not self._buffer:
                    break
            taken, self._buffer = self._buffer[: count - len(out)], self._buffer[count - len(out) :]
            out += taken
            self._position += len(taken)
        return bytes(out)

    async def close(self) -> None:
        body, self._body, self._buffer = self._body, None, b""
        aclose = getattr(body, "aclose", None)
        if aclose is not None:
            await aclose()

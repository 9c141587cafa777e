"""Local files: the embedded default, under ``media/``."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path

from fair.storage.base import (
    READ_CHUNK,
    InvalidKey,
    ObjectNotFound,
    ObjectStat,
    OpenedRange,
    Storage,
    StorageFull,
    StorageUnavailable,
    _resolve_range,
    check_key,
)


class LocalStorage(Storage):
    """Files under one directory: the embedded default, no server needed."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise InvalidKey(f"invalid storage key {key!r}")
        return path

    async def _store(
        self, key: str, blocks: AsyncIterator[bytes], headers: Mapping[str, str]
    ) -> None:
        """Write to a temp file beside the target, then ``os.replace`` it: readers never
        see a half-written file, and any failure removes the temp file. (The headers are
        the app's to send when it serves the file.)"""
        path = self._path(key)
        try:
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
            fd, tmp_name = await asyncio.to_thread(
                tempfile.mkstemp, dir=path.parent, prefix=f".{path.name}.", suffix=".part"
            )
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFull(f"no space left in {self.root}") from exc
            raise StorageUnavailable(f"cannot write to {self.root}: {exc}") from exc
        tmp = Path(tmp_name)
        fh = os.fdopen(fd, "wb")

        async def disk(fn: Callable[..., object], *args: object) -> None:
            # Only errors of our own disk are "unavailable"; an OSError raised by the
            # upload stream (connection reset) must reach the caller unchanged.
            try:
                await asyncio.to_thread(fn, *args)
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise StorageFull(f"no space left for {key} in {self.root}") from exc
                raise StorageUnavailable(f"cannot write {key}: {exc}") from exc

        try:
            async for block in blocks:
                await disk(fh.write, block)
            await disk(fh.flush)
            await disk(os.fsync, fh.fileno())  # the DB row will say it exists: make it so
            await disk(fh.close)
            await disk(os.replace, tmp, path)
        finally:
            with contextlib.suppress(OSError):  # a full disk fails the flush again
                fh.close()
            # Synchronous on purpose: it must run even while the task is being cancelled.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    async def open_range(self, key: str, start: int | None, end: int | None) -> OpenedRange:
        path = self._path(key)
        total = await self.size(key)
        first, last = _resolve_range(start, end, total)

        async def body() -> AsyncIterator[bytes]:
            fh = await asyncio.to_thread(path.open, "rb")
            try:
                await asyncio.to_thread(fh.seek, first)
                remaining = last - first + 1
                while remaining > 0:
                    chunk = await asyncio.to_thread(fh.read, min(READ_CHUNK, remaining))
                    if not chunk:
                        break
                    remaining -= len(chunk)
                    yield chunk
            finally:
                fh.close()

        return OpenedRange(body(), total, first, last)

    async def presigned_url(
        self, key: str, *, expires: int, filename: str, content_type: str
    ) -> str | None:
        """Local files have no URL of their own; the app serves them (``range_response``)."""
        return None

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(path.unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    def close(self) -> None:
        """Nothing to release; part of the interface so the app can close any backend."""

    async def stat(self, key: str) -> ObjectStat:
        path = self._path(key)
        try:
            stat = await asyncio.to_thread(path.stat)
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            raise StorageUnavailable(f"cannot read {key}: {exc}") from exc
        return ObjectStat(stat.st_size, stat.st_mtime)

    def local_file(self, key: str) -> Path:
        """Every object is a file under the root: the app serves it with ``FileResponse``."""
        return self._path(key)

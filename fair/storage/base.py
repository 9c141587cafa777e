"""The storage interface, its errors and the helpers both backends share."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import unicodedata
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol, TypeVar
from urllib.parse import quote

T = TypeVar("T")

READ_CHUNK = 256 * 1024
"""Chunk size for streamed reads: large enough for throughput, small enough for memory."""

PART_SIZE = 8 * 1024 * 1024
"""S3 multipart part size. Parts must be >= 5 MiB except the last; 8 MiB x 10 000 parts
allows objects up to ~80 GB, far above any upload or recording limit."""


class StorageError(Exception):
    """Base class for everything this module raises on purpose."""


class TooLarge(StorageError):
    """The upload exceeded ``max_bytes``; nothing was stored."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"upload exceeds the limit of {limit} bytes ({limit / 2**20:.1f} MiB)")
        self.limit = limit


class EmptyUpload(StorageError):
    """The upload contained no bytes; an empty material is always a mistake."""

    def __init__(self) -> None:
        super().__init__("the upload is empty")


class StorageUnavailable(StorageError):
    """The storage could not be reached or refused the request; worth a 503, not a 500."""


class StorageFull(StorageUnavailable):
    """The storage has no room left (ENOSPC, a quota, S3's 507): worth a 507."""


class StorageAccessDenied(StorageUnavailable):
    """The storage refused our credentials (wrong key or secret, missing permission)."""


class ObjectNotFound(StorageError):
    """No object under this key."""


class InvalidKey(StorageError, ValueError):
    """A key that could escape the storage root or the bucket prefix."""


class RangeNotSatisfiable(StorageError):
    """The requested byte range lies outside the object (HTTP 416)."""

    def __init__(self, total: int) -> None:
        super().__init__(f"range not satisfiable for an object of {total} bytes")
        self.total = total


@dataclass(frozen=True)
class StoredObject:
    """What the app records in its database after a successful save."""

    key: str
    size: int
    content_type: str


class OpenedRange(NamedTuple):
    """A streamed read: ``body`` yields bytes ``start..end`` (inclusive) of ``total``."""

    body: AsyncIterator[bytes]
    total: int
    start: int
    end: int


class ObjectStat(NamedTuple):
    """What an HTTP answer needs before the first byte: the length, and the time of the
    last change from which Starlette's ``FileResponse`` derives ``ETag`` and
    ``Last-Modified`` (and so ``If-Range``)."""

    size: int
    modified: float
    """Seconds since the epoch."""


class Storage(Protocol):
    """The storage interface every view and service uses; keys are app-generated paths.

    The backends subclass it, so they inherit what is the same for all (``save_stream``
    around their ``_store``, ``save_file``, ``size``) and mypy checks they implement the
    rest."""

    block_size: int = READ_CHUNK * 4
    """What :meth:`_store` is handed at a time (the last block may be smaller)."""

    async def save_stream(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        *,
        content_type: str,
        max_bytes: int,
        filename: str | None = None,
        cache_control: str | None = None,
    ) -> StoredObject:
        """Store ``chunks`` under ``key``, replacing an existing object only on success.

        ``filename`` (already made safe) is kept as the download name where the backend
        can hold it (S3 metadata), and so is ``cache_control`` (what a CDN or the bucket
        answers with; the app sets it itself when it serves local files).
        Raises :class:`TooLarge`, :class:`EmptyUpload`,
        :class:`StorageUnavailable`, or whatever ``chunks`` raised — never leaving a
        partial object. ``chunks`` is closed in every case.

        What all backends share (the limit, the empty upload, joining chunks into blocks,
        closing the stream) is done here; the backend only writes the blocks.
        """
        blocks = _Blocks(chunks, max_bytes=max_bytes, size=self.block_size)
        stream = aiter(blocks)
        headers = {"Content-Type": content_type}
        if filename is not None:
            headers["Content-Disposition"] = content_disposition(filename)
        if cache_control is not None:
            headers["Cache-Control"] = cache_control
        try:
            await self._store(key, stream, headers)
        finally:
            await _aclose(stream)
            await _aclose(chunks)
        return StoredObject(key=key, size=blocks.total, content_type=content_type)

    async def _store(
        self, key: str, blocks: AsyncIterator[bytes], headers: Mapping[str, str]
    ) -> None:
        """Write ``blocks`` (each at least :attr:`block_size` bytes but the last; the
        iterator raises :class:`TooLarge` or :class:`EmptyUpload` itself) as the object
        ``key`` with the HTTP ``headers`` it is to be served with; on any failure leave
        no object and no partial upload behind."""
        ...

    async def save_file(
        self,
        key: str,
        path: Path,
        *,
        content_type: str,
        filename: str | None = None,
        cache_control: str | None = None,
    ) -> StoredObject:
        """Copy a local file (a finished recording); the caller removes ``path``.

        Every backend stores it as a stream of the file's chunks, without a size limit
        (the file is ours): backends that subclass this protocol inherit it."""
        return await self.save_stream(
            key,
            _file_chunks(path),
            content_type=content_type,
            max_bytes=sys.maxsize,
            filename=filename,
            cache_control=cache_control,
        )

    async def open_range(self, key: str, start: int | None, end: int | None) -> OpenedRange:
        """Stream bytes ``start..end`` inclusive; ``None`` means from the start / to the
        end. An end past the object is clamped; an unsatisfiable range raises
        :class:`RangeNotSatisfiable`, a missing object :class:`ObjectNotFound`."""
        ...

    async def presigned_url(
        self, key: str, *, expires: int, filename: str, content_type: str
    ) -> str | None:
        """A URL the browser may fetch directly for ``expires`` seconds, or ``None``
        when the app must stream the object itself (:func:`range_response`)."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def size(self, key: str) -> int:
        """Size in bytes; raises :class:`ObjectNotFound`."""
        return (await self.stat(key)).size

    async def stat(self, key: str) -> ObjectStat:
        """Size and time of the last change; raises :class:`ObjectNotFound`."""
        ...

    def local_file(self, key: str) -> Path | None:
        """The file on this machine that holds ``key``, for Starlette's ``FileResponse``
        to serve; ``None`` when the bytes live elsewhere (S3)."""
        ...

    def close(self) -> None:
        """Release threads and connections (app shutdown)."""


# --------------------------------------------------------------------------- helpers

_UNSAFE_NAME_CHARS = re.compile(r'[<>:"/\\|?*]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
MAX_FILENAME_CHARS = 120


def safe_filename(name: str, *, fallback: str = "download") -> str:
    """A file name that is safe in a download header and on any visitor's disk.

    Keeps unicode letters (exhibitors name files in German, Polish, Japanese...), but drops
    path components, control and bidi-override characters (which can fake an extension),
    characters Windows refuses, leading dots (hidden files, ``..``) and excess length
    (keeping the extension, because that is what the visitor's OS opens it by).
    """
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if ch.isspace() else ch
        for ch in name
        if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn") or ch.isspace()
    )
    name = _UNSAFE_NAME_CHARS.sub("_", name)
    name = re.sub(r" {2,}", " ", name).strip(" .")
    if _WINDOWS_RESERVED.match(name):
        name = "_" + name
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_FILENAME_CHARS - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:MAX_FILENAME_CHARS].rstrip(" .")
    return name or fallback


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the RFC 5987 UTF-8 name (RFC 6266)."""
    name = safe_filename(filename)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9._ ()+-]", "_", ascii_name).strip(" .") or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def check_key(key: str) -> str:
    """Reject keys that could leave the storage root; the app generates keys, so this
    only fires on a bug, and then it must not become a path traversal."""
    if (
        not key
        or len(key) > 512
        or key.startswith("/")
        or ".." in key
        or "\\" in key
        or any(unicodedata.category(ch) == "Cc" for ch in key)
    ):
        raise InvalidKey(f"invalid storage key {key!r}")
    return key


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    """Read a local file in chunks off the event loop (used by ``save_file``)."""
    fh = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(fh.read, PART_SIZE):
            yield chunk
    finally:
        fh.close()


class _Blocks:
    """An upload's chunks joined into blocks of at least ``size`` bytes (the last may be
    smaller), counted against ``max_bytes`` as they arrive: :class:`TooLarge` as soon as
    the limit is passed, :class:`EmptyUpload` when the stream ends without a byte."""

    def __init__(self, chunks: AsyncIterator[bytes], *, max_bytes: int, size: int) -> None:
        self.chunks, self.max_bytes, self.size = chunks, max_bytes, size
        self.total = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        buffer: list[bytes] = []  # joined once per block: one copy, not one per chunk
        buffered = 0
        async for chunk in self.chunks:
            self.total += len(chunk)
            if self.total > self.max_bytes:
                raise TooLarge(self.max_bytes)
            buffer.append(bytes(chunk))
            buffered += len(chunk)
            if buffered >= self.size:
                block = b"".join(buffer)
                buffer.clear()
                buffered = 0
                yield block
        if self.total == 0:
            raise EmptyUpload()
        if buffer:
            yield b"".join(buffer)


async def _aclose(chunks: AsyncIterator[bytes]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(Exception):
            await aclose()


def _resolve_range(start: int | None, end: int | None, total: int) -> tuple[int, int]:
    """Inclusive (first, last) for a request; ``None, None`` means the whole object."""
    if start is None and end is None:
        return 0, total - 1
    first = 0 if start is None else start
    last = total - 1 if end is None else min(end, total - 1)
    if first < 0 or first >= total or last < first:
        raise RangeNotSatisfiable(total)
    return first, last

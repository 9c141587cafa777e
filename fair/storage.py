"""Where uploaded materials and session recordings live: one interface, two backends.

The embedded setup keeps files in a local directory (``file:///dir``); a real deployment
points ``FAIR_STORAGE_URL`` at an S3 bucket (``s3://bucket[/prefix]``). Views only see
:class:`Storage`, so both behave the same way in the cases that matter for safety:

* uploads are streamed, never held whole in memory, and counted against a limit;
* a failed upload (too large, client gone, storage error) leaves no partial object —
  local writes go to a temporary file that is renamed into place only when complete,
  S3 multipart uploads are aborted;
* downloads always carry ``Content-Disposition: attachment`` and ``nosniff`` so an
  uploaded file can never be rendered as a page of our origin. For S3 the header is
  stored with the object at upload, because presigned GETs on some S3-compatible
  servers (nanio) ignore the ``response-content-disposition`` override.

boto3 is synchronous; every S3 call runs in the backend's own thread pool, so slow S3
requests cannot starve the event loop's default executor that other code relies on.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import os
import re
import sys
import tempfile
import unicodedata
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar
from urllib.parse import quote, urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from fair.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

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


class Storage(Protocol):
    """The storage interface every view and service uses; keys are app-generated paths."""

    async def save_stream(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        *,
        content_type: str,
        max_bytes: int,
        filename: str | None = None,
    ) -> StoredObject:
        """Store ``chunks`` under ``key``, replacing an existing object only on success.

        ``filename`` (already made safe) is kept as the download name where the backend
        can hold it (S3 metadata). Raises :class:`TooLarge`, :class:`EmptyUpload`,
        :class:`StorageUnavailable`, or whatever ``chunks`` raised — never leaving a
        partial object. ``chunks`` is closed in every case.
        """
        ...

    async def save_file(
        self, key: str, path: Path, *, content_type: str, filename: str | None = None
    ) -> StoredObject:
        """Copy a local file (a finished recording); the caller removes ``path``."""
        ...

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


async def _aclose(chunks: AsyncIterator[bytes]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(Exception):
            await aclose()


# --------------------------------------------------------------------------- local


class LocalStorage:
    """Files under one directory: the embedded default, no server needed."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise InvalidKey(f"invalid storage key {key!r}")
        return path

    async def save_stream(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        *,
        content_type: str,
        max_bytes: int,
        filename: str | None = None,
    ) -> StoredObject:
        """Write to a temp file beside the target, then ``os.replace`` it: readers never
        see a half-written file, and any failure removes the temp file."""
        path = self._path(key)
        try:
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
            fd, tmp_name = await asyncio.to_thread(
                tempfile.mkstemp, dir=path.parent, prefix=f".{path.name}.", suffix=".part"
            )
        except OSError as exc:
            await _aclose(chunks)
            raise StorageUnavailable(f"cannot write to {self.root}: {exc}") from exc
        tmp = Path(tmp_name)
        fh = os.fdopen(fd, "wb")

        async def disk(fn: Callable[..., object], *args: object) -> None:
            # Only errors of our own disk are "unavailable"; an OSError raised by the
            # upload stream (connection reset) must reach the caller unchanged.
            try:
                await asyncio.to_thread(fn, *args)
            except OSError as exc:
                raise StorageUnavailable(f"cannot write {key}: {exc}") from exc

        total = 0
        try:
            buffer = bytearray()
            async for chunk in chunks:
                total += len(chunk)
                if total > max_bytes:
                    raise TooLarge(max_bytes)
                buffer += chunk
                if len(buffer) >= READ_CHUNK * 4:
                    await disk(fh.write, buffer)
                    buffer = bytearray()
            if total == 0:
                raise EmptyUpload()
            await disk(fh.write, buffer)
            await disk(fh.flush)
            await disk(os.fsync, fh.fileno())  # the DB row will say it exists: make it so
            await disk(fh.close)
            await disk(os.replace, tmp, path)
        finally:
            fh.close()
            # Synchronous on purpose: it must run even while the task is being cancelled.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            await _aclose(chunks)
        return StoredObject(key=key, size=total, content_type=content_type)

    async def save_file(
        self, key: str, path: Path, *, content_type: str, filename: str | None = None
    ) -> StoredObject:
        return await self.save_stream(
            key, _file_chunks(path), content_type=content_type, max_bytes=sys.maxsize
        )

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
        """Local files have no URL of their own; the app streams them (``range_response``)."""
        return None

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(path.unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    def close(self) -> None:
        """Nothing to release; part of the interface so the app can close any backend."""

    async def size(self, key: str) -> int:
        path = self._path(key)
        try:
            stat = await asyncio.to_thread(path.stat)
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            raise StorageUnavailable(f"cannot read {key}: {exc}") from exc
        return stat.st_size


def _resolve_range(start: int | None, end: int | None, total: int) -> tuple[int, int]:
    """Inclusive (first, last) for a request; ``None, None`` means the whole object."""
    if start is None and end is None:
        return 0, total - 1
    first = 0 if start is None else start
    last = total - 1 if end is None else min(end, total - 1)
    if first < 0 or first >= total or last < first:
        raise RangeNotSatisfiable(total)
    return first, last


# --------------------------------------------------------------------------- S3


def _s3_error(exc: Exception, key: str) -> StorageError:
    """Translate botocore failures into the few cases the app handles differently."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in ("404", "NoSuchKey", "NotFound"):
            return ObjectNotFound(key)
        if status == 403 or code in (
            "AccessDenied",
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "403",
        ):
            return StorageAccessDenied(f"S3 refused access ({code}); check FAIR_S3_* keys")
        return StorageUnavailable(f"S3 error {code or status}: {exc}")
    if isinstance(exc, BotoCoreError):
        return StorageUnavailable(f"S3 not reachable: {exc}")
    return StorageUnavailable(f"S3 failed: {exc!r}")


class S3Storage:
    """Objects in one bucket under an optional prefix; any S3-compatible server."""

    def __init__(self, client: S3Client, bucket: str, prefix: str = "", threads: int = 20) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        # As many threads as pooled connections; botocore clients are thread-safe.
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="fair-s3")
        self._cleanups: set[asyncio.Task[None]] = set()

    def close(self) -> None:
        self._executor.shutdown(wait=False)
        self.client.close()

    @classmethod
    def connect(
        cls,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None,
        access_key: str,
        secret_key: str,
        region: str,
        connect_timeout: float = 3,
        read_timeout: float = 60,
        max_attempts: int = 3,
    ) -> S3Storage:
        """Build a client with short timeouts so a dead S3 fails a request in seconds
        rather than hanging an upload for minutes (botocore defaults: 60 s, 5 tries)."""
        import boto3
        from botocore.config import Config

        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": max_attempts, "mode": "standard"},
            # S3-compatible servers differ in support for the new default CRC trailers.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            max_pool_connections=20,
        )
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url or None,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            region_name=region,
            config=config,
        )
        return cls(client, bucket, prefix)

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def _run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    async def _call(self, key: str, fn: Callable[..., T], /, **kwargs: Any) -> T:
        try:
            return await self._run(fn, **kwargs)
        except Exception as exc:
            raise _s3_error(exc, key) from exc

    async def save_stream(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        *,
        content_type: str,
        max_bytes: int,
        filename: str | None = None,
    ) -> StoredObject:
        """Single PUT below one part, multipart above; one part uploads while the next is
        received, so memory stays at about two parts. Any failure aborts the upload."""
        s3_key = self._key(key)
        extra: dict[str, str] = {"ContentType": content_type}
        if filename is not None:
            extra["ContentDisposition"] = content_disposition(filename)
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        pending: asyncio.Task[None] | None = None
        creating: asyncio.Future[Any] | None = None
        buffer: list[bytes] = []  # joined once per part: one copy, not one per chunk
        buffered = 0
        total = 0
        part_number = 0

        async def upload_part(number: int, data: bytes) -> None:
            assert upload_id is not None
            result = await self._call(
                key,
                self.client.upload_part,
                Bucket=self.bucket,
                Key=s3_key,
                UploadId=upload_id,
                PartNumber=number,
                # A file object, not bytes: botocore would concatenate bytes with the
                # request headers, one more copy of the part in memory.
                Body=io.BytesIO(data),
            )
            parts.append({"PartNumber": number, "ETag": result["ETag"]})

        async def flush(data: bytes) -> None:
            nonlocal upload_id, pending, part_number, creating
            if upload_id is None:
                # Tasks and shields: a cancelled request must not cancel S3 calls whose
                # threads run on regardless; the abort waits for them instead.
                creating = asyncio.ensure_future(
                    self._call(
                        key,
                        self.client.create_multipart_upload,
                        Bucket=self.bucket,
                        Key=s3_key,
                        **extra,
                    )
                )
                created = await asyncio.shield(creating)
                upload_id = created["UploadId"]
            if pending is not None:
                await asyncio.shield(pending)
            part_number += 1
            pending = asyncio.create_task(upload_part(part_number, data))

        try:
            async for chunk in chunks:
                total += len(chunk)
                if total > max_bytes:
                    raise TooLarge(max_bytes)
                buffer.append(bytes(chunk))
                buffered += len(chunk)
                if buffered >= PART_SIZE:
                    data = b"".join(buffer)
                    buffer.clear()
                    buffered = 0
                    await flush(data)
            if total == 0:
                raise EmptyUpload()
            if upload_id is None:
                await self._call(
                    key,
                    self.client.put_object,
                    Bucket=self.bucket,
                    Key=s3_key,
                    Body=b"".join(buffer),
                    **extra,
                )
            else:
                if buffer:
                    await flush(b"".join(buffer))
                if pending is not None:
                    await asyncio.shield(pending)
                parts.sort(key=lambda p: p["PartNumber"])
                await self._call(
                    key,
                    self.client.complete_multipart_upload,
                    Bucket=self.bucket,
                    Key=s3_key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BaseException:
            if pending is not None or upload_id is not None or creating is not None:
                cleanup = asyncio.create_task(self._abort(pending, s3_key, upload_id, creating))
                self._cleanups.add(cleanup)  # a shielded task needs a strong reference
                cleanup.add_done_callback(self._cleanups.discard)
                # Shielded: a client disconnect cancels this task, the abort must still run.
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(cleanup)
            raise
        finally:
            await _aclose(chunks)
        return StoredObject(key=key, size=total, content_type=content_type)

    async def _abort(
        self,
        pending: asyncio.Task[None] | None,
        s3_key: str,
        upload_id: str | None,
        creating: asyncio.Future[Any] | None = None,
    ) -> None:
        """Let the part in flight finish first (a thread cannot be cancelled, and a part
        landing after the abort would leave an upload behind), then abort. An upload
        whose creation was still running when the request failed is aborted too."""
        if upload_id is None and creating is not None:
            await asyncio.wait([creating])
            if not creating.cancelled() and creating.exception() is None:
                upload_id = creating.result()["UploadId"]
        if pending is not None:
            await asyncio.wait([pending])
            if not pending.cancelled():
                pending.exception()  # mark retrieved; the first error is re-raised instead
        if upload_id is not None:
            with contextlib.suppress(Exception):
                await self._run(
                    self.client.abort_multipart_upload,
                    Bucket=self.bucket,
                    Key=s3_key,
                    UploadId=upload_id,
                )

    async def save_file(
        self, key: str, path: Path, *, content_type: str, filename: str | None = None
    ) -> StoredObject:
        return await self.save_stream(
            key,
            _file_chunks(path),
            content_type=content_type,
            max_bytes=sys.maxsize,
            filename=filename,
        )

    async def open_range(self, key: str, start: int | None, end: int | None) -> OpenedRange:
        """One GET; the total comes from Content-Range. Only an unusual range costs a
        HEAD, because S3 servers answer those differently (416, 400, or the whole body)."""
        from botocore.exceptions import ClientError

        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": self._key(key)}
        ranged = start is not None or end is not None
        if ranged:
            if (start is not None and start < 0) or (end is not None and end < (start or 0)):
                raise RangeNotSatisfiable(await self.size(key))
            kwargs["Range"] = f"bytes={start or 0}-{'' if end is None else end}"
        try:
            result = await self._run(self.client.get_object, **kwargs)
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if ranged and status in (400, 416):
                # Unsatisfiable (raise 416), or an end past the object that this server
                # does not clamp as AWS does (retry clamped).
                first, last = _resolve_range(start, end, await self.size(key))
                if (first, last) != (start, end):
                    return await self.open_range(key, first, last)
            raise _s3_error(exc, key) from exc
        except Exception as exc:
            raise _s3_error(exc, key) from exc
        stream = result["Body"]
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", result.get("ContentRange") or "")
        if match:
            first, last, total = (int(g) for g in match.groups())
        else:
            total = int(result["ContentLength"])
            first, last = 0, total - 1
            if ranged:
                try:
                    _resolve_range(start, end, total)
                except RangeNotSatisfiable:
                    stream.close()
                    raise

        async def body() -> AsyncIterator[bytes]:
            try:
                while True:
                    try:
                        chunk = await self._run(stream.read, READ_CHUNK)
                    except Exception as exc:
                        raise _s3_error(exc, key) from exc
                    if not chunk:
                        break
                    yield chunk
            finally:
                stream.close()

        return OpenedRange(body(), total, first, last)

    async def presigned_url(
        self, key: str, *, expires: int, filename: str, content_type: str
    ) -> str | None:
        """A presigned GET. The response overrides help on AWS; servers that ignore them
        still send the Content-Disposition stored at upload."""
        params = {
            "Bucket": self.bucket,
            "Key": self._key(key),
            "ResponseContentDisposition": content_disposition(filename),
            "ResponseContentType": content_type,
        }
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)

    async def delete(self, key: str) -> None:
        await self._call(key, self.client.delete_object, Bucket=self.bucket, Key=self._key(key))

    async def exists(self, key: str) -> bool:
        try:
            await self.size(key)
        except ObjectNotFound:
            return False
        return True

    async def size(self, key: str) -> int:
        head = await self._call(
            key, self.client.head_object, Bucket=self.bucket, Key=self._key(key)
        )
        return int(head["ContentLength"])


def storage_from_settings(settings: Settings) -> Storage:
    """``file:///dir`` → :class:`LocalStorage`, ``s3://bucket[/prefix]`` → :class:`S3Storage`."""
    url = urlsplit(settings.storage_url)
    if url.scheme == "file":
        return LocalStorage(Path(url.netloc + url.path if url.netloc else url.path))
    if url.scheme == "s3" and url.netloc:
        return S3Storage.connect(
            bucket=url.netloc,
            prefix=url.path,
            endpoint_url=settings.s3_endpoint_url or None,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            region=settings.s3_region,
        )
    raise ValueError(f"unsupported storage URL {settings.storage_url!r}")


# --------------------------------------------------------------------------- HTTP

_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


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

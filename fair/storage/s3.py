"""Any S3-compatible store through boto3: multipart uploads, presigned downloads."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import re
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
from fair.storage.base import (
    PART_SIZE,
    READ_CHUNK,
    ObjectNotFound,
    ObjectStat,
    OpenedRange,
    RangeNotSatisfiable,
    Storage,
    StorageAccessDenied,
    StorageError,
    StorageFull,
    StorageUnavailable,
    T,
    _resolve_range,
    check_key,
    content_disposition,
)

_S3_HEADERS = {
    "Content-Type": "ContentType",
    "Content-Disposition": "ContentDisposition",
    "Cache-Control": "CacheControl",
}
"""The object's HTTP headers as boto3 names them."""

ABORT_RETRY_SECONDS = 5.0
"""How often an abort that failed while S3 was down is tried again."""


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
        if status == 507 or code in ("XMinioStorageFull", "InsufficientStorage"):
            return StorageFull(f"S3 has no room left ({code or status})")
        return StorageUnavailable(f"S3 error {code or status}: {exc}")
    if isinstance(exc, BotoCoreError):
        return StorageUnavailable(f"S3 not reachable: {exc}")
    return StorageUnavailable(f"S3 failed: {exc!r}")


class S3Storage(Storage):
    """Objects in one bucket under an optional prefix; any S3-compatible server."""

    block_size = PART_SIZE
    """An upload is stored in parts of this size (one PUT when it is smaller)."""

    def __init__(self, client: S3Client, bucket: str, prefix: str = "", threads: int = 20) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        # As many threads as pooled connections; botocore clients are thread-safe.
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="fair-s3")
        self._cleanups: set[asyncio.Task[None]] = set()
        # Multipart uploads whose abort failed because S3 was down (upload id -> key):
        # their parts are stored in the bucket, so they are aborted once S3 answers.
        self._orphans: dict[str, str] = {}
        self._orphan_task: asyncio.Task[None] | None = None
        self.abort_retry_seconds = ABORT_RETRY_SECONDS

    def close(self) -> None:
        if self._orphan_task is not None:
            self._orphan_task.cancel()
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
        """``fn``, a boto3 call on the object ``key`` (bucket and prefixed key filled in),
        in the backend's threads; failures become the app's storage errors."""
        s3_key = self._key(key)  # outside the try: a bad key is the app's bug, not S3's
        try:
            return await self._run(fn, Bucket=self.bucket, Key=s3_key, **kwargs)
        except Exception as exc:
            raise _s3_error(exc, key) from exc

    async def _store(
        self, key: str, blocks: AsyncIterator[bytes], headers: Mapping[str, str]
    ) -> None:
        """Single PUT below one part, multipart above; one part uploads while the next is
        received, so memory stays at about two parts. Any failure aborts the upload."""
        s3_key = self._key(key)
        extra = {_S3_HEADERS[name]: value for name, value in headers.items()}
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        pending: asyncio.Task[None] | None = None
        creating: asyncio.Future[Any] | None = None
        part_number = 0

        async def upload_part(number: int, data: bytes) -> None:
            assert upload_id is not None
            result = await self._call(
                key,
                self.client.upload_part,
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
                    self._call(key, self.client.create_multipart_upload, **extra)
                )
                created = await asyncio.shield(creating)
                upload_id = created["UploadId"]
            if pending is not None:
                await asyncio.shield(pending)
            part_number += 1
            pending = asyncio.create_task(upload_part(part_number, data))

        try:
            async for block in blocks:
                if upload_id is None and len(block) < self.block_size:  # the whole, under a part
                    await self._call(key, self.client.put_object, Body=block, **extra)
                else:
                    await flush(block)
            if upload_id is not None:
                if pending is not None:
                    await asyncio.shield(pending)
                parts.sort(key=lambda p: p["PartNumber"])
                await self._call(
                    key,
                    self.client.complete_multipart_upload,
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
        if upload_id is not None and not await self._abort_upload(s3_key, upload_id):
            self._orphans[upload_id] = s3_key
            if self._orphan_task is None or self._orphan_task.done():
                self._orphan_task = asyncio.create_task(self._abort_orphans())

    async def _abort_upload(self, s3_key: str, upload_id: str) -> bool:
        """Abort one multipart upload; False when S3 could not be asked (try again)."""
        from botocore.exceptions import ClientError

        try:
            await self._run(
                self.client.abort_multipart_upload,
                Bucket=self.bucket,
                Key=s3_key,
                UploadId=upload_id,
            )
        except ClientError:
            return True  # S3 answered: already gone (NoSuchUpload) or not ours to abort
        except Exception:
            return False
        return True

    async def _abort_orphans(self) -> None:
        """S3 went down mid-upload, so the abort failed too: retry until S3 is back and
        every begun upload is aborted, leaving no half object (no manual clean-up).
        A bucket lifecycle rule (AbortIncompleteMultipartUpload) covers a process that
        dies before this succeeds."""
        while self._orphans:
            await asyncio.sleep(self.abort_retry_seconds)
            for upload_id, s3_key in list(self._orphans.items()):
                if not await self._abort_upload(s3_key, upload_id):
                    break  # still down: wait for the next round
                del self._orphans[upload_id]

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
        await self._call(key, self.client.delete_object)

    async def exists(self, key: str) -> bool:
        try:
            await self.size(key)
        except ObjectNotFound:
            return False
        return True

    async def stat(self, key: str) -> ObjectStat:
        head = await self._call(key, self.client.head_object)
        return ObjectStat(int(head["ContentLength"]), head["LastModified"].timestamp())

    def local_file(self, key: str) -> None:
        """The bytes are in the bucket: the app redirects to them or streams them."""
        return None

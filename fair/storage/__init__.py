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

from pathlib import Path
from urllib.parse import urlsplit

from fair.settings import Settings
from fair.storage.base import (
    PART_SIZE,
    READ_CHUNK,
    EmptyUpload,
    InvalidKey,
    ObjectNotFound,
    ObjectStat,
    OpenedRange,
    RangeNotSatisfiable,
    Storage,
    StorageAccessDenied,
    StorageError,
    StorageFull,
    StorageUnavailable,
    StoredObject,
    TooLarge,
    check_key,
    content_disposition,
    safe_filename,
)
from fair.storage.http import range_response
from fair.storage.local import LocalStorage
from fair.storage.s3 import S3Storage

__all__ = [
    "PART_SIZE",
    "READ_CHUNK",
    "EmptyUpload",
    "InvalidKey",
    "LocalStorage",
    "ObjectNotFound",
    "ObjectStat",
    "OpenedRange",
    "RangeNotSatisfiable",
    "S3Storage",
    "Storage",
    "StorageAccessDenied",
    "StorageError",
    "StorageFull",
    "StorageUnavailable",
    "StoredObject",
    "TooLarge",
    "check_key",
    "content_disposition",
    "range_response",
    "safe_filename",
    "storage_from_settings",
]


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

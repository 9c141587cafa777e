"""Receiving an uploaded file in a view: stream the form's file to storage and turn every
way it can fail into a clear 4xx/5xx naming the field.

:mod:`fair.uploads` parses the multipart body and decides a file's type; this module is
the step every upload view shares on top of it (booth materials and pictures, a session's
slides and recordings, the event's logo, the sign-language video, organisations' logos):
check CSRF from the fields sent before the file, store the file under a fresh key, and
forget it again when the database record cannot be written. It lives in the core so that
the core's own upload views need no domain package.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.requests import ClientDisconnect, Request

from fair.app_services import app_services
from fair.errors import HTTPError
from fair.form_errors import reason
from fair.i18n import gettext_for
from fair.storage import (
    EmptyUpload,
    Storage,
    StorageFull,
    StorageUnavailable,
    StoredObject,
    TooLarge,
)
from fair.templating import N_
from fair.uploads import (
    FormError,
    UnsupportedFileType,
    checked_stream,
    filename_for_type,
    stream_upload_form,
)
from fair.web import check_csrf, language

log = logging.getLogger("fair.uploads")

LOGO_TYPES = {"image/png", "image/jpeg", "image/webp"}
"""Pictures a logo (of a booth, an organisation, the event, a host region) may be."""

STORAGE_FULL = N_(
    "Der Dateispeicher ist voll; die Datei wurde nicht gespeichert. Bitte die Organisation"
    " informieren."
)
STORAGE_DOWN = N_("Der Dateispeicher ist gerade nicht erreichbar. Bitte später erneut versuchen.")

# Storage down (503) or full (507): the file was not kept; worth trying again later.
STORAGE_STATUSES = (503, 507)


@dataclass(frozen=True)
class StoredUpload:
    stored: StoredObject
    filename: str


@contextlib.asynccontextmanager
async def upload_errors() -> AsyncIterator[None]:
    """Translate upload and storage failures into clear client messages."""
    try:
        yield
    except TooLarge as exc:
        limit_mb = exc.limit / 2**20
        raise HTTPError(
            413, f"file: Die Datei ist zu groß (höchstens {limit_mb:.0f} MB).", field="file"
        ) from exc
    except EmptyUpload as exc:
        raise HTTPError(
            400, "file: Die Datei ist leer oder es wurde keine ausgewählt.", field="file"
        ) from exc
    except UnsupportedFileType as exc:
        raise HTTPError(415, f"file: Dateityp nicht erlaubt – {exc}", field="file") from exc
    except FormError as exc:
        raise HTTPError(400, f"Upload unvollständig oder fehlerhaft: {exc}") from exc
    except ClientDisconnect as exc:
        log.info("upload aborted by the client")
        raise HTTPError(400, "Upload abgebrochen: Die Verbindung wurde getrennt.") from exc
    except StorageFull as exc:
        log.error("storage full during upload: %s", exc)
        raise HTTPError(507, STORAGE_FULL) from exc
    except StorageUnavailable as exc:
        log.warning("storage unavailable during upload: %s", exc)
        raise HTTPError(503, STORAGE_DOWN) from exc


async def store_upload(
    storage: Storage,
    *,
    prefix: str,
    chunks: AsyncIterator[bytes],
    filename: str,
    max_bytes: int,
    allowed: set[str] | None = None,
) -> StoredUpload:
    """Check the type by content, then stream to a fresh key. Raises the storage and
    upload errors (:mod:`fair.storage`, :mod:`fair.uploads`) for the view to translate;
    on any failure nothing is left in storage."""
    content_type, body = await checked_stream(chunks, filename)
    if allowed is not None and content_type not in allowed:
        raise UnsupportedFileType(content_type)
    name = filename_for_type(filename, content_type)
    key = f"{prefix}/{uuid.uuid4().hex}"
    if allowed is LOGO_TYPES:  # logos are served by key: keep the type in it
        key += "." + content_type.split("/")[1]
    stored = await storage.save_stream(
        key, body, content_type=content_type, max_bytes=max_bytes, filename=name
    )
    return StoredUpload(stored, name)


async def receive_upload(
    request: Request,
    *,
    prefix: str,
    allowed: set[str] | None = None,
    typed: dict[str, str] | None = None,
) -> tuple[StoredUpload, dict[str, str]]:
    """Store the form's file; ``typed`` receives the fields sent before it even when the
    file is refused, so the form can come back with what was typed."""
    settings = app_services(request).settings
    async with upload_errors():
        form = await stream_upload_form(
            request, field_name="file", max_bytes=settings.max_upload_bytes
        )
        if typed is not None:
            typed.update({k: v for k, v in form.fields.items() if k != "csrf_token"})
        try:
            check_csrf(request, form.fields.get("csrf_token"))
        except HTTPError:
            with contextlib.suppress(Exception):
                await form.chunks.aclose()  # type: ignore[attr-defined]
            raise
        upload = await store_upload(
            app_services(request).storage,
            prefix=prefix,
            chunks=form.chunks,
            filename=form.filename,
            max_bytes=settings.max_upload_bytes,
            allowed=allowed,
        )
    return upload, form.fields


def file_error(request: Request, error: HTTPError) -> dict[str, str]:
    """The refusal as an error of the form's file field, in the page's language."""
    return {"file": reason(error, gettext_for(language(request)).gettext)}


def refused_file(request: Request, error: HTTPError) -> dict[str, str]:
    """For a form shown again: a refused file (type, size, none chosen, not a picture) or
    a storage that is down or full as the file field's error (:func:`file_error`); any
    other error is raised on."""
    if error.field != "file" and error.status_code not in STORAGE_STATUSES:
        raise error
    return file_error(request, error)


async def forget_upload(request: Request, upload: StoredUpload) -> None:
    """Remove a stored object whose database record could not be written."""
    with contextlib.suppress(Exception):
        await app_services(request).storage.delete(upload.stored.key)

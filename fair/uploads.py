"""Streaming multipart/form-data uploads and the file-type policy for booth materials.

Starlette's ``request.form()`` spools every file to a temp file before the view runs, so
a 500 MB upload would be written to local disk once and then copied to S3. Here the body
is parsed incrementally (python-multipart's push parser) and the file field is handed
on as an async iterator that :meth:`fair.storage.Storage.save_stream` consumes directly:
memory stays at one network chunk plus one S3 part, whatever the file size.

Small text fields (title, CSRF token) are collected on the way. Only those *before* the
file field are known when the file starts, so forms must put ``<input type=file>`` last;
fields after it appear in ``UploadForm.fields`` once the file has been consumed.

The type of a file is decided by its content (magic bytes), never by its name or the
browser's claim: an ``.pdf`` that is really HTML would otherwise reach visitors.
"""

from __future__ import annotations

import struct
import zipfile
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import filetype
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from fair.storage import EmptyUpload, TooLarge, safe_filename

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

SNIFF_BYTES = 64 * 1024
"""How much of a file is read before deciding its type: enough for the first zip
entries of an office document, small enough to hold in memory."""

FORM_OVERHEAD = 256 * 1024
"""Room for text fields and multipart framing on top of ``max_bytes``."""

PDF = "application/pdf"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODP = "application/vnd.oasis.opendocument.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ZIP = "application/zip"
UNKNOWN = "application/octet-stream"

ALLOWED_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    PDF: ("PDF", ("pdf",)),
    PPTX: ("PowerPoint (PPTX)", ("pptx",)),
    ODP: ("OpenDocument presentation (ODP)", ("odp",)),
    DOCX: ("Word (DOCX)", ("docx",)),
    ODT: ("OpenDocument text (ODT)", ("odt",)),
    "video/mp4": ("MP4 video", ("mp4", "m4v")),
    "video/webm": ("WebM video", ("webm",)),
    "image/png": ("PNG image", ("png",)),
    "image/jpeg": ("JPEG image", ("jpg", "jpeg")),
    "image/webp": ("WebP image", ("webp",)),
}
"""Materials visitors may download: label for messages and accepted extensions."""

_NAMED_TYPES = {
    "image/svg+xml": "SVG image",
    "text/html": "HTML page",
    "text/javascript": "JavaScript",
    "application/xml": "XML",
    "text/plain": "plain text",
    ZIP: "ZIP archive",
    XLSX: "Excel (XLSX)",
    UNKNOWN: "unknown binary data",
}


class FormError(ValueError):
    """The request is not the upload form we expect (HTTP 400); the message says why."""


class UnsupportedFileType(ValueError):
    """The content is not an allowed material type (HTTP 415); names what it is."""

    def __init__(self, detected: str) -> None:
        label = ALLOWED_TYPES.get(detected, (_NAMED_TYPES.get(detected, detected), ()))[0]
        allowed = ", ".join(label for label, _ in ALLOWED_TYPES.values())
        super().__init__(f"file type {label} ({detected}) is not allowed; allowed: {allowed}")
        self.detected = detected


# --------------------------------------------------------------------------- sniffing


def _zip_entries(head: bytes) -> list[tuple[str, bytes]]:
    """(name, stored content if uncompressed and small) for the zip entries in ``head``.

    Walks local file headers from the start; the central directory sits at the end of
    the file, out of reach while streaming. Entries with a data descriptor have no size
    in their header, so the next header is found by searching for its signature.
    """
    entries: list[tuple[str, bytes]] = []
    pos = 0
    while len(entries) < 100 and head[pos : pos + 4] == b"PK\x03\x04" and pos + 30 <= len(head):
        _sig, _ver, flags, method, _t, _d, _crc, csize, _usize, nlen, xlen = struct.unpack_from(
            "<4sHHHHHIIIHH", head, pos
        )
        name = head[pos + 30 : pos + 30 + nlen].decode("utf-8", "replace")
        start = pos + 30 + nlen + xlen
        content = head[start : start + csize] if method == 0 and csize <= 200 else b""
        entries.append((name, content))
        if flags & 0x08 and csize == 0:
            nxt = head.find(b"PK\x03\x04", start)
            if nxt < 0:
                break
            pos = nxt
        else:
            pos = start + csize
    return entries


def _office_type(names: list[str], first_content: bytes, extension: str) -> str:
    """Classify a zip by its entry names (OOXML) or its ``mimetype`` entry (ODF)."""
    if names and names[0] == "mimetype" and first_content.startswith(b"application/"):
        return first_content.decode("ascii", "replace").strip()
    for prefix, mime in (("word/", DOCX), ("ppt/", PPTX), ("xl/", XLSX)):
        if any(n.startswith(prefix) for n in names):
            return mime
    if "[Content_Types].xml" in names and extension in ("docx", "pptx"):
        # OOXML whose part folders lie beyond the sniffed bytes: trust the extension
        # only to pick between the two allowed OOXML types.
        return DOCX if extension == "docx" else PPTX
    return ZIP


def _text_type(head: bytes, extension: str) -> str:
    """Types that have no magic bytes but must be recognised to be refused."""
    if b"\x00" in head[:4096]:
        return UNKNOWN
    text = head[:8192].decode("utf-8", "replace").lstrip("\ufeff \t\r\n").lower()
    if "<svg" in text:
        return "image/svg+xml"
    if any(tag in text for tag in ("<!doctype html", "<html", "<script", "<body", "<iframe")):
        return "text/html"
    if extension in ("js", "mjs", "cjs"):
        return "text/javascript"
    if text.startswith("<?xml"):
        return "application/xml"
    return "text/plain"


def sniff_content_type(first_bytes: bytes, filename: str) -> str:
    """The MIME type of a file from its first bytes (``SNIFF_BYTES`` are plenty).

    The file name is only a tie-breaker (OOXML cut short, JavaScript without magic);
    it never turns unrecognised content into an allowed type.
    """
    extension = safe_filename(filename).rpartition(".")[2].lower()
    head = first_bytes
    if head.lstrip(b"\xef\xbb\xbf").startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        entries = _zip_entries(head)
        names = [name for name, _ in entries]
        return _office_type(names, entries[0][1] if entries else b"", extension)
    kind = filetype.guess(head)
    if kind is not None:
        mime = str(kind.mime)
        return "text/javascript" if mime == "application/javascript" else mime
    if not head:
        return UNKNOWN
    return _text_type(head, extension)


def sniff_path(path: Path, filename: str | None = None) -> str:
    """Like :func:`sniff_content_type` for a local file; zips are classified by their
    central directory, which is cheap when the whole file is at hand (recordings, spool)."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    name = filename or path.name
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                first = archive.read("mimetype")[:200] if names[:1] == ["mimetype"] else b""
        except (zipfile.BadZipFile, KeyError, OSError):
            return ZIP
        return _office_type(names, first, safe_filename(name).rpartition(".")[2].lower())
    return sniff_content_type(head, name)


def check_upload_type(first_bytes: bytes, filename: str) -> str:
    """The sniffed type if the policy allows it, else :class:`UnsupportedFileType`."""
    detected = sniff_content_type(first_bytes, filename)
    if detected not in ALLOWED_TYPES:
        raise UnsupportedFileType(detected)
    return detected


def filename_for_type(filename: str, content_type: str) -> str:
    """A safe download name whose extension matches the real type, so a PDF sent as
    ``offer.html`` is saved by visitors as ``offer.pdf`` and opened by a PDF viewer."""
    name = safe_filename(filename)
    extensions = ALLOWED_TYPES.get(content_type, ("", ()))[1]
    stem, dot, ext = name.rpartition(".")
    if not extensions or (dot and ext.lower() in extensions):
        return name
    return f"{stem if dot and stem else name}.{extensions[0]}"


async def checked_stream(
    chunks: AsyncIterator[bytes], filename: str
) -> tuple[str, AsyncIterator[bytes]]:
    """Read the first ``SNIFF_BYTES``, enforce the type policy, and return the content
    type with an iterator that yields the whole file again (peeked bytes first)."""
    head = bytearray()
    iterator = aiter(chunks)
    exhausted = False
    while len(head) < SNIFF_BYTES:
        try:
            head += await anext(iterator)
        except StopAsyncIteration:
            exhausted = True
            break
    if not head:
        raise EmptyUpload()
    content_type = check_upload_type(bytes(head), filename)

    async def replay() -> AsyncIterator[bytes]:
        yield bytes(head)
        if not exhausted:
            async for chunk in iterator:
                yield chunk

    return content_type, replay()


# --------------------------------------------------------------------------- multipart


@dataclass
class UploadForm:
    """The parsed upload request; ``chunks`` must be consumed (or closed) by the view."""

    filename: str
    """As the browser sent it: pass through :func:`fair.storage.safe_filename` before use."""
    declared_type: str
    """The browser's Content-Type for the part; informative only, never trusted."""
    chunks: AsyncIterator[bytes]
    fields: dict[str, str] = field(default_factory=dict)


Event = tuple[str, bytes]


class _PartReader:
    """Turns python-multipart's push callbacks into events pulled one at a time."""

    def __init__(self, body: AsyncIterator[bytes], boundary: bytes) -> None:
        self._body = aiter(body)
        self._events: deque[Event] = deque()
        self._header_name = bytearray()
        self._header_value = bytearray()
        callbacks: MultipartCallbacks = {
            "on_part_data": lambda data, start, end: self._events.append(("data", data[start:end])),
            "on_part_end": lambda: self._events.append(("part_end", b"")),
            "on_header_field": lambda data, start, end: self._header_name.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._header_value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": lambda: self._events.append(("headers_done", b"")),
            "on_end": lambda: self._events.append(("end", b"")),
        }
        self._parser = MultipartParser(boundary, callbacks)

    def _header_end(self) -> None:
        # Queued like data: callbacks run ahead of the consumer, so state set here
        # directly could belong to a part the consumer has not reached yet.
        self._events.append(("header", bytes(self._header_name) + b"\n" + self._header_value))
        self._header_name.clear()
        self._header_value.clear()

    async def next(self) -> Event:
        while not self._events:
            try:
                chunk = await anext(self._body)
            except StopAsyncIteration:
                raise FormError("the request body ended before the form was complete") from None
            try:
                self._parser.write(chunk)
            except MultipartParseError as exc:
                raise FormError(f"malformed multipart body: {exc}") from exc
        return self._events.popleft()

    async def next_part(self) -> tuple[str, str | None, str] | None:
        """(field name, file name or None, part content type) of the next part."""
        headers: dict[str, bytes] = {}
        while True:
            kind, data = await self.next()
            if kind == "end":
                return None
            if kind == "header":
                header, _, value = data.partition(b"\n")
                headers[header.decode("latin-1").lower()] = value
            if kind == "headers_done":
                break
        _, options = parse_options_header(headers.get("content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        raw_filename = options.get(b"filename")
        filename = None if raw_filename is None else raw_filename.decode("utf-8", "replace")
        part_type = headers.get("content-type", b"").decode("latin-1").strip()
        return name, filename, part_type

    async def read_text(self, name: str, limit: int) -> str:
        value = bytearray()
        while (event := await self.next())[0] == "data":
            value += event[1]
            if len(value) > limit:
                raise FormError(f"form field {name!r} is longer than {limit} bytes")
        return value.decode("utf-8", "replace")


async def stream_upload_form(
    request: Request,
    *,
    field_name: str,
    max_bytes: int,
    max_field_bytes: int = 16 * 1024,
    max_fields: int = 32,
) -> UploadForm:
    """Parse a multipart/form-data request up to the start of ``field_name``'s file.

    Raises :class:`FormError` for anything but a well-formed form with that file field,
    :class:`fair.storage.TooLarge` when the declared or the streamed size is over
    ``max_bytes`` and :class:`fair.storage.EmptyUpload` when no file was chosen.
    """
    media_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise FormError("expected a multipart/form-data request")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + FORM_OVERHEAD:
        raise TooLarge(max_bytes)  # refuse before reading a byte of it

    reader = _PartReader(request.stream(), boundary)
    fields: dict[str, str] = {}

    async def read_fields() -> None:
        while (part := await reader.next_part()) is not None:
            name, filename, _ = part
            if filename is not None:
                raise FormError(f"unexpected file field {name!r}")
            if len(fields) >= max_fields:
                raise FormError(f"more than {max_fields} form fields")
            fields[name] = await reader.read_text(name, max_field_bytes)

    while True:
        part = await reader.next_part()
        if part is None:
            raise FormError(f"the form has no file field {field_name!r}")
        name, filename, part_type = part
        if name == field_name and filename is not None:
            break
        if filename is not None:
            raise FormError(f"unexpected file field {name!r}")
        if len(fields) >= max_fields:
            raise FormError(f"more than {max_fields} form fields")
        fields[name] = await reader.read_text(name, max_field_bytes)
    if not filename:
        raise EmptyUpload()  # browsers send filename="" when no file was chosen

    async def chunks() -> AsyncIterator[bytes]:
        total = 0
        while (event := await reader.next())[0] == "data":
            total += len(event[1])
            if total > max_bytes:
                raise TooLarge(max_bytes)
            if event[1]:
                yield event[1]
        await read_fields()

    return UploadForm(filename, part_type or "application/octet-stream", chunks(), fields)

"""Content sniffing, the material type policy and the streaming form parser.

Media samples are real files made on the spot (PyAV encoders, zipfile); form uploads go
through a tiny Starlette app over httpx into a real LocalStorage.
"""

from __future__ import annotations

import io
import os
import uuid
import zipfile
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path

import av
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fair.storage import EmptyUpload, LocalStorage, TooLarge
from fair.uploads import (
    DOCX,
    ODP,
    ODT,
    PDF,
    PPTX,
    XLSX,
    ZIP,
    FormError,
    UnsupportedFileType,
    check_upload_type,
    checked_stream,
    filename_for_type,
    sniff_content_type,
    sniff_path,
    stream_upload_form,
)

MB = 1024 * 1024


def encode(fmt: str, codec: str, pix: str, frames: int = 1) -> bytes:
    buf = io.BytesIO()
    container = av.open(buf, "w", format=fmt)
    stream = container.add_stream(codec, rate=10)
    assert isinstance(stream, av.video.stream.VideoStream)
    stream.width, stream.height, stream.pix_fmt = 32, 32, pix
    for _ in range(frames):
        frame = av.VideoFrame(32, 32, "yuv420p").reformat(format=pix)
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return buf.getvalue()


class Unseekable(io.RawIOBase):
    """Forces zipfile to write data descriptors, as streaming zip writers do."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.data += b
        return len(b)


def make_zip(entries: Iterable[tuple[str, bytes]], *, stream: bool = False) -> bytes:
    target: io.BytesIO | Unseekable = Unseekable() if stream else io.BytesIO()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            compress = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=compress)
    return bytes(target.data) if isinstance(target, Unseekable) else target.getvalue()


def ooxml(folder: str, *, stream: bool = False) -> bytes:
    return make_zip(
        [
            ("[Content_Types].xml", b"<?xml version='1.0'?><Types/>"),
            ("_rels/.rels", b"<Relationships/>"),
            (f"{folder}/document.xml", b"<doc/>"),
        ],
        stream=stream,
    )


def odf(mime: str) -> bytes:
    return make_zip([("mimetype", mime.encode()), ("content.xml", b"<office:document/>")])


SAMPLES: dict[str, Callable[[], bytes]] = {
    "pdf": lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n",
    "pptx": lambda: ooxml("ppt"),
    "docx": lambda: ooxml("word"),
    "docx-streamed": lambda: ooxml("word", stream=True),
    "odp": lambda: odf(ODP),
    "odt": lambda: odf(ODT),
    "mp4": lambda: encode("mp4", "libx264", "yuv420p", 3),
    "webm": lambda: encode("webm", "libvpx", "yuv420p", 3),
    "png": lambda: encode("image2pipe", "png", "rgb24"),
    "jpeg": lambda: encode("image2pipe", "mjpeg", "yuvj420p"),
    "webp": lambda: encode("webp", "libwebp", "yuv420p"),
}


@pytest.mark.parametrize(
    "sample,filename,expected",
    [
        ("pdf", "a.pdf", PDF),
        ("pdf", "offer.html", PDF),  # content decides, not the name
        ("pptx", "talk.pptx", PPTX),
        ("pptx", "talk.zip", PPTX),
        ("docx", "brochure.docx", DOCX),
        ("docx-streamed", "brochure.docx", DOCX),
        ("odp", "talk.odp", ODP),
        ("odt", "text.odt", ODT),
        ("mp4", "clip.mp4", "video/mp4"),
        ("webm", "clip.webm", "video/webm"),
        ("png", "logo.png", "image/png"),
        ("jpeg", "photo.jpg", "image/jpeg"),
        ("webp", "photo.webp", "image/webp"),
    ],
)
def test_allowed_types(sample: str, filename: str, expected: str) -> None:
    data = SAMPLES[sample]()
    assert sniff_content_type(data[:65536], filename) == expected
    assert check_upload_type(data, filename) == expected


@pytest.mark.parametrize(
    "data,filename,detected,label",
    [
        (
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
            "x.svg",
            "image/svg+xml",
            "SVG",
        ),
        (b"<svg onload=alert(1)>", "logo.png", "image/svg+xml", "SVG"),
        (b"\xef\xbb\xbf<!DOCTYPE html><html><body>hi", "a.pdf", "text/html", "HTML"),
        (b"  <script>alert(1)</script>", "a.pdf", "text/html", "HTML"),
        (b"alert(document.cookie)", "app.js", "text/javascript", "JavaScript"),
        (b"just some notes", "notes.pdf", "text/plain", "plain text"),
        (b"\x00\x01\x02garbage\xff", "x.pdf", "application/octet-stream", "unknown"),
        (b"", "empty.pdf", "application/octet-stream", "unknown"),
    ],
)
def test_rejected_types(data: bytes, filename: str, detected: str, label: str) -> None:
    with pytest.raises(UnsupportedFileType) as info:
        check_upload_type(data, filename)
    assert info.value.detected == detected
    assert label in str(info.value) and detected in str(info.value)
    assert "allowed: PDF" in str(info.value)


@pytest.mark.parametrize(
    "make,filename,detected",
    [
        (lambda: ooxml("xl"), "sheet.xlsx", XLSX),
        (
            lambda: odf("application/vnd.oasis.opendocument.spreadsheet"),
            "t.ods",
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
        (lambda: make_zip([("index.html", b"<html>")]), "site.docx", ZIP),
        (lambda: encode("gif", "gif", "rgb8"), "anim.gif", "image/gif"),
        (lambda: encode("matroska", "libx264", "yuv420p"), "clip.mkv", "video/x-matroska"),
    ],
)
def test_rejected_binary_types(make: Callable[[], bytes], filename: str, detected: str) -> None:
    with pytest.raises(UnsupportedFileType) as info:
        check_upload_type(make(), filename)
    assert info.value.detected == detected


def test_ooxml_beyond_sniff_window_uses_central_directory(tmp_path: Path) -> None:
    """A big first entry pushes ``word/`` past the sniffed bytes; a streamed upload then
    trusts the .docx extension only, and ``sniff_path`` reads the central directory."""
    data = make_zip(
        [
            ("[Content_Types].xml", b"<Types/>"),
            ("media/big.bin", os.urandom(200_000)),
            ("word/document.xml", b"<doc/>"),
        ]
    )
    assert sniff_content_type(data[:65536], "brochure.docx") == DOCX
    assert sniff_content_type(data[:65536], "brochure.zip") == ZIP
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    assert sniff_path(path, "brochure.zip") == DOCX
    (tmp_path / "a.pdf").write_bytes(SAMPLES["pdf"]())
    assert sniff_path(tmp_path / "a.pdf") == PDF


@pytest.mark.parametrize(
    "filename,content_type,expected",
    [
        ("offer.html", PDF, "offer.pdf"),
        ("Foto.JPEG", "image/jpeg", "Foto.JPEG"),
        ("noext", "video/mp4", "noext.mp4"),
        ("../../x.pptx", PPTX, "x.pptx"),
    ],
)
def test_filename_for_type(filename: str, content_type: str, expected: str) -> None:
    assert filename_for_type(filename, content_type) == expected


async def test_checked_stream_replays_peeked_bytes() -> None:
    data = SAMPLES["pdf"]() + os.urandom(300_000)

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(data), 1000):
            yield data[i : i + 1000]

    content_type, replay = await checked_stream(chunks(), "a.pdf")
    assert content_type == PDF
    assert b"".join([c async for c in replay]) == data
    with pytest.raises(EmptyUpload):
        await checked_stream(_aiter([]), "a.pdf")


async def _aiter(items: Iterable[bytes]) -> AsyncIterator[bytes]:
    for item in items:
        yield item


# --------------------------------------------------------------------------- forms

BOUNDARY = "----fairTestBoundary7MA4YWxkTrZu0gW"


def form_parts(
    fields: dict[str, str],
    file_chunks: Iterable[bytes],
    *,
    filename: str = "Präsentation.pdf",
    after: dict[str, str] | None = None,
    field_name: str = "file",
) -> Iterable[bytes]:
    """A multipart/form-data body as a browser sends it, file content generated lazily."""
    for name, value in fields.items():
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field_name}"; '
        f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode()
    yield from file_chunks
    yield b"\r\n"
    for name, value in (after or {}).items():
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    yield f"--{BOUNDARY}--\r\n".encode()


def rechunk(parts: Iterable[bytes], size: int) -> Iterable[bytes]:
    """Split the body at awkward places so boundaries and headers straddle chunks."""
    for part in parts:
        for i in range(0, len(part), size):
            yield part[i : i + size]


def upload_app(storage: LocalStorage, max_bytes: int) -> Starlette:
    """The shape of the booths upload route: fields, sniff, stream to storage."""

    async def upload(request: Request) -> Response:
        try:
            form = await stream_upload_form(request, field_name="file", max_bytes=max_bytes)
            content_type, chunks = await checked_stream(form.chunks, form.filename)
            name = filename_for_type(form.filename, content_type)
            stored = await storage.save_stream(
                f"m/{uuid.uuid4().hex}",
                chunks,
                content_type=content_type,
                max_bytes=max_bytes,
                filename=name,
            )
        except (FormError, EmptyUpload) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except TooLarge as exc:
            return JSONResponse({"error": str(exc)}, status_code=413)
        except UnsupportedFileType as exc:
            return JSONResponse({"error": str(exc)}, status_code=415)
        return JSONResponse(
            {
                "key": stored.key,
                "size": stored.size,
                "type": stored.content_type,
                "filename": name,
                "fields": form.fields,
            }
        )

    return Starlette(routes=[Route("/upload", upload, methods=["POST"])])


@pytest.fixture
def media(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "media")


def stored_files(storage: LocalStorage) -> list[Path]:
    return [p for p in storage.root.rglob("*") if p.is_file()] if storage.root.exists() else []


async def post(app: Starlette, body: Iterable[bytes], **headers: str) -> httpx.Response:
    async def stream() -> AsyncIterator[bytes]:
        for chunk in body:
            yield chunk

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.post(
            "/upload",
            content=stream(),
            headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", **headers},
        )


@pytest.mark.parametrize("chunk", [7, 1000, 65536])
async def test_form_fields_and_file_streamed(media: LocalStorage, chunk: int) -> None:
    pdf = SAMPLES["pdf"]() + os.urandom(200_000)
    body = form_parts(
        {"csrf": "tok-123", "title": "Unser Prospekt – 2026"}, [pdf], after={"note": "late"}
    )
    response = await post(upload_app(media, 10 * MB), rechunk(body, chunk))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["fields"] == {"csrf": "tok-123", "title": "Unser Prospekt – 2026", "note": "late"}
    assert (result["size"], result["type"], result["filename"]) == (
        len(pdf),
        PDF,
        "Präsentation.pdf",
    )
    assert (media.root / result["key"]).read_bytes() == pdf


async def test_form_large_file(media: LocalStorage) -> None:
    chunks = [SAMPLES["pdf"]()] + [bytes([i % 251]) * 65536 for i in range(320)]  # ~20 MB
    response = await post(upload_app(media, 50 * MB), form_parts({"csrf": "t"}, chunks))
    assert response.status_code == 200
    assert response.json()["size"] == sum(map(len, chunks))


async def test_form_too_large_streamed(media: LocalStorage) -> None:
    chunks = [SAMPLES["pdf"]()] + [b"x" * 65536] * 100  # 6.4 MB, no Content-Length
    response = await post(upload_app(media, 1 * MB), form_parts({"csrf": "t"}, chunks))
    assert response.status_code == 413 and str(1 * MB) in response.json()["error"]
    assert stored_files(media) == []


async def test_form_too_large_declared(media: LocalStorage) -> None:
    body = form_parts({"csrf": "t"}, [SAMPLES["pdf"]()])
    response = await post(upload_app(media, 1 * MB), body, **{"Content-Length": str(50 * MB)})
    assert response.status_code == 413


async def test_form_rejects_svg(media: LocalStorage) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = await post(upload_app(media, MB), form_parts({}, [svg], filename="logo.pdf"))
    assert response.status_code == 415 and "SVG" in response.json()["error"]
    assert stored_files(media) == []


TEXT_ONLY = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--{BOUNDARY}--\r\n'
).encode()


@pytest.mark.parametrize(
    "body,content_type,message",
    [
        (form_parts({"a": "b"}, [b"%PDF-1.7"], field_name="other"), None, "unexpected file"),
        (iter([TEXT_ONLY]), None, "no file field"),
        (iter([b"garbage without boundary"]), None, "malformed"),
        (
            iter([f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"'.encode()]),
            None,
            "ended",
        ),
        (iter([b"a=b"]), "application/x-www-form-urlencoded", "multipart/form-data"),
        (form_parts({"t": "x" * 20_000}, [b"%PDF-1.7"]), None, "longer than"),
    ],
)
async def test_form_errors(
    media: LocalStorage, body: Iterable[bytes], content_type: str | None, message: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = await post(upload_app(media, MB), body, **headers)
    assert response.status_code == 400 and message in response.json()["error"]
    assert stored_files(media) == []


async def test_form_no_file_chosen(media: LocalStorage) -> None:
    response = await post(upload_app(media, MB), form_parts({"csrf": "t"}, [], filename=""))
    assert response.status_code == 400 and "empty" in response.json()["error"]


async def test_form_part_headers_are_bounded(media: LocalStorage) -> None:
    """A part whose headers never end is refused, not buffered up to the upload limit."""
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
    endless = (b"X-Padding: " + b"a" * 65536 for _ in range(200))  # 13 MB of one header

    def body() -> Iterable[bytes]:
        yield head.encode()
        yield from endless

    response = await post(upload_app(media, 100 * MB), body())
    assert response.status_code == 400
    assert "header" in response.json()["error"]  # python-multipart caps header size
    assert stored_files(media) == []

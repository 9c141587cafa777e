"""Storage behaviour against both real backends: a temp directory and a nanio S3 server.

No mocks: every failure case (too large, dropped client, dead server, wrong secret) is
produced for real, and "nothing left behind" is proven by listing the directory/bucket.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from fair.settings import Settings
from fair.storage import (
    PART_SIZE,
    EmptyUpload,
    InvalidKey,
    LocalStorage,
    ObjectNotFound,
    RangeNotSatisfiable,
    S3Storage,
    Storage,
    StorageAccessDenied,
    StorageUnavailable,
    TooLarge,
    content_disposition,
    safe_filename,
    storage_from_settings,
)
from tests.support.ports import free_port
from tests.support.s3_server import S3Server

MB = 1024 * 1024
GB = 1024 * MB


@dataclass
class Backend:
    name: str
    storage: Storage
    leftovers: Callable[[], list[str]]
    """Every object, temp file or open multipart upload that exists right now."""


def s3_storage(server: S3Server, bucket: str, **kwargs: object) -> S3Storage:
    return S3Storage.connect(
        bucket=bucket,
        endpoint_url=server.endpoint_url,
        access_key=server.access_key,
        secret_key=str(kwargs.pop("secret_key", server.secret_key)),
        region=server.region,
        connect_timeout=1,
        max_attempts=1,
    )


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "local":
        root = tmp_path / "media"
        root.mkdir()
        yield Backend(
            "local",
            LocalStorage(root),
            lambda: sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()),
        )
        return
    server: S3Server = request.getfixturevalue("nanio")
    bucket = server.create_bucket()
    storage = s3_storage(server, bucket)
    yield Backend(
        "s3",
        storage,
        lambda: server.list_keys(bucket) + [f"upload:{k}" for k in server.list_uploads(bucket)],
    )
    storage.close()


def pattern(size: int, chunk: int = MB, seed: int = 0) -> Iterator[bytes]:
    """Deterministic, non-repeating-per-chunk data generated on the fly."""
    sent = 0
    n = seed
    while sent < size:
        block = hashlib.sha256(n.to_bytes(8, "big")).digest() * (chunk // 32 + 1)
        piece = block[: min(chunk, size - sent)]
        sent += len(piece)
        n += 1
        yield piece


async def agen(chunks: Iterator[bytes], fail_after: int | None = None) -> AsyncIterator[bytes]:
    """An upload body; ``fail_after`` bytes simulates a client that drops the connection."""
    sent = 0
    for chunk in chunks:
        if fail_after is not None and sent >= fail_after:
            raise ConnectionResetError("client went away")
        sent += len(chunk)
        yield chunk
        await asyncio.sleep(0)


async def read_all(
    storage: Storage, key: str, start: int | None = None, end: int | None = None
) -> bytes:
    opened = await storage.open_range(key, start, end)
    return b"".join([chunk async for chunk in opened.body])


# --------------------------------------------------------------------------- roundtrip


async def test_small_roundtrip(backend: Backend) -> None:
    storage = backend.storage
    stored = await storage.save_stream(
        "booths/1/a.pdf",
        agen(iter([b"%PDF-1.7 ", b"hello"])),
        content_type="application/pdf",
        max_bytes=1000,
        filename="a.pdf",
    )
    assert (stored.key, stored.size, stored.content_type) == (
        "booths/1/a.pdf",
        14,
        "application/pdf",
    )
    assert await storage.exists("booths/1/a.pdf")
    assert await storage.size("booths/1/a.pdf") == 14
    assert await read_all(storage, "booths/1/a.pdf") == b"%PDF-1.7 hello"
    assert backend.leftovers() == ["booths/1/a.pdf"]
    await storage.delete("booths/1/a.pdf")
    assert not await storage.exists("booths/1/a.pdf")
    await storage.delete("booths/1/a.pdf")  # idempotent
    with pytest.raises(ObjectNotFound):
        await storage.size("booths/1/a.pdf")
    with pytest.raises(ObjectNotFound):
        await storage.open_range("booths/1/a.pdf", None, None)
    assert backend.leftovers() == []


async def test_100mb_streamed_multipart_upload(backend: Backend, nanio: S3Server) -> None:
    size = 100 * MB + 12345  # not a multiple of the part size: a short last part
    digest = hashlib.sha256()

    def tracked() -> Iterator[bytes]:
        for chunk in pattern(size, chunk=64 * 1024):
            digest.update(chunk)
            yield chunk

    stored = await backend.storage.save_stream(
        "rec/big.webm", agen(tracked()), content_type="video/webm", max_bytes=200 * MB
    )
    assert stored.size == size
    assert await backend.storage.size("rec/big.webm") == size
    back = hashlib.sha256()
    opened = await backend.storage.open_range("rec/big.webm", None, None)
    async for chunk in opened.body:
        back.update(chunk)
    assert back.hexdigest() == digest.hexdigest()
    assert backend.leftovers() == ["rec/big.webm"]
    if isinstance(backend.storage, S3Storage):
        head = backend.storage.client.head_object(Bucket=backend.storage.bucket, Key="rec/big.webm")
        parts = -(-size // PART_SIZE)
        assert head["ETag"].strip('"').endswith(f"-{parts}"), "expected a multipart object"


async def test_save_file(backend: Backend, tmp_path: Path) -> None:
    source = tmp_path / "recording.webm"
    source.write_bytes(b"".join(pattern(20 * MB + 7)))
    stored = await backend.storage.save_file(
        "rec/s1.webm", source, content_type="video/webm", filename="Session 1.webm"
    )
    assert stored.size == 20 * MB + 7
    assert await read_all(backend.storage, "rec/s1.webm") == source.read_bytes()
    assert source.exists(), "save_file copies; the spool file is the caller's to remove"


# --------------------------------------------------------------------------- ranges


async def test_ranged_reads(backend: Backend) -> None:
    data = b"".join(pattern(3 * MB, chunk=1000))
    await backend.storage.save_stream(
        "m/x.bin", agen(iter([data])), content_type="application/pdf", max_bytes=10 * MB
    )
    opened = await backend.storage.open_range("m/x.bin", 100, 199)
    assert (opened.total, opened.start, opened.end) == (len(data), 100, 199)
    assert b"".join([c async for c in opened.body]) == data[100:200]
    assert await read_all(backend.storage, "m/x.bin", 2 * MB, None) == data[2 * MB :]
    assert await read_all(backend.storage, "m/x.bin", 10, 10 * MB) == data[10:]  # clamped
    for start, end in [(len(data), None), (5, 4), (-1, 3)]:
        with pytest.raises(RangeNotSatisfiable):
            await backend.storage.open_range("m/x.bin", start, end)


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize("limit,size", [(1000, 5000), (10 * MB, 30 * MB)])
async def test_too_large_leaves_nothing(backend: Backend, limit: int, size: int) -> None:
    with pytest.raises(TooLarge) as info:
        await backend.storage.save_stream(
            "m/too-big.pdf",
            agen(pattern(size, chunk=256 * 1024)),
            content_type="application/pdf",
            max_bytes=limit,
        )
    assert str(limit) in str(info.value) and info.value.limit == limit
    assert backend.leftovers() == []


async def test_empty_upload(backend: Backend) -> None:
    with pytest.raises(EmptyUpload):
        await backend.storage.save_stream(
            "m/empty.pdf", agen(iter([b"", b""])), content_type="application/pdf", max_bytes=100
        )
    assert backend.leftovers() == []


@pytest.mark.parametrize("fail_after", [3 * MB, 20 * MB])
async def test_dropped_client_leaves_nothing(backend: Backend, fail_after: int) -> None:
    with pytest.raises(ConnectionResetError):
        await backend.storage.save_stream(
            "m/dropped.mp4",
            agen(pattern(50 * MB), fail_after=fail_after),
            content_type="video/mp4",
            max_bytes=100 * MB,
        )
    assert backend.leftovers() == []


async def test_cancelled_upload_leaves_nothing(backend: Backend) -> None:
    async def slow() -> AsyncIterator[bytes]:
        for chunk in pattern(60 * MB):
            yield chunk
            await asyncio.sleep(0.02)  # ~50 MB/s: the upload is still running at 0.3 s

    task = asyncio.create_task(
        backend.storage.save_stream(
            "m/cancelled.mp4", slow(), content_type="video/mp4", max_bytes=100 * MB
        )
    )
    await asyncio.sleep(0.3)  # well into the multipart upload
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert backend.leftovers() == []


async def test_existing_object_survives_failed_overwrite(backend: Backend) -> None:
    await backend.storage.save_stream(
        "m/keep.pdf", agen(iter([b"old"])), content_type="application/pdf", max_bytes=100
    )
    with pytest.raises(TooLarge):
        await backend.storage.save_stream(
            "m/keep.pdf", agen(iter([b"new" * 100])), content_type="application/pdf", max_bytes=100
        )
    assert await read_all(backend.storage, "m/keep.pdf") == b"old"
    assert backend.leftovers() == ["m/keep.pdf"]


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../../b", "a\\b", "", "a\nb"])
async def test_invalid_keys(backend: Backend, key: str) -> None:
    with pytest.raises(InvalidKey):
        await backend.storage.save_stream(
            key, agen(iter([b"x"])), content_type="application/pdf", max_bytes=10
        )
    with pytest.raises(InvalidKey):
        await backend.storage.exists(key)


async def test_s3_unavailable_fails_fast(nanio: S3Server) -> None:
    dead = S3Storage.connect(
        bucket="b",
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        access_key="k",
        secret_key="s",
        region="us-east-1",
    )  # production defaults: 3 attempts, 3 s connect timeout
    started = time.monotonic()
    with pytest.raises(StorageUnavailable):
        await dead.exists("x")
    with pytest.raises(StorageUnavailable):
        await dead.save_stream(
            "x", agen(pattern(20 * MB)), content_type="video/mp4", max_bytes=100 * MB
        )
    assert time.monotonic() - started < 5

    with S3Server() as server:  # a server that dies while we use it
        storage = s3_storage(server, server.create_bucket())
        await storage.save_stream("a", agen(iter([b"x"])), content_type="text/plain", max_bytes=9)
        server.stop()
        with pytest.raises(StorageUnavailable):
            await storage.size("a")
        with pytest.raises(StorageUnavailable):
            await storage.save_stream(
                "b", agen(pattern(20 * MB)), content_type="video/mp4", max_bytes=100 * MB
            )


async def test_local_unavailable(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(StorageUnavailable):
        await LocalStorage(not_a_dir).save_stream(
            "a/b", agen(iter([b"x"])), content_type="text/plain", max_bytes=9
        )


async def test_wrong_secret_key(nanio: S3Server) -> None:
    bucket = nanio.create_bucket()
    storage = s3_storage(nanio, bucket, secret_key="not-the-secret")
    with pytest.raises(StorageAccessDenied, match="refused"):
        await storage.exists("x")
    with pytest.raises(StorageAccessDenied):
        await storage.save_stream(
            "x", agen(pattern(12 * MB)), content_type="video/mp4", max_bytes=100 * MB
        )
    assert nanio.list_keys(bucket) == [] and nanio.list_uploads(bucket) == []


async def wait_for(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_real_client_disconnect_aborts_upload(backend: Backend) -> None:
    """A browser closing the tab mid-upload: uvicorn reports http.disconnect, Starlette
    raises ClientDisconnect inside ``request.stream()``, the upload is aborted."""
    outcome: list[str] = []

    async def upload(request: Request) -> Response:
        try:
            await backend.storage.save_stream(
                "m/disconnect.mp4", request.stream(), content_type="video/mp4", max_bytes=GB
            )
        except ClientDisconnect:
            outcome.append("disconnect")
            return Response(status_code=400)
        return Response(status_code=201)

    app = Starlette(routes=[Route("/up", upload, methods=["POST"])])
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        await wait_for(lambda: server.started)
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(f"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: {100 * MB}\r\n\r\n".encode())
        for chunk in pattern(20 * MB):
            sock.sendall(chunk)
        # The upload is under way: a temp file, or an open multipart upload.
        await wait_for(lambda: any(".part" in k or "upload:" in k for k in backend.leftovers()))
        sock.close()
        await wait_for(lambda: outcome == ["disconnect"] and backend.leftovers() == [])
    finally:
        server.should_exit = True
        thread.join(5)


# --------------------------------------------------------------------------- presigned


async def test_presigned_url_attachment_and_expiry(nanio: S3Server) -> None:
    bucket = nanio.create_bucket()
    storage = s3_storage(nanio, bucket)
    await storage.save_stream(
        "m/p.pdf",
        agen(iter([b"%PDF-1.7 x"])),
        content_type="application/pdf",
        max_bytes=100,
        filename="Prospekt Müller.pdf",
    )
    url = await storage.presigned_url(
        "m/p.pdf", expires=3, filename="Prospekt Müller.pdf", content_type="application/pdf"
    )
    assert url is not None
    async with httpx.AsyncClient() as client:
        fresh = await client.get(url)
        assert fresh.status_code == 200 and fresh.content == b"%PDF-1.7 x"
        assert fresh.headers["content-disposition"] == content_disposition("Prospekt Müller.pdf")
        assert fresh.headers["content-type"] == "application/pdf"
        await asyncio.sleep(4.1)  # 3 s of validity: room for a loaded machine's first GET
        expired = await client.get(url)
        assert expired.status_code == 403


async def test_local_has_no_presigned_url(tmp_path: Path) -> None:
    assert (
        await LocalStorage(tmp_path).presigned_url(
            "a", expires=60, filename="a.pdf", content_type="application/pdf"
        )
        is None
    )


async def test_storage_from_settings(tmp_path: Path, nanio: S3Server) -> None:
    local = storage_from_settings(Settings(storage_url=f"file://{tmp_path}"))
    assert isinstance(local, LocalStorage) and local.root == tmp_path.resolve()
    bucket = nanio.create_bucket()
    s3 = storage_from_settings(
        Settings(
            storage_url=f"s3://{bucket}/fair/media",
            s3_endpoint_url=nanio.endpoint_url,
            s3_access_key=nanio.access_key,
            s3_secret_key=nanio.secret_key,
        )
    )
    await s3.save_stream("k.pdf", agen(iter([b"1"])), content_type="application/pdf", max_bytes=9)
    assert nanio.list_keys(bucket) == ["fair/media/k.pdf"]
    assert await s3.exists("k.pdf")


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\Angebot.pdf", "Angebot.pdf"),
        ("..", "download"),
        ("", "download"),
        (".hidden.pdf", "hidden.pdf"),
        ("Größe – Übersicht 2026.pptx", "Größe – Übersicht 2026.pptx"),
        ("日本語の資料.pdf", "日本語の資料.pdf"),
        ("evil\u202egpj.exe", "evilgpj.exe"),
        ("a\x00b\r\nc.pdf", "ab c.pdf"),
        ('a"b<c>|d?.pdf', "a_b_c__d_.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("trailing. . ", "trailing"),
    ],
)
def test_safe_filename(raw: str, expected: str) -> None:
    assert safe_filename(raw) == expected


def test_safe_filename_length_keeps_extension() -> None:
    name = safe_filename("x" * 500 + ".pptx")
    assert len(name) <= 120 and name.endswith(".pptx")


def test_content_disposition_is_ascii() -> None:
    header = content_disposition('Ärger "quoted"\n.pdf')
    header.encode("latin-1")
    assert header.startswith("attachment; filename=\"Arger _quoted_ .pdf\"; filename*=UTF-8''")

"""Stored files answer Range requests exactly as Starlette's ``FileResponse`` does.

One object in local storage or in a nanio S3 bucket, and the same bytes in a plain file
with the same modification time; both served by a real uvicorn, ours through
``range_response`` and the reference through ``FileResponse``. Every request (single,
suffix, multiple and overlapping ranges, another unit, malformed and unsatisfiable
headers, ``If-Range`` with an ETag or a date, GET and HEAD) must get the same status,
headers and bytes. And a recording probed as Safari does (``bytes=0-1``) through the
app's own route answers 206, on both storages and both databases.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from fair.app_services import app_services
from fair.storage import LocalStorage, S3Storage, Storage, content_disposition, range_response
from sessions.models import ProgrammeSession, Recording
from tests.support.booth_helpers import app_with, s3_overrides
from tests.support.s3_server import S3Server
from tests.support.served import served

KEY = "m/Präsentation.pdf"
NAME = "Präsentation <final>.pdf"
TYPE = "application/pdf"
# Larger than FileResponse's 64 KiB chunks, so ranges cross chunk borders.
DATA = bytes((i * 7 + i // 251) % 256 for i in range(200_017))
SIZE = len(DATA)
COMPARED = (
    "content-type",
    "content-length",
    "content-range",
    "accept-ranges",
    "etag",
    "last-modified",
    "content-disposition",
    "x-content-type-options",
)


@dataclass
class Pair:
    """Base URLs of the same bytes served two ways."""

    ours: str
    reference: str


async def _open_storage(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if kind == "local":
        return LocalStorage(tmp_path / "media")
    server: S3Server = request.getfixturevalue("nanio")
    return S3Storage.connect(
        bucket=server.create_bucket(),
        endpoint_url=server.endpoint_url,
        access_key=server.access_key,
        secret_key=server.secret_key,
        region=server.region,
    )


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


@pytest_asyncio.fixture(params=["local", "s3"])
async def pair(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Pair]:
    storage = await _open_storage(str(request.param), request, tmp_path)
    await storage.save_stream(KEY, _chunks(DATA), content_type=TYPE, max_bytes=SIZE)
    # Whole seconds (S3 has no finer time), the same on both files: same ETag and date.
    modified = int((await storage.stat(KEY)).modified)
    reference = tmp_path / "reference.pdf"
    reference.write_bytes(DATA)
    for path in (reference, storage.local_file(KEY)):
        if path is not None:
            os.utime(path, (modified, modified))
    headers = {
        "Content-Disposition": content_disposition(NAME),
        "X-Content-Type-Options": "nosniff",
    }

    async def ours(request: Request) -> Response:
        return await range_response(storage, KEY, request, filename=NAME, content_type=TYPE)

    async def starlette(request: Request) -> Response:
        return FileResponse(reference, headers=headers, media_type=TYPE)

    app = Starlette(
        routes=[
            Route("/ours", ours, methods=["GET", "HEAD"]),
            Route("/reference", starlette, methods=["GET", "HEAD"]),
        ]
    )
    try:
        async with served(app) as base:
            yield Pair(f"{base}/ours", f"{base}/reference")
    finally:
        storage.close()


def _answer(response: httpx.Response) -> tuple[int, dict[str, str], bytes]:
    """Status, the headers that matter, the body; a multipart boundary (random per
    response) replaced by a placeholder of the same length."""
    headers = {name: response.headers[name] for name in COMPARED if name in response.headers}
    body = response.content
    boundary = re.search(r"boundary=(\w+)", headers.get("content-type", ""))
    if boundary:
        placeholder = "B" * len(boundary.group(1))
        headers["content-type"] = headers["content-type"].replace(boundary.group(1), placeholder)
        body = body.replace(boundary.group(1).encode(), placeholder.encode())
    return response.status_code, headers, body


RANGES = [
    "bytes=0-1",  # Safari's first probe of a video
    "bytes=10-19",
    "bytes=70000-",  # from a chunk border on
    "bytes=-5",  # suffix: the last five bytes
    f"bytes=-{SIZE + 10}",  # a suffix longer than the file: all of it
    "bytes=100-99999999",  # an end past the file is clamped
    "bytes=0-1,5-6",  # two ranges: multipart/byteranges
    "bytes=0-9, 5-20 ,100-199,-3",  # overlapping ones merged, spaces allowed
    "items=0-1",  # another unit
    "bytes=x-y",  # malformed
    "bytes=5-3",  # backwards
    f"bytes={SIZE}-",  # starts past the end: 416
    "bytes=-0",  # an empty suffix: 416
    # int() refuses so many digits: a 400, never a 500
    pytest.param("bytes=" + "9" * 5000 + "-", id="bytes=9999...-"),
    # over 100 ranges: the whole file
    pytest.param("bytes=" + ",".join(f"{i}-{i}" for i in range(101)), id="bytes=101-ranges"),
]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("header", RANGES)
async def test_ranges_answered_as_file_response(pair: Pair, header: str, method: str) -> None:
    async with httpx.AsyncClient() as client:
        ours = await client.request(method, pair.ours, headers={"Range": header})
        reference = await client.request(method, pair.reference, headers={"Range": header})
    assert ours.status_code < 500
    assert _answer(ours) == _answer(reference)


async def test_what_file_response_answers(pair: Pair) -> None:
    """The comparison above would pass if both were wrong: the answers themselves."""
    async with httpx.AsyncClient() as client:
        whole = await client.get(pair.ours)
        assert whole.status_code == 200 and whole.content == DATA
        assert whole.headers["accept-ranges"] == "bytes"
        assert whole.headers["content-disposition"] == (
            'attachment; filename="Prasentation _final_.pdf"; '
            "filename*=UTF-8''Pr%C3%A4sentation%20_final_.pdf"
        )
        probe = await client.get(pair.ours, headers={"Range": "bytes=0-1"})
        assert probe.status_code == 206 and probe.content == DATA[:2]
        assert probe.headers["content-range"] == f"bytes 0-1/{SIZE}"
        suffix = await client.get(pair.ours, headers={"Range": "bytes=-5"})
        assert suffix.status_code == 206 and suffix.content == DATA[-5:]
        two = await client.get(pair.ours, headers={"Range": "bytes=0-1,5-6"})
        assert two.status_code == 206
        assert two.headers["content-type"].startswith("multipart/byteranges; boundary=")
        assert f"Content-Range: bytes 5-6/{SIZE}\r\n\r\n".encode() + DATA[5:7] in two.content
        for unsatisfiable in (f"bytes={SIZE}-", "bytes=-0"):
            refused = await client.get(pair.ours, headers={"Range": unsatisfiable})
            assert refused.status_code == 416
            assert refused.headers["content-range"] == f"bytes */{SIZE}"
        items = await client.get(pair.ours, headers={"Range": "items=0-1"})
        assert items.status_code == 400 and "bytes" in items.text
        head = await client.head(pair.ours)
        assert head.status_code == 200 and head.headers["content-length"] == str(SIZE)


async def test_if_range(pair: Pair) -> None:
    """A resumed download continues only while the file is the one it started with."""
    async with httpx.AsyncClient() as client:
        first = await client.head(pair.ours)
        etag, date = first.headers["etag"], first.headers["last-modified"]
        cases = {
            etag: 206,
            date: 206,
            '"0123456789abcdef"': 200,  # another version: the whole file
            f"W/{etag}": 200,  # a weak validator never allows a range
            "Tue, 01 Jan 2002 00:00:00 GMT": 200,
        }
        for validator, status in cases.items():
            headers = {"Range": "bytes=100-199", "If-Range": validator}
            ours = await client.get(pair.ours, headers=headers)
            reference = await client.get(pair.reference, headers=headers)
            assert ours.status_code == status, validator
            assert ours.content == (DATA[100:200] if status == 206 else DATA)
            assert _answer(ours) == _answer(reference), validator


@pytest.mark.parametrize("storage_kind", ["local", "s3"])
async def test_safari_probe_of_a_recording_gets_206(
    request: pytest.FixtureRequest, storage_kind: str, demo_database_url: str, tmp_path: Path
) -> None:
    """Safari plays a video only after ``bytes=0-1`` comes back as 206 with two bytes;
    through the app's recording route on a real server, local storage and S3."""
    overrides: dict[str, object] = {}
    if storage_kind == "s3":
        server: S3Server = request.getfixturevalue("nanio")
        overrides.update(s3_overrides(server, server.create_bucket()))
    async with app_with(demo_database_url, tmp_path, **overrides) as app:
        async with app_services(app).db.session() as db:
            session_id = await db.scalar(select(ProgrammeSession.id).limit(1))
            assert session_id is not None
            key = f"recordings/{session_id}/talk.mp4"
            recording = Recording(
                session_id=session_id,
                storage_key=key,
                size_bytes=SIZE,
                duration_seconds=180.0,
                source="upload",
            )
            db.add(recording)
            await db.commit()
            path = f"/sessions/{session_id}/recordings/{recording.id}"
        await app_services(app).storage.save_stream(
            key, _chunks(DATA), content_type="video/mp4", max_bytes=SIZE
        )
        async with served(app) as base, httpx.AsyncClient(base_url=base) as client:
            probe = await client.get(path, headers={"Range": "bytes=0-1"})
            assert probe.status_code == 206, probe.text
            assert probe.content == DATA[:2]
            assert probe.headers["content-range"] == f"bytes 0-1/{SIZE}"
            assert probe.headers["content-type"] == "video/mp4"
            rest = await client.get(path, headers={"Range": "bytes=2-"})
            assert rest.status_code == 206 and rest.content == DATA[2:]
            seek = await client.get(path, headers={"Range": f"bytes={SIZE - 100}-{SIZE - 1}"})
            assert seek.status_code == 206 and seek.content == DATA[-100:]

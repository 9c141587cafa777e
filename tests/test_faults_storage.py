"""S3 (nanio) down around a material upload: a clear 503 naming the file storage, no row
pointing to a missing object, no half object or open multipart upload, and the same
upload succeeds once S3 is back, without restarting the app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import select

from booths.models import Booth, Material, MaterialVersion
from fair.storage import PART_SIZE
from tests.booth_helpers import (
    KRZ,
    OWN,
    PDF,
    app_with,
    booth_state,
    client_of,
    error_text,
    open_uploads,
    s3_overrides,
    stored_files,
    upload,
)
from tests.conftest import csrf_of, login
from tests.s3_server import S3Server

pytestmark = [pytest.mark.slow]


@pytest.fixture
def nanio() -> Iterator[S3Server]:
    """Our own server: these tests stop it."""
    with S3Server() as server:
        yield server


async def _versions(app: object, slug: str) -> list[tuple[str, int]]:
    async with app.state.db.session() as db:  # type: ignore[attr-defined]
        rows = await db.execute(
            select(MaterialVersion.storage_key, MaterialVersion.size_bytes)
            .join(Material, Material.id == MaterialVersion.material_id)
            .join(Booth, Booth.id == Material.booth_id)
            .where(Booth.slug == slug)
        )
        return [(key, size) for key, size in rows.all()]


async def test_s3_down_then_back_the_same_upload_succeeds(
    nanio: S3Server, demo_database_url: str, tmp_path: object
) -> None:
    bucket = nanio.create_bucket()
    async with (
        app_with(demo_database_url, tmp_path, **s3_overrides(nanio, bucket)) as app,
        client_of(app) as client,
    ):
        await login(client, KRZ)
        token = await csrf_of(client, "/booths")
        before = await booth_state(app, OWN)
        keys_before = stored_files(app)

        nanio.stop()
        response = await upload(client, f"/booths/{OWN}/materials", PDF, token=token)
        assert response.status_code == 503
        assert "Dateispeicher" in error_text(response) and "nicht erreichbar" in error_text(
            response
        )
        assert "Traceback" not in response.text
        assert await booth_state(app, OWN) == before  # no row pointing to a missing object

        english = await client.post(
            f"/booths/{OWN}/materials?lang=en",
            data={"csrf_token": token, "title": "Flyer"},
            files={"file": ("flyer.pdf", PDF, "application/pdf")},
        )
        assert english.status_code == 503
        assert "file storage" in error_text(english).lower()

        nanio.start(same_port=True)  # back: the same app, the same request, no restart
        response = await upload(client, f"/booths/{OWN}/materials", PDF, token=token)
        assert response.status_code == 303, error_text(response)
        new_keys = sorted(set(stored_files(app)) - set(keys_before))
        assert len(new_keys) == 1
        versions = await _versions(app, OWN)
        assert [v for v in versions if v[0] == new_keys[0]] == [(new_keys[0], len(PDF))]
        assert len(versions) == len({key for key, _ in versions})  # none twice
        stored = nanio.client().get_object(Bucket=bucket, Key=new_keys[0])["Body"].read()
        assert stored == PDF
        assert open_uploads(app) == []


async def test_s3_stopped_mid_multipart_upload_leaves_no_half_object(
    nanio: S3Server, demo_database_url: str, tmp_path: object
) -> None:
    """nanio goes away after the first 8 MiB part of a 20 MiB upload was sent to it."""
    bucket = nanio.create_bucket()
    size = 20 * 2**20
    overrides = {**s3_overrides(nanio, bucket), "max_upload_bytes": 64 * 2**20}
    async with app_with(demo_database_url, tmp_path, **overrides) as app, client_of(app) as client:
        await login(client, KRZ)
        token = await csrf_of(client, "/booths")
        before = await booth_state(app, OWN)
        keys_before = stored_files(app)
        boundary = "midway4711"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f'{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="gross.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        chunk = b"%" * (256 * 1024)
        stopped = asyncio.Event()

        async def body() -> AsyncIterator[bytes]:
            yield head + PDF
            sent = 0
            while sent < size:
                yield chunk
                sent += len(chunk)
                if sent == PART_SIZE + 4 * len(chunk) and not stopped.is_set():
                    # the first part is on its way to S3 (or there): now S3 dies
                    deadline = asyncio.get_running_loop().time() + 20
                    while not open_uploads(app):
                        assert asyncio.get_running_loop().time() < deadline
                        await asyncio.sleep(0.05)
                    await asyncio.to_thread(nanio.stop)
                    stopped.set()
            yield tail

        response = await client.post(
            f"/booths/{OWN}/materials",
            content=body(),
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        )
        assert stopped.is_set()
        assert response.status_code == 503, response.text[:500]
        assert "Dateispeicher" in error_text(response)
        assert await booth_state(app, OWN) == before

        nanio.start(same_port=True)
        # the multipart upload begun before the failure is aborted once S3 answers again,
        # by the app itself within one retry period
        assert stored_files(app) == keys_before
        deadline = asyncio.get_running_loop().time() + 20
        while open_uploads(app):
            assert asyncio.get_running_loop().time() < deadline, open_uploads(app)
            await asyncio.sleep(0.2)
        assert stored_files(app) == keys_before
        response = await upload(client, f"/booths/{OWN}/materials", PDF, token=token)
        assert response.status_code == 303, error_text(response)
        versions = await _versions(app, OWN)
        assert all(key in stored_files(app) for key, _ in versions)  # no row without object

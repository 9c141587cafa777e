"""S3 (nanio) down around a material upload and at the end of a talk.

Uploads: a clear 503 naming the file storage, no row pointing to a missing object, no
half object or open multipart upload, and the same upload succeeds once S3 is back,
without restarting the app. Recordings: the end of a talk waits in the spool and is
stored complete, once, within one retry period after S3 returns."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import av
import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from booths.models import Booth, Material, MaterialVersion
from fair.app import create_app
from fair.app_services import app_services
from fair.storage import PART_SIZE
from sessions.live.app_parts import live_parts
from sessions.live.archive import RecordingArchive
from sessions.live.recorder import SPOOL_FULL_NAME, assemble_mp4, read_index
from sessions.models import ProgrammeSession, Recording
from tests.support.app import csrf_of, login, make_client, make_settings
from tests.support.booth_helpers import (
    KRZ,
    ORGANISER,
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
from tests.support.hls_helpers import SpoolWriter, s3_storage
from tests.support.s3_server import S3Server

pytestmark = [pytest.mark.slow]


async def _versions(app: Starlette, slug: str) -> list[tuple[str, int]]:
    async with app_services(app).db.session() as db:
        rows = await db.execute(
            select(MaterialVersion.storage_key, MaterialVersion.size_bytes)
            .join(Material, Material.id == MaterialVersion.material_id)
            .join(Booth, Booth.id == Material.booth_id)
            .where(Booth.slug == slug)
        )
        return [(key, size) for key, size in rows.all()]


@contextlib.asynccontextmanager
async def _exhibitor_on_s3(
    server: S3Server, database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient, str]]:
    """The app storing in a fresh bucket of ``server``, a client logged in as krz, the bucket."""
    bucket = server.create_bucket()
    async with (
        app_with(database_url, tmp_path, **s3_overrides(server, bucket)) as app,
        client_of(app) as client,
    ):
        await login(client, KRZ)
        yield app, client, bucket


async def test_s3_down_then_back_the_same_upload_succeeds(
    own_nanio: S3Server, demo_database_url: str, tmp_path: Path
) -> None:
    async with _exhibitor_on_s3(own_nanio, demo_database_url, tmp_path) as (app, client, bucket):
        token = await csrf_of(client, "/booths")
        before = await booth_state(app, OWN)
        keys_before = stored_files(app)

        own_nanio.stop()
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

        own_nanio.start(same_port=True)  # back: the same app, the same request, no restart
        response = await upload(client, f"/booths/{OWN}/materials", PDF, token=token)
        assert response.status_code == 303, error_text(response)
        new_keys = sorted(set(stored_files(app)) - set(keys_before))
        assert len(new_keys) == 1
        versions = await _versions(app, OWN)
        assert [v for v in versions if v[0] == new_keys[0]] == [(new_keys[0], len(PDF))]
        assert len(versions) == len({key for key, _ in versions})  # none twice
        stored = own_nanio.client().get_object(Bucket=bucket, Key=new_keys[0])["Body"].read()
        assert stored == PDF
        assert open_uploads(app) == []


async def test_s3_stopped_mid_multipart_upload_leaves_no_half_object(
    own_nanio: S3Server, demo_database_url: str, tmp_path: Path
) -> None:
    """nanio goes away after the first 8 MiB part of a 20 MiB upload was sent to it."""
    bucket = own_nanio.create_bucket()
    size = 20 * 2**20
    overrides = {**s3_overrides(own_nanio, bucket), "max_upload_bytes": 64 * 2**20}
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
                    await asyncio.to_thread(own_nanio.stop)
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

        own_nanio.start(same_port=True)
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


# --------------------------------------------------------------------------- recordings


async def test_s3_down_at_the_end_of_a_talk_recording_arrives_once_within_a_retry(
    own_nanio: S3Server, demo_database_url: str, tmp_path: Path
) -> None:
    """The talk ends while S3 is down: the final playlist and the MP4 assembly wait in
    the spool; the archive's own timer stores them within one retry period after S3
    returns (no manual step), complete, as exactly one Recording row."""
    retry = 2.0
    app = create_app(make_settings(demo_database_url, tmp_path))
    async with app.router.lifespan_context(app):
        async with app_services(app).db.session() as db:
            session_id = await db.scalar(select(ProgrammeSession.id).order_by(ProgrammeSession.id))
        bucket = own_nanio.create_bucket()
        storage = s3_storage(own_nanio, bucket)
        spool = tmp_path / "fault-spool"
        archive = RecordingArchive(app_services(app).db, storage, spool, retry_seconds=retry)
        seat = "0-user-1-20261202T100000"
        writer = SpoolWriter(spool / str(session_id) / seat)
        prefix = f"live/{session_id}/{seat}"
        archive.start()  # the watch loop, as in the app: nothing is called by hand below
        try:
            writer.advance(4.2)
            deadline = time.monotonic() + 20
            while f"{prefix}/index.m3u8" not in own_nanio.list_keys(bucket):
                assert time.monotonic() < deadline
                await asyncio.sleep(0.1)

            own_nanio.stop()
            writer.advance(3)
            writer.close()  # the talk ends: finalisation must wait for S3
            deadline = time.monotonic() + 20
            while not archive.waiting:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.1)
            await asyncio.sleep(retry * 1.5)  # at least one retry fails while S3 is down
            assert archive.waiting
            async with app_services(app).db.session() as db:
                assert await db.scalar(select(func.count(Recording.id))) == 0

            own_nanio.start(same_port=True)
            back = time.monotonic()
            while True:
                async with app_services(app).db.session() as db:
                    recordings = list((await db.scalars(select(Recording))).all())
                if recordings:
                    break
                assert time.monotonic() - back < retry + 10, archive.waiting
                await asyncio.sleep(0.1)
            arrived = time.monotonic() - back
            await asyncio.sleep(retry * 1.5)  # further passes store nothing twice
        finally:
            await archive.close()
            storage.close()
        async with app_services(app).db.session() as db:
            assert await db.scalar(select(func.count(Recording.id))) == 1
        [recording] = recordings
        assert arrived < retry + 10
        assert recording.storage_key == f"recordings/{session_id}/{seat}.mp4"
        assert abs(recording.duration_seconds - 7.2) < 0.5
        playlist = own_nanio.client().get_object(Bucket=bucket, Key=f"{prefix}/index.m3u8")
        listed = [
            line for line in playlist["Body"].read().decode().splitlines() if line.endswith(".m4s")
        ]
        assert listed == sorted(set(listed)) and len(listed) >= 3  # in order, none twice
        mp4 = tmp_path / "download.mp4"
        mp4.write_bytes(
            own_nanio.client().get_object(Bucket=bucket, Key=recording.storage_key)["Body"].read()
        )
        with av.open(str(mp4)) as container:
            assert abs((container.duration or 0) / 1_000_000 - 7.2) < 0.6  # complete
        assert not (spool / str(session_id) / seat).exists()


# --------------------------------------------------------------------------- full disks


@contextlib.contextmanager
def small_filesystem(path: Path, size: str) -> Iterator[Path]:
    """A size-limited tmpfs at ``path`` (root only; skipped elsewhere)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


async def test_upload_to_full_local_storage_gives_507_and_leaves_nothing(
    demo_database_url: str, tmp_path: Path
) -> None:
    with small_filesystem(tmp_path / "storage", "1m") as root:
        overrides = {"storage_url": f"file://{root}", "max_upload_bytes": 4 * 2**20}
        async with (
            app_with(demo_database_url, tmp_path, **overrides) as app,
            client_of(app) as client,
        ):
            await login(client, KRZ)
            token = await csrf_of(client, "/booths")
            big = PDF + b"%" * (700 * 1024)
            first = await upload(client, f"/booths/{OWN}/materials", big, token=token)
            assert first.status_code == 303, error_text(first)
            before = await booth_state(app, OWN)
            files_before = stored_files(app)

            full = await upload(client, f"/booths/{OWN}/materials", big, token=token)
            assert full.status_code == 507, full.text[:300]
            assert "voll" in error_text(full) and "Traceback" not in full.text
            assert stored_files(app) == files_before  # no partial file
            assert await booth_state(app, OWN) == before  # no row
            english = await client.post(
                f"/booths/{OWN}/materials?lang=en",
                data={"csrf_token": token, "title": "Flyer"},
                files={"file": ("flyer.pdf", big, "application/pdf")},
            )
            assert english.status_code == 507
            assert "storage is full" in error_text(english)
            small = await upload(client, f"/booths/{OWN}/materials", PDF, token=token)
            assert small.status_code == 303  # what fits is still taken


def _fill_up(path: Path) -> None:
    """Write to ``path`` until its disk is full."""
    with contextlib.suppress(OSError), path.open("ab") as fh:
        while True:
            fh.write(b"\0" * 4096)
            fh.flush()


def _frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


async def test_spool_disk_full_mid_talk_keeps_what_was_written_and_warns(
    demo_database_url: str, tmp_path: Path
) -> None:
    """The spool's disk fills up mid-talk: the recorder (on the media thread) never
    raises, leaves no partial file, marks the recording; the stage's status says so;
    once there is room again the recording goes on, and what was written plays, with
    the playlist's time matching the media's."""
    with small_filesystem(tmp_path / "spool", "1m") as spool:
        settings = make_settings(demo_database_url, tmp_path, spool_dir=str(spool))
        app = create_app(settings)
        async with app.router.lifespan_context(app), make_client(app) as client:
            async with app_services(app).db.session() as db:
                session_id = await db.scalar(
                    select(ProgrammeSession.id)
                    .where(ProgrammeSession.do_not_record.is_(False))
                    .order_by(ProgrammeSession.id)
                )
            status = f"/sessions/{session_id}/live"
            fillers = [spool / "filler-1", spool / "filler-2"]
            fillers[0].write_bytes(b"\0" * 900_000)
            directory = spool / str(session_id) / "0-user-1-20261202T100000"
            writer = SpoolWriter(directory)
            writer.advance(6.2)
            assert "recording_trouble" not in (await client.get(status)).json()
            writer.advance(8)  # the disk is full now: segments are dropped, not raised
            assert (directory / SPOOL_FULL_NAME).exists()
            assert writer.recorder._sink is not None and writer.recorder._sink.dropped > 0
            assert not list(directory.glob("*.tmp"))  # no partial file holds the space
            info = (await client.get(status)).json()
            assert info["recording_trouble"] == "spool_full"
            await login(client, ORGANISER)
            stage_page = (await client.get(f"/sessions/{session_id}/stage")).text
            assert "data-stage-recording-warning" in stage_page

            fillers[0].unlink()  # room again: the recording goes on
            writer.advance(4.2)
            index = read_index(directory)
            listed = sum(duration for _, duration in index)
            assert len(index) >= 5
            mp4 = tmp_path / "out.mp4"
            duration = await asyncio.to_thread(assemble_mp4, directory, mp4)
            assert abs(listed - duration) < 0.5, (listed, duration)  # playlist time = media
            assert abs(duration - 18.4) < 1.0, duration
            assert _frames(mp4) > 0

            _fill_up(fillers[1])
            writer.close()  # the talk ends, but there is no room to assemble the MP4
            archive = live_parts(app).archive
            deadline = time.monotonic() + 20
            while not archive.waiting:  # it waits (and backs off) instead of failing
                assert time.monotonic() < deadline
                await asyncio.sleep(0.2)
            assert not [p for p in spool.glob(f"{session_id}/*") if p.is_file()]  # no partial MP4
            fillers[1].unlink()  # room: the recording is stored within a retry period
            deadline = time.monotonic() + archive.retry_seconds + 15
            while True:
                async with app_services(app).db.session() as db:
                    recording = await db.scalar(
                        select(Recording).where(Recording.session_id == session_id)
                    )
                if recording is not None:
                    break
                assert time.monotonic() < deadline, (
                    archive.waiting,
                    os.statvfs(spool).f_bavail * 4096,
                    sorted((p.name, p.stat().st_size) for p in spool.rglob("*") if p.is_file()),
                )
                await asyncio.sleep(0.2)
            assert abs(recording.duration_seconds - duration) < 0.5


async def test_s3_stopped_the_upload_form_comes_back_with_the_typed_title(
    own_nanio: S3Server, demo_database_url: str, tmp_path: Path
) -> None:
    """S3 stopped: the booth editor again (503), the typed title kept, the error at the
    file field of the form that sent it, in the page's language; nothing written."""
    import io

    from lxml import html
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (200, 200), "navy").save(picture, "PNG")
    async with _exhibitor_on_s3(own_nanio, demo_database_url, tmp_path) as (app, client, _):
        token = await csrf_of(client, "/booths")
        before = await booth_state(app, OWN)
        keys_before = stored_files(app)
        own_nanio.stop()
        for lang, expected in (("de", "nicht erreichbar"), ("en", "file storage")):
            response = await upload(
                client, f"/booths/{OWN}/materials?lang={lang}", PDF, title="Mein Flyer", token=token
            )
            assert response.status_code == 503
            page = html.fromstring(response.text)
            assert page.get_element_by_id("new-title").get("value") == "Mein Flyer"
            field = page.get_element_by_id("new-file")
            assert field.get("aria-invalid") == "true"
            message = page.get_element_by_id("new-file-error").text_content()
            assert expected in message.lower(), message
            logo = await upload(
                client, f"/booths/{OWN}/logo?lang={lang}", picture.getvalue(), filename="logo.png",
                content_type="image/png", token=token,
            )  # fmt: skip
            assert logo.status_code == 503
            page = html.fromstring(logo.text)
            assert page.get_element_by_id("logo-file").get("aria-invalid") == "true"
            assert expected in page.get_element_by_id("logo-file-error").text_content().lower()
        assert await booth_state(app, OWN) == before
        own_nanio.start(same_port=True)
        assert stored_files(app) == keys_before  # no half-written object
        assert open_uploads(app) == []

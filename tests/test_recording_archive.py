"""Nothing recorded is lost: a recording waits in the spool while storage is down and
is stored once it is back; a file a crashed process left half-written is recovered and
stored at the next start."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import pytest
from sqlalchemy import select

from fair.app import create_app
from fair.storage import S3Storage
from sessions.live.archive import RecordingArchive
from sessions.models import ProgrammeSession, Recording
from tests.conftest import make_settings
from tests.s3_server import S3Server


def write_fragmented_mp4(path: Path, seconds: int = 4, fps: int = 25) -> None:
    """A real fragmented H.264 MP4 like the recorder writes (a fragment per second)."""
    options = {"movflags": "frag_keyframe+empty_moov+default_base_moof"}
    with av.open(str(path), "w", format="mp4", options=options) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        stream.options = {"g": str(fps), "preset": "ultrafast"}
        for index in range(seconds * fps):
            frame = av.VideoFrame(320, 240, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([index % 256]) * plane.buffer_size)
            frame.pts = index
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


@pytest.fixture
def s3() -> Iterator[S3Server]:
    server = S3Server().start()
    try:
        yield server
    finally:
        server.cleanup()


def _s3_storage(server: S3Server, bucket: str) -> S3Storage:
    return S3Storage.connect(
        bucket=bucket,
        endpoint_url=server.endpoint_url,
        access_key=server.access_key,
        secret_key=server.secret_key,
        region=server.region,
        connect_timeout=1,
        max_attempts=1,
    )


async def _first_session(app: object) -> int:
    async with app.state.db.session() as db:  # type: ignore[attr-defined]
        session_id = await db.scalar(select(ProgrammeSession.id).limit(1))
    return int(session_id)


async def test_storage_down_keeps_the_recording_until_it_is_back(
    demo_database_url: str, tmp_path: Path, s3: S3Server
) -> None:
    app = create_app(make_settings(demo_database_url, tmp_path))
    async with app.router.lifespan_context(app):
        session_id = await _first_session(app)
        spool = tmp_path / "spool"
        recording = spool / str(session_id) / "0-user-1-1700000000.mp4"
        recording.parent.mkdir(parents=True)
        write_fragmented_mp4(recording)
        bucket = s3.create_bucket()
        s3.stop()  # storage is down when the talk ends
        down = _s3_storage(s3, bucket)
        archive = RecordingArchive(app.state.db, down, spool, retry_seconds=3600)
        assert await archive.store(str(session_id), recording, 4.0) is False
        assert recording.exists(), "the recording must stay in the spool"
        async with app.state.db.session() as db:
            assert await db.scalar(select(Recording.id)) is None
        down.close()

        s3.start()  # storage is back (at a new address, as after a fail-over)
        archive.storage = _s3_storage(s3, bucket)
        assert await archive.retry_pending() == 1
        assert not recording.exists()
        key = f"recordings/{session_id}/{recording.name}"
        assert s3.list_keys(bucket) == [key]
        async with app.state.db.session() as db:
            stored = await db.scalar(select(Recording))
        assert stored is not None and stored.storage_key == key
        assert stored.duration_seconds == 4.0
        assert await archive.retry_pending() == 0  # nothing stored twice
        await archive.close()
        archive.storage.close()


async def test_half_written_recording_is_recovered_at_start(
    demo_database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(demo_database_url, tmp_path)
    spool = Path(settings.spool_dir)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        session_id = await _first_session(app)
    # a process died while writing: the file ends in the middle of a fragment
    part = spool / str(session_id) / "0-user-1-1700000000.mp4.part"
    part.parent.mkdir(parents=True)
    write_fragmented_mp4(part, seconds=6)
    data = part.read_bytes()
    part.write_bytes(data[: int(len(data) * 0.8)])

    app = create_app(settings)
    async with app.router.lifespan_context(app), app.state.db.session() as db:
        recordings = list((await db.scalars(select(Recording))).all())
    assert len(recordings) == 1
    assert 2.0 <= recordings[0].duration_seconds < 6.0
    stored = tmp_path / "storage" / recordings[0].storage_key
    assert stored.exists()
    with av.open(str(stored)) as container:
        assert sum(1 for _ in container.decode(video=0)) >= 50
    assert not list(spool.glob("*/*.mp4*"))

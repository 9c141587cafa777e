"""A recording written into the spool by the real recorder, from real H.264 and audio,
without WebRTC: fast enough for tests that exercise storage, playlists and recovery."""

from __future__ import annotations

import fractions
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
from av.audio.frame import AudioFrame
from av.video.frame import VideoFrame
from httpx import AsyncClient
from sqlalchemy import select
from starlette.applications import Starlette

from fair.app import create_app
from fair.app_services import app_services
from fair.settings import Settings
from fair.storage import S3Storage
from sessions.live.app_parts import live_parts
from sessions.live.recorder import SlotRecorder
from sessions.models import ProgrammeSession
from tests.support.app import make_client, make_settings
from tests.support.s3_server import S3Server

FPS = 25
WIDTH, HEIGHT = 320, 240


class SpoolWriter:
    """Feeds :class:`SlotRecorder` frame by frame; ``advance(seconds)`` plays the talk on."""

    def __init__(self, directory: Path) -> None:
        self.recorder = SlotRecorder(directory, has_video=True, has_audio=True)
        self.directory = directory
        self._codec = av.CodecContext.create("libx264", "w")
        assert isinstance(self._codec, av.video.codeccontext.VideoCodecContext)
        self._codec.width, self._codec.height, self._codec.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        self._codec.time_base = fractions.Fraction(1, 90000)
        self._codec.framerate = fractions.Fraction(FPS, 1)
        self._codec.options = {
            "preset": "ultrafast",
            "tune": "zerolatency",
            "x264-params": f"keyint={2 * FPS}:min-keyint={2 * FPS}:scenecut=0:repeat-headers=1",
        }
        self.frames = 0

    def advance(self, seconds: float) -> None:
        for _ in range(round(seconds * FPS)):
            index = self.frames
            frame = VideoFrame(WIDTH, HEIGHT, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([index * 3 % 256]) * plane.buffer_size)
            frame.pts = index * 90000 // FPS
            frame.time_base = fractions.Fraction(1, 90000)
            for packet in self._codec.encode(frame):
                self.recorder.write_video(packet, WIDTH, HEIGHT)
            samples = 48000 // FPS
            audio = AudioFrame(format="s16", layout="stereo", samples=samples)
            audio.planes[0].update(bytes(audio.planes[0].buffer_size))
            audio.sample_rate = 48000
            self.recorder.write_audio(audio, index * samples)
            self.frames += 1

    def close(self) -> Path | None:
        return self.recorder.close()


def s3_storage(server: S3Server, bucket: str, *, fail_fast: bool = True) -> S3Storage:
    """Storage in ``bucket`` of ``server``; ``fail_fast`` (one try, 1 s to connect) lets
    fault tests see a stopped server at once, else the app's own timeouts apply."""
    quick: dict[str, Any] = {"connect_timeout": 1, "max_attempts": 1} if fail_fast else {}
    return S3Storage.connect(
        bucket=bucket,
        endpoint_url=server.endpoint_url,
        access_key=server.access_key,
        secret_key=server.secret_key,
        region=server.region,
        **quick,
    )


async def first_session(app: Starlette) -> int:
    async with app_services(app).db.session() as db:
        session_id = await db.scalar(select(ProgrammeSession.id).order_by(ProgrammeSession.id))
    return int(session_id)


@dataclass
class HlsApp:
    """A running app (lifespan entered), its settings, a client and the demo's first talk."""

    app: Starlette
    settings: Settings
    client: AsyncClient
    session_id: int

    @property
    def spool(self) -> Path:
        """The first talk's spool directory (one sub-directory per seat)."""
        return Path(self.settings.spool_dir) / str(self.session_id)

    @property
    def hls_path(self) -> str:
        """Where the app serves the first talk's HLS (playlists, ``seats.json``)."""
        return f"/sessions/{self.session_id}/hls"

    async def record(self, seat: str, seconds: float) -> SpoolWriter:
        """A seat's recorder writing ``seconds`` of the talk into the spool, then the
        archive's sync that stores what is complete; the writer, to play on."""
        writer = SpoolWriter(self.spool / seat)
        writer.advance(seconds)
        await live_parts(self.app).archive.sync(force=True)
        return writer


@asynccontextmanager
async def hls_app(database_url: str, tmp_path: Path, **overrides: object) -> AsyncIterator[HlsApp]:
    settings = make_settings(database_url, tmp_path, **overrides)
    app = create_app(settings)
    async with app.router.lifespan_context(app), make_client(app) as client:
        yield HlsApp(app, settings, client, await first_session(app))


def s3_text(server: S3Server, bucket: str, key: str) -> str:
    body = server.client().get_object(Bucket=bucket, Key=key)["Body"].read()
    return str(body.decode())


def check_every_listed_segment_is_stored(server: S3Server, bucket: str, prefix: str) -> list[str]:
    listed = listed_segments(s3_text(server, bucket, f"{prefix}/index.m3u8"))
    keys = set(server.list_keys(bucket))
    assert f"{prefix}/init.mp4" in keys
    assert all(f"{prefix}/{name}" in keys for name in listed), (listed, keys)
    return listed


def listed_segments(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]

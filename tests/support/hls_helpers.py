"""A recording written into the spool by the real recorder, from real H.264 and audio,
without WebRTC: fast enough for tests that exercise storage, playlists and recovery."""

from __future__ import annotations

import fractions
from pathlib import Path

import av
from av.audio.frame import AudioFrame
from av.video.frame import VideoFrame
from sqlalchemy import select
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.storage import S3Storage
from sessions.live.recorder import SlotRecorder
from sessions.models import ProgrammeSession
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


def s3_storage(server: S3Server, bucket: str) -> S3Storage:
    return S3Storage.connect(
        bucket=bucket,
        endpoint_url=server.endpoint_url,
        access_key=server.access_key,
        secret_key=server.secret_key,
        region=server.region,
        connect_timeout=1,
        max_attempts=1,
    )


async def first_session(app: Starlette) -> int:
    async with app_services(app).db.session() as db:
        session_id = await db.scalar(select(ProgrammeSession.id).order_by(ProgrammeSession.id))
    return int(session_id)


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

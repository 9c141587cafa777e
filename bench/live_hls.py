"""Live HLS benchmark: what packaging and uploads add per talk, and when segments are listed.

One talk's media is encoded beforehand exactly as the stage encodes it (640x360, 30 fps,
libx264 with the stage's options at 1 Mbit/s; a 48 kHz tone in 20 ms frames), then fed in
real time, on one thread like a seat's media thread, into the production recorder
(``SlotRecorder``: CMAF segments in the spool, including the AAC encode the recording
always had), while the production ``RecordingArchive`` uploads each closed segment and
rewrites the playlist in a real S3 server (nanio on loopback).

Three runs of the same length, side by side, give this process's CPU (all threads):
  feed      the real-time loop alone (baseline)
  video     + recorder without audio (H.264 muxing and segment files only)
  package   + recorder (mux, AAC, segment files)
  upload    + recorder + archive (uploads to S3, playlists)
Segment availability: from the capture time of a segment's first (and last) frame to
the moment storage acknowledged the playlist that lists it (the segment was stored
before). Bytes per minute: everything written under the talk's prefix.

    .venv/bin/python bench/live_hls.py --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from av.audio.frame import AudioFrame
from av.video.frame import VideoFrame

from sessions.live.archive import MEDIA_PLAYLIST_NAME, RecordingArchive
from sessions.live.frames import StageClock
from sessions.live.recorder import SlotRecorder, assemble_mp4
from sessions.live.video_pipeline import VideoPipeline
from tests.support.hls_helpers import s3_storage
from tests.support.s3_server import S3Server
from tests.support.synthetic import SyntheticVideoTrack, ToneAudioTrack

FPS = 30
WIDTH, HEIGHT = 640, 360
SEAT = "0-bench-20261202T120000"


def encode_talk(seconds: int) -> tuple[list[Any], list[AudioFrame]]:
    """H.264 packets and 20 ms audio frames of a ``seconds`` long talk."""
    with ThreadPoolExecutor(1) as executor:
        pipeline = VideoPipeline(StageClock(), executor, lambda *_: None, bitrate=1_000_000)
        codec = pipeline._open_codec(WIDTH, HEIGHT)
    painter = SyntheticVideoTrack(WIDTH, HEIGHT, FPS)
    packets: list[Any] = []
    for index in range(seconds * FPS):
        frame = VideoFrame(WIDTH, HEIGHT, "yuv420p")
        painter._paint(frame, index, index * 1000 // FPS)
        frame.pts = index * 90000 // FPS
        frame.time_base = fractions.Fraction(1, 90000)
        packets += list(codec.encode(frame))
    tone = ToneAudioTrack()
    audio = []
    for _ in range(seconds * 50):
        chunk = AudioFrame(format="s16", layout="stereo", samples=960)
        chunk.planes[0].update(tone._payload)
        chunk.sample_rate = 48000
        audio.append(chunk)
    return packets, audio


class TimedArchive(RecordingArchive):
    """The production archive, noting when storage acknowledged each playlist."""

    listed_at: dict[str, float]

    async def _put_bytes(self, key: str, text: str, content_type: str) -> None:
        await super()._put_bytes(key, text, content_type)
        if key.endswith(MEDIA_PLAYLIST_NAME):
            now = time.time()
            for line in text.splitlines():
                if line.endswith(".m4s"):
                    self.listed_at.setdefault(line, now)

    async def _store_recording(self, session_id: int, directory: Path, prefix: str) -> bool:
        return False  # the MP4 assembly is timed on its own below; no database here


def feed(
    packets: list[Any], audio: list[AudioFrame], recorder: SlotRecorder | None, stop: float
) -> float:
    """Real-time feed on one thread, like a seat's media thread; returns the start time."""
    start = time.time()
    audio_index = 0
    for index, packet in enumerate(packets):
        due = start + index / FPS
        delay = due - time.time()
        if delay > 0:
            time.sleep(delay)
        if recorder is not None:
            packet.pts = packet.dts = round((due - start) * 90000)
            recorder.write_video(packet, WIDTH, HEIGHT)
            while (
                recorder.has_audio
                and audio_index < len(audio)
                and audio_index * 0.02 <= index / FPS
            ):
                recorder.write_audio(audio[audio_index], audio_index * 960)
                audio_index += 1
        if time.time() > stop:
            break
    return start


def cpu_seconds() -> float:
    usage = os.times()
    return usage.user + usage.system


async def run(
    mode: str, seconds: int, packets: list[Any], audio: list[AudioFrame], s3: S3Server
) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix=f"fair-bench-hls-{mode}-"))
    spool = work / "spool"
    directory = spool / "1" / SEAT
    recorder = (
        SlotRecorder(directory, has_video=True, has_audio=mode != "video")
        if mode != "feed"
        else None
    )
    archive: TimedArchive | None = None
    bucket = s3.create_bucket()
    if mode == "upload":
        storage = s3_storage(s3, bucket, fail_fast=False)
        archive = TimedArchive(None, storage, spool)  # type: ignore[arg-type]
        archive.listed_at = {}
        archive.start()
    result: dict[str, Any] = {"mode": mode}
    started: list[float] = []
    cpu0, wall0 = cpu_seconds(), time.monotonic()
    thread = threading.Thread(
        target=lambda: started.append(feed(packets, audio, recorder, time.time() + seconds))
    )
    thread.start()
    while thread.is_alive():
        await asyncio.sleep(0.05)
    if archive is not None:
        await asyncio.sleep(0.6)  # the last closed segment is listed within a poll
    cpu1, wall1 = cpu_seconds(), time.monotonic()
    result["cpu_percent"] = 100 * (cpu1 - cpu0) / (wall1 - wall0)
    if recorder is not None:
        starts = list(recorder._starts)
        recorder.close()
        if archive is not None:
            await archive.close()
            archive.storage.close()
            listed = archive.listed_at
            first, last = [], []
            for index in range(len(starts) - 1):
                name = f"{index:05d}.m4s"
                if name in listed:
                    first.append(listed[name] - (started[0] + starts[index]))
                    last.append(listed[name] - (started[0] + starts[index + 1]))
            result["segments"] = len(first)
            result["from_first_frame"] = (statistics.median(first), _p95(first))
            result["from_last_frame"] = (statistics.median(last), _p95(last))
            client = s3.client()
            objects = client.list_objects_v2(Bucket=bucket).get("Contents", [])
            total = sum(o["Size"] for o in objects if o["Key"].startswith(f"live/1/{SEAT}/"))
            result["bytes_per_minute"] = total / (seconds / 60)
        t1 = time.perf_counter()
        cpu2 = cpu_seconds()
        assemble_mp4(directory, work / "talk.mp4")
        result["assemble_cpu_s"] = cpu_seconds() - cpu2
        result["assemble_wall_s"] = time.perf_counter() - t1
        result["mp4_bytes"] = (work / "talk.mp4").stat().st_size
    shutil.rmtree(work, ignore_errors=True)
    return result


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}, load {os.getloadavg()}")
    packets, audio = encode_talk(args.seconds)
    rate = sum(p.size for p in packets) * 8 / args.seconds / 1e6
    print(f"encoded {len(packets)} video packets, {rate:.2f} Mbit/s")
    s3 = S3Server().start()
    try:
        results = [
            await run(mode, args.seconds, packets, audio, s3)
            for mode in ("feed", "video", "package", "upload")
        ]
    finally:
        s3.cleanup()
    base = results[0]["cpu_percent"]
    for item in results:
        print(item)
    video, package, upload = results[1], results[2], results[3]
    print(f"video muxing + segment files only: {video['cpu_percent'] - base:.2f} % of a core")
    print(f"packaging (mux + AAC + segment files): {package['cpu_percent'] - base:.2f} % of a core")
    print(f"packaging + uploads to S3: {upload['cpu_percent'] - base:.2f} % of a core")
    print(f"uploads alone: {upload['cpu_percent'] - package['cpu_percent']:.2f} % of a core")
    print(f"bytes to storage per minute: {upload['bytes_per_minute'] / 1e6:.2f} MB")
    print("listed + fetchable after capture of first frame p50/p95 s:", upload["from_first_frame"])
    print("listed + fetchable after capture of last frame p50/p95 s:", upload["from_last_frame"])
    print(f"MP4 assembly at the end: {upload['assemble_cpu_s']:.2f} s CPU for {args.seconds} s")


if __name__ == "__main__":
    asyncio.run(main())

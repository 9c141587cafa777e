"""CPU cost of the second (640x360) rendition per camera, side by side with 720p alone.

Runs the production encode path (``VideoPipeline._encode``: libx264 per rendition, the
scaling from the one decoded frame, RTP packetizing) on the same 1280x720 synthetic
frames (moving texture, so the encoder works at its bitrate cap), alternating rounds of
"720p only" and "720p + 640x360" so both see the same machine load, and reports the
thread CPU time per frame as medians over the rounds, and as % of one core at 30 fps.

    .venv/bin/python bench/live_renditions.py --rounds 7 --frames 300
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from av.video.frame import VideoFrame

from sessions.live.frames import VIDEO_CLOCK, StageClock
from sessions.live.renditions import LOW_RENDITION
from sessions.live.video_pipeline import VideoPipeline
from tests.support.synthetic import SyntheticVideoTrack

FPS = 30


def frames(count: int, width: int, height: int) -> list[VideoFrame]:
    """``count`` distinct synthetic camera frames (the texture moves every frame)."""
    track = SyntheticVideoTrack(width, height)
    out = []
    for index in range(count):
        frame = VideoFrame(width, height, "yuv420p")
        track._paint(frame, index, index * 33)
        out.append(frame)
    return out


def run(pictures: list[VideoFrame], low: bool, total: int) -> float:
    """Thread CPU seconds per frame for ``total`` frames through a fresh pipeline."""
    executor = ThreadPoolExecutor(1)
    pipeline = VideoPipeline(
        StageClock(), executor, lambda *_: None, low=LOW_RENDITION if low else None
    )
    started = time.thread_time()
    for index in range(total):
        picture = pictures[index % len(pictures)]
        force = index % (FPS * 2) == 0
        pipeline._encode(picture, index * VIDEO_CLOCK // FPS, force, force)
    spent = time.thread_time() - started
    executor.shutdown()
    if low:
        assert [r.size for r in pipeline.renditions] == [(1280, 720), (640, 360)]
    return spent / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--frames", type=int, default=300, help="frames per round and mode")
    args = parser.parse_args()
    pictures = frames(60, 1280, 720)
    results: dict[str, list[float]] = {"720p only": [], "720p + 640x360": []}
    for _ in range(args.rounds):
        results["720p only"].append(run(pictures, False, args.frames))
        results["720p + 640x360"].append(run(pictures, True, args.frames))
    load: Any = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores, {platform.python_version()}, load average"
        f" {load[0]:.1f} (shared with other jobs); {args.rounds} alternating rounds of"
        f" {args.frames} frames 1280x720"
    )
    print("| encode | ms CPU per frame (median) | % of a core at 30 fps | rounds min–max ms |")
    print("|---|---:|---:|---|")
    medians = {}
    for name, values in results.items():
        median = statistics.median(values) * 1000
        medians[name] = median
        print(
            f"| {name} | {median:.2f} | {median * FPS / 10:.1f} |"
            f" {min(values) * 1000:.2f}–{max(values) * 1000:.2f} |"
        )
    extra = medians["720p + 640x360"] - medians["720p only"]
    ratio = medians["720p + 640x360"] / medians["720p only"]
    print(
        f"\nsecond rendition: +{extra:.2f} ms per frame = +{extra * FPS / 10:.1f} % of a core"
        f" per camera at 30 fps (x{ratio:.2f} of 720p alone)"
    )


if __name__ == "__main__":
    main()

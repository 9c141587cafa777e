"""Join bursts against the encoder and the recording: media loop vs one shared loop.

A synthetic speaker (child process, 640x360 or 1280x720 at 30 fps, counter drawn into
every picture) publishes to an in-process stage that records; then ``--viewers`` aiortc
viewers (child processes, ``--per-process`` each, counting frames without decoding) join
spread over ``--seconds``. Every second the encoder's output frames are sampled on the
media thread; afterwards the recording is decoded and the speaker's counters are read
back, giving recorded frames per second and the speaker's frames missing. The same
burst runs with ``media_thread=False`` (the old design: speaker's peer, encode loop and
viewers on one loop) and with the media loop, alternating, for ``--rounds``.

    .venv/bin/python bench/live_join_burst.py --viewers 200 --seconds 10 --rounds 1
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import itertools
import multiprocessing

from sessions.live import LiveStage
from sessions.live.config import LiveConfig
from sessions.live.ice import allow_loopback_candidates
from sessions.live.medialoop import MEDIA_NICE, media_loop, media_thread_id, set_thread_nice
from tests.support.loadgen import PublisherProcess, ViewerProcess
from tests.support.media import recorded_stamps


def sample_encoder(stage: LiveStage, out: list[int], stop: threading.Event) -> None:
    """Encoder output frames once a second, from a thread (not the loaded event loop)."""
    while not stop.wait(1.0):
        seats = stage.stats()["seats"]
        out.append(seats[0]["video_frames"] if seats else 0)


def hog(stop: Any) -> None:
    """A busy loop in its own process: other work on a shared machine."""
    while not stop.is_set():
        sum(range(10_000))


async def burst(design: str, args: argparse.Namespace) -> dict[str, Any]:
    media_thread = design != "shared"
    if media_thread:
        media_loop()
        await asyncio.sleep(0.1)
        thread = media_thread_id()
        assert thread is not None
        set_thread_nice(MEDIA_NICE if design == "media-nice" else 0, thread)
    spool = Path(tempfile.mkdtemp(prefix="fair-burst-"))
    stage = LiveStage("burst", LiveConfig(spool), media_thread=media_thread)
    width, height = (int(v) for v in args.size.split("x"))
    speaker = PublisherProcess(width, height, 30)
    await speaker.start(lambda sdp, kind: stage.publish(sdp, kind, "speaker"))
    await asyncio.sleep(args.warmup)
    recorder = stage._seat(0).recorder
    assert recorder is not None and recorder._origin is not None
    counts: list[int] = []
    stop = threading.Event()
    sampler = threading.Thread(target=sample_encoder, args=(stage, counts, stop), daemon=True)
    sampler.start()
    started = stage.clock.now() - recorder._origin
    first_offer = time.time()
    sizes = [args.per_process] * (args.viewers // args.per_process)
    if args.viewers % args.per_process:
        sizes.append(args.viewers % args.per_process)
    processes = [ViewerProcess(size, decode=0) for size in sizes]
    gap = args.seconds / max(1, len(processes))

    async def join(index: int, process: ViewerProcess) -> None:
        await asyncio.sleep(index * gap)
        await process.start(stage.watch)

    await asyncio.gather(*(join(i, p) for i, p in enumerate(processes)))
    answered = time.time() - first_offer
    receiving: list[float | None] = []
    deadline = time.monotonic() + args.join_timeout
    while time.monotonic() < deadline:  # until every viewer got its first video frame
        receiving = [
            report["first_video_at"][0]
            for process in processes
            for report in await process.report()
        ]
        if all(at is not None for at in receiving):
            break
        await asyncio.sleep(0.5)
    complete = [at for at in receiving if at is not None]
    joined = stage.clock.now() - recorder._origin  # the window: until all receive
    await asyncio.sleep(args.after)
    stop.set()
    sampler.join()
    paths = await stage.end()
    for process in processes:
        await process.close()
    await speaker.close()
    frames, per_second = recorded_stamps(paths[0], spool / "recording.mp4")
    window = range(int(started), int(joined) + 1)
    during = [per_second[s] for s in window]
    seen = {c for t, c in frames if started <= t < joined + 1}
    missing = (max(seen) - min(seen) + 1 - len(seen)) if seen else 0
    encoder = [b - a for a, b in itertools.pairwise(counts)]
    return {
        "design": design,
        "answers_seconds": answered,
        "join_seconds": (max(complete) - first_offer) if complete else float("nan"),
        "receiving": f"{len(complete)}/{args.viewers}",
        "encoder_fps": encoder,
        "recorded_fps": during,
        "missing": missing,
        "frames": len(seen),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--viewers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--per-process", type=int, default=25)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--warmup", type=float, default=4.0)
    parser.add_argument("--after", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--designs", nargs="+", default=["shared", "media", "media-nice"])
    parser.add_argument("--hogs", type=int, default=0, help="busy processes beside the run")
    parser.add_argument("--join-timeout", type=float, default=90.0)
    args = parser.parse_args()
    allow_loopback_candidates()
    stop = multiprocessing.Event()
    hogs = [multiprocessing.Process(target=hog, args=(stop,)) for _ in range(args.hogs)]
    for process in hogs:
        process.start()
    rows = []
    try:
        for _ in range(args.rounds):
            for design in args.designs:
                rows.append(await burst(design, args))
    finally:
        stop.set()
        for process in hogs:
            process.join()
    load = os.getloadavg()[0]
    print(
        f"{args.viewers} viewers joining over {args.seconds:.0f} s, speaker {args.size} 30 fps,"
        f" {os.cpu_count()} cores, load average {load:.1f} (machine shared with other jobs),"
        f" {args.hogs} busy processes beside the run"
    )
    print(
        "| design | answers took s | all receiving after s | encoder fps per second"
        " (min / median) | recorded fps per second during the joins (min / median) |"
        " speaker frames missing |"
    )
    print("|---|---:|---:|---|---|---:|")
    for row in rows:
        enc, rec = row["encoder_fps"] or [0], row["recorded_fps"] or [0]
        print(
            f"| {row['design']} | {row['answers_seconds']:.1f} |"
            f" {row['join_seconds']:.1f} ({row['receiving']}) |"
            f" {min(enc)} / {statistics.median(enc):.0f} |"
            f" {min(rec)} / {statistics.median(rec):.0f} | {row['missing']} of"
            f" {row['frames'] + row['missing']} |"
        )
        print(f"<!-- encoder {row['encoder_fps']} recorded {row['recorded_fps']} -->")


if __name__ == "__main__":
    start = time.monotonic()
    asyncio.run(main())
    print(f"(took {time.monotonic() - start:.0f} s)")

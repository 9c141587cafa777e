"""One video of a panel: the per-publisher recordings composed into a grid.

A panel leaves one file per publisher. After the session this composes them off the
live path: each track is decoded once, the pictures are tiled (Pillow) and encoded once
(H.264), the voices are mixed by FFmpeg's ``amix`` filter and encoded once (AAC). It runs
as its own process at low priority (``nice``) so the web server and live stages keep
the CPU; it reports progress on stdout (``progress 0.42``), which the app shows to
organisers. The per-publisher files are kept.

Run by the app, or by hand: ``python -m sessions.composer OUT.mp4 IN1.mp4 IN2.mp4 …``.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
from av.audio.frame import AudioFrame
from PIL import Image

WIDTH, HEIGHT = 960, 540
FPS = 15
AUDIO_RATE = 48000


def grid(count: int) -> tuple[int, int]:
    """(columns, rows) for ``count`` tiles: 1x1, 2x1, 2x2, 3x2, 3x3 …"""
    columns = math.ceil(math.sqrt(count))
    return columns, math.ceil(count / columns)


def _duration(container: Any) -> float:
    return float(container.duration / av.time_base) if container.duration else 0.0


def _frames(container: Any) -> Iterator[tuple[float, Image.Image]]:
    stream = container.streams.video[0]
    for frame in container.decode(stream):
        if frame.pts is None or frame.time_base is None:
            continue
        yield float(frame.pts * frame.time_base), frame.to_image()


def compose(
    inputs: list[Path], output: Path, progress: Callable[[float], Any] | None = None
) -> float:
    """Write the grid video of ``inputs`` to ``output``; returns its duration."""
    report = progress or (lambda _share: None)
    sources = [av.open(str(path)) for path in inputs]
    try:
        duration = max(_duration(c) for c in sources)
        columns, rows = grid(len(sources))
        tile_w, tile_h = WIDTH // columns, HEIGHT // rows
        with av.open(str(output), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            video = out.add_stream("libx264", rate=FPS)
            video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
            video.options = {"preset": "veryfast", "crf": "26", "g": str(FPS * 2)}
            audio = out.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
            _compose_video(sources, out, video, duration, (columns, tile_w, tile_h), report)
            for container in sources:
                container.seek(0)
            _mix_audio(sources, out, audio)
        report(1.0)
        return duration
    finally:
        for container in sources:
            container.close()


def _compose_video(
    sources: list[Any],
    out: Any,
    video: Any,
    duration: float,
    layout: tuple[int, int, int],
    report: Callable[[float], Any],
) -> None:
    columns, tile_w, tile_h = layout
    streams = [_frames(c) if c.streams.video else iter(()) for c in sources]
    pending: list[tuple[float, Image.Image] | None] = [next(s, None) for s in streams]
    current: list[Image.Image | None] = [None] * len(sources)
    total = max(1, int(duration * FPS))
    for index in range(total):
        at = index / FPS
        canvas = Image.new("RGB", (WIDTH, HEIGHT), (20, 20, 24))
        for seat, stream in enumerate(streams):
            while pending[seat] is not None and pending[seat][0] <= at:  # type: ignore[index]
                current[seat] = pending[seat][1].resize((tile_w, tile_h))  # type: ignore[index]
                pending[seat] = next(stream, None)
            picture = current[seat]
            if picture is not None:
                canvas.paste(picture, ((seat % columns) * tile_w, (seat // columns) * tile_h))
        frame = av.VideoFrame.from_image(canvas).reformat(format="yuv420p")  # type: ignore[no-untyped-call]  # PyAV stub
        frame.pts = index
        frame.time_base = Fraction(1, FPS)
        for packet in video.encode(frame):
            out.mux(packet)
        if index % (FPS * 5) == 0:
            report(0.9 * index / total)
    for packet in video.encode():
        out.mux(packet)


def _mix_audio(sources: list[Any], out: Any, audio: Any) -> None:
    voiced = [c for c in sources if c.streams.audio]
    if not voiced:
        return
    graph = av.filter.Graph()
    inputs = [graph.add_abuffer(template=c.streams.audio[0]) for c in voiced]
    mix = graph.add("amix", f"inputs={len(inputs)}:normalize=0:duration=longest")
    convert = graph.add(
        "aformat", f"sample_fmts=fltp:sample_rates={AUDIO_RATE}:channel_layouts=stereo"
    )
    sink = graph.add("abuffersink")
    for position, source in enumerate(inputs):
        source.link_to(mix, 0, position)
    mix.link_to(convert)
    convert.link_to(sink)
    graph.configure()
    graph.set_audio_frame_size(audio.codec_context.frame_size or 1024)
    decoders = [c.decode(c.streams.audio[0]) for c in voiced]
    live = list(range(len(voiced)))
    pts = 0

    def drain() -> None:
        nonlocal pts
        while True:
            try:
                mixed = cast(AudioFrame, sink.pull())
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            mixed.pts = pts
            mixed.time_base = Fraction(1, AUDIO_RATE)
            pts += mixed.samples
            for packet in audio.encode(mixed):
                out.mux(packet)

    while live:
        for seat in list(live):
            frame = next(decoders[seat], None)
            if frame is None:
                inputs[seat].push(None)
                live.remove(seat)
            else:
                frame.pts = None
                inputs[seat].push(frame)
        drain()
    drain()
    for packet in audio.encode():
        out.mux(packet)


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print("usage: python -m sessions.composer OUT.mp4 IN1.mp4 [IN2.mp4 …]", file=sys.stderr)
        return 2
    os.nice(10)  # low priority: live stages and pages come first
    compose(
        [Path(p) for p in argv[2:]],
        Path(argv[1]),
        lambda share: print(f"progress {share:.3f}", flush=True),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

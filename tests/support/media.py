"""Media files made on the spot with PyAV: a fragmented H.264 MP4 in the recorder's
container format, for archive, material and keyboard tests that need a recording; and
a stage's recording read back picture by picture (:func:`recorded_stamps`,
:func:`recording_stamps`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import av

from sessions.live.recorder import assemble_mp4
from tests.support.synthetic import read_stamp


def encode_into(container: Any, stream: Any, frames: Iterable[Any]) -> None:
    """Encode ``frames`` with ``stream``'s encoder, flush it, and mux every packet."""
    for frame in frames:
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode(None):
        container.mux(packet)


def write_fragmented_mp4(path: Path, seconds: int = 4, fps: int = 25) -> None:
    """A fragmented H.264 MP4 in the recorder's container format (a fragment per second)."""
    options = {"movflags": "frag_keyframe+empty_moov+default_base_moof"}
    with av.open(str(path), "w", format="mp4", options=options) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        stream.options = {"g": str(fps), "preset": "ultrafast"}
        encode_into(out, stream, (_grey(index) for index in range(seconds * fps)))


def _grey(index: int) -> av.VideoFrame:
    frame = av.VideoFrame(320, 240, "yuv420p")
    for plane in frame.planes:
        plane.update(bytes([index % 256]) * plane.buffer_size)
    frame.pts = index
    return frame


def recorded_stamps(part: Path, target: Path) -> tuple[list[tuple[float, int]], Counter[int]]:
    """Assemble a stage's recorded ``part`` into the MP4 ``target`` and read back what
    the synthetic speaker drew into each picture: (seconds, the speaker's frame counter)
    per picture, and the number of pictures in each second of the recording."""
    assemble_mp4(part, target)
    stamps = [(seconds, counter) for seconds, counter, _sent in recording_stamps(target)]
    return stamps, Counter(int(t) for t, _ in stamps)


def recording_stamps(mp4: Path) -> list[tuple[float, int, int]]:
    """Each picture of a finished recording (an MP4) with what the synthetic speaker drew
    into it: (seconds into the recording, frame counter, send time in Unix milliseconds).
    Read within days of the recording: the send time's high bits come from the clock."""
    stamps: list[tuple[float, int, int]] = []
    with av.open(str(mp4)) as container:
        for frame in container.decode(video=0):
            stamp = read_stamp(frame)
            if stamp is not None and frame.time is not None:
                stamps.append((frame.time, stamp[0], stamp[1]))
    return stamps

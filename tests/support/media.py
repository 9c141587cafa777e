"""Media files made on the spot with PyAV: a fragmented H.264 MP4 in the recorder's
container format, for archive, material and keyboard tests that need a recording."""

from __future__ import annotations

from pathlib import Path

import av


def write_fragmented_mp4(path: Path, seconds: int = 4, fps: int = 25) -> None:
    """A fragmented H.264 MP4 in the recorder's container format (a fragment per second)."""
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

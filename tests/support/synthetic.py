"""Synthetic publisher tracks whose pictures carry a frame counter and a send time.

Used by the tests and the benchmarks (never by the app, so it lives in tests/support): the
picture holds two rows of black/white blocks (40 bits each) that survive lossy encoding,
so a receiver can check frame order and measure glass-to-glass latency on one machine.
Background: a moving noise texture, so the encoder produces a realistic bitrate.
"""

from __future__ import annotations

import array
import asyncio
import fractions
import math
import os
import time

from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack
from av.audio.frame import AudioFrame
from av.video.frame import VideoFrame

BITS = 40
PER_ROW = 20  # blocks per row: large enough to survive two lossy encodes
BLACK, WHITE = 16, 235


def _checksum(counter: int, millis: int) -> int:
    return (counter * 40503 + millis * 2654435761 + 0x5A5A) & 0xFFFF


class SyntheticVideoTrack(VideoStreamTrack):
    """A paced video track (default 30 fps) with counter and wall-clock time drawn in."""

    def __init__(
        self, width: int = 640, height: int = 360, fps: int = 30, motion: bool = True
    ) -> None:
        super().__init__()
        self.width = width
        self.height = height
        self.fps = fps
        self.counter = 0
        self.block = max(8, width // PER_ROW)
        self._motion = motion
        self._texture = os.urandom((width + 64) * (height + 64)) if motion else b""

    async def recv(self) -> VideoFrame:
        pts, time_base = await self._next()
        frame = VideoFrame(self.width, self.height, "yuv420p")
        self._paint(frame, self.counter, int(time.time() * 1000))
        frame.pts = pts
        frame.time_base = time_base
        self.counter += 1
        return frame

    async def _next(self) -> tuple[int, fractions.Fraction]:
        if self.fps == 30:
            return await self.next_timestamp()
        # own pacing for other rates
        if not hasattr(self, "_start"):
            self._start = time.time()
        target = self._start + self.counter / self.fps
        delay = target - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        return int(self.counter * 90000 / self.fps), fractions.Fraction(1, 90000)

    def _paint(self, frame: VideoFrame, counter: int, millis: int) -> None:
        luma = frame.planes[0]
        stride = luma.line_size
        width, height = self.width, self.height
        rows: list[bytes] = []
        pad = b"\x80" * (stride - width)
        texture_width = width + 64
        shift = counter % 64
        for y in range(height):
            if self._motion:
                start = ((y + shift) % (height + 64)) * texture_width + shift
                rows.append(self._texture[start : start + width] + pad)
            else:
                rows.append(b"\x80" * stride)
        block = self.block
        values = (
            millis & ((1 << BITS) - 1),
            ((counter & 0xFFFFFF) << 16) | _checksum(counter, millis),
        )
        for row_index in range(4):
            value = values[row_index // 2] >> (PER_ROW * (1 - row_index % 2))
            line = bytearray(b"\x80" * stride)
            for bit in range(PER_ROW):
                level = WHITE if (value >> (PER_ROW - 1 - bit)) & 1 else BLACK
                line[bit * block : (bit + 1) * block] = bytes([level]) * block
            for y in range(row_index * block, (row_index + 1) * block):
                rows[y] = bytes(line)
        luma.update(b"".join(rows))
        for plane in frame.planes[1:]:
            plane.update(b"\x80" * plane.buffer_size)


def read_stamp(frame: VideoFrame) -> tuple[int, int] | None:
    """Return ``(counter, sent_millis)`` drawn by :class:`SyntheticVideoTrack`, or None."""
    if frame.format.name != "yuv420p":
        frame = frame.reformat(format="yuv420p")
    luma = frame.planes[0]
    stride = luma.line_size
    data = bytes(luma)
    block = max(8, frame.width // PER_ROW)
    inner = range(block // 4, block - block // 4)
    values = [0, 0]
    for row_index in range(4):
        for bit in range(PER_ROW):
            x0 = bit * block
            total = 0
            for dy in inner:
                offset = (row_index * block + dy) * stride + x0
                total += sum(data[offset + block // 4 : offset + block - block // 4])
            mean = total / (len(inner) * len(inner))
            values[row_index // 2] = (values[row_index // 2] << 1) | (1 if mean >= 128 else 0)
    millis_low, tail = values
    counter, check = tail >> 16, tail & 0xFFFF
    # restore the high bits of the time from the local clock
    now = int(time.time() * 1000)
    millis = (now & ~((1 << BITS) - 1)) | millis_low
    if millis > now + 60_000:
        millis -= 1 << BITS
    if _checksum(counter, millis) != check:  # 1 in 65536 damaged pictures passes
        return None
    return counter, millis


class ToneAudioTrack(AudioStreamTrack):
    """A paced 48 kHz stereo 440 Hz tone in 20 ms frames, like a browser microphone."""

    def __init__(self) -> None:
        super().__init__()
        samples = 960
        one = array.array(
            "h", (int(8000 * math.sin(2 * math.pi * 440 * i / 48000)) for i in range(samples))
        )
        stereo = array.array("h")
        for value in one:
            stereo.extend((value, value))
        self._payload = stereo.tobytes()

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if not hasattr(self, "_start"):
            self._start = time.time()
            self._samples = 0
        else:
            self._samples += 960
            delay = self._start + self._samples / 48000 - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
        frame = AudioFrame(format="s16", layout="stereo", samples=960)
        frame.planes[0].update(self._payload)
        frame.sample_rate = 48000
        frame.pts = self._samples
        frame.time_base = fractions.Fraction(1, 48000)
        return frame

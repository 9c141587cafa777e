"""Fragmented-MP4 recording of one publisher, written from the packets viewers get.

Video is muxed as the H.264 packets the shared encoder produced (no second video encode).
Audio goes to viewers as Opus, but Opus in MP4 is not reliably played by Safari on
iPhone, so the recording gets one extra AAC encode per audio track: about 1-2% of a core,
paid once per publisher, never per viewer.

Files are spooled as ``<spool>/<session_id>/<publisher>-<start>.mp4.part`` while written and
renamed to ``.mp4`` when finished. ``movflags=frag_keyframe+empty_moov+default_base_moof``
writes a self-contained fragment at every video keyframe (every 2 s), so a crash loses at
most the last two seconds; :func:`recover_spool` turns leftovers into uploadable files.

All methods of :class:`SlotRecorder` run on the publisher slot's single media thread.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
from av.audio.frame import AudioFrame
from av.audio.resampler import AudioResampler
from av.packet import Packet

logger = logging.getLogger(__name__)

VIDEO_TIME_BASE = Fraction(1, 90000)
AUDIO_RATE = 48000
AUDIO_TIME_BASE = Fraction(1, AUDIO_RATE)
PART_SUFFIX = ".part"
MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof"


def safe_name(value: str) -> str:
    """A file-name-safe form of an id chosen by the caller (session id, publisher id)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", value)[:64].strip(".")
    return cleaned or "x"


class SlotRecorder:
    """Writes one publisher's video packets and audio frames into a fragmented MP4.

    The container opens lazily at the first video keyframe (or the first audio frame when
    the publisher sends no video), because the picture size is known only then; timestamps
    in the file count from that moment. Gaps (publisher reconnecting) stay gaps: the last
    picture is shown and audio is silent until the stream continues.
    """

    def __init__(self, path: Path, has_video: bool, has_audio: bool) -> None:
        self.final_path = path
        self.part_path = path.with_name(path.name + PART_SUFFIX)
        self.has_video = has_video
        self.has_audio = has_audio
        self._container: av.container.OutputContainer | None = None
        self._video_stream: av.video.stream.VideoStream | None = None
        self._audio_stream: av.audio.stream.AudioStream | None = None
        self._resampler: AudioResampler | None = None
        self._origin: float | None = None  # stage seconds at the file's time zero
        self._last_video_pts = -1
        self._audio_out = 0  # samples handed to the AAC encoder
        self._audio_shift = 0  # samples skipped over gaps
        self._audio_expected: int | None = None  # where the next input frame should start
        self.duration = 0.0
        self.closed = False

    def _open(self, origin: float, width: int, height: int) -> None:
        self.part_path.parent.mkdir(parents=True, exist_ok=True)
        options = {"movflags": MOVFLAGS, "flush_packets": "1"}
        if not self.has_video:
            options["movflags"] = "empty_moov+default_base_moof"
            options["frag_duration"] = "2000000"
        container = av.open(str(self.part_path), "w", format="mp4", options=options)
        if self.has_video:
            self._video_stream = cast(
                "av.video.stream.VideoStream",
                container.add_mux_stream(
                    "h264", width=width, height=height, time_base=VIDEO_TIME_BASE
                ),
            )
        if self.has_audio:
            stream = container.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
            stream.codec_context.bit_rate = 128000
            stream.time_base = AUDIO_TIME_BASE
            self._audio_stream = stream
            frame_size = stream.codec_context.frame_size or 1024
            self._resampler = AudioResampler(
                format="fltp", layout="stereo", rate=AUDIO_RATE, frame_size=frame_size
            )
        self._container = container
        self._origin = origin

    def write_video(self, packet: Packet[Any], width: int, height: int) -> None:
        """Mux one encoded H.264 packet (pts in 1/90000 s since the stage origin)."""
        if self.closed or not self.has_video or packet.pts is None:
            return
        if self._container is None:
            if not packet.is_keyframe:
                return
            self._open(packet.pts / 90000, width, height)
        assert self._origin is not None and self._video_stream is not None
        pts = packet.pts - round(self._origin * 90000)
        if pts <= self._last_video_pts:
            return
        self._last_video_pts = pts
        packet.pts = packet.dts = pts
        packet.time_base = VIDEO_TIME_BASE
        packet.stream = self._video_stream
        self._mux(packet)
        self.duration = max(self.duration, pts / 90000)

    def write_audio(self, frame: AudioFrame, start: int) -> None:
        """Encode one decoded audio frame to AAC; ``start`` is its sample index since origin."""
        if self.closed or not self.has_audio:
            return
        if self._container is None:
            if self.has_video:
                return  # the file starts with the first video keyframe
            self._open(start / AUDIO_RATE, 0, 0)
        assert self._origin is not None and self._resampler is not None
        start -= round(self._origin * AUDIO_RATE)
        if start < 0:
            return
        if self._audio_expected is not None and start - self._audio_expected > AUDIO_RATE // 5:
            self._audio_shift += start - self._audio_expected  # a gap: skip the silence
        self._audio_expected = max(start, self._audio_expected or 0) + frame.samples
        frame.pts = None
        for out in self._resampler.resample(frame):
            self._encode_audio(out)

    def _encode_audio(self, frame: AudioFrame | None) -> None:
        assert self._audio_stream is not None
        if frame is not None:
            frame.pts = self._audio_out + self._audio_shift
            frame.time_base = AUDIO_TIME_BASE
            self._audio_out += frame.samples
        for packet in self._audio_stream.encode(frame):
            self._mux(packet)
            if packet.pts is not None:
                self.duration = max(self.duration, float(packet.pts * AUDIO_TIME_BASE))

    def _mux(self, packet: Packet[Any]) -> None:
        assert self._container is not None
        try:
            self._container.mux(packet)
        except (av.FFmpegError, ValueError) as exc:  # keep the live session running
            logger.warning("recording %s: dropped a packet: %s", self.part_path.name, exc)

    def close(self) -> Path | None:
        """Flush and finish the file; return its final path, or None if nothing was written."""
        if self.closed:
            return None
        self.closed = True
        if self._container is None:
            return None
        try:
            if self._audio_stream is not None:
                self._encode_audio(None)
            self._container.close()
        except av.FFmpegError as exc:
            logger.warning("recording %s: close failed: %s", self.part_path.name, exc)
        self.part_path.replace(self.final_path)
        return self.final_path


@dataclass(frozen=True)
class SpooledRecording:
    """A finished recording on local disk, waiting for the app to upload it."""

    session_id: str
    path: Path
    duration: float


def probe_duration(path: Path) -> float | None:
    """Seconds of media in ``path`` readable by PyAV, or None if it is unreadable or empty."""
    try:
        with av.open(str(path)) as container:
            last = 0.0
            for stream in container.streams:
                if stream.type not in ("video", "audio"):
                    continue
                # fragmented files without a final index: read packets to find the end
                for packet in container.demux(stream):
                    if packet.pts is not None and packet.time_base is not None:
                        end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                        last = max(last, end)
                break
            return last if last > 0 else None
    except (av.FFmpegError, OSError, ValueError):
        return None


def recover_spool(spool_dir: Path) -> list[SpooledRecording]:
    """Find recordings left in the spool, e.g. after a crash, so the app can upload them.

    Call once at start-up, before any stage is live. ``.mp4.part`` files were being written
    when the process died: they are readable up to their last complete fragment, so they
    are renamed to ``.mp4``; files without a single readable fragment are renamed to
    ``.broken`` and left for an operator. Returns every ``.mp4`` in the spool, oldest first;
    the app deletes each file after uploading it.
    """
    found: list[SpooledRecording] = []
    if not spool_dir.is_dir():
        return found
    for part in sorted(spool_dir.glob("*/*.mp4" + PART_SUFFIX)):
        final = part.with_name(part.name[: -len(PART_SUFFIX)])
        if probe_duration(part) is None:
            logger.warning("spool: %s has no readable media, renamed to .broken", part)
            part.replace(part.with_name(part.name + ".broken"))
            continue
        part.replace(final)
    for path in sorted(spool_dir.glob("*/*.mp4"), key=lambda p: p.stat().st_mtime):
        duration = probe_duration(path)
        if duration is None:
            path.replace(path.with_name(path.name + ".broken"))
            continue
        found.append(SpooledRecording(session_id=path.parent.name, path=path, duration=duration))
    return found

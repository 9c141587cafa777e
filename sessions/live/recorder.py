"""CMAF recording of one publisher, written from the packets viewers get, as HLS segments.

Video is muxed as the H.264 packets the shared encoder produced (no second video encode).
Audio goes to viewers as Opus, but Opus in MP4 is not reliably played by Safari on
iPhone, so the recording gets one extra AAC encode per audio track: about 1-2% of a core,
paid once per publisher, never per viewer.

One recorder serves live HLS, relive and the recording library: FFmpeg's MP4 muxer writes
a fragmented stream (``frag_keyframe+empty_moov+default_base_moof``) into a
:class:`SegmentSink`, which cuts it at top-level boxes into ``init.mp4`` (ftyp + moov) and
one CMAF media segment (moof + mdat) per fragment, ``NNNNN.m4s``. Fragments start at video
keyframes at least ``MIN_SEGMENT_SECONDS`` apart, and the recorder asks the shared encoder
for a keyframe when a segment reaches ``SEGMENT_SECONDS``, so segments are ~2 s. Each
segment file is written under a temporary name and renamed when complete, then listed in
``segments.txt`` (name and duration); ``ended`` marks a finished recording. A crash loses
at most the fragment still in the muxer (< 2 s); :func:`recover_spool` marks such
directories ended so the archive publishes what is there.

Spool layout: ``<spool>/<session_id>/<seat>-<publisher>-<start>/``. All methods of
:class:`SlotRecorder` run on the publisher seat's single media thread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Callable
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
SEGMENT_SECONDS = 2.0
MIN_SEGMENT_SECONDS = 1.5  # a viewer's forced keyframe never cuts a segment shorter
MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof+skip_trailer"
INIT_NAME = "init.mp4"
INDEX_NAME = "segments.txt"
ENDED_NAME = "ended"
SEGMENT_RE = re.compile(r"^[0-9]{5}\.m4s$")
LOW_VARIANT_DIR = "low"  # inside a seat's directory: the low rendition's HLS variant


def safe_name(value: str) -> str:
    """A file-name-safe form of an id chosen by the caller (session id, publisher id)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", value)[:64].strip(".")
    return cleaned or "x"


SPOOL_FULL_NAME = "spool-full"
"""Marker in a recording directory: segments were dropped because the spool disk was full."""


def _write_atomically(path: Path, data: bytes) -> None:
    """All or nothing: a failed write (a full disk) leaves no partial file behind."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class SegmentSink:
    """The muxer's output: splits the fragmented-MP4 byte stream into CMAF files.

    Only top-level box headers (size, type) are read, to know where a box ends; every
    byte comes from FFmpeg's muxer.
    """

    def __init__(self, directory: Path, segment_end: Callable[[int], float]) -> None:
        self.directory = directory
        self._segment_end = segment_end  # segment index -> its end in seconds
        self._buffer = bytearray()
        self._init = bytearray()
        self._fragment = bytearray()
        self._init_written = False
        self.segments = 0
        self._last_end = 0.0
        self.dropped = 0  # segments lost to a full spool disk

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) >= 8:
            size = int.from_bytes(self._buffer[:4], "big")
            if size < 8:  # 64-bit sizes never occur for 2 s fragments; refuse to guess
                raise ValueError(f"unsupported box size {size}")
            if len(self._buffer) < size:
                break
            box = bytes(self._buffer[:size])
            del self._buffer[:size]
            self._box(box[4:8], box)
        return len(data)

    def _box(self, kind: bytes, box: bytes) -> None:
        if kind in (b"ftyp", b"moov"):
            self._init += box
            if kind == b"moov":
                _write_atomically(self.directory / INIT_NAME, bytes(self._init))
                self._init_written = True
        elif kind in (b"moof", b"styp"):
            self._fragment = bytearray(box)
        elif kind == b"mdat" and self._fragment:
            self._fragment += box
            self._finish_segment()
        # anything else (mfra, free) belongs to no segment

    def _finish_segment(self) -> None:
        """Write one segment and list it. A full disk drops this segment only: raising
        into FFmpeg would break the muxer for good, and the talk goes on for viewers, so
        the recording resumes with the next segment once there is room again."""
        name = f"{self.segments:05d}.m4s"
        # Fragments dropped to a full disk still count: the next listed segment's
        # duration spans the gap, so the playlist's time stays the media's time.
        end = max(self._segment_end(self.segments + self.dropped), self._last_end + 0.001)
        duration = end - self._last_end
        fragment, self._fragment = bytes(self._fragment), bytearray()
        try:
            _write_atomically(self.directory / name, fragment)
        except OSError as exc:
            self._dropped(name, exc)
            return
        line = f"{name} {duration:.3f}\n".encode()
        index_path = self.directory / INDEX_NAME
        size = index_path.stat().st_size if index_path.exists() else 0
        try:
            with index_path.open("ab") as index:
                index.write(line)
                index.flush()
                os.fsync(index.fileno())
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.truncate(index_path, size)  # never a half line in the index
                (self.directory / name).unlink()
            self._dropped(name, exc)
            return
        self._last_end = end
        self.segments += 1

    def _dropped(self, name: str, exc: OSError) -> None:
        if not self.dropped:
            logger.error("recording %s: spool full, dropping segments (%s)", self.directory, exc)
            with contextlib.suppress(OSError):  # an empty file needs no data block
                (self.directory / SPOOL_FULL_NAME).touch()
        self.dropped += 1


def read_index(directory: Path) -> list[tuple[str, float]]:
    """The complete segments of a spooled recording, in order: (file name, seconds).

    A line is written only after its segment file is complete; a torn last line (crash
    while appending) is ignored.
    """
    try:
        text = (directory / INDEX_NAME).read_text()
    except FileNotFoundError:
        return []
    segments: list[tuple[str, float]] = []
    for line in text.splitlines():
        name, _, seconds = line.partition(" ")
        try:
            duration = float(seconds)
        except ValueError:
            continue
        if SEGMENT_RE.match(name) and (directory / name).exists():
            segments.append((name, duration))
    return segments


class SlotRecorder:
    """Writes one publisher's video packets and audio frames as CMAF segments.

    The muxer opens lazily at the first video keyframe (or the first audio frame when
    the publisher sends no video), because the picture size is known only then; timestamps
    count from that moment. Gaps (publisher reconnecting) stay gaps: the last picture is
    shown and audio is silent until the stream continues. ``request_keyframe`` is set by
    the stage to the seat's shared encoder, so segment boundaries cost no extra encode.
    """

    def __init__(self, path: Path, has_video: bool, has_audio: bool) -> None:
        self.directory = path
        self.has_video = has_video
        self.has_audio = has_audio
        self.request_keyframe: Callable[[], None] | None = None
        self._container: av.container.OutputContainer | None = None
        self._video_stream: av.video.stream.VideoStream | None = None
        self._audio_stream: av.audio.stream.AudioStream | None = None
        self._resampler: AudioResampler | None = None
        self._sink: SegmentSink | None = None
        self._starts: list[float] = []  # segment start times (seconds since origin)
        self._origin: float | None = None  # stage seconds at the recording's time zero
        self._last_video_pts = -1
        self._audio_out = 0  # samples handed to the AAC encoder
        self._audio_shift = 0  # samples skipped over gaps
        self._audio_expected: int | None = None  # where the next input frame should start
        self.duration = 0.0
        self.closed = False

    def _segment_end(self, index: int) -> float:
        return self._starts[index + 1] if index + 1 < len(self._starts) else self.duration

    def _open(self, origin: float, width: int, height: int) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        options = {
            "movflags": MOVFLAGS,
            "flush_packets": "1",
            "min_frag_duration": str(int(MIN_SEGMENT_SECONDS * 1_000_000)),
            # never hold a segment back waiting for a stream that paused
            "max_interleave_delta": "300000",
        }
        if not self.has_video:
            options["movflags"] = MOVFLAGS.replace("frag_keyframe+", "")
            options["frag_duration"] = str(int(SEGMENT_SECONDS * 1_000_000))
        self._sink = SegmentSink(self.directory, self._segment_end)
        container = av.open(self._sink, "w", format="mp4", options=options)
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
        self._starts = [0.0]

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
        seconds = pts / 90000
        since_cut = seconds - self._starts[-1]
        if packet.is_keyframe and since_cut >= MIN_SEGMENT_SECONDS:
            self._starts.append(seconds)  # the muxer cuts a fragment here
        elif since_cut >= SEGMENT_SECONDS - 0.05 and self.request_keyframe is not None:
            self.request_keyframe()
        packet.pts = packet.dts = pts
        packet.time_base = VIDEO_TIME_BASE
        packet.stream = self._video_stream
        self._mux(packet)
        self.duration = max(self.duration, seconds)

    def write_audio(self, frame: AudioFrame, start: int) -> None:
        """Encode one decoded audio frame to AAC; ``start`` is its sample index since origin."""
        if self.closed or not self.has_audio:
            return
        if self._container is None:
            if self.has_video:
                return  # the recording starts with the first video keyframe
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
                end = float(packet.pts * AUDIO_TIME_BASE)
                if not self.has_video and end - self._starts[-1] >= SEGMENT_SECONDS:
                    self._starts.append(end)  # frag_duration cuts audio-only segments
                self.duration = max(self.duration, end)

    def _mux(self, packet: Packet[Any]) -> None:
        assert self._container is not None
        try:
            self._container.mux(packet)
        except (av.FFmpegError, ValueError, OSError) as exc:  # keep the live session running
            logger.warning("recording %s: dropped a packet: %s", self.directory, exc)

    def close(self) -> Path | None:
        """Flush the last segment and mark the recording ended; None if nothing was written."""
        if self.closed:
            return None
        self.closed = True
        if self._container is None:
            return None
        try:
            if self._audio_stream is not None:
                self._encode_audio(None)
            self._container.close()
        except (av.FFmpegError, OSError, ValueError) as exc:
            logger.warning("recording %s: close failed: %s", self.directory, exc)
        (self.directory / ENDED_NAME).touch()
        return self.directory


@dataclass(frozen=True)
class SpooledRecording:
    """A finished recording in the spool (a segment directory), waiting for the archive."""

    session_id: str
    path: Path
    duration: float


def spooled_duration(directory: Path) -> float:
    """Seconds of media in the complete segments of a spooled recording."""
    return sum(duration for _, duration in read_index(directory))


def recover_spool(spool_dir: Path) -> list[SpooledRecording]:
    """Find recordings left in the spool, e.g. after a crash, so the app can publish them.

    Call once at start-up, before any stage is live: a directory without its ``ended``
    marker was being written when the process died. Its complete segments are kept (the
    fragment still in the muxer is lost, at most ~2 s), half-written ``.tmp`` files are
    removed and it is marked ended. Directories without an init segment or any complete
    segment are renamed to ``.broken`` for an operator. Returns every recording still in
    the spool, oldest first; the archive deletes each after storing it.
    """
    found: list[SpooledRecording] = []
    if not spool_dir.is_dir():
        return found
    for directory in sorted(spool_dir.glob("*/*/")):
        if directory.name.endswith(".broken"):
            continue
        for tmp in directory.glob("*.tmp"):
            tmp.unlink()
        if not (directory / INIT_NAME).exists() or not read_index(directory):
            logger.warning("spool: %s has no complete segment, renamed to .broken", directory)
            directory.replace(directory.with_name(directory.name + ".broken"))
            continue
        (directory / ENDED_NAME).touch()
        found.append(
            SpooledRecording(
                session_id=directory.parent.name,
                path=directory,
                duration=spooled_duration(directory),
            )
        )
    found.sort(key=lambda item: (item.path / INIT_NAME).stat().st_mtime)
    return found


def assemble_mp4(directory: Path, target: Path) -> float:
    """One MP4 for download from the spooled segments, without re-encoding.

    init + segments form one fragmented MP4; its packets are remuxed into a plain MP4 with
    the index in front (``faststart``), which every browser, Safari on iPhone included,
    plays and seeks while downloading. Returns the duration in seconds.
    """
    joined = target.with_name(target.name + ".fmp4")
    part = target.with_name(target.name + ".part")
    try:  # a full disk may fail any write here: no partial file stays behind
        with joined.open("wb") as out:
            out.write((directory / INIT_NAME).read_bytes())
            for name, _ in read_index(directory):
                out.write((directory / name).read_bytes())
        with (
            av.open(str(joined)) as source,
            av.open(str(part), "w", format="mp4", options={"movflags": "faststart"}) as sink,
        ):
            streams = {
                stream.index: sink.add_stream_from_template(stream)
                for stream in source.streams
                if stream.type in ("video", "audio")
            }
            for packet in source.demux():
                if packet.dts is None or packet.stream.index not in streams:
                    continue
                packet.stream = streams[packet.stream.index]
                sink.mux(packet)
        part.replace(target)
    finally:
        joined.unlink(missing_ok=True)
        part.unlink(missing_ok=True)
    with av.open(str(target)) as result:
        return (result.duration or 0) / 1_000_000

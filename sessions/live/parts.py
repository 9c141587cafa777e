"""One talk, one recording: the parts a crash leaves are joined, not stored one by one.

A seat's recording is spooled in one directory (``<seat>-<publisher>-<UTC stamp>``, see
:mod:`sessions.live.recorder`). When the process writing it dies (the live media
worker, or the whole app), the directory stays without its ``ended`` marker. It is then
marked ``interrupted``: its segments are published as live HLS like any other, but it is
not stored as a recording of its own. When the speaker publishes again, a new directory
starts; when that one ends, every interrupted part of the same talk and publisher before
it is joined with it into ONE recording (one MP4, one VOD playlist with a discontinuity
between the parts). A talk that never continues is finished by the moderator's "end"
or a few minutes after its planned end (:meth:`RecordingArchive.finish_interrupted`,
:func:`sessions.states.interruption_over`).

Joining remuxes (no re-encoding): the parts' packets go into one MP4 one after the other,
each part shifted to start where the previous one ended, so the gap while nobody was
sending is not in the recording (it would be a frozen picture).
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from sessions.live.recorder import ENDED_NAME, INIT_NAME, SEGMENT_SECONDS, read_index

logger = logging.getLogger(__name__)

INTERRUPTED_NAME = "interrupted"
BROKEN_SUFFIX = ".broken"


def is_interrupted(directory: Path) -> bool:
    return (directory / INTERRUPTED_NAME).exists() and not (directory / ENDED_NAME).exists()


def publisher_of(directory: Path) -> str:
    """The publisher part of ``<seat>-<publisher>-<stamp>`` (publisher ids may hold ``-``)."""
    return directory.name.split("-", 1)[1].rsplit("-", 1)[0]


def stamp_of(directory: Path) -> str:
    return directory.name.rsplit("-", 1)[1]


def interrupt_open_parts(spool_dir: Path) -> set[str]:
    """Mark every recording still being written as interrupted; returns their session ids.

    Call when the process writing them is gone (at start-up, or when the supervisor saw
    the live media worker die). Half-written ``.tmp`` files are removed (the fragment in
    the muxer is lost, < 2 s); a directory without a complete segment is renamed to
    ``.broken`` for an operator.
    """
    sessions: set[str] = set()
    if not spool_dir.is_dir():
        return sessions
    for directory in sorted(spool_dir.glob("*/*/")):
        if directory.name.endswith(BROKEN_SUFFIX) or (directory / ENDED_NAME).exists():
            continue
        for tmp in directory.glob("*.tmp"):
            tmp.unlink()
        if (directory / INTERRUPTED_NAME).exists():
            sessions.add(directory.parent.name)
            continue
        if not (directory / INIT_NAME).exists() or not read_index(directory):
            logger.warning("spool: %s has no complete segment, renamed to .broken", directory)
            directory.replace(directory.with_name(directory.name + BROKEN_SUFFIX))
            continue
        (directory / INTERRUPTED_NAME).touch()
        sessions.add(directory.parent.name)
        logger.warning("spool: %s interrupted; it joins the talk's next part", directory)
    return sessions


def earlier_parts(directory: Path) -> list[Path]:
    """Interrupted parts of the same talk and publisher that came before ``directory``."""
    publisher, stamp = publisher_of(directory), stamp_of(directory)
    return sorted(
        (
            sibling
            for sibling in directory.parent.iterdir()
            if sibling != directory
            and sibling.is_dir()
            and not sibling.name.endswith(BROKEN_SUFFIX)
            and is_interrupted(sibling)
            and publisher_of(sibling) == publisher
            and stamp_of(sibling) <= stamp
        ),
        key=stamp_of,
    )


def last_interrupted_parts(session_dir: Path) -> list[Path]:
    """Per publisher, the latest part of a talk if it is interrupted (the one "end"
    closes; an interrupted part followed by an ended one is joined with that one)."""
    latest: dict[str, Path] = {}
    for directory in sorted(session_dir.glob("*/"), key=stamp_of):
        if directory.name.endswith(BROKEN_SUFFIX) or not (directory / INIT_NAME).exists():
            continue
        latest[publisher_of(directory)] = directory
    return [d for d in latest.values() if is_interrupted(d)]


def joined_playlist(parts: list[tuple[str, list[tuple[str, float]]]]) -> str:
    """The VOD media playlist of several parts (``(seat dir, segments)``), in order.

    Every URI names its part's directory (``../<dir>/<name>``), so the same text is right
    from any part's own playlist location; each part has its own init segment, announced
    by ``EXT-X-MAP`` after an ``EXT-X-DISCONTINUITY`` (RFC 8216, 4.3.2.3 and 4.3.2.5).
    """
    longest = max((d for _, segments in parts for _, d in segments), default=SEGMENT_SECONDS)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{max(round(SEGMENT_SECONDS), round(longest))}",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        "#EXT-X-MEDIA-SEQUENCE:0",
    ]
    for number, (seat_dir, segments) in enumerate(parts):
        if number:
            lines.append("#EXT-X-DISCONTINUITY")
        lines.append(f'#EXT-X-MAP:URI="../{seat_dir}/{INIT_NAME}"')
        for name, duration in segments:
            lines += [f"#EXTINF:{duration:.3f},", f"../{seat_dir}/{name}"]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def _fragmented(directory: Path, target: Path) -> Path:
    with target.open("wb") as out:
        out.write((directory / INIT_NAME).read_bytes())
        for name, _ in read_index(directory):
            out.write((directory / name).read_bytes())
    return target


def _span(path: Path) -> tuple[float, float, dict[str, float]]:
    """First and last presentation time (seconds) over all audio/video packets, and each
    kind's first decoding time (AAC's priming makes audio decode before it plays)."""
    start, end = float("inf"), 0.0
    first_dts: dict[str, float] = {}
    with av.open(str(path)) as source:
        for packet in source.demux():
            kind = packet.stream.type
            if packet.pts is None or packet.dts is None or kind not in ("video", "audio"):
                continue
            base = packet.time_base or Fraction(1, 90000)
            start = min(start, float(packet.pts * base))
            end = max(end, float((packet.pts + (packet.duration or 0)) * base))
            first_dts.setdefault(kind, float(packet.dts * base))
    return (0.0, 0.0, first_dts) if start == float("inf") else (start, end, first_dts)


def join_parts(directories: list[Path], target: Path) -> float:
    """One faststart MP4 of several spooled parts, played one after the other.

    Streams are matched by kind (video, audio) and take the first part's parameters; the
    encoder repeats SPS/PPS with every keyframe, so a later part decodes even if its
    picture size differs. Returns the duration in seconds.
    """
    fragments = [
        _fragmented(d, target.with_name(f"{target.name}.{n}.fmp4"))
        for n, d in enumerate(directories)
    ]
    part = target.with_name(target.name + ".part")
    try:
        with av.open(str(part), "w", format="mp4", options={"movflags": "faststart"}) as sink:
            outputs: dict[str, Any] = {}
            last_dts: dict[str, float] = {}  # seconds, per kind, after the shift
            offset = 0.0
            for fragment in fragments:
                start, end, first_dts = _span(fragment)
                shift = offset - start
                for kind, first in first_dts.items():  # decoding times must keep rising
                    if kind in last_dts:
                        shift = max(shift, last_dts[kind] + 0.001 - first)
                with av.open(str(fragment)) as source:
                    for stream in source.streams:
                        if stream.type in ("video", "audio") and stream.type not in outputs:
                            outputs[stream.type] = sink.add_stream_from_template(stream)
                    for packet in source.demux():
                        kind = packet.stream.type
                        if packet.dts is None or kind not in outputs:
                            continue
                        base = packet.time_base
                        ticks = round(shift / base)
                        if last_dts.get(kind, -1.0) >= float((packet.dts + ticks) * base):
                            continue  # never rewind a stream (a duplicate after a restart)
                        packet.pts = (packet.dts if packet.pts is None else packet.pts) + ticks
                        packet.dts += ticks
                        last_dts[kind] = float(packet.dts * base)
                        packet.stream = outputs[kind]
                        try:
                            sink.mux(packet)
                        except (av.FFmpegError, ValueError) as exc:  # keep the recording
                            logger.warning("joining %s: dropped a packet: %s", target, exc)
                offset = shift + end
        part.replace(target)
    finally:
        part.unlink(missing_ok=True)
        for fragment in fragments:
            fragment.unlink(missing_ok=True)
    with av.open(str(target)) as result:
        return (result.duration or 0) / 1_000_000

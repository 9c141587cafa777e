"""Per-second figures of a join burst through the real server (``live_viewers.py --burst``).

Three sources, put on one clock (seconds since the burst's first offer, Unix time):

- the finished recording, read picture by picture (``tests.support.media``): the speaker
  draws a frame counter and its send time into every picture. The recorder muxes the
  shared encoder's packets unchanged (no second encode), so the speaker frames found in
  it per second of *capture* are the frames the encoder made of that second (its fps;
  a frame the starved encoder dropped is missing), and the pictures per second of the
  recording's own timeline are the recording's fps;
- the viewers' frame counts every second (``LightViewerProcess(tick=1)``): the fps of each
  viewer that was already receiving at the start of that second, p10 over them;
- one viewer that joined before the burst, in a process of its own: what somebody already
  watching got, second by second.
"""

from __future__ import annotations

import bisect
import itertools
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Ticks = Sequence[tuple[float, Sequence[int]]]  # (Unix time, frames per joined viewer)


@dataclass
class Second:
    """One second of the run, counted from the burst's first offer (negative: before)."""

    second: int
    receiving: int = 0  # viewers of the burst receiving video at the end of the second
    sent_fps: float | None = None  # frames per second the speaker made around it
    encoder_fps: int = 0  # speaker frames of this second (capture time) in the recording
    recorded_fps: int = 0  # pictures in this second of the recording's timeline
    viewers_p10: float | None = None  # p10 of the fps of viewers already receiving
    viewers_counted: int = 0
    watching_fps: float | None = None  # the viewer who joined before the burst


def p10(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[int(len(ordered) * 0.1)]


def viewer_fps(ticks: Ticks, start: float) -> dict[int, list[float]]:
    """Frames per second of each viewer that was already receiving at the earlier of two
    consecutive ticks, filed under the second (since ``start``) of the interval's middle.
    A viewer that has not received its first frame yet waits for a keyframe, which is
    the join, not a lost frame, so it is left out until it receives."""
    found: dict[int, list[float]] = defaultdict(list)
    for (before, counts), (after, later) in itertools.pairwise(ticks):
        if after <= before:
            continue
        second = math.floor((before + after) / 2 - start)
        for index, frames in enumerate(counts):
            if frames > 0 and index < len(later):
                found[second].append((later[index] - frames) / (after - before))
    return found


def receiving_at(ticks: Ticks, start: float) -> dict[int, int]:
    """Viewers with at least one frame, at the last tick within each second."""
    return {math.floor(at - start): sum(1 for f in counts if f > 0) for at, counts in ticks}


def recording_seconds(
    stamps: Sequence[tuple[float, int, int]], start: float
) -> tuple[dict[int, float], Counter[int], Counter[int]]:
    """From a recording's (seconds into it, counter, send time ms) per picture: the
    speaker's frame rate in each second (see :func:`speaker_rate`), distinct speaker frames
    in the recording per second of capture, and pictures per second of the recording's
    timeline, all on the Unix clock (the recording's start placed by the median of send
    time minus recording time, which is constant while nothing stalls)."""
    if not stamps:
        return {}, Counter(), Counter()
    offset = statistics.median(sent / 1000 - at for at, _counter, sent in stamps)
    captured: dict[int, set[int]] = defaultdict(set)
    for _at, counter, sent in stamps:
        captured[math.floor(sent / 1000 - start)].add(counter)
    timeline = Counter(math.floor(at + offset - start) for at, _counter, _sent in stamps)
    encoder = Counter({second: len(seen) for second, seen in captured.items()})
    every = range(min(captured), max(captured) + 1)
    return speaker_rate(stamps, start, every), encoder, timeline


def speaker_rate(
    stamps: Sequence[tuple[float, int, int]], start: float, seconds: Iterable[int]
) -> dict[int, float]:
    """Frames per second the speaker made around each second: its counter is consecutive,
    so the counters and send times of the last recorded picture at or before the second
    and the first at or after its end give the rate even across frames the server lost
    (a starved speaker makes fewer; that is the load generator, not the server)."""
    pictures = sorted((sent / 1000, counter) for _at, counter, sent in stamps)
    times = [at for at, _counter in pictures]
    rates = {}
    for second in seconds:
        begin, end = start + second, start + second + 1
        first = max(0, bisect.bisect_right(times, begin) - 1)
        last = min(len(times) - 1, bisect.bisect_left(times, end))
        if last > first and times[last] > times[first]:
            frames = pictures[last][1] - pictures[first][1]
            rates[second] = frames / (times[last] - times[first])
    return rates


def seconds(
    start: float,
    first: int,
    last: int,
    stamps: Sequence[tuple[float, int, int]],
    burst_ticks: Sequence[Ticks],
    watching_ticks: Ticks,
) -> list[Second]:
    """The rows from ``first`` to ``last`` (inclusive), seconds since ``start``."""
    sent, encoder, recorded = recording_seconds(stamps, start)
    fps: dict[int, list[float]] = defaultdict(list)
    receiving: Counter[int] = Counter()
    for ticks in burst_ticks:
        for second, values in viewer_fps(ticks, start).items():
            fps[second].extend(values)
        latest = receiving_at(ticks, start)
        for second in range(first, last + 1):
            known = [s for s in latest if s <= second]
            receiving[second] += latest[max(known)] if known else 0
    watching = viewer_fps(watching_ticks, start)
    rows = []
    for second in range(first, last + 1):
        values = fps.get(second, [])
        mine = watching.get(second)
        rows.append(
            Second(
                second,
                receiving=receiving[second],
                sent_fps=sent.get(second),
                encoder_fps=encoder[second],
                recorded_fps=recorded[second],
                viewers_p10=p10(values) if values else None,
                viewers_counted=len(values),
                watching_fps=mine[0] if mine else None,
            )
        )
    return rows


def missing_frames(stamps: Sequence[tuple[float, int, int]], start: float, end: float) -> str:
    """Speaker frames captured between ``start`` and ``end`` absent from the recording."""
    seen = {counter for _at, counter, sent in stamps if start <= sent / 1000 < end}
    if not seen:
        return "no frames"
    expected = max(seen) - min(seen) + 1
    return f"{expected - len(seen)} of {expected}"


def summary(rows: Sequence[Second], first: int, last: int) -> dict[str, str]:
    """Minimum / median of each column over the seconds ``first``..``last``."""
    window = [row for row in rows if first <= row.second <= last]

    def span(values: list[float]) -> str:
        if not values:
            return "–"
        return f"{min(values):.0f} / {statistics.median(values):.0f}"

    return {
        "sent": span([r.sent_fps for r in window if r.sent_fps is not None]),
        "encoder": span([float(r.encoder_fps) for r in window]),
        "recorded": span([float(r.recorded_fps) for r in window]),
        "viewers_p10": span([r.viewers_p10 for r in window if r.viewers_p10 is not None]),
        "watching": span([r.watching_fps for r in window if r.watching_fps is not None]),
    }


def second_table(rows: Sequence[Second]) -> list[str]:
    """Markdown table, one line per second."""

    def number(value: float | None) -> str:
        return "–" if value is None else f"{value:.0f}"

    lines = [
        "| s since first offer | burst viewers receiving | speaker sent fps | encoder fps "
        "(speaker frames of this second in the recording) | recording fps (its timeline) "
        "| viewers fps p10 (viewers counted) | fps of a viewer watching since before |",
        "|---:|---:|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.second} | {row.receiving} | {number(row.sent_fps)} | {row.encoder_fps} "
            f"| {row.recorded_fps} "
            f"| {number(row.viewers_p10)} ({row.viewers_counted}) "
            f"| {number(row.watching_fps)} |"
        )
    return lines

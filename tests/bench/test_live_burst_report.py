"""The join-burst report puts the recording's stamps and the viewers' frame counts on one
clock: a second the encoder lost shows in the encoder and recording columns, a viewer
waiting for its first keyframe is not counted as a slow viewer, and a slow one is."""

from __future__ import annotations

from bench.live_burst_report import missing_frames, seconds, summary

START = 1_000_000.0  # the burst's first offer, Unix time
OFFSET = 7.25  # the recording started this long before the first offer


def _stamps() -> list[tuple[float, int, int]]:
    """30 fps from 6 s before the burst to 6 s after, except that the encoder kept only
    every third frame captured in second 2 of the burst."""
    stamps = []
    for counter in range(12 * 30):
        sent = START - 6 + counter / 30
        if 2 <= sent - START < 3 and counter % 3:
            continue
        stamps.append((sent - START + OFFSET, counter, round(sent * 1000)))
    return stamps


def _ticks(rates: dict[int, float], joins_at: float) -> list[tuple[float, list[int]]]:
    """Two viewers ticked every second from the first offer: one watching since before,
    one receiving from ``joins_at``; ``rates`` gives the first one's fps per second."""
    ticks, first, second = [], 300, 0
    for at in range(7):
        ticks.append((START + at + 0.1, [first, second]))
        first += round(rates.get(at, 30))
        if at + 1 > joins_at:
            second += 30
    return ticks


def test_a_lost_second_shows_in_the_encoder_and_the_recording_and_joins_are_not_slow() -> None:
    stamps = _stamps()
    ticks = _ticks({3: 12}, joins_at=2.5)
    rows = seconds(START, -2, 5, stamps, [ticks], ticks)
    by_second = {row.second: row for row in rows}

    assert {by_second[s].sent_fps for s in range(-2, 5)} == {30}  # the speaker made all
    assert [by_second[s].encoder_fps for s in range(-2, 6)] == [30, 30, 30, 30, 10, 30, 30, 30]
    assert [by_second[s].recorded_fps for s in range(-2, 6)] == [30, 30, 30, 30, 10, 30, 30, 30]
    # before the second viewer receives only the first is counted; then both
    assert [by_second[s].viewers_counted for s in range(0, 6)] == [1, 1, 1, 2, 2, 2]
    assert by_second[3].viewers_p10 == 12  # the slow viewer, not hidden by the median
    assert by_second[4].viewers_p10 == 30
    assert by_second[3].receiving == 2 and by_second[1].receiving == 1

    figures = summary(rows, 0, 4)
    assert figures["sent"] == "30 / 30"
    assert figures["encoder"] == "10 / 30"
    assert figures["recorded"] == "10 / 30"
    assert figures["viewers_p10"] == "12 / 30"
    assert missing_frames(stamps, START, START + 6) == "20 of 180"


def test_the_speakers_rate_is_known_across_a_second_the_recording_lost_entirely() -> None:
    stamps = [stamp for stamp in _stamps() if not 1 <= stamp[2] / 1000 - START < 3]
    ticks = _ticks({}, joins_at=0)
    rows = {row.second: row for row in seconds(START, 0, 3, stamps, [ticks], ticks)}

    assert [rows[s].encoder_fps for s in range(4)] == [30, 0, 0, 30]
    assert all(abs((rows[s].sent_fps or 0) - 30) < 0.5 for s in range(4)), rows
    assert missing_frames(stamps, START, START + 4) == "60 of 120"

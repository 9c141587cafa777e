"""Captions for recordings: WebVTT or SRT in, checked WebVTT out, cues kept for search.

Parsing is ``webvtt-py``'s; it skips cues it cannot read without a word, so every timing
line is checked here first and a bad one is refused with its line number. German SRT
files often come as Windows-1252 (or Latin-1, a subset of it): a file that is not UTF-8
is read as Windows-1252 when the result holds only letters German text uses; otherwise it
is refused, naming the line with the first unreadable byte. Overlapping cues and cues past
the end of the recording are refused too, so a caption file never half-works.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import webvtt
from webvtt.errors import MalformedFileError

from fair.errors import HTTPError
from sessions.timelinks import format_clock

MAX_CAPTION_BYTES = 900 * 1024  # under the 1 MB form limit; an hour of captions is ~60 KB
_TIMESTAMP = r"(?:\d{1,2}:)?\d{2}:\d{2}[.,]\d{3}"
_TIMING = re.compile(rf"^\s*({_TIMESTAMP})\s+-->\s+({_TIMESTAMP})(?:\s+.*)?$")
# Letters and marks a German (or English) caption may hold beyond ASCII.
_GERMAN_EXTRA = set("äöüÄÖÜßẞ€„“”‚‘’–—…«»‹›·°§éèêàâçëïîôûÉÈÀ ")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class ParsedCaptions:
    vtt: str
    cues: list[Cue]
    encoding: str


def caption_error(message: str, line: int | None = None) -> HTTPError:
    where = f"Zeile {line}: " if line else ""
    return HTTPError(400, f"captions: {where}{message}", field="captions")


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8, or Windows-1252 when that reads as German text."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        bad_line = data[: exc.start].count(b"\n") + 1
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise caption_error(
                "weder UTF-8 noch Windows-1252 (Latin-1); bitte als UTF-8 speichern", bad_line
            ) from None
        odd = [ch for ch in text if ord(ch) > 127 and ch not in _GERMAN_EXTRA]
        if odd:
            raise caption_error(
                "Zeichenkodierung nicht erkannt (kein UTF-8); bitte als UTF-8 speichern",
                bad_line,
            ) from None
        return text, "cp1252"


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    value = 0.0
    for part in parts:
        value = value * 60 + float(part)
    return value


def _check_timings(lines: list[str], duration: float) -> None:
    """Every timing line well-formed, start before end, no overlap, inside the video."""
    previous_end = 0.0
    previous_line = 0
    for number, line in enumerate(lines, start=1):
        if "-->" not in line:
            continue
        match = _TIMING.match(line)
        if match is None:
            raise caption_error(f"ungültige Zeitangabe „{line.strip()[:60]}“", number)
        start, end = _seconds(match[1]), _seconds(match[2])
        if int(match[1].replace(",", ".").split(".")[0].split(":")[-1]) >= 60:
            raise caption_error(f"ungültige Sekunden in „{line.strip()[:60]}“", number)
        if end <= start:
            raise caption_error("das Ende liegt nicht nach dem Anfang", number)
        if start < previous_end - 0.001:
            raise caption_error(
                f"überschneidet sich mit dem Untertitel aus Zeile {previous_line} "
                f"(der bis {format_clock(previous_end)} läuft)",
                number,
            )
        if duration > 0 and start >= duration:
            raise caption_error(
                f"beginnt bei {format_clock(start)}, nach dem Ende der Aufzeichnung "
                f"({format_clock(duration)})",
                number,
            )
        previous_end, previous_line = end, number


def parse_captions(data: bytes, duration: float = 0.0) -> ParsedCaptions:
    """Checked captions from an uploaded WebVTT or SRT file; 400 naming the line if bad."""
    if not data.strip():
        raise caption_error("die Datei ist leer")
    if len(data) > MAX_CAPTION_BYTES:
        raise caption_error(f"höchstens {MAX_CAPTION_BYTES // 1024} KB")
    text, encoding = decode_text(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    _check_timings(lines, duration)
    kind = "vtt" if text.lstrip().startswith("WEBVTT") else "srt"
    try:
        parsed = webvtt.WebVTT.from_buffer(io.StringIO(text), format=kind)
    except MalformedFileError as exc:
        raise caption_error(f"keine gültige {kind.upper()}-Datei ({exc})") from None
    cues = [Cue(_seconds(c.start), _seconds(c.end), c.text) for c in parsed.captions]
    if not cues:
        raise caption_error("keine Untertitel gefunden")
    return ParsedCaptions(parsed.content, cues, encoding)


def cues_to_vtt(cues: list[Cue]) -> str:
    """WebVTT text for generated cues (demo captions, chapters)."""
    out = ["WEBVTT", ""]
    for cue in cues:
        out.append(f"{_stamp(cue.start)} --> {_stamp(cue.end)}")
        out.append(cue.text.replace("-->", "→"))
        out.append("")
    return "\n".join(out)


def _stamp(seconds: float) -> str:
    millis = round(max(0.0, seconds) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"

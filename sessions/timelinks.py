"""Time links into a recording, written as people know them from other players.

``?t=156``, ``?t=2m36s``, ``?t=1h2m3s``, ``#t=2:36``, ``#t=1:02:03`` and ``#t=156.5`` all
name a moment in seconds. The same rules run in the browser (static/js/player.js) for
the ``#t=`` fragment, which never reaches the server.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from fair.formatting import format_clock

__all__ = ["TimeLink", "format_clock", "format_time_link", "parse_time", "resolve_time"]

_UNITS = re.compile(r"^(?:(?P<h>\d{1,4})h)?(?:(?P<m>\d{1,6})m)?(?:(?P<s>\d{1,7}(?:\.\d+)?)s?)?$")
_CLOCK = re.compile(r"^(?:(?P<h>\d{1,4}):)?(?P<m>\d{1,6}):(?P<s>\d{1,2}(?:\.\d+)?)$")
MAX_TEXT = 32


@dataclass(frozen=True)
class TimeLink:
    """Where a link asks the player to start, and what was wrong with it, if anything."""

    seconds: float
    problem: str = ""


def parse_time(raw: str | None) -> float | None:
    """Seconds named by ``raw``; None when it is empty, negative or not a time.

    A bare number means seconds (as on YouTube and in media fragments), not minutes.
    """
    text = (raw or "").strip().lower()
    if not text or len(text) > MAX_TEXT:
        return None
    if text.startswith("t="):
        text = text[2:]
    clock = _CLOCK.match(text)
    if clock:
        if float(clock["s"]) >= 60 or (clock["h"] is not None and int(clock["m"]) >= 60):
            return None
        hours = int(clock["h"] or 0)
        return hours * 3600 + int(clock["m"]) * 60 + float(clock["s"])
    units = _UNITS.match(text)
    if not units or not any(units.group(k) for k in ("h", "m", "s")):
        return None
    value = int(units["h"] or 0) * 3600 + int(units["m"] or 0) * 60 + float(units["s"] or 0)
    return value if math.isfinite(value) else None


def resolve_time(raw: str | None, duration: float) -> TimeLink:
    """The start moment for a player: clamped into the recording, never an error page.

    Garbage and negative values start at 0; a time past the end starts a few seconds
    before the end, so the player still shows something. ``problem`` says why (shown
    to the visitor, so a wrong newsletter link is noticed).
    """
    if raw is None or not raw.strip():
        return TimeLink(0.0)
    seconds = parse_time(raw)
    if seconds is None:
        return TimeLink(0.0, "invalid")
    if duration > 0 and seconds >= duration:
        return TimeLink(max(0.0, math.floor(duration) - 5.0), "beyond_end")
    return TimeLink(seconds)


def format_time_link(seconds: float) -> str:
    """``2m36s``-style text for a link (``156`` → ``2m36s``, ``3723`` → ``1h2m3s``)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}h" if hours else ""
    if hours or minutes:
        text += f"{minutes}m"
    return text + f"{secs}s"

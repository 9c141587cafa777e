"""What time it is for the fair: the real clock, or a chosen day (``FAIR_TODAY``).

Showing the fair "as on" another date lets organisers and tests see the after-event
state (archive, recordings, ended sessions) without waiting for it. ``YYYY-MM-DD`` moves
only the date (the time of day stays the real one); ``YYYY-MM-DDTHH:MM`` pins the
moment, in the event's local time, which tests use so they pass on any date.
"""

from __future__ import annotations

from datetime import date, datetime

from fair.db import utcnow
from fair.formatting import local_to_utc, to_local


def parse_today(raw: str) -> date | datetime | None:
    """The date or local moment in ``raw``; None for empty. ValueError for anything else."""
    raw = raw.strip()
    if not raw:
        return None
    if "T" in raw:
        return datetime.fromisoformat(raw).replace(tzinfo=None)
    return date.fromisoformat(raw)


def fair_now(today: str, time_zone: str, real_now: datetime | None = None) -> datetime:
    """Naive UTC "now" for the fair: ``real_now`` (default: the clock) moved to ``today``."""
    real = real_now or utcnow()
    chosen = parse_today(today)
    if chosen is None:
        return real
    if isinstance(chosen, datetime):
        return local_to_utc(chosen, time_zone)
    local = to_local(real, time_zone)
    return local_to_utc(datetime.combine(chosen, local.time().replace(tzinfo=None)), time_zone)

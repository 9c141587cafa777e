"""When a speaker may go live: a talk must not appear on air an hour early because a
speaker tested their camera on the real stage. Speakers may publish from a window before
the planned start (``FAIR_GO_LIVE_WINDOW_MINUTES``); before that only a stage the
moderation has already started takes their picture. Organisers may always publish."""

from __future__ import annotations

from datetime import datetime, timedelta

from fair.formatting import format_local_datetime, format_local_time, to_local
from sessions.models import LiveState, ProgrammeSession


def earliest_go_live(session: ProgrammeSession, window_minutes: int) -> datetime | None:
    """The first moment (naive UTC) a speaker may publish; None when there is no limit."""
    if window_minutes <= 0:
        return None
    return session.starts_at - timedelta(minutes=window_minutes)


def go_live_refusal(
    session: ProgrammeSession,
    now: datetime,
    *,
    window_minutes: int,
    is_organiser: bool,
    time_zone: str,
) -> str | None:
    """Why this speaker may not go live yet (a message naming the time), or None."""
    if is_organiser or session.live_state in (LiveState.live, LiveState.paused):
        return None
    earliest = earliest_go_live(session, window_minutes)
    if earliest is None or now >= earliest:
        return None
    same_day = to_local(earliest, time_zone).date() == to_local(now, time_zone).date()
    if same_day:
        when = format_local_time(earliest, time_zone, "de") + " Uhr"
    else:
        when = format_local_datetime(earliest, time_zone, "de") + " Uhr"
    return (
        f"Live gehen ist erst ab {when} möglich ({window_minutes} Minuten vor Beginn);"
        " früher nur, wenn die Moderation den Programmpunkt startet."
    )

"""Archive mode: the fair after the event.

After the last event day (or when an organiser switches it on) the home page becomes the
archive landing (recordings by day, most watched, FAQ, the hall), booth chats are
read-only with a note, and contact requests keep working, answered later by e-mail.
The switch belongs to the event series (:class:`fair.models.EventSeries`), so the check
is the core's; the hall and the programme each decide what it changes on their pages.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fair.errors import HTTPError
from fair.formatting import local_to_utc, to_local
from fair.models import EventDay, EventSeries
from fair.series_scope import SeriesRow

MODES = {"auto": None, "on": True, "off": False}


def is_archived(mode: bool | None, last_day: date | None, now: datetime, time_zone: str) -> bool:
    """An organiser's choice wins; otherwise on from the day after the last event day."""
    if mode is not None:
        return mode
    return last_day is not None and to_local(now, time_zone).date() > last_day


def midnight_after(last_day: date | None, time_zone: str) -> datetime | None:
    """Local midnight after ``last_day`` as naive UTC: when automatic archive mode begins
    (after the last event day), or when "today" moves on."""
    if last_day is None:
        return None
    return local_to_utc(datetime.combine(last_day + timedelta(days=1), time()), time_zone)


async def archive_active(db: AsyncSession, now: datetime, time_zone: str) -> bool:
    row = (
        await db.execute(
            select(EventSeries.archive_mode, func.max(EventDay.date))
            .join(EventDay, EventDay.series_id == EventSeries.id, isouter=True)
            .group_by(EventSeries.id)
            .order_by(EventSeries.id)
            .limit(1)
        )
    ).first()
    if row is None:
        return False
    return is_archived(row[0], row[1], now, time_zone)


def archive_active_cached(series: list[SeriesRow], now: datetime, time_zone: str) -> bool:
    """:func:`archive_active` from the app's series cache, without a query: for pages
    that must keep their query budget (the series cache is refreshed on changes)."""
    if not series:
        return False
    first = min(series, key=lambda s: s.id)
    return is_archived(first.archive_mode, first.ends_on, now, time_zone)


async def set_archive_mode(db: AsyncSession, mode: str) -> None:
    """``auto``, ``on`` or ``off`` for the (first) event series; 400 for anything else."""
    if mode not in MODES:
        raise HTTPError(400, "mode: auto, on oder off", field="mode")
    series = await db.scalar(select(EventSeries).order_by(EventSeries.id).limit(1))
    if series is None:
        raise HTTPError(404, "Veranstaltungsreihe nicht gefunden.")
    series.archive_mode = MODES[mode]
    await db.flush()

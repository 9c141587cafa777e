"""Organisers' event series and their days (host and motto): the rules a series' dates
and a day's hours must keep, with a message naming the field.

Nothing here commits (see :mod:`sessions.setup_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from fair import audit
from fair.auth import CurrentUser
from fair.errors import bad_request
from fair.formatting import to_local
from fair.i18n import LANGUAGES
from fair.models import EventDay, EventSeries, Organisation
from fair.slugs import slugify
from sessions.models import ProgrammeSession
from sessions.setup_rows import apply_input, count_uses, delete_row, free_slug, get_row, in_use

# --- series ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesInput:
    title: str
    acronym: str
    starts_on: date
    ends_on: date
    time_zone: str
    default_language: str
    description: str
    opening_hours: str


def _check_series(data: SeriesInput) -> None:
    if data.ends_on < data.starts_on:
        raise bad_request("ends_on", "liegt vor dem ersten Tag der Reihe")
    if (data.ends_on - data.starts_on).days > 366:
        raise bad_request("ends_on", "eine Reihe dauert höchstens ein Jahr")
    try:
        ZoneInfo(data.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise bad_request("time_zone", f"unbekannte Zeitzone {data.time_zone!r}") from None
    if data.default_language not in LANGUAGES:
        raise bad_request("default_language", "de oder en")


async def create_series(db: AsyncSession, actor: CurrentUser, data: SeriesInput) -> EventSeries:
    _check_series(data)
    slug = await free_slug(db, EventSeries, slugify(data.acronym or data.title, 70))
    series = EventSeries(slug=slug, title=data.title, days=[])
    apply_input(series, data)
    db.add(series)
    await db.flush()
    await audit.record(db, actor, "create", "series", series.id, data.title)
    return series


async def update_series(
    db: AsyncSession, actor: CurrentUser, series_id: int, data: SeriesInput
) -> EventSeries:
    _check_series(data)
    series = await get_series_by_id(db, series_id)
    outside = await db.scalars(
        select(EventDay.date)
        .where(EventDay.series_id == series.id)
        .where((EventDay.date < data.starts_on) | (EventDay.date > data.ends_on))
        .order_by(EventDay.date)
    )
    dates = [f"{d:%d.%m.%Y}" for d in outside]
    if dates:
        raise bad_request(
            "starts_on", f"die Tage {', '.join(dates)} lägen außerhalb der Reihe; erst verlegen"
        )
    apply_input(series, data)
    await audit.record(db, actor, "edit", "series", series.id, data.title)
    return series


async def get_series_by_id(db: AsyncSession, series_id: int) -> EventSeries:
    return await get_row(db, EventSeries, series_id, "Veranstaltungsreihe")


async def all_series(db: AsyncSession) -> list[EventSeries]:
    query = select(EventSeries).order_by(EventSeries.starts_on.desc(), EventSeries.id.desc())
    return list((await db.scalars(query)).all())


# --- days -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DayInput:
    date: date
    title: str  # the day's motto
    host_id: int
    starts: time
    ends: time
    description: str


async def _check_day(
    db: AsyncSession, series: EventSeries, data: DayInput, exclude_id: int | None
) -> None:
    if data.ends <= data.starts:
        raise bad_request("ends", "muss nach dem Beginn liegen")
    if (
        series.starts_on
        and series.ends_on
        and not (series.starts_on <= data.date <= series.ends_on)
    ):
        raise bad_request(
            "date",
            f"{data.date:%d.%m.%Y} liegt außerhalb der Reihe "
            f"({series.starts_on:%d.%m.%Y}–{series.ends_on:%d.%m.%Y})",
        )
    query = select(EventDay.id).where(EventDay.date == data.date)
    if exclude_id is not None:
        query = query.where(EventDay.id != exclude_id)
    if await db.scalar(query) is not None:
        raise in_use("date", f"am {data.date:%d.%m.%Y} gibt es schon einen Veranstaltungstag")
    if await db.get(Organisation, data.host_id) is None:
        raise bad_request("host_id", "Organisation nicht gefunden")


async def _sessions_outside(db: AsyncSession, day: EventDay, data: DayInput, tz: str) -> list[str]:
    """Titles of the day's sessions that would not fit the new date and hours."""
    sessions = await db.scalars(
        select(ProgrammeSession).where(
            ProgrammeSession.day_id == day.id, ProgrammeSession.cancelled.is_(False)
        )
    )
    outside = []
    for session in sessions:
        start = to_local(session.starts_at, tz)
        end = to_local(session.ends_at, tz)
        if (
            start.date() != data.date
            or start.time() < data.starts
            or (end.date() == data.date and end.time() > data.ends)
            or end.date() > data.date
        ):
            outside.append(session.title)
    return outside


async def create_day(
    db: AsyncSession, actor: CurrentUser, series_id: int, data: DayInput
) -> EventDay:
    series = await get_series_by_id(db, series_id)
    await _check_day(db, series, data, None)
    day = EventDay(series_id=series.id)
    apply_input(day, data)
    db.add(day)
    await db.flush()
    await audit.record(db, actor, "create", "day", day.id, f"{data.date:%d.%m.%Y} {data.title}")
    return day


async def update_day(db: AsyncSession, actor: CurrentUser, day_id: int, data: DayInput) -> EventDay:
    day = await get_day(db, day_id)
    series = await get_series_by_id(db, day.series_id)
    await _check_day(db, series, data, day.id)
    outside = await _sessions_outside(db, day, data, series.time_zone)
    if outside:
        raise bad_request(
            "starts", f"Programmpunkte lägen außerhalb des Tages: {', '.join(outside)}"
        )
    apply_input(day, data)
    await audit.record(db, actor, "edit", "day", day.id, f"{data.date:%d.%m.%Y} {data.title}")
    return day


async def delete_day(db: AsyncSession, actor: CurrentUser, day_id: int) -> None:
    day = await get_day(db, day_id)
    count = await count_uses(db, ProgrammeSession.day_id, day.id)
    if count:
        raise in_use("day", f"an diesem Tag stehen {count} Programmpunkte; erst verlegen")
    await delete_row(db, actor, day, "day", f"{day.date:%d.%m.%Y} {day.title}")


async def get_day(db: AsyncSession, day_id: int) -> EventDay:
    return await get_row(db, EventDay, day_id, "Veranstaltungstag")


async def days_of(db: AsyncSession, series_id: int) -> list[EventDay]:
    query = (
        select(EventDay)
        .where(EventDay.series_id == series_id)
        .options(selectinload(EventDay.host))
        .order_by(EventDay.date)
    )
    return list((await db.scalars(query)).all())


def parse_date(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise bad_request(field, "Datum als JJJJ-MM-TT") from None


def parse_time(raw: str, field: str) -> time:
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise bad_request(field, "Uhrzeit als HH:MM") from None

"""Organisers build the event structure: series, days (host and motto), stages,
topics and organisations, with the importer's rules and a clear message per field.

Every change records an audit entry in the same transaction. Nothing here commits:
the caller commits, or drops the session so a refused change leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from booths.models import Booth, booth_topics
from fair import audit
from fair.auth import CurrentUser
from fair.errors import HTTPError, bad_request, not_found
from fair.formatting import to_local
from fair.i18n import LANGUAGES
from fair.models import EventDay, EventSeries, Organisation, OrganisationKind, Topic
from fair.slugs import slugify
from sessions.models import ProgrammeSession, Stage


def _in_use(field: str, message: str) -> HTTPError:
    return HTTPError(409, f"{field}: {message}", field=field)


async def _free_slug(db: AsyncSession, model: type, wanted: str, exclude_id: int | None) -> str:
    """``wanted`` or ``wanted-2`` … whichever no other row of ``model`` has."""
    slug, n = wanted, 1
    while True:
        query = select(model.id).where(model.slug == slug)  # type: ignore[attr-defined]
        if exclude_id is not None:
            query = query.where(model.id != exclude_id)  # type: ignore[attr-defined]
        if await db.scalar(query) is None:
            return slug
        n += 1
        slug = f"{wanted}-{n}"


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
    slug = await _free_slug(db, EventSeries, slugify(data.acronym or data.title, 70), None)
    series = EventSeries(slug=slug, title=data.title, days=[])
    _apply_series(series, data)
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
    _apply_series(series, data)
    await audit.record(db, actor, "edit", "series", series.id, data.title)
    return series


def _apply_series(series: EventSeries, data: SeriesInput) -> None:
    series.title = data.title
    series.acronym = data.acronym
    series.starts_on = data.starts_on
    series.ends_on = data.ends_on
    series.time_zone = data.time_zone
    series.default_language = data.default_language
    series.description = data.description
    series.opening_hours = data.opening_hours


async def get_series_by_id(db: AsyncSession, series_id: int) -> EventSeries:
    series = await db.get(EventSeries, series_id)
    if series is None:
        raise not_found("Veranstaltungsreihe")
    return series


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
        raise _in_use("date", f"am {data.date:%d.%m.%Y} gibt es schon einen Veranstaltungstag")
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
    day = EventDay(series_id=series.id, **_day_values(data))
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
    for key, value in _day_values(data).items():
        setattr(day, key, value)
    await audit.record(db, actor, "edit", "day", day.id, f"{data.date:%d.%m.%Y} {data.title}")
    return day


async def delete_day(db: AsyncSession, actor: CurrentUser, day_id: int) -> None:
    day = await get_day(db, day_id)
    count = await db.scalar(
        select(func.count()).select_from(ProgrammeSession).where(ProgrammeSession.day_id == day.id)
    )
    if count:
        raise _in_use("day", f"an diesem Tag stehen {count} Programmpunkte; erst verlegen")
    await audit.record(db, actor, "delete", "day", day.id, f"{day.date:%d.%m.%Y} {day.title}")
    await db.delete(day)
    await db.flush()


def _day_values(data: DayInput) -> dict[str, object]:
    return {
        "date": data.date,
        "title": data.title,
        "host_id": data.host_id,
        "starts": data.starts,
        "ends": data.ends,
        "description": data.description,
    }


async def get_day(db: AsyncSession, day_id: int) -> EventDay:
    day = await db.get(EventDay, day_id)
    if day is None:
        raise not_found("Veranstaltungstag")
    return day


async def days_of(db: AsyncSession, series_id: int) -> list[EventDay]:
    query = (
        select(EventDay)
        .where(EventDay.series_id == series_id)
        .options(selectinload(EventDay.host))
        .order_by(EventDay.date)
    )
    return list((await db.scalars(query)).all())


# --- stages ---------------------------------------------------------------------------


async def save_stage(
    db: AsyncSession, actor: CurrentUser, name: str, stage_id: int | None = None
) -> Stage:
    clash = select(Stage.id).where(func.lower(Stage.name) == name.lower())
    if stage_id is not None:
        clash = clash.where(Stage.id != stage_id)
    if await db.scalar(clash) is not None:
        raise _in_use("name", f"eine Bühne {name!r} gibt es schon")
    if stage_id is None:
        position = (await db.scalar(select(func.max(Stage.position)))) or 0
        stage = Stage(
            slug=await _free_slug(db, Stage, slugify(name, 70), None),
            name=name,
            position=position + 1,
        )
        db.add(stage)
        await db.flush()
        await audit.record(db, actor, "create", "stage", stage.id, name)
        return stage
    found = await db.get(Stage, stage_id)
    if found is None:
        raise not_found("Bühne")
    found.name = name
    await audit.record(db, actor, "edit", "stage", found.id, name)
    return found


async def delete_stage(db: AsyncSession, actor: CurrentUser, stage_id: int) -> None:
    stage = await db.get(Stage, stage_id)
    if stage is None:
        raise not_found("Bühne")
    count = await db.scalar(
        select(func.count())
        .select_from(ProgrammeSession)
        .where(ProgrammeSession.stage_id == stage.id)
    )
    if count:
        raise _in_use("stage", f"auf {stage.name} stehen {count} Programmpunkte; erst verlegen")
    await audit.record(db, actor, "delete", "stage", stage.id, stage.name)
    await db.delete(stage)
    await db.flush()


# --- topics ---------------------------------------------------------------------------


async def save_topic(
    db: AsyncSession, actor: CurrentUser, name_de: str, name_en: str, topic_id: int | None = None
) -> Topic:
    clash = select(Topic.id).where(func.lower(Topic.name_de) == name_de.lower())
    if topic_id is not None:
        clash = clash.where(Topic.id != topic_id)
    if await db.scalar(clash) is not None:
        raise _in_use("name_de", f"ein Themenfeld {name_de!r} gibt es schon")
    if topic_id is None:
        topic = Topic(
            slug=await _free_slug(db, Topic, slugify(name_de, 70), None),
            name_de=name_de,
            name_en=name_en,
        )
        db.add(topic)
        await db.flush()
        await audit.record(db, actor, "create", "topic", topic.id, name_de)
        return topic
    found = await db.get(Topic, topic_id)
    if found is None:
        raise not_found("Themenfeld")
    found.name_de, found.name_en = name_de, name_en
    await audit.record(db, actor, "edit", "topic", found.id, name_de)
    return found


async def delete_topic(db: AsyncSession, actor: CurrentUser, topic_id: int) -> None:
    topic = await db.get(Topic, topic_id)
    if topic is None:
        raise not_found("Themenfeld")
    sessions = await db.scalar(
        select(func.count())
        .select_from(ProgrammeSession)
        .where(ProgrammeSession.topic_id == topic.id)
    )
    booths = await db.scalar(
        select(func.count()).select_from(booth_topics).where(booth_topics.c.topic_id == topic.id)
    )
    if sessions or booths:
        raise _in_use(
            "topic",
            f"{topic.name_de} ist in Gebrauch ({sessions} Programmpunkte, {booths} Stände)",
        )
    await audit.record(db, actor, "delete", "topic", topic.id, topic.name_de)
    await db.delete(topic)
    await db.flush()


# --- publishing -----------------------------------------------------------------------


@dataclass(frozen=True)
class Drafts:
    sessions: list[str]
    booths: list[str]


async def drafts(db: AsyncSession) -> Drafts:
    """What is still a draft (call as an organiser, who sees drafts)."""
    sessions = await db.scalars(
        select(ProgrammeSession.title)
        .where(ProgrammeSession.published.is_(False))
        .order_by(ProgrammeSession.starts_at)
    )
    booths = await db.scalars(
        select(Booth.name).where(Booth.published.is_(False)).order_by(Booth.name)
    )
    return Drafts(list(sessions), list(booths))


async def publish_all(db: AsyncSession, actor: CurrentUser) -> Drafts:
    """Publish every draft session and booth at once; returns what was published."""
    published = await drafts(db)
    if not published.sessions and not published.booths:
        raise HTTPError(409, "Es gibt keine Entwürfe zu veröffentlichen.")
    # On the tables (not row by row): pages that listed none of these drafts must be
    # dropped from the page cache too, as for new rows.
    for table in (ProgrammeSession.__table__, Booth.__table__):
        assert isinstance(table, Table)
        await db.execute(update(table).where(table.c.published.is_(False)).values(published=True))
    summary = f"Programmpunkte: {len(published.sessions)}, Stände: {len(published.booths)}"
    await audit.record(db, actor, "publish", "programme", None, summary)
    return published


# --- organisations --------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationInput:
    name: str
    kind: OrganisationKind
    region: str
    city: str
    website: str
    description: str


async def save_organisation(
    db: AsyncSession,
    actor: CurrentUser,
    data: OrganisationInput,
    organisation_id: int | None = None,
) -> Organisation:
    if data.website and not data.website.startswith(("https://", "http://")):
        raise bad_request("website", "mit https:// oder http:// beginnen")
    clash = select(Organisation.id).where(func.lower(Organisation.name) == data.name.lower())
    if organisation_id is not None:
        clash = clash.where(Organisation.id != organisation_id)
    if await db.scalar(clash) is not None:
        raise _in_use("name", f"eine Organisation {data.name!r} gibt es schon")
    if organisation_id is None:
        organisation = Organisation(
            slug=await _free_slug(db, Organisation, slugify(data.name, 70), None), name=data.name
        )
        db.add(organisation)
        action = "create"
    else:
        found = await db.get(Organisation, organisation_id)
        if found is None:
            raise not_found("Organisation")
        organisation, action = found, "edit"
    organisation.name = data.name
    organisation.kind = data.kind
    organisation.region = data.region
    organisation.city = data.city
    organisation.website = data.website
    organisation.description = data.description
    await db.flush()
    await audit.record(db, actor, action, "organisation", organisation.id, data.name)
    return organisation


async def set_organisation_logo(
    db: AsyncSession, actor: CurrentUser, organisation_id: int, key: str
) -> str | None:
    """Point the organisation at its new logo; returns the old key for the caller to
    delete once this is committed."""
    organisation = await get_organisation(db, organisation_id)
    old, organisation.logo_key = organisation.logo_key, key
    await audit.record(
        db, actor, "edit", "organisation", organisation.id, f"Logo: {organisation.name}"
    )
    return old


async def get_organisation(db: AsyncSession, organisation_id: int) -> Organisation:
    organisation = await db.get(Organisation, organisation_id)
    if organisation is None:
        raise not_found("Organisation")
    return organisation


async def booth_counts(db: AsyncSession) -> dict[int, int]:
    """Booths per organisation, for the list (one grouped query)."""
    rows = await db.execute(
        select(Booth.organisation_id, func.count()).group_by(Booth.organisation_id)
    )
    return {organisation_id: count for organisation_id, count in rows.tuples()}


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

"""Organisers build the event structure: series, days (host and motto), stages,
topics and organisations, with the importer's rules and a clear message per field.

Every change records an audit entry in the same transaction. Nothing here commits:
the caller commits, or drops the session so a refused change leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, time
from typing import Any, TypeVar
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

_Row = TypeVar("_Row")


def _in_use(field: str, message: str) -> HTTPError:
    return HTTPError(409, f"{field}: {message}", field=field)


async def _get(db: AsyncSession, model: type[_Row], row_id: int, label: str) -> _Row:
    """The row of ``model`` with ``row_id``, or a 404 naming ``label``."""
    row = await db.get(model, row_id)
    if row is None:
        raise not_found(label)
    return row


async def _refuse_taken_name(
    db: AsyncSession, column: Any, name: str, exclude_id: int | None, field: str, message: str
) -> None:
    """409 on ``field`` when another row has ``name`` in ``column`` (case-insensitive):
    every named thing of the event (stage, topic, organisation) is told apart by it."""
    clash = select(column.class_.id).where(func.lower(column) == name.lower())
    if exclude_id is not None:
        clash = clash.where(column.class_.id != exclude_id)
    if await db.scalar(clash) is not None:
        raise _in_use(field, message)


async def _count(db: AsyncSession, column: Any, value: int) -> int:
    """How many rows have ``value`` in ``column`` (what still uses a day, stage or topic)."""
    return int(await db.scalar(select(func.count()).where(column == value)) or 0)


async def _delete(db: AsyncSession, actor: CurrentUser, row: Any, kind: str, summary: str) -> None:
    """Delete ``row`` with its audit entry (the caller has refused if it is in use)."""
    await audit.record(db, actor, "delete", kind, row.id, summary)
    await db.delete(row)
    await db.flush()


def _apply(row: object, data: Any) -> None:
    """Copy a form's checked input (a dataclass whose fields are named as the row's
    columns) onto the row."""
    for name, value in asdict(data).items():
        setattr(row, name, value)


async def _record_saved(
    db: AsyncSession, actor: CurrentUser, kind: str, row: Any, row_id: int | None, summary: str
) -> None:
    """Flush a created or edited named thing (``row_id`` None: created) and audit it."""
    await db.flush()
    action = "create" if row_id is None else "edit"
    await audit.record(db, actor, action, kind, row.id, summary)


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
    _apply(series, data)
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
    _apply(series, data)
    await audit.record(db, actor, "edit", "series", series.id, data.title)
    return series


async def get_series_by_id(db: AsyncSession, series_id: int) -> EventSeries:
    return await _get(db, EventSeries, series_id, "Veranstaltungsreihe")


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
    day = EventDay(series_id=series.id)
    _apply(day, data)
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
    _apply(day, data)
    await audit.record(db, actor, "edit", "day", day.id, f"{data.date:%d.%m.%Y} {data.title}")
    return day


async def delete_day(db: AsyncSession, actor: CurrentUser, day_id: int) -> None:
    day = await get_day(db, day_id)
    count = await _count(db, ProgrammeSession.day_id, day.id)
    if count:
        raise _in_use("day", f"an diesem Tag stehen {count} Programmpunkte; erst verlegen")
    await _delete(db, actor, day, "day", f"{day.date:%d.%m.%Y} {day.title}")


async def get_day(db: AsyncSession, day_id: int) -> EventDay:
    return await _get(db, EventDay, day_id, "Veranstaltungstag")


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
    await _refuse_taken_name(
        db, Stage.name, name, stage_id, "name", f"eine Bühne {name!r} gibt es schon"
    )
    if stage_id is None:
        position = (await db.scalar(select(func.max(Stage.position)))) or 0
        slug = await _free_slug(db, Stage, slugify(name, 70), None)
        stage = Stage(slug=slug, name=name, position=position + 1)
        db.add(stage)
    else:
        stage = await _get(db, Stage, stage_id, "Bühne")
        stage.name = name
    await _record_saved(db, actor, "stage", stage, stage_id, name)
    return stage


async def delete_stage(db: AsyncSession, actor: CurrentUser, stage_id: int) -> None:
    stage = await _get(db, Stage, stage_id, "Bühne")
    count = await _count(db, ProgrammeSession.stage_id, stage.id)
    if count:
        raise _in_use("stage", f"auf {stage.name} stehen {count} Programmpunkte; erst verlegen")
    await _delete(db, actor, stage, "stage", stage.name)


# --- topics ---------------------------------------------------------------------------


async def save_topic(
    db: AsyncSession, actor: CurrentUser, name_de: str, name_en: str, topic_id: int | None = None
) -> Topic:
    await _refuse_taken_name(
        db, Topic.name_de, name_de, topic_id, "name_de", f"ein Themenfeld {name_de!r} gibt es schon"
    )
    if topic_id is None:
        slug = await _free_slug(db, Topic, slugify(name_de, 70), None)
        topic = Topic(slug=slug, name_de=name_de, name_en=name_en)
        db.add(topic)
    else:
        topic = await _get(db, Topic, topic_id, "Themenfeld")
        topic.name_de, topic.name_en = name_de, name_en
    await _record_saved(db, actor, "topic", topic, topic_id, name_de)
    return topic


async def delete_topic(db: AsyncSession, actor: CurrentUser, topic_id: int) -> None:
    topic = await _get(db, Topic, topic_id, "Themenfeld")
    sessions = await _count(db, ProgrammeSession.topic_id, topic.id)
    booths = await _count(db, booth_topics.c.topic_id, topic.id)
    if sessions or booths:
        raise _in_use(
            "topic",
            f"{topic.name_de} ist in Gebrauch ({sessions} Programmpunkte, {booths} Stände)",
        )
    await _delete(db, actor, topic, "topic", topic.name_de)


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
    await _refuse_taken_name(
        db,
        Organisation.name,
        data.name,
        organisation_id,
        "name",
        f"eine Organisation {data.name!r} gibt es schon",
    )
    if organisation_id is None:
        slug = await _free_slug(db, Organisation, slugify(data.name, 70), None)
        organisation = Organisation(slug=slug, name=data.name)
        db.add(organisation)
    else:
        organisation = await get_organisation(db, organisation_id)
    _apply(organisation, data)
    await _record_saved(db, actor, "organisation", organisation, organisation_id, data.name)
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
    return await _get(db, Organisation, organisation_id, "Organisation")


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

"""Import a frab/pretalx ``schedule.xml``: create or update sessions by guid.

Hostile input is refused before anything is stored: the parser never resolves entities,
loads no DTD and touches no network; a document that declares entities (billion laughs,
external entities such as ``file:///etc/passwd``) is rejected outright, as is anything over
``MAX_SCHEDULE_BYTES``. Malformed XML gives 400 naming line and column.

The whole file is parsed and checked first, then applied in the caller's transaction: the
caller commits once, so an error anywhere leaves the database as it was, and a re-import of
the same file updates the same rows instead of duplicating them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lxml import etree
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from booths.models import Booth
from fair.errors import HTTPError
from fair.models import EventDay, EventSeries, Organisation, OrganisationKind, Topic
from sessions.models import ProgrammeSession, SessionKind, SessionSpeaker, Speaker, Stage
from sessions.services import MAX_DURATION, slugify, unique_slug

MAX_SCHEDULE_BYTES = 5 * 1024 * 1024
_UUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_DURATION = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{1,2}))?$")
_KINDS = {
    "opening": SessionKind.opening,
    "grußwort": SessionKind.opening,
    "keynote": SessionKind.opening,
    "talk": SessionKind.talk,
    "lecture": SessionKind.talk,
    "vortrag": SessionKind.talk,
    "fachbeitrag": SessionKind.talk,
    "panel": SessionKind.panel,
    "podium": SessionKind.panel,
    "diskussionsrunde": SessionKind.panel,
    "workshop": SessionKind.workshop,
}


def _error(message: str, line: int | None = None) -> HTTPError:
    where = f" (Zeile {line})" if line else ""
    return HTTPError(400, f"schedule.xml{where}: {message}", field="schedule")


@dataclass(frozen=True)
class EventRecord:
    line: int
    guid: str
    title: str
    kind: SessionKind
    starts_at: datetime  # aware
    duration_minutes: int
    room: str
    track: str
    abstract: str
    language: str
    slug: str
    persons: tuple[str, ...]
    do_not_record: bool
    booth_slugs: tuple[str, ...]


@dataclass
class ParsedSchedule:
    title: str
    acronym: str
    time_zone: str
    day_bounds: dict[date, tuple[time, time]] = field(default_factory=dict)
    events: list[EventRecord] = field(default_factory=list)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    session_ids: list[int] = field(default_factory=list)


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_pis=True,
        remove_comments=True,
    )


def _text(element: etree._Element, tag: str, *, required: bool = False) -> str:
    child = element.find(tag)
    if child is None or not (child.text or "").strip():
        if required:
            raise _error(f"<{tag}> fehlt im Programmpunkt", element.sourceline)
        return ""
    return (child.text or "").strip()


def _duration(value: str, line: int | None) -> int:
    match = _DURATION.match(value)
    if not match:
        raise _error(f"<duration> {value!r} ist nicht HH:MM", line)
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if not 1 <= minutes <= MAX_DURATION:
        raise _error(f"<duration> {value!r} außerhalb 00:01–{MAX_DURATION // 60}:00", line)
    return minutes


def _booth_slug(href: str) -> str | None:
    path = urlsplit(href).path.rstrip("/")
    parts = path.split("/")
    if len(parts) >= 3 and parts[-2] == "booths":
        return parts[-1]
    return None


def parse_schedule(
    data: bytes, *, default_time_zone: str, max_bytes: int = MAX_SCHEDULE_BYTES
) -> ParsedSchedule:
    """Parse and check a schedule.xml completely; raise 400/413 naming the problem."""
    if len(data) > max_bytes:
        raise HTTPError(413, f"schedule.xml: höchstens {max_bytes} Bytes", field="schedule")
    if not data.strip():
        raise _error("die Datei ist leer")
    # Cheap first wall (UTF-8 and UTF-16 spellings); the parsed DTD is checked below too.
    if re.search(rb"<!\x00?E\x00?N\x00?T\x00?I\x00?T\x00?Y", data, re.IGNORECASE):
        raise _error("DOCTYPE mit Entitäten (<!ENTITY) ist nicht erlaubt")
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise _error(
            f"kein wohlgeformtes XML in Zeile {line}, Spalte {column}: {exc.msg}"
        ) from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and list(dtd.iterentities()):
        raise _error("DOCTYPE mit Entitäten (<!ENTITY) ist nicht erlaubt")
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise _error(f"Entität &{node.name}; ist nicht erlaubt", node.sourceline)
    if root.tag != "schedule":
        raise _error(f"Wurzelelement ist <{root.tag}>, erwartet <schedule>", root.sourceline)
    conference = root.find("conference")
    if conference is None:
        raise _error("<conference> fehlt", root.sourceline)
    time_zone = _text(conference, "time_zone_name") or default_time_zone
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise _error(f"unbekannte Zeitzone {time_zone!r}", conference.sourceline) from None
    parsed = ParsedSchedule(
        title=_text(conference, "title", required=True),
        acronym=_text(conference, "acronym"),
        time_zone=time_zone,
    )
    seen: dict[str, int] = {}
    for day in root.iterfind("day"):
        bounds = [day.get("start"), day.get("end")]
        if day.get("date") and all(bounds):
            try:
                on = date.fromisoformat(day.get("date", ""))
                start, end = (datetime.fromisoformat(b or "").astimezone(zone) for b in bounds)
            except ValueError:
                raise _error("ungültiges Datum am <day>", day.sourceline) from None
            end_time = end.time() if end.date() == on else time(23, 59)
            parsed.day_bounds[on] = (start.time(), end_time)
        for event in day.iterfind("room/event"):
            record = _event(event, zone)
            if record.guid in seen:
                raise _error(
                    f"guid {record.guid} kommt doppelt vor (auch Zeile {seen[record.guid]})",
                    record.line,
                )
            seen[record.guid] = record.line
            parsed.events.append(record)
    return parsed


def _event(event: etree._Element, zone: ZoneInfo) -> EventRecord:
    line = event.sourceline or 0
    guid = (event.get("guid") or "").strip().lower()
    if not _UUID.match(guid):
        raise _error(f"guid {guid!r} ist keine UUID", line)
    title = _text(event, "title", required=True)
    if len(title) > 300:
        raise _error("<title> länger als 300 Zeichen", line)
    raw_date = _text(event, "date", required=True)
    try:
        starts_at = datetime.fromisoformat(raw_date)
    except ValueError:
        raise _error(f"<date> {raw_date!r} ist kein Zeitpunkt", line) from None
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=zone)
    if not 1970 <= starts_at.year <= 2999:
        raise _error(f"<date> {raw_date!r} liegt außerhalb 1970–2999", line)
    starts_at = starts_at.astimezone(zone)
    parent = event.getparent()
    room = _text(event, "room") or (parent.get("name", "") if parent is not None else "")
    if not room:
        raise _error("<room> fehlt", line)
    kind = _KINDS.get(_text(event, "type").lower(), SessionKind.talk)
    language = _text(event, "language")[:2].lower()
    persons = tuple(
        (p.text or "").strip()[:200]
        for p in event.iterfind("persons/person")
        if (p.text or "").strip()
    )
    booth_slugs = tuple(
        slug for link in event.iterfind("links/link") if (slug := _booth_slug(link.get("href", "")))
    )
    return EventRecord(
        line=line,
        guid=guid,
        title=title,
        kind=kind,
        starts_at=starts_at,
        duration_minutes=_duration(_text(event, "duration", required=True), line),
        room=room[:200],
        track=_text(event, "track")[:100],
        abstract=_text(event, "abstract") or _text(event, "description"),
        language=language if language in ("de", "en") else "de",
        slug=slugify(_text(event, "slug") or title, 100),
        persons=persons,
        do_not_record=_text(event, "recording/optout").lower() == "true",
        booth_slugs=booth_slugs,
    )


class _Lookup:
    """Find-or-create for the things events refer to by name, cached per import."""

    def __init__(self, db: AsyncSession, parsed: ParsedSchedule) -> None:
        self.db = db
        self.parsed = parsed
        self.stages: dict[str, Stage] = {}
        self.topics: dict[str, Topic] = {}
        self.speakers: dict[str, Speaker] = {}
        self.days: dict[date, EventDay] = {}
        self.series: EventSeries | None = None
        self.host: Organisation | None = None

    async def stage(self, name: str) -> Stage:
        if name not in self.stages:
            stage = await self.db.scalar(select(Stage).where(Stage.name == name))
            if stage is None:
                slug, n = slugify(name, 70), 1
                while await self.db.scalar(select(Stage.id).where(Stage.slug == slug)):
                    n += 1
                    slug = f"{slugify(name, 70)}-{n}"
                count = len((await self.db.scalars(select(Stage.id))).all())
                stage = Stage(slug=slug, name=name, position=count)
                self.db.add(stage)
                await self.db.flush()
            self.stages[name] = stage
        return self.stages[name]

    async def topic(self, name: str) -> Topic | None:
        if not name:
            return None
        if name not in self.topics:
            topic = await self.db.scalar(
                select(Topic)
                .where(or_(Topic.name_de == name, Topic.name_en == name, Topic.slug == name))
                .limit(1)
            )
            if topic is None:
                topic = Topic(slug=slugify(name, 70), name_de=name, name_en=name)
                self.db.add(topic)
                await self.db.flush()
            self.topics[name] = topic
        return self.topics[name]

    async def speaker(self, name: str) -> Speaker:
        if name not in self.speakers:
            speaker = await self.db.scalar(
                select(Speaker).where(Speaker.name == name).order_by(Speaker.id).limit(1)
            )
            if speaker is None:
                speaker = Speaker(name=name)
                self.db.add(speaker)
                await self.db.flush()
            self.speakers[name] = speaker
        return self.speakers[name]

    async def day(self, on: date, first_start: time, last_end: time) -> EventDay:
        if on not in self.days:
            day = await self.db.scalar(select(EventDay).where(EventDay.date == on))
            if day is None:
                starts, ends = self.parsed.day_bounds.get(on, (first_start, last_end))
                day = EventDay(
                    series_id=(await self._series()).id,
                    date=on,
                    title=f"{self.parsed.title} – {on:%d.%m.%Y}",
                    host_id=(await self._host()).id,
                    starts=min(starts, first_start),
                    ends=max(ends, last_end),
                )
                self.db.add(day)
                await self.db.flush()
            self.days[on] = day
        return self.days[on]

    async def _series(self) -> EventSeries:
        if self.series is None:
            self.series = await self.db.scalar(select(EventSeries).order_by(EventSeries.id))
            if self.series is None:
                self.series = EventSeries(
                    slug=slugify(self.parsed.acronym or self.parsed.title, 70),
                    title=self.parsed.title,
                    acronym=self.parsed.acronym[:40],
                    time_zone=self.parsed.time_zone,
                )
                self.db.add(self.series)
                await self.db.flush()
        return self.series

    async def _host(self) -> Organisation:
        """New days need a host; an imported schedule names none, so the organiser hosts."""
        if self.host is None:
            slug = slugify(f"{self.parsed.acronym or self.parsed.title}-veranstalter", 70)
            self.host = await self.db.scalar(select(Organisation).where(Organisation.slug == slug))
            if self.host is None:
                self.host = Organisation(
                    slug=slug, name=self.parsed.title[:200], kind=OrganisationKind.association
                )
                self.db.add(self.host)
                await self.db.flush()
        return self.host


async def import_schedule(
    db: AsyncSession,
    data: bytes,
    *,
    default_time_zone: str,
    max_bytes: int = MAX_SCHEDULE_BYTES,
) -> ImportResult:
    """Parse ``data`` completely, then create or update one session per event guid.

    Only flushes: the caller commits, or drops the session to roll everything back.
    """
    parsed = parse_schedule(data, default_time_zone=default_time_zone, max_bytes=max_bytes)
    zone = ZoneInfo(parsed.time_zone)
    lookup = _Lookup(db, parsed)
    result = ImportResult()
    spans: dict[date, tuple[time, time]] = {}
    for record in parsed.events:
        local = record.starts_at.astimezone(zone)
        end = (local + timedelta(minutes=record.duration_minutes)).time()
        if end < local.time():
            end = time(23, 59)
        first, last = spans.get(local.date(), (local.time(), end))
        spans[local.date()] = (min(first, local.time()), max(last, end))
    guids = [r.guid for r in parsed.events]
    existing = (
        {
            s.guid: s
            for s in (
                await db.scalars(
                    select(ProgrammeSession)
                    .where(ProgrammeSession.guid.in_(guids))
                    .options(
                        selectinload(ProgrammeSession.speaker_links),
                        selectinload(ProgrammeSession.booths),
                    )
                )
            ).all()
        }
        if guids
        else {}
    )
    for record in parsed.events:
        local = record.starts_at.astimezone(zone)
        day = await lookup.day(local.date(), *spans[local.date()])
        stage = await lookup.stage(record.room)
        topic = await lookup.topic(record.track)
        session = existing.get(record.guid)
        if session is None:
            slug = record.slug
            if await db.scalar(select(ProgrammeSession.id).where(ProgrammeSession.slug == slug)):
                slug = await unique_slug(db, record.title)
            session = ProgrammeSession(guid=record.guid, slug=slug, speaker_links=[], booths=[])
            db.add(session)
            existing[record.guid] = session
            result.created += 1
        else:
            result.updated += 1
        session.title = record.title
        session.kind = record.kind
        session.abstract = record.abstract
        session.day_id = day.id
        session.stage_id = stage.id
        session.topic_id = topic.id if topic else None
        session.starts_at = record.starts_at.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
        session.duration_minutes = record.duration_minutes
        session.language = record.language
        session.do_not_record = record.do_not_record
        await _link_people(db, lookup, session, record)
        if record.booth_slugs:
            session.booths = list(
                (await db.scalars(select(Booth).where(Booth.slug.in_(record.booth_slugs)))).all()
            )
        await db.flush()
        result.session_ids.append(session.id)
    return result


async def _link_people(
    db: AsyncSession, lookup: _Lookup, session: ProgrammeSession, record: EventRecord
) -> None:
    existing = {link.speaker_id: link for link in session.speaker_links}
    links = []
    seen: set[int] = set()
    for position, name in enumerate(record.persons):
        speaker = await lookup.speaker(name)
        if speaker.id in seen:
            continue
        seen.add(speaker.id)
        link = existing.get(speaker.id) or SessionSpeaker(speaker_id=speaker.id, role="speaker")
        link.position = position
        links.append(link)
    session.speaker_links = links

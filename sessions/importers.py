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
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from booths.models import Booth
from fair.errors import HTTPError
from fair.models import EventDay, EventSeries, Organisation, OrganisationKind, Topic
from sessions.models import ProgrammeSession, SessionKind, SessionSpeaker, Speaker, Stage
from sessions.services import MAX_DURATION, slugify

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
    """Find-or-create for what events refer to by name: loaded up front in a few queries,
    new rows linked through relationships, so the whole import flushes once."""

    def __init__(self, db: AsyncSession, parsed: ParsedSchedule) -> None:
        self.db = db
        self.parsed = parsed
        self.stages: dict[str, Stage] = {}
        self.stage_slugs: set[str] = set()
        self.topics: dict[str, Topic] = {}
        self.topic_slugs: set[str] = set()
        self.speakers: dict[str, Speaker] = {}
        self.days: dict[date, EventDay] = {}
        self.session_slugs: set[str] = set()
        self.series: EventSeries | None = None
        self.host: Organisation | None = None

    async def load(self) -> None:
        db = self.db
        for stage in (await db.scalars(select(Stage).order_by(Stage.position, Stage.id))).all():
            self.stages.setdefault(stage.name, stage)
            self.stage_slugs.add(stage.slug)
        for topic in (await db.scalars(select(Topic).order_by(Topic.id))).all():
            for key in (topic.name_de, topic.name_en, topic.slug):
                self.topics.setdefault(key, topic)
            self.topic_slugs.add(topic.slug)
        names = {name for record in self.parsed.events for name in record.persons}
        if names:
            found = await db.scalars(
                select(Speaker).where(Speaker.name.in_(names)).order_by(Speaker.id)
            )
            for speaker in found.all():
                self.speakers.setdefault(speaker.name, speaker)
        for day in (await db.scalars(select(EventDay))).all():
            self.days[day.date] = day
        self.session_slugs = set((await db.scalars(select(ProgrammeSession.slug))).all())
        self.series = await db.scalar(select(EventSeries).order_by(EventSeries.id).limit(1))

    def stage(self, name: str) -> Stage:
        if name not in self.stages:
            slug = _free(slugify(name, 70), self.stage_slugs)
            stage = Stage(slug=slug, name=name, position=len(self.stages))
            self.db.add(stage)
            self.stages[name] = stage
        return self.stages[name]

    def topic(self, name: str) -> Topic | None:
        if not name:
            return None
        if name not in self.topics:
            slug = _free(slugify(name, 70), self.topic_slugs)
            topic = Topic(slug=slug, name_de=name, name_en=name)
            self.db.add(topic)
            self.topics[name] = topic
        return self.topics[name]

    def speaker(self, name: str) -> Speaker:
        if name not in self.speakers:
            speaker = Speaker(name=name)
            self.db.add(speaker)
            self.speakers[name] = speaker
        return self.speakers[name]

    def session_slug(self, wanted: str, title: str) -> str:
        return _free(wanted or slugify(title, 100), self.session_slugs)

    async def day(self, on: date, first_start: time, last_end: time) -> EventDay:
        if on not in self.days:
            starts, ends = self.parsed.day_bounds.get(on, (first_start, last_end))
            day = EventDay(
                series=self._series(),
                date=on,
                title=f"{self.parsed.title} – {on:%d.%m.%Y}",
                host=await self._host(),
                starts=min(starts, first_start),
                ends=max(ends, last_end),
            )
            self.db.add(day)
            self.days[on] = day
        return self.days[on]

    def _series(self) -> EventSeries:
        if self.series is None:
            self.series = EventSeries(
                slug=slugify(self.parsed.acronym or self.parsed.title, 70),
                title=self.parsed.title,
                acronym=self.parsed.acronym[:40],
                time_zone=self.parsed.time_zone,
            )
            self.db.add(self.series)
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
        return self.host


def _free(slug: str, taken: set[str]) -> str:
    """``slug``, or ``slug-2``, ``slug-3`` … whichever is not taken yet; marks it taken."""
    candidate, n = slug, 1
    while candidate in taken:
        n += 1
        candidate = f"{slug}-{n}"
    taken.add(candidate)
    return candidate


async def import_schedule(
    db: AsyncSession,
    data: bytes,
    *,
    default_time_zone: str,
    max_bytes: int = MAX_SCHEDULE_BYTES,
) -> ImportResult:
    """Parse ``data`` completely, then create or update one session per event guid.

    Only flushes (once, at the end): the caller commits, or drops the session to roll
    everything back.
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
    if not parsed.events:
        return result
    with db.no_autoflush:
        await lookup.load()
        existing = {
            s.guid: s
            for s in (
                await db.scalars(
                    select(ProgrammeSession)
                    .where(ProgrammeSession.guid.in_([r.guid for r in parsed.events]))
                    .options(
                        selectinload(ProgrammeSession.speaker_links),
                        selectinload(ProgrammeSession.booths),
                    )
                )
            ).all()
        }
        wanted_booths = {slug for record in parsed.events for slug in record.booth_slugs}
        booths = {}
        if wanted_booths:
            found = await db.scalars(select(Booth).where(Booth.slug.in_(wanted_booths)))
            booths = {booth.slug: booth for booth in found.all()}
        imported: list[ProgrammeSession] = []
        for record in parsed.events:
            local = record.starts_at.astimezone(zone)
            session = existing.get(record.guid)
            if session is None:
                session = ProgrammeSession(
                    guid=record.guid,
                    slug=lookup.session_slug(record.slug, record.title),
                    speaker_links=[],
                    booths=[],
                )
                db.add(session)
                existing[record.guid] = session
                result.created += 1
            else:
                result.updated += 1
            session.title = record.title
            session.kind = record.kind
            session.abstract = record.abstract
            session.day = await lookup.day(local.date(), *spans[local.date()])
            session.stage = lookup.stage(record.room)
            session.topic = lookup.topic(record.track)
            session.starts_at = record.starts_at.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
            session.duration_minutes = record.duration_minutes
            session.language = record.language
            session.do_not_record = record.do_not_record
            _link_people(lookup, session, record)
            if record.booth_slugs:
                session.booths = [booths[s] for s in record.booth_slugs if s in booths]
            imported.append(session)
    await db.flush()
    result.session_ids = [session.id for session in imported]
    return result


def _link_people(lookup: _Lookup, session: ProgrammeSession, record: EventRecord) -> None:
    existing = {link.speaker_id: link for link in session.speaker_links}
    links = []
    seen: set[int] = set()
    for position, name in enumerate(record.persons):
        speaker = lookup.speaker(name)
        if id(speaker) in seen:
            continue
        seen.add(id(speaker))
        link = existing.get(speaker.id) if speaker.id is not None else None
        if link is None:
            link = SessionSpeaker(speaker=speaker, role="speaker")
        link.position = position
        links.append(link)
    session.speaker_links = links

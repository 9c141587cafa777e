"""What one event of an imported schedule means for fair, whatever file it came from.

The XML and JSON readers (:mod:`sessions.schedule_xml`, :mod:`sessions.schedule_json`)
only pull raw text out of their format into a :class:`RawEvent`; the rules that turn it
into a session live here once, so both formats accept and refuse the same things.

Identity. frab, pretalx and the tools of the last decade do not all write UUIDs into
``guid``; older frab versions and other tools write base64-like or numeric strings.
Any non-empty guid is the event's identity (kept as ``source_ref``); fair's own guid is
that value lowercased when it is a UUID, else ``uuid5(SOURCE_NAMESPACE, guid)``. An event
without a guid is known by ``<acronym>#<id>`` (the conference acronym and the event's
numeric id), turned into a UUID the same way. The same file always maps to the same rows,
and an export of an imported event re-imports onto the same row.

Conference days. frab days run past midnight (11:00–04:00): an event at 00:15 belongs to
the day it is listed under, so the record keeps that day (``day``) and its hours.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fair.errors import HTTPError
from fair.i18n import LANGUAGES
from fair.slugs import slugify
from sessions.models import SessionKind
from sessions.services import MAX_DURATION

#: The namespace for guids derived from a source's non-UUID identity. Never change it:
#: re-imports of files seen before would no longer find their sessions.
SOURCE_NAMESPACE = uuid.UUID("5b0c7f2e-8a7d-4d38-9a51-2f1e6c0d9b17")
#: More events than any conference fair is built for; importing is one transaction.
MAX_SCHEDULE_EVENTS = 3000
MAX_SOURCE_REF = 255

_UUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_EXPORT_PREFIX = re.compile(r"^[a-z0-9_]{4,}-\d+-(?=[a-z0-9])")
_DURATION = re.compile(r"^(\d{1,3}):(\d{2})(?::(\d{1,2}))?$")
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
    "podiumsdiskussion": SessionKind.panel,
    "diskussionsrunde": SessionKind.panel,
    "discussion": SessionKind.panel,
    "workshop": SessionKind.workshop,
    "hands-on": SessionKind.workshop,
}


class ScheduleError(HTTPError):
    """A refused schedule file; the message names the file kind and the place."""

    def __init__(self, fmt: str, message: str, place: str = "", status_code: int = 400) -> None:
        where = f" ({place})" if place else ""
        super().__init__(status_code, f"{fmt}{where}: {message}", field="schedule")


@dataclass(frozen=True)
class RawEvent:
    """An event's fields as text, as its file had them; ``place`` names it in messages."""

    place: str
    guid: str
    event_id: str
    title: str
    when: str  # the ISO "date" of frab files, "start" of schedule2
    start_time: str  # HH:MM, all that very old files give besides the day
    duration: str
    end: str
    room: str
    track: str
    type: str
    language: str
    abstract: str
    description: str
    slug: str
    persons: tuple[str, ...]
    do_not_record: bool
    link_urls: tuple[str, ...]
    listed_on: date | None


@dataclass(frozen=True)
class EventRecord:
    place: str
    guid: str
    source_ref: str
    title: str
    kind: SessionKind
    starts_at: datetime  # aware, in the schedule's zone
    duration_minutes: int
    day: date  # the conference day it is listed under
    room: str
    track: str
    abstract: str
    language: str
    slug: str
    persons: tuple[str, ...]
    do_not_record: bool
    booth_slugs: tuple[str, ...]


@dataclass(frozen=True)
class SkippedEvent:
    """An event that cannot be a session but need not refuse the file. ``reason`` is
    ``zero_duration`` (a point in time such as "doors open") or ``too_long`` (longer than
    a session may be, such as a camp's build-up days); ``duration`` is the file's HH:MM."""

    place: str
    title: str
    reason: str
    duration: str


@dataclass
class ParsedSchedule:
    format: str  # "schedule.xml" | "schedule.json"
    title: str
    acronym: str
    time_zone: str
    #: Per conference day its hours as the source states them (aware, may pass midnight).
    day_bounds: dict[date, tuple[datetime, datetime]] = field(default_factory=dict)
    events: list[EventRecord] = field(default_factory=list)
    skipped: list[SkippedEvent] = field(default_factory=list)
    #: Where each guid was first seen, to name both places of a duplicate.
    places: dict[str, str] = field(default_factory=dict)


def zone_named(fmt: str, name: str, place: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(fmt, f"unbekannte Zeitzone {name!r}", place) from None


def keep_day_hours(
    fmt: str,
    parsed: ParsedSchedule,
    on: date,
    hours: tuple[str, str],
    zone: ZoneInfo,
    place: str,
    names: tuple[str, str],
) -> None:
    """Keep a day's stated start and end (``names`` says how the file calls them), so an
    event listed after midnight still belongs to it; an end not after the start is
    ignored, and the events' own times give the hours."""
    bounds = (
        parse_datetime(fmt, hours[0], zone, place, names[0]),
        parse_datetime(fmt, hours[1], zone, place, names[1]),
    )
    if bounds[0] < bounds[1]:
        parsed.day_bounds[on] = bounds


def event_identity(guid: str, acronym: str, event_id: str) -> tuple[str, str]:
    """``(fair guid, source ref)`` for an event; see the module docstring."""
    raw = guid.strip()
    if raw:
        if _UUID.match(raw):
            return raw.lower(), raw.lower()
        return str(uuid.uuid5(SOURCE_NAMESPACE, raw)), raw
    ref = f"{acronym.strip().lower()}#{event_id.strip()}"
    return str(uuid.uuid5(SOURCE_NAMESPACE, ref)), ref


def parse_datetime(fmt: str, value: str, zone: ZoneInfo, place: str, what: str) -> datetime:
    """An ISO 8601 time; without an offset it is local time in the schedule's zone."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ScheduleError(fmt, f"{what} {value!r} ist kein Zeitpunkt", place) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    if not 1970 <= moment.year <= 2999:
        raise ScheduleError(fmt, f"{what} {value!r} liegt außerhalb 1970–2999", place)
    return moment.astimezone(zone)


def _minutes(fmt: str, value: str, place: str) -> int:
    match = _DURATION.match(value.strip())
    if not match:
        raise ScheduleError(fmt, f"duration {value!r} ist nicht HH:MM", place)
    return int(match.group(1)) * 60 + int(match.group(2))


def _start(fmt: str, raw: RawEvent, zone: ZoneInfo) -> datetime:
    if raw.when:
        return parse_datetime(fmt, raw.when, zone, raw.place, "date")
    if raw.start_time and raw.listed_on is not None:
        # Old frab files carry only the day's date and <start>HH:MM</start>.
        try:
            hours, minutes = (int(part) for part in raw.start_time.split(":"))
            moment = datetime.combine(raw.listed_on, datetime.min.time(), zone)
            return moment + timedelta(hours=hours, minutes=minutes)
        except ValueError:
            raise ScheduleError(
                fmt, f"start {raw.start_time!r} ist nicht HH:MM", raw.place
            ) from None
    raise ScheduleError(fmt, "date (Beginn) fehlt", raw.place)


def build_record(
    fmt: str, raw: RawEvent, *, acronym: str, zone: ZoneInfo
) -> EventRecord | SkippedEvent:
    """Check one event completely; raise naming its place, or say why it is skipped."""
    place = raw.place
    title = raw.title.strip()
    if not title:
        raise ScheduleError(fmt, "title fehlt", place)
    if len(title) > 300:
        raise ScheduleError(fmt, "title länger als 300 Zeichen", place)
    if not raw.guid.strip() and not raw.event_id.strip():
        raise ScheduleError(fmt, "weder guid noch id: das Ereignis ist nicht erkennbar", place)
    guid, source_ref = event_identity(raw.guid, acronym, raw.event_id)
    if len(source_ref) > MAX_SOURCE_REF:
        raise ScheduleError(fmt, f"guid länger als {MAX_SOURCE_REF} Zeichen", place)
    starts_at = _start(fmt, raw, zone)
    if raw.duration.strip():
        minutes = _minutes(fmt, raw.duration, place)
    elif raw.end.strip():
        ends_at = parse_datetime(fmt, raw.end, zone, place, "end")
        minutes = int((ends_at - starts_at).total_seconds() // 60)
        if minutes < 0:
            raise ScheduleError(fmt, f"end {raw.end!r} liegt vor dem Beginn", place)
    else:
        raise ScheduleError(fmt, "duration fehlt", place)
    hhmm = f"{minutes // 60:02d}:{minutes % 60:02d}"
    if minutes == 0:
        return SkippedEvent(place, title, "zero_duration", hhmm)
    if minutes > MAX_DURATION:
        return SkippedEvent(place, title, "too_long", hhmm)
    day = starts_at.date()
    if raw.listed_on is not None:
        if not 0 <= (day - raw.listed_on).days <= 1:
            raise ScheduleError(
                fmt,
                f"beginnt am {day.isoformat()}, steht aber unter dem Tag "
                f"{raw.listed_on.isoformat()}",
                place,
            )
        day = raw.listed_on
    room = raw.room.strip()
    if not room:
        raise ScheduleError(fmt, "room fehlt", place)
    language = raw.language.strip()[:2].lower()
    return EventRecord(
        place=place,
        guid=guid,
        source_ref=source_ref,
        title=title,
        kind=_KINDS.get(raw.type.strip().lower(), SessionKind.talk),
        starts_at=starts_at,
        duration_minutes=minutes,
        day=day,
        room=room[:200],
        track=raw.track.strip()[:100],
        abstract=raw.abstract.strip() or raw.description.strip(),
        language=language if language in LANGUAGES else "de",
        slug=_own_slug(raw.slug.strip() or title),
        persons=tuple(name.strip()[:200] for name in raw.persons if name.strip()),
        do_not_record=raw.do_not_record,
        booth_slugs=tuple(slug for url in raw.link_urls if (slug := _booth_slug(url))),
    )


def _own_slug(slug: str) -> str:
    """The event's own slug: without the ``<acronym>-<id>-`` prefix exports put in front,
    so that passing a programme through several fairs does not grow it."""
    return slugify(_EXPORT_PREFIX.sub("", slug.lower()), 100)


def _booth_slug(href: str) -> str | None:
    parts = urlsplit(href).path.rstrip("/").split("/")
    if len(parts) >= 3 and parts[-2] == "booths":
        return parts[-1]
    return None


def add_event(fmt: str, parsed: ParsedSchedule, outcome: EventRecord | SkippedEvent) -> None:
    """Collect one event, refusing a guid seen before in the same file and too many events."""
    if isinstance(outcome, SkippedEvent):
        parsed.skipped.append(outcome)
        return
    if outcome.starts_at.date() != outcome.day:
        # Listed under the evening before: it must start before that day ends (its
        # stated end, else noon), or the file contradicts itself.
        bounds = parsed.day_bounds.get(outcome.day)
        noon = datetime.combine(outcome.day + timedelta(days=1), time(12), outcome.starts_at.tzinfo)
        limit = bounds[1] if bounds else noon
        if outcome.starts_at >= limit:
            raise ScheduleError(
                fmt,
                f"beginnt {outcome.starts_at:%Y-%m-%d %H:%M}, nach dem Ende des Tags "
                f"{outcome.day.isoformat()} ({limit:%Y-%m-%d %H:%M})",
                outcome.place,
            )
    first = parsed.places.setdefault(outcome.guid, outcome.place)
    if first != outcome.place:
        raise ScheduleError(
            fmt, f"guid {outcome.source_ref} kommt doppelt vor (zuerst {first})", outcome.place
        )
    parsed.events.append(outcome)
    if len(parsed.events) + len(parsed.skipped) > MAX_SCHEDULE_EVENTS:
        raise ScheduleError(
            fmt,
            f"mehr als {MAX_SCHEDULE_EVENTS} Programmpunkte; größere Programme bitte aufteilen",
            outcome.place,
            status_code=413,
        )

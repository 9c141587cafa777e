"""Import a frab/pretalx ``schedule.xml`` or ``schedule.json``: create or update sessions.

The whole file is read and checked first (:mod:`sessions.schedule_xml`,
:mod:`sessions.schedule_json`, rules in :mod:`sessions.schedule_records`), then applied in
the caller's transaction: the caller commits once, so an error anywhere leaves the
database as it was. Sessions are found by guid, so a re-import updates the same rows; a
field is only written when its value really changes, and the :class:`ImportReport` says
which sessions were created, which changed (and in what), which were unchanged and which
events were skipped and why, and which speakers and stages the import created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from booths.models import Booth
from fair.errors import HTTPError
from sessions.models import ProgrammeSession, SessionSpeaker, Speaker
from sessions.schedule_json import parse_schedule_json
from sessions.schedule_lookup import ScheduleLookup
from sessions.schedule_records import EventRecord, ParsedSchedule, SkippedEvent
from sessions.schedule_xml import parse_schedule_xml
from sessions.search import rebuild_programme_index

MAX_SCHEDULE_BYTES = 5 * 1024 * 1024
_UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class ChangedSession:
    session_id: int
    title: str
    fields: tuple[str, ...]  # keys of CHANGE_FIELDS


@dataclass
class ImportReport:
    """What an import did, honestly: "changed" only lists sessions whose fields changed."""

    format: str = ""
    created: list[str] = field(default_factory=list)
    changed: list[ChangedSession] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[SkippedEvent] = field(default_factory=list)
    speakers_created: list[str] = field(default_factory=list)
    stages_created: list[str] = field(default_factory=list)
    days_created: list[date] = field(default_factory=list)
    #: Existing days whose hours grew to hold the file's (date, new starts, new ends).
    days_widened: list[tuple[date, time, time]] = field(default_factory=list)
    session_ids: list[int] = field(default_factory=list)


def parse_schedule(
    data: bytes, *, default_time_zone: str, max_bytes: int = MAX_SCHEDULE_BYTES
) -> ParsedSchedule:
    """Read a schedule.json (starts with ``{``) or a schedule.xml; raise 400/413 naming
    the place of the first problem."""
    if len(data) > max_bytes:
        raise HTTPError(413, f"Programmdatei: höchstens {max_bytes} Bytes", field="schedule")
    if not data.strip():
        raise HTTPError(400, "schedule.xml: die Datei ist leer", field="schedule")
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return parse_schedule_json(data, default_time_zone=default_time_zone)
    return parse_schedule_xml(data, default_time_zone=default_time_zone)


def _day_spans(parsed: ParsedSchedule) -> dict[date, tuple[datetime, datetime]]:
    """Per conference day the hours it needs: the source's bounds widened by its events."""
    spans = dict(parsed.day_bounds)
    for record in parsed.events:
        end = record.starts_at + timedelta(minutes=record.duration_minutes)
        first, last = spans.get(record.day, (record.starts_at, end))
        spans[record.day] = (min(first, record.starts_at), max(last, end))
    return spans


async def import_schedule(
    db: AsyncSession,
    data: bytes,
    *,
    default_time_zone: str,
    max_bytes: int = MAX_SCHEDULE_BYTES,
) -> ImportReport:
    """Parse ``data`` completely, then create or update one session per event.

    Only flushes (once, at the end): the caller commits, or drops the session to roll
    everything back.
    """
    parsed = parse_schedule(data, default_time_zone=default_time_zone, max_bytes=max_bytes)
    report = ImportReport(format=parsed.format, skipped=list(parsed.skipped))
    if not parsed.events:
        return report
    lookup = ScheduleLookup(db, parsed, _day_spans(parsed))
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
        booths: dict[str, Booth] = {}
        if wanted_booths:
            found = await db.scalars(select(Booth).where(Booth.slug.in_(wanted_booths)))
            booths = {booth.slug: booth for booth in found.all()}
        imported: list[ProgrammeSession] = []
        changed: list[tuple[ProgrammeSession, tuple[str, ...]]] = []
        for record in parsed.events:
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
                report.created.append(record.title)
                await _apply(lookup, session, record, booths, new=True)
            else:
                fields = await _apply(lookup, session, record, booths, new=False)
                if fields:
                    changed.append((session, fields))
                else:
                    report.unchanged += 1
            imported.append(session)
    await db.flush()
    # the fair-wide search finds the imported talks and speakers at once, no restart
    await rebuild_programme_index(db)
    report.changed = [ChangedSession(s.id, s.title, fields) for s, fields in changed]
    report.session_ids = [session.id for session in imported]
    report.speakers_created = [s.name for s in lookup.created_speakers]
    report.stages_created = [s.name for s in lookup.created_stages]
    report.days_created = [d.date for d in lookup.created_days]
    report.days_widened = [(d.date, d.starts, d.ends) for d in lookup.widened_days]
    return report


async def _apply(
    lookup: ScheduleLookup,
    session: ProgrammeSession,
    record: EventRecord,
    booths: dict[str, Booth],
    *,
    new: bool,
) -> tuple[str, ...]:
    """Write what differs from ``record`` into ``session``; return the changed fields."""
    day = await lookup.day(record.day)
    stage = lookup.stage(record.room)
    topic = lookup.topic(record.track)
    starts_at = record.starts_at.astimezone(_UTC).replace(tzinfo=None)
    wanted: dict[str, tuple[str, Any, Any]] = {
        # report key: (attribute, current value, wanted value)
        "title": ("title", session.title, record.title),
        "kind": ("kind", session.kind, record.kind),
        "abstract": ("abstract", session.abstract, record.abstract),
        "start": ("starts_at", session.starts_at, starts_at),
        "duration": ("duration_minutes", session.duration_minutes, record.duration_minutes),
        "language": ("language", session.language, record.language),
        "recording": ("do_not_record", session.do_not_record, record.do_not_record),
    }
    fields: list[str] = []
    for key, (attribute, current, value) in wanted.items():
        if new or current != value:
            setattr(session, attribute, value)
            fields.append(key)
    # Identity bookkeeping, not a change; None where the source's guid is the UUID itself.
    source_ref = record.source_ref if record.source_ref != record.guid else None
    if session.source_ref != source_ref:
        session.source_ref = source_ref
    for key, attribute, current_id, target in (
        ("day", "day", session.day_id, day),
        ("stage", "stage", session.stage_id, stage),
        ("topic", "topic", session.topic_id, topic),
    ):
        target_id = target.id if target is not None else None
        if new or (target_id is None and target is not None) or current_id != target_id:
            setattr(session, attribute, target)
            fields.append(key)
    if _link_people(lookup, session, record) and not new:
        fields.append("speakers")
    if record.booth_slugs:
        wanted_booths = [booths[s] for s in record.booth_slugs if s in booths]
        if {b.id for b in session.booths} != {b.id for b in wanted_booths}:
            session.booths = wanted_booths
            if not new:
                fields.append("booths")
    return tuple(fields)


def _link_people(lookup: ScheduleLookup, session: ProgrammeSession, record: EventRecord) -> bool:
    """Link the record's speakers in order; return whether anything changed."""
    speakers: list[Speaker] = []
    for name in record.persons:
        speaker = lookup.speaker(name)
        if all(speaker is not other for other in speakers):
            speakers.append(speaker)
    current = [(link.speaker_id, link.position) for link in session.speaker_links]
    target = [(speaker.id, position) for position, speaker in enumerate(speakers)]
    if current == target and all(speaker.id is not None for speaker in speakers):
        return False
    existing = {link.speaker_id: link for link in session.speaker_links}
    links = []
    for position, speaker in enumerate(speakers):
        link = existing.get(speaker.id) if speaker.id is not None else None
        if link is None:
            link = SessionSpeaker(speaker=speaker, role="speaker")
        link.position = position
        links.append(link)
    session.speaker_links = links
    return True

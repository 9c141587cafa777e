"""Business rules of the programme: create, edit, move, cancel sessions, with conflict checks.

Every save checks three kinds of clash and names what it clashes with:

* ``stage``: another (not cancelled) session on the same stage overlaps;
* ``speaker``: a speaker or moderator is in another overlapping session;
* ``day_hours``: the session does not fit into its event day's hours.

A save with clashes raises :class:`ConflictError` (409) listing them, unless the caller
passes ``override=True`` (the organiser ticked "save anyway"). Callable without HTTP.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from booths.models import Booth
from fair.errors import HTTPError, bad_request, not_found
from fair.formatting import local_to_utc, to_local
from fair.i18n import LANGUAGES
from fair.models import EventDay, Topic
from fair.slugs import slugify
from sessions.models import ProgrammeSession, SessionKind, SessionSpeaker, Speaker, Stage
from sessions.search import rebuild_programme_index

MIN_DURATION = 5
MAX_DURATION = 12 * 60


@dataclass(frozen=True)
class SessionInput:
    """What an organiser enters for a session; ``start`` is local time on the day."""

    title: str
    kind: SessionKind
    day_id: int
    stage_id: int
    start: time
    duration_minutes: int
    abstract: str = ""
    topic_id: int | None = None
    language: str = "de"
    do_not_record: bool = False
    speaker_ids: tuple[int, ...] = ()
    moderator_ids: tuple[int, ...] = ()
    booth_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Conflict:
    kind: str  # stage | speaker | day_hours
    message: str
    other_session_id: int | None = None


def conflict_digest(conflicts: list[Conflict]) -> str:
    """A short fingerprint of a set of clashes: an override confirms exactly these."""
    text = "\n".join(sorted(c.message for c in conflicts))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class ConflictError(HTTPError):
    """A save would clash; ``conflicts`` names each clash. Retry with ``override=True``."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        message = "Konflikt: " + " ".join(c.message for c in conflicts)
        super().__init__(409, message)
        self.conflicts = conflicts


@dataclass
class Slot:
    """Where and when a session takes place, in storage form (naive UTC)."""

    day: EventDay
    stage: Stage
    starts_at: datetime
    duration_minutes: int
    people: dict[int, str] = field(default_factory=dict)  # speaker id -> name

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


async def unique_slug(db: AsyncSession, title: str, exclude_id: int | None = None) -> str:
    base = slugify(title, 100)
    slug, n = base, 1
    while True:
        query = select(ProgrammeSession.id).where(ProgrammeSession.slug == slug)
        if exclude_id is not None:
            query = query.where(ProgrammeSession.id != exclude_id)
        if await db.scalar(query) is None:
            return slug
        n += 1
        slug = f"{base}-{n}"


def _hhmm(value: datetime, time_zone: str) -> str:
    return to_local(value, time_zone).strftime("%H:%M")


async def find_conflicts(
    db: AsyncSession, slot: Slot, *, time_zone: str, exclude_id: int | None = None
) -> list[Conflict]:
    """Every clash of ``slot`` with the rest of the programme, each named in German."""
    conflicts: list[Conflict] = []
    local_start = to_local(slot.starts_at, time_zone)
    local_end = to_local(slot.ends_at, time_zone)
    day = slot.day
    day_start, day_end = day.span(ZoneInfo(time_zone))
    if local_start < day_start or local_end > day_end:
        conflicts.append(
            Conflict(
                "day_hours",
                f"{local_start:%H:%M}–{local_end:%H:%M} am {local_start:%d.%m.%Y} liegt "
                f"außerhalb der Zeiten des Veranstaltungstags {day.date:%d.%m.%Y} "
                f"({day.starts:%H:%M}–{day.ends:%H:%M}).",
            )
        )
    query = (
        select(ProgrammeSession)
        .where(
            ProgrammeSession.cancelled.is_(False),
            ProgrammeSession.starts_at < slot.ends_at,
            ProgrammeSession.starts_at > slot.starts_at - timedelta(minutes=MAX_DURATION),
        )
        .options(selectinload(ProgrammeSession.speaker_links).selectinload(SessionSpeaker.speaker))
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
    )
    if exclude_id is not None:
        query = query.where(ProgrammeSession.id != exclude_id)
    for other in (await db.scalars(query)).all():
        if other.ends_at <= slot.starts_at:
            continue
        when = f"{_hhmm(other.starts_at, time_zone)}–{_hhmm(other.ends_at, time_zone)}"
        if other.stage_id == slot.stage.id:
            conflicts.append(
                Conflict(
                    "stage",
                    f"Die Bühne „{slot.stage.name}“ ist {when} durch „{other.title}“ belegt.",
                    other.id,
                )
            )
        for link in other.speaker_links:
            if link.speaker_id in slot.people:
                conflicts.append(
                    Conflict(
                        "speaker",
                        f"{link.speaker.name} wirkt {when} schon bei „{other.title}“ mit.",
                        other.id,
                    )
                )
    return conflicts


async def _load(db: AsyncSession, session_id: int) -> ProgrammeSession:
    session = await db.scalar(
        select(ProgrammeSession)
        .where(ProgrammeSession.id == session_id)
        .options(
            selectinload(ProgrammeSession.speaker_links),
            selectinload(ProgrammeSession.booths),
            selectinload(ProgrammeSession.day),
            selectinload(ProgrammeSession.stage),
        )
    )
    if session is None:
        raise not_found("Programmpunkt")
    return session


async def _slot(
    db: AsyncSession,
    *,
    day_id: int,
    stage_id: int,
    start: time,
    duration_minutes: int,
    people: list[int],
    time_zone: str,
) -> Slot:
    day = await db.get(EventDay, day_id)
    if day is None:
        raise bad_request("day_id", "Veranstaltungstag nicht gefunden")
    stage = await db.get(Stage, stage_id)
    if stage is None:
        raise bad_request("stage_id", "Bühne nicht gefunden")
    if not MIN_DURATION <= duration_minutes <= MAX_DURATION:
        raise bad_request("duration_minutes", f"zwischen {MIN_DURATION} und {MAX_DURATION} Minuten")
    names: dict[int, str] = {}
    if people:
        found = await db.execute(select(Speaker.id, Speaker.name).where(Speaker.id.in_(people)))
        names = {row.id: row.name for row in found}
        missing = set(people) - set(names)
        if missing:
            raise bad_request("speaker_ids", f"unbekannte Mitwirkende {sorted(missing)}")
    on = day.date
    if day.ends <= day.starts and start < day.starts:
        on += timedelta(days=1)  # 00:15 on a day that runs past midnight: next morning
    starts_at = local_to_utc(datetime.combine(on, start), time_zone)
    return Slot(day, stage, starts_at, duration_minutes, names)


async def _check(
    db: AsyncSession, slot: Slot, *, time_zone: str, exclude_id: int | None, override: bool
) -> list[Conflict]:
    conflicts = await find_conflicts(db, slot, time_zone=time_zone, exclude_id=exclude_id)
    if conflicts and not override:
        raise ConflictError(conflicts)
    return conflicts


async def _input_slot(db: AsyncSession, data: SessionInput, *, time_zone: str) -> Slot:
    """The slot an organiser's form asks for (create and edit read it alike)."""
    return await _slot(
        db,
        day_id=data.day_id,
        stage_id=data.stage_id,
        start=data.start,
        duration_minutes=data.duration_minutes,
        people=[*data.speaker_ids, *data.moderator_ids],
        time_zone=time_zone,
    )


async def _reschedule(
    db: AsyncSession, session: ProgrammeSession, slot: Slot, *, time_zone: str, override: bool
) -> list[Conflict]:
    """Put an existing session into ``slot``. A cancelled session holds no slot, so it
    is not checked; :func:`set_cancelled` checks when it is reinstated."""
    conflicts: list[Conflict] = []
    if not session.cancelled:
        conflicts = await _check(
            db, slot, time_zone=time_zone, exclude_id=session.id, override=override
        )
    session.day_id = slot.day.id
    session.stage_id = slot.stage.id
    session.starts_at = slot.starts_at
    session.duration_minutes = slot.duration_minutes
    return conflicts


def _validate(data: SessionInput) -> None:
    if not data.title.strip():
        raise bad_request("title", "Pflichtfeld")
    if len(data.title) > 300:
        raise bad_request("title", "höchstens 300 Zeichen")
    if data.language not in LANGUAGES:
        raise bad_request("language", "de oder en")
    overlap = set(data.speaker_ids) & set(data.moderator_ids)
    if overlap:
        raise bad_request("moderator_ids", "eine Person ist zugleich Mitwirkende und Moderation")


async def _apply(db: AsyncSession, session: ProgrammeSession, data: SessionInput) -> None:
    if data.topic_id is not None and await db.get(Topic, data.topic_id) is None:
        raise bad_request("topic_id", "Thema nicht gefunden")
    booths: list[Booth] = []
    if data.booth_ids:
        booths = list((await db.scalars(select(Booth).where(Booth.id.in_(data.booth_ids)))).all())
        if len(booths) != len(set(data.booth_ids)):
            raise bad_request("booth_ids", "unbekannter Stand")
    session.title = data.title.strip()
    session.kind = data.kind
    session.abstract = data.abstract
    session.topic_id = data.topic_id
    session.language = data.language
    session.do_not_record = data.do_not_record
    session.booths = booths
    wanted = [(sid, "speaker") for sid in data.speaker_ids] + [
        (sid, "moderator") for sid in data.moderator_ids
    ]
    # Keep existing links (a delete plus insert of the same pair would hit the unique key).
    existing = {link.speaker_id: link for link in session.speaker_links}
    links = []
    for position, (speaker_id, role) in enumerate(wanted):
        link = existing.get(speaker_id) or SessionSpeaker(speaker_id=speaker_id)
        link.role = role
        link.position = position
        links.append(link)
    session.speaker_links = links


async def create_session(
    db: AsyncSession, data: SessionInput, *, time_zone: str, override: bool = False
) -> tuple[ProgrammeSession, list[Conflict]]:
    """Add a session; returns it with the clashes the organiser overrode (if any)."""
    _validate(data)
    slot = await _input_slot(db, data, time_zone=time_zone)
    conflicts = await _check(db, slot, time_zone=time_zone, exclude_id=None, override=override)
    session = ProgrammeSession(
        guid=str(uuid.uuid4()),
        slug=await unique_slug(db, data.title),
        title=data.title,
        kind=data.kind,
        day_id=slot.day.id,
        stage_id=slot.stage.id,
        starts_at=slot.starts_at,
        duration_minutes=slot.duration_minutes,
        speaker_links=[],
        booths=[],
        published=False,  # a draft until the organisers publish
    )
    db.add(session)
    await _apply(db, session, data)
    await db.flush()
    await rebuild_programme_index(db)
    return session, conflicts


async def update_session(
    db: AsyncSession,
    session_id: int,
    data: SessionInput,
    *,
    time_zone: str,
    override: bool = False,
) -> tuple[ProgrammeSession, list[Conflict]]:
    _validate(data)
    session = await _load(db, session_id)
    slot = await _input_slot(db, data, time_zone=time_zone)
    conflicts = await _reschedule(db, session, slot, time_zone=time_zone, override=override)
    await _apply(db, session, data)
    await db.flush()
    await rebuild_programme_index(db)
    return session, conflicts


async def move_session(
    db: AsyncSession,
    session_id: int,
    *,
    day_id: int,
    stage_id: int,
    start: time,
    time_zone: str,
    override: bool = False,
) -> tuple[ProgrammeSession, list[Conflict]]:
    """Another day, stage or start time; duration, speakers and the rest stay."""
    session = await _load(db, session_id)
    slot = await _slot(
        db,
        day_id=day_id,
        stage_id=stage_id,
        start=start,
        duration_minutes=session.duration_minutes,
        people=[link.speaker_id for link in session.speaker_links],
        time_zone=time_zone,
    )
    conflicts = await _reschedule(db, session, slot, time_zone=time_zone, override=override)
    await db.flush()
    return session, conflicts


async def set_cancelled(
    db: AsyncSession,
    session_id: int,
    cancelled: bool,
    *,
    time_zone: str,
    override: bool = False,
) -> tuple[ProgrammeSession, list[Conflict]]:
    """Cancel (always possible) or reinstate (checked: the slot may be taken meanwhile)."""
    session = await _load(db, session_id)
    conflicts: list[Conflict] = []
    if session.cancelled and not cancelled:
        slot = Slot(
            session.day,
            session.stage,
            session.starts_at,
            session.duration_minutes,
            {link.speaker_id: "" for link in session.speaker_links},
        )
        conflicts = await _check(
            db, slot, time_zone=time_zone, exclude_id=session.id, override=override
        )
    session.cancelled = cancelled
    await db.flush()
    return session, conflicts


def local_start(session: ProgrammeSession, time_zone: str) -> time:
    return to_local(session.starts_at, time_zone).time().replace(tzinfo=None)


def input_from_session(session: ProgrammeSession, time_zone: str) -> SessionInput:
    """The form values of an existing session (for the edit page)."""
    return SessionInput(
        title=session.title,
        kind=session.kind,
        day_id=session.day_id,
        stage_id=session.stage_id,
        start=local_start(session, time_zone),
        duration_minutes=session.duration_minutes,
        abstract=session.abstract,
        topic_id=session.topic_id,
        language=session.language,
        do_not_record=session.do_not_record,
        speaker_ids=tuple(
            link.speaker_id for link in session.speaker_links if link.role != "moderator"
        ),
        moderator_ids=tuple(
            link.speaker_id for link in session.speaker_links if link.role == "moderator"
        ),
        booth_ids=tuple(b.id for b in session.booths),
    )

"""Read-side queries for the programme."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from booths.models import Booth, Material
from fair.db import utcnow
from fair.errors import not_found
from fair.models import EventDay, EventSeries, Topic
from sessions.models import (
    Chapter,
    FaqEntry,
    LiveState,
    ProgrammeSession,
    SessionSpeaker,
    Speaker,
    Stage,
    session_booths,
)
from sessions.states import Phase, phase_of


def session_query() -> Select[ProgrammeSession]:
    """Sessions with everything a listing shows, in one statement (joined loads, so a
    page's query count does not grow with the number of sessions). Read the result with
    :func:`all_sessions`: joined collections need ``unique()``."""
    return select(ProgrammeSession).options(
        joinedload(ProgrammeSession.stage),
        joinedload(ProgrammeSession.topic),
        joinedload(ProgrammeSession.day).joinedload(EventDay.host),
        joinedload(ProgrammeSession.speaker_links)
        .joinedload(SessionSpeaker.speaker)
        .joinedload(Speaker.organisation),
        joinedload(ProgrammeSession.recordings),
        joinedload(ProgrammeSession.chapters).joinedload(Chapter.recording),
    )


async def all_sessions(db: AsyncSession, query: Select[ProgrammeSession]) -> list[ProgrammeSession]:
    """The sessions of a :func:`session_query`, each once."""
    return list((await db.scalars(query)).unique().all())


async def get_series(db: AsyncSession) -> EventSeries | None:
    return await db.scalar(select(EventSeries).order_by(EventSeries.id).limit(1))


async def list_days(db: AsyncSession) -> list[EventDay]:
    query = select(EventDay).options(joinedload(EventDay.host)).order_by(EventDay.date)
    return list((await db.scalars(query)).all())


async def list_sessions(
    db: AsyncSession,
    *,
    day_id: int | None = None,
    stage_id: int | None = None,
    topic_id: int | None = None,
    include_cancelled: bool = True,
) -> list[ProgrammeSession]:
    query = session_query().order_by(ProgrammeSession.starts_at, ProgrammeSession.stage_id)
    if day_id is not None:
        query = query.where(ProgrammeSession.day_id == day_id)
    if stage_id is not None:
        query = query.where(ProgrammeSession.stage_id == stage_id)
    if topic_id is not None:
        query = query.where(ProgrammeSession.topic_id == topic_id)
    if not include_cancelled:
        query = query.where(ProgrammeSession.cancelled.is_(False))
    return await all_sessions(db, query)


async def get_session(db: AsyncSession, session_id: int) -> ProgrammeSession:
    found = await all_sessions(
        db,
        session_query()
        .where(ProgrammeSession.id == session_id)
        .options(
            # the talk's slides and materials are its booths' (_session_materials.html)
            joinedload(ProgrammeSession.booths)
            .joinedload(Booth.materials)
            .joinedload(Material.current_version),
            joinedload(ProgrammeSession.materials),  # its own slides (sessions.materials)
        ),
    )
    session = found[0] if found else None
    if session is None:
        raise not_found("Programmpunkt")
    return session


async def sessions_for_booth(db: AsyncSession, booth_id: int) -> list[ProgrammeSession]:
    query = (
        select(ProgrammeSession)
        .join(session_booths, session_booths.c.session_id == ProgrammeSession.id)
        .where(session_booths.c.booth_id == booth_id)
        .order_by(ProgrammeSession.starts_at)
    )
    return list((await db.scalars(query)).all())


async def sessions_of_user(db: AsyncSession, user_id: int) -> list[ProgrammeSession]:
    """The sessions a speaker account appears in (as speaker or moderator), in time order."""
    query = (
        session_query()
        .join(SessionSpeaker, SessionSpeaker.session_id == ProgrammeSession.id)
        .join(Speaker, Speaker.id == SessionSpeaker.speaker_id)
        .where(Speaker.user_id == user_id)
        .order_by(ProgrammeSession.starts_at)
    )
    return list((await db.scalars(query)).unique().all())


@dataclass(frozen=True)
class NowAndNext:
    now: list[ProgrammeSession]
    next: list[ProgrammeSession]


async def now_and_next(db: AsyncSession, at: datetime | None = None) -> NowAndNext:
    """What is live at ``at`` (naive UTC): what the stages say, not the timetable; and
    the next sessions to start after it.

    "Next" has no horizon: before the event or overnight it shows the next opening, not
    an empty box.
    """
    at = at or utcnow()
    live = (
        ProgrammeSession.cancelled.is_(False),
        ProgrammeSession.live_state.in_((LiveState.live, LiveState.paused)),
        ProgrammeSession.starts_at >= at - timedelta(hours=24),
    )
    upcoming = (
        select(ProgrammeSession.id)
        .where(ProgrammeSession.cancelled.is_(False), ProgrammeSession.starts_at > at)
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.stage_id)
        .limit(6)
    )
    # One statement for both lists: the running ones and the next six.
    found = await all_sessions(
        db,
        session_query()
        .where(
            or_(
                ProgrammeSession.id.in_(select(ProgrammeSession.id).where(*live)),
                ProgrammeSession.id.in_(upcoming.scalar_subquery()),
            )
        )
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.stage_id),
    )
    return NowAndNext(
        now=[s for s in found if phase_of(s, at)[0] is Phase.live],
        next=[s for s in found if s.starts_at > at][:6],
    )


async def event_faq(db: AsyncSession, session_id: int | None = None) -> list[FaqEntry]:
    query = select(FaqEntry).order_by(FaqEntry.position, FaqEntry.id)
    if session_id is None:
        query = query.where(FaqEntry.session_id.is_(None))
    else:
        query = query.where(FaqEntry.session_id == session_id)
    return list((await db.scalars(query)).all())


async def list_stages(db: AsyncSession) -> list[Stage]:
    return list((await db.scalars(select(Stage).order_by(Stage.position, Stage.id))).all())


async def list_topics(db: AsyncSession) -> list[Topic]:
    return list((await db.scalars(select(Topic).order_by(Topic.name_de))).all())


async def list_speakers(db: AsyncSession) -> list[Speaker]:
    query = select(Speaker).options(joinedload(Speaker.organisation)).order_by(Speaker.name)
    return list((await db.scalars(query)).all())


async def schedule_sessions(
    db: AsyncSession,
    *,
    day_id: int | None = None,
    session_ids: list[int] | None = None,
    include_cancelled: bool = False,
) -> list[ProgrammeSession]:
    """Sessions for exports and the API: with booths, in programme order."""
    query = session_query().options(joinedload(ProgrammeSession.booths))
    if day_id is not None:
        query = query.where(ProgrammeSession.day_id == day_id)
    if session_ids is not None:
        query = query.where(ProgrammeSession.id.in_(session_ids))
    if not include_cancelled:
        query = query.where(ProgrammeSession.cancelled.is_(False))
    query = query.order_by(ProgrammeSession.starts_at, ProgrammeSession.stage_id)
    return await all_sessions(db, query)

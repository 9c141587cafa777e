"""Chapters from the marks taken while live.

A recording that spans several programme items (a stage's morning, uploaded as one video)
gets one chapter per item. The programme says when each item was planned; the marks say
when it really began (the moderator's "start", or the previous item's "end" when the next
followed at once). Each chapter starts at its item's real start measured from the real
start of the first item, so a morning that ran ten minutes late is still chaptered right.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sessions.models import Chapter, LiveMark, ProgrammeSession, Recording

MARK_KINDS = ("start", "end")


async def record_mark(db: AsyncSession, session_id: int, kind: str, at: datetime) -> None:
    """Remember that ``session_id`` started or ended at ``at`` (in the caller's commit)."""
    if kind not in MARK_KINDS:
        raise ValueError(f"unknown mark {kind!r}")
    db.add(LiveMark(session_id=session_id, kind=kind, at=at))


def real_starts(sessions: list[ProgrammeSession], marks: Iterable[LiveMark]) -> dict[int, datetime]:
    """Each session's real start: its first start mark, else the end mark of the item
    before it (a handover), else the planned time."""
    started: dict[int, datetime] = {}
    ended: dict[int, datetime] = {}
    for mark in sorted(marks, key=lambda m: m.at):
        target = started if mark.kind == "start" else ended
        target.setdefault(mark.session_id, mark.at)
    result: dict[int, datetime] = {}
    previous: ProgrammeSession | None = None
    for session in sessions:
        if session.id in started:
            result[session.id] = started[session.id]
        elif previous is not None and previous.id in ended:
            result[session.id] = ended[previous.id]
        else:
            result[session.id] = session.starts_at
        previous = session
    return result


def chapter_starts(
    sessions: list[ProgrammeSession], marks: Iterable[LiveMark], duration: float
) -> list[tuple[ProgrammeSession, float]]:
    """(session, start seconds) for the items inside the recording, in order; items
    starting at or after its end are left out, and starts never go backwards."""
    if not sessions:
        return []
    starts = real_starts(sessions, marks)
    origin = starts[sessions[0].id]
    result: list[tuple[ProgrammeSession, float]] = []
    for session in sessions:
        offset = max(0.0, (starts[session.id] - origin) / timedelta(seconds=1))
        if duration > 0 and offset >= duration:
            break
        if result and offset <= result[-1][1]:
            continue  # marked out of order: keep the programme's order
        result.append((session, round(offset, 1)))
    return result


async def spanned_sessions(db: AsyncSession, first: ProgrammeSession) -> list[ProgrammeSession]:
    """The items on ``first``'s stage and day from ``first`` on, in programme order."""
    query = (
        select(ProgrammeSession)
        .where(
            ProgrammeSession.stage_id == first.stage_id,
            ProgrammeSession.day_id == first.day_id,
            ProgrammeSession.starts_at >= first.starts_at,
            ProgrammeSession.cancelled.is_(False),
        )
        .order_by(ProgrammeSession.starts_at)
    )
    return list((await db.scalars(query)).all())


async def chapters_from_marks(db: AsyncSession, recording: Recording) -> list[Chapter]:
    """Replace ``recording``'s chapters by one per programme item it spans, started at
    the marks taken while live; none when it holds a single item."""
    first = await db.get(ProgrammeSession, recording.session_id)
    if first is None:
        return []
    sessions = await spanned_sessions(db, first)
    ids = [s.id for s in sessions]
    marks = (await db.scalars(select(LiveMark).where(LiveMark.session_id.in_(ids)))).all()
    starts = chapter_starts(sessions, marks, recording.duration_seconds)
    existing = (await db.scalars(select(Chapter).where(Chapter.recording_id == recording.id))).all()
    for chapter in existing:
        await db.delete(chapter)
    if len(starts) < 2:
        await db.flush()
        return []
    chapters = [
        Chapter(recording_id=recording.id, session_id=s.id, title=s.title, start_seconds=start)
        for s, start in starts
    ]
    db.add_all(chapters)
    await db.flush()
    return chapters

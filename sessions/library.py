"""The recordings library: what latecomers browse, filter and play.

Queries are batched (selectin loads, no per-row queries) so the library and the player
page stay within a page's query budget whatever the number of recordings.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from fair.errors import not_found
from fair.models import EventDay
from sessions.models import (
    Caption,
    Chapter,
    ProgrammeSession,
    Question,
    Recording,
    SessionSpeaker,
    Speaker,
)


@dataclass(frozen=True)
class LibraryFilter:
    day_id: int | None = None
    stage_id: int | None = None
    topic_id: int | None = None
    speaker_id: int | None = None
    language: str | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in vars(self).values())


def _recording_query() -> Select[Recording]:
    return (
        select(Recording)
        .join(ProgrammeSession, ProgrammeSession.id == Recording.session_id)
        .where(Recording.published.is_(True), ProgrammeSession.recording_opt_out.is_(False))
        .options(
            selectinload(Recording.session).options(
                selectinload(ProgrammeSession.day).selectinload(EventDay.host),
                selectinload(ProgrammeSession.stage),
                selectinload(ProgrammeSession.topic),
                selectinload(ProgrammeSession.speaker_links).selectinload(SessionSpeaker.speaker),
            ),
            selectinload(Recording.chapters),
        )
    )


async def library_recordings(db: AsyncSession, wanted: LibraryFilter) -> list[Recording]:
    """Published recordings matching every filter given, in programme order."""
    query = _recording_query()
    if wanted.day_id is not None:
        query = query.where(ProgrammeSession.day_id == wanted.day_id)
    if wanted.stage_id is not None:
        query = query.where(ProgrammeSession.stage_id == wanted.stage_id)
    if wanted.topic_id is not None:
        query = query.where(ProgrammeSession.topic_id == wanted.topic_id)
    if wanted.language is not None:
        query = query.where(ProgrammeSession.language == wanted.language)
    if wanted.speaker_id is not None:
        speaks = exists().where(
            SessionSpeaker.session_id == ProgrammeSession.id,
            SessionSpeaker.speaker_id == wanted.speaker_id,
        )
        in_chapter = exists().where(
            Chapter.recording_id == Recording.id,
            Chapter.session_id == SessionSpeaker.session_id,
            SessionSpeaker.speaker_id == wanted.speaker_id,
        )
        query = query.where(speaks | in_chapter)
    query = query.order_by(ProgrammeSession.starts_at, Recording.id)
    return list((await db.scalars(query)).all())


async def recorded_speakers(db: AsyncSession) -> list[Speaker]:
    """Speakers with at least one published recording (the speaker filter's choices)."""
    query = (
        select(Speaker)
        .where(
            exists().where(
                SessionSpeaker.speaker_id == Speaker.id,
                Recording.session_id == SessionSpeaker.session_id,
                Recording.published.is_(True),
            )
        )
        .order_by(Speaker.name)
    )
    return list((await db.scalars(query)).all())


async def get_recording(db: AsyncSession, recording_id: int) -> Recording:
    """A recording with what its player page shows; 404 if unknown."""
    recording = await db.scalar(
        select(Recording)
        .where(Recording.id == recording_id)
        .options(
            selectinload(Recording.session).options(
                selectinload(ProgrammeSession.day).selectinload(EventDay.host),
                selectinload(ProgrammeSession.stage),
                selectinload(ProgrammeSession.topic),
                selectinload(ProgrammeSession.booths),
                selectinload(ProgrammeSession.speaker_links)
                .selectinload(SessionSpeaker.speaker)
                .selectinload(Speaker.organisation),
            ),
            selectinload(Recording.chapters),
            selectinload(Recording.captions),
        )
    )
    if recording is None:
        raise not_found("Aufzeichnung")
    return recording


async def answered_questions(db: AsyncSession, session_ids: list[int]) -> list[Question]:
    """The answered, visible questions of the talks in a recording (kept after the end)."""
    query = (
        select(Question)
        .where(
            Question.session_id.in_(session_ids),
            Question.answered.is_(True),
            Question.hidden.is_(False),
        )
        .order_by(Question.votes.desc(), Question.id)
    )
    return list((await db.scalars(query)).all())


async def caption_vtt(db: AsyncSession, recording_id: int, language: str) -> Caption:
    caption = await db.scalar(
        select(Caption).where(Caption.recording_id == recording_id, Caption.language == language)
    )
    if caption is None:
        raise not_found("Untertitel")
    return caption


async def count_view(db: AsyncSession, recording_id: int) -> None:
    """One more view, for "most watched" on the archive landing (no personal data)."""
    await db.execute(
        update(Recording).where(Recording.id == recording_id).values(views=Recording.views + 1)
    )

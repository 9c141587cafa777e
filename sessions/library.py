"""The recordings library: what latecomers browse, filter and play.

Queries are batched (selectin loads, no per-row queries) so the library and the player
page stay within a page's query budget whatever the number of recordings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from booths.models import Booth, Material
from fair.changes import UNSHOWN
from fair.counters import BatchedCounts
from fair.errors import not_found
from fair.models import EventDay
from sessions.models import (
    Caption,
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
    """Published recordings with their talk, day, host, stage, topic, speakers and
    chapters in one statement (joined loads: read with ``unique()``)."""
    return (
        select(Recording)
        .join(ProgrammeSession, ProgrammeSession.id == Recording.session_id)
        .where(Recording.published.is_(True), ProgrammeSession.recording_opt_out.is_(False))
        .options(
            joinedload(Recording.session).options(
                joinedload(ProgrammeSession.day).joinedload(EventDay.host),
                joinedload(ProgrammeSession.stage),
                joinedload(ProgrammeSession.topic),
                joinedload(ProgrammeSession.speaker_links).joinedload(SessionSpeaker.speaker),
            ),
            joinedload(Recording.chapters),
        )
        .order_by(ProgrammeSession.starts_at, Recording.id)
    )


async def all_recordings(db: AsyncSession) -> list[Recording]:
    """Every published recording in programme order, in one statement."""
    return list((await db.scalars(_recording_query())).unique().all())


def matching(recordings: list[Recording], wanted: LibraryFilter) -> list[Recording]:
    """The recordings matching every filter given (filtered here, so the library page
    needs no second query whatever the filters)."""

    def fits(r: Recording) -> bool:
        s = r.session
        speakers = {link.speaker_id for link in s.speaker_links}
        return (
            (wanted.day_id is None or s.day_id == wanted.day_id)
            and (wanted.stage_id is None or s.stage_id == wanted.stage_id)
            and (wanted.topic_id is None or s.topic_id == wanted.topic_id)
            and (wanted.language is None or s.language == wanted.language)
            and (wanted.speaker_id is None or wanted.speaker_id in speakers)
        )

    return [r for r in recordings if fits(r)]


def speakers_of(recordings: list[Recording]) -> list[Speaker]:
    """The speakers of these recordings' talks, by name (the speaker filter's choices)."""
    found = {link.speaker.id: link.speaker for r in recordings for link in r.session.speaker_links}
    return sorted(found.values(), key=lambda p: p.name)


async def library_recordings(db: AsyncSession, wanted: LibraryFilter) -> list[Recording]:
    """Published recordings matching every filter given, in programme order."""
    return matching(await all_recordings(db), wanted)


async def get_recording(db: AsyncSession, recording_id: int) -> Recording:
    """A recording with what its player page shows, in two statements whatever the
    number of chapters, captions, speakers and booths; 404 if unknown.

    One statement would multiply chapters × captions × speakers × materials rows, so
    the session's own collections come in a second one (same identity map)."""
    recording = (
        (
            await db.scalars(
                select(Recording)
                .where(Recording.id == recording_id)
                .options(
                    joinedload(Recording.session).options(
                        joinedload(ProgrammeSession.day).joinedload(EventDay.host),
                        joinedload(ProgrammeSession.stage),
                        joinedload(ProgrammeSession.topic),
                    ),
                    joinedload(Recording.chapters),
                    joinedload(Recording.captions),
                )
            )
        )
        .unique()
        .one_or_none()
    )
    if recording is None:
        raise not_found("Aufzeichnung")
    loaded = await db.scalars(
        select(ProgrammeSession)
        .where(ProgrammeSession.id == recording.session_id)
        .options(
            joinedload(ProgrammeSession.booths)
            .joinedload(Booth.materials)
            .joinedload(Material.current_version),
            joinedload(ProgrammeSession.speaker_links)
            .joinedload(SessionSpeaker.speaker)
            .joinedload(Speaker.organisation),
            joinedload(ProgrammeSession.materials),  # its own slides (sessions.materials)
        )
    )
    loaded.unique().all()  # fills the collections of recording.session
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


# How stale "most watched" on the archive landing may get: views are written without
# invalidating cached pages (one view must not re-render every page), so the landing
# re-sorts itself at least this often.
MOST_WATCHED_REFRESH = timedelta(minutes=10)


class RecordingViews(BatchedCounts[int]):
    """Views per recording, for "most watched" (no personal data), written in batches."""

    def __init__(self, database: Any, interval: float = 1.0) -> None:
        super().__init__(database, _write_views, name="recording views", interval=interval)


async def _write_views(db: AsyncSession, pending: dict[int, list[int]]) -> None:
    for recording_id, (views,) in sorted(pending.items()):
        await db.execute(
            update(Recording)
            .where(Recording.id == recording_id)
            .values(views=Recording.views + views)
            .execution_options(**UNSHOWN)
        )

"""Recordings of the demo fair's past talks, so the lasting fair can be seen and tested.

Every talk that is over at "now" (``FAIR_TODAY``) and may be recorded gets a 3-minute
recording (:mod:`sessions.demo_media`) with a poster frame, German captions made from
its abstract and its slides as a generated PDF. The first three items of the first day's
main stage share one recording with a chapter each, as a stage's morning recorded in one
piece would. Idempotent: run again (say, with a later ``--today``) it only adds what is
missing.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from booths.models import MaterialKind
from fair.db import Database
from fair.seed import _one_chunk, tiny_pdf
from fair.storage import Storage
from fair.uploads import PDF
from sessions.captions import Cue, cues_to_vtt
from sessions.demo_media import (
    MIN_SECONDS,
    SLIDE_SECONDS,
    Slide,
    poster_frame,
    write_recording,
    write_tone_loop,
)
from sessions.models import (
    Caption,
    CaptionCue,
    Chapter,
    ProgrammeSession,
    Recording,
    SessionMaterial,
    SessionSpeaker,
)
from sessions.search import rebuild_programme_index
from sessions.states import Phase, phase_of

STAGE_PIECE = 3  # items of the first morning on the main stage recorded as one file


def sentences(text: str) -> list[str]:
    plain = re.sub(r"[*_`#>\[\]]", "", text)
    parts = re.split(r"(?<=[.!?])\s+", plain.replace("\n", " "))
    return [p.strip() for p in parts if len(p.strip()) > 3]


def demo_cues(abstract: str, title: str, start: float, duration: float) -> list[Cue]:
    """German captions from the abstract, spread over the talk, 7 s each."""
    lines = [title, *sentences(abstract)]
    step = duration / len(lines)
    return [
        Cue(start + i * step, start + i * step + min(7.0, step), line)
        for i, line in enumerate(lines)
    ]


def _slides(session: ProgrammeSession, offset: float, duration: float) -> list[Slide]:
    said = sentences(session.abstract) or [session.title]
    count = max(1, int(duration // SLIDE_SECONDS))
    speakers = ", ".join(link.speaker.name for link in session.speaker_links)
    slides = [Slide(offset, session.title, (speakers, *said[:2]))]
    for index in range(1, count):
        slides.append(
            Slide(
                offset + index * SLIDE_SECONDS,
                session.title,
                (f"Folie {index + 1} von {count}", said[index % len(said)]),
            )
        )
    return slides


def _plan(sessions: list[ProgrammeSession]) -> list[list[ProgrammeSession]]:
    """Groups of sessions to record together: the first morning's main-stage piece, then
    one per talk."""
    if not sessions:
        return []
    first_day = min(s.day_id for s in sessions)
    main_stage = min(s.stage.position for s in sessions)
    morning = [s for s in sessions if s.day_id == first_day and s.stage.position == main_stage]
    morning = sorted(morning, key=lambda s: s.starts_at)[:STAGE_PIECE]
    piece = morning if len(morning) == STAGE_PIECE else []
    rest = [[s] for s in sessions if s not in piece]
    return ([piece] if piece else []) + rest


async def seed_demo_recordings(
    database: Database,
    storage: Storage,
    *,
    now: Any,
    progress: Callable[[str], Any] | None = None,
) -> int:
    """Add recordings for past talks that have none; returns how many files were made."""
    say = progress or (lambda _message: None)
    async with database.session() as db:
        candidates = (
            await db.scalars(
                select(ProgrammeSession)
                .options(
                    selectinload(ProgrammeSession.recordings),
                    selectinload(ProgrammeSession.chapters),
                    selectinload(ProgrammeSession.stage),
                    selectinload(ProgrammeSession.speaker_links).selectinload(
                        SessionSpeaker.speaker
                    ),
                )
                .order_by(ProgrammeSession.starts_at, ProgrammeSession.stage_id)
            )
        ).all()
        todo = [
            s
            for s in candidates
            if phase_of(s, now)[0] is Phase.ended
            and not s.do_not_record
            and not s.recordings
            and not s.chapters
        ]
        groups = _plan(list(todo))
        if not groups:
            return 0
        made = 0
        with tempfile.TemporaryDirectory(prefix="fair-demo-media-") as scratch:
            work = Path(scratch)
            tone = work / "tone.mp4"
            await asyncio.to_thread(write_tone_loop, tone)
            for group in groups:
                await _record_group(db, storage, group, work, tone)
                made += 1
            await rebuild_programme_index(db)
            await db.commit()
    say(f"{made} demo recordings")
    return made


async def _record_group(
    db: Any, storage: Storage, group: list[ProgrammeSession], work: Path, tone: Path
) -> None:
    first = group[0]
    slides: list[Slide] = []
    cues: list[Cue] = []
    starts: list[float] = []
    for index, session in enumerate(group):
        offset = index * MIN_SECONDS
        starts.append(offset)
        slides += _slides(session, offset, MIN_SECONDS)
        cues += demo_cues(session.abstract, session.title, offset, MIN_SECONDS)
    duration = float(MIN_SECONDS * len(group))
    video = work / f"{first.slug}.mp4"
    poster = work / f"{first.slug}.jpg"
    footer = f"{first.stage.name} · Demo-Aufzeichnung"
    await asyncio.to_thread(write_recording, video, slides, duration, footer, tone)
    await asyncio.to_thread(poster_frame, video, poster, 5.0)
    base = f"recordings/{first.id}/demo-{first.slug}"
    stored = await storage.save_file(
        f"{base}.mp4", video, content_type="video/mp4", filename=video.name
    )
    stored_poster = await storage.save_file(
        f"{base}.jpg", poster, content_type="image/jpeg", filename=poster.name
    )
    await asyncio.to_thread(video.unlink)
    recording = Recording(
        session_id=first.id,
        storage_key=stored.key,
        content_type="video/mp4",
        size_bytes=stored.size,
        duration_seconds=duration,
        poster_key=stored_poster.key,
        source="demo",
    )
    db.add(recording)
    await db.flush()
    if len(group) > 1:
        for session, start in zip(group, starts, strict=True):
            db.add(
                Chapter(
                    recording_id=recording.id,
                    session_id=session.id,
                    title=session.title,
                    start_seconds=start,
                )
            )
    caption = Caption(recording_id=recording.id, language="de", vtt=cues_to_vtt(cues))
    db.add(caption)
    await db.flush()
    db.add_all(
        CaptionCue(caption_id=caption.id, start_seconds=c.start, end_seconds=c.end, text=c.text)
        for c in cues
    )
    for session in group:
        await _demo_slides(db, storage, session)


async def _demo_slides(db: Any, storage: Storage, session: ProgrammeSession) -> None:
    """The talk's slides as a small generated PDF (the demo booths' generator), listed
    beside its recording like slides a speaker uploaded."""
    payload = tiny_pdf(f"Folien: {session.title}")
    filename = f"folien-{session.slug}.pdf"
    stored = await storage.save_stream(
        f"session-materials/{session.id}/demo-{filename}",
        _one_chunk(payload),
        content_type=PDF,
        max_bytes=len(payload),
        filename=filename,
    )
    db.add(
        SessionMaterial(
            session_id=session.id,
            title="Folien",
            kind=MaterialKind.pdf,
            storage_key=stored.key,
            filename=filename,
            content_type=PDF,
            size_bytes=stored.size,
            position=0,
        )
    )

"""Chapters and captions of a recording: the rules, callable without HTTP.

Chapters are generated from the programme when a recording spans several items, and
organisers correct them as text, one chapter per line: ``2:36 Title`` (any time-link
form works: ``156``, ``2m36s``, ``0:02:36``). Each chapter ends where the next begins.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from fair.errors import HTTPError
from fair.i18n import LANGUAGES
from sessions.captions import MAX_CAPTION_BYTES, Cue, cues_to_vtt, parse_captions
from sessions.models import Caption, CaptionCue, Chapter, Recording
from sessions.search import rebuild_programme_index
from sessions.timelinks import format_clock, parse_time

MAX_CHAPTERS = 200
MAX_TITLE = 300
CAPTION_LANGUAGES = LANGUAGES  # captions in the languages the fair is shown in


def chapters_vtt(recording: Recording) -> str:
    """The chapters as WebVTT for ``<track kind="chapters">``."""
    chapters = sorted(recording.chapters, key=lambda c: c.start_seconds)
    cues = []
    for index, chapter in enumerate(chapters):
        end = (
            chapters[index + 1].start_seconds
            if index + 1 < len(chapters)
            else recording.duration_seconds
        )
        cues.append(
            Cue(chapter.start_seconds, max(end, chapter.start_seconds + 0.5), chapter.title)
        )
    return cues_to_vtt(cues)


def chapters_text(recording: Recording) -> str:
    """The organiser's editable form of the chapters."""
    return "\n".join(f"{format_clock(c.start_seconds)} {c.title}" for c in recording.chapters)


def parse_chapters(text: str, duration: float) -> list[tuple[float, str]]:
    """(start, title) per line; 400 naming the line for a bad time, an empty title, a time
    outside the recording or out of order."""
    result: list[tuple[float, str]] = []
    lines = [line for line in text.replace("\r\n", "\n").split("\n")]
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        stamp, _, title = line.strip().partition(" ")
        seconds = parse_time(stamp)
        if seconds is None:
            raise HTTPError(
                400, f"chapters: Zeile {number}: „{stamp[:20]}“ ist keine Zeit", field="chapters"
            )
        title = title.strip()
        if not title:
            raise HTTPError(400, f"chapters: Zeile {number}: Titel fehlt", field="chapters")
        if len(title) > MAX_TITLE:
            raise HTTPError(
                400, f"chapters: Zeile {number}: höchstens {MAX_TITLE} Zeichen", field="chapters"
            )
        if duration > 0 and seconds >= duration:
            raise HTTPError(
                400,
                f"chapters: Zeile {number}: {format_clock(seconds)} liegt nach dem Ende der "
                f"Aufzeichnung ({format_clock(duration)})",
                field="chapters",
            )
        if result and seconds <= result[-1][0]:
            raise HTTPError(
                400,
                f"chapters: Zeile {number}: muss nach dem vorigen Kapitel beginnen",
                field="chapters",
            )
        result.append((seconds, title))
    if len(result) > MAX_CHAPTERS:
        raise HTTPError(400, f"chapters: höchstens {MAX_CHAPTERS} Kapitel", field="chapters")
    return result


async def replace_chapters(db: AsyncSession, recording: Recording, text: str) -> list[Chapter]:
    """Set the chapters from the organiser's text; links to talks are kept by title."""
    wanted = parse_chapters(text, recording.duration_seconds)
    by_title = {c.title: c.session_id for c in recording.chapters}
    await db.execute(delete(Chapter).where(Chapter.recording_id == recording.id))
    chapters = [
        Chapter(
            recording_id=recording.id,
            session_id=by_title.get(title),
            title=title,
            start_seconds=start,
        )
        for start, title in wanted
    ]
    db.add_all(chapters)
    await db.flush()
    return chapters


async def store_captions(
    db: AsyncSession, recording: Recording, language: str, data: bytes
) -> Caption:
    """Check and store captions (replacing that language's); nothing changes if bad."""
    if language not in CAPTION_LANGUAGES:
        raise HTTPError(400, "language: de oder en", field="language")
    parsed = parse_captions(data, recording.duration_seconds)
    existing = await db.scalar(
        select(Caption).where(Caption.recording_id == recording.id, Caption.language == language)
    )
    if existing is not None:
        await db.delete(existing)
        await db.flush()
    caption = Caption(recording_id=recording.id, language=language, vtt=parsed.vtt)
    db.add(caption)
    await db.flush()
    db.add_all(
        CaptionCue(caption_id=caption.id, start_seconds=c.start, end_seconds=c.end, text=c.text)
        for c in parsed.cues
    )
    await db.flush()
    await rebuild_programme_index(db)
    return caption


__all__ = [
    "CAPTION_LANGUAGES",
    "MAX_CAPTION_BYTES",
    "chapters_text",
    "chapters_vtt",
    "cues_to_vtt",
    "parse_chapters",
    "replace_chapters",
    "store_captions",
]

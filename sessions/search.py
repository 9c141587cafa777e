"""Search over the programme: sessions, speakers and what is said in recordings (captions).

Booths and their materials keep their own index (:mod:`booths.search`); this one holds
three more kinds of document in ``programme_search`` with the same two backends and the
same stemming (Snowball-stemmed text in SQLite FTS5, the ``german`` configuration in
PostgreSQL, both with the same stop list), so both databases find the same things. A
caption hit carries the second at which its cue starts, so the result links to that
moment of the recording.

The index is small (a row per session, speaker and cue) and rebuilt as a whole when the
programme or captions change, which keeps one code path for every change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from fair.search import matching_rows, plain_words, query_terms, stem_text
from sessions.models import (
    Caption,
    CaptionCue,
    ProgrammeSession,
    Recording,
    SessionSpeaker,
    Speaker,
)

KINDS = ("session", "speaker", "cue")


@dataclass(frozen=True)
class Document:
    kind: str
    ref_id: int
    seconds: float
    title: str
    body: str


@dataclass(frozen=True)
class Hit:
    kind: str
    ref_id: int
    seconds: float


async def documents(db: AsyncSession) -> list[Document]:
    """Every session (with its material titles), speaker and published caption cue, as text
    to index."""
    sessions = (
        await db.scalars(
            select(ProgrammeSession).options(
                selectinload(ProgrammeSession.topic),
                selectinload(ProgrammeSession.stage),
                selectinload(ProgrammeSession.speaker_links).selectinload(SessionSpeaker.speaker),
                selectinload(ProgrammeSession.materials),
            )
        )
    ).all()
    docs = [
        Document(
            "session",
            s.id,
            0.0,
            s.title,
            "\n".join(
                [s.abstract, s.stage.name, s.topic.name_de if s.topic else ""]
                + [link.speaker.name for link in s.speaker_links]
                # its slides and files are found like a booth's materials: by title
                + [m.title for m in s.materials]
            ),
        )
        for s in sessions
    ]
    speakers = (await db.scalars(select(Speaker).options(selectinload(Speaker.organisation)))).all()
    docs += [
        Document(
            "speaker",
            p.id,
            0.0,
            p.name,
            "\n".join([p.title, p.bio, p.organisation.name if p.organisation else ""]),
        )
        for p in speakers
    ]
    cues = await db.execute(
        select(Caption.recording_id, CaptionCue.start_seconds, CaptionCue.text)
        .join(Caption, Caption.id == CaptionCue.caption_id)
        .join(Recording, Recording.id == Caption.recording_id)
        .where(Recording.published.is_(True))
    )
    docs += [Document("cue", row[0], float(row[1]), "", row[2]) for row in cues]
    return docs


async def rebuild_programme_index(db: AsyncSession) -> int:
    """Write the whole index anew (in the caller's transaction); returns its size."""
    docs = await documents(db)
    await db.execute(text("DELETE FROM programme_search"))
    if not docs:
        return 0
    if db.get_bind().dialect.name == "sqlite":
        await db.execute(
            text(
                "INSERT INTO programme_search (kind, ref_id, seconds, title, body) "
                "VALUES (:kind, :ref, :seconds, :title, :body)"
            ),
            [
                {
                    "kind": d.kind,
                    "ref": d.ref_id,
                    "seconds": d.seconds,
                    "title": stem_text(d.title),
                    "body": stem_text(d.body),
                }
                for d in docs
            ],
        )
    else:
        await db.execute(
            text(
                "INSERT INTO programme_search (kind, ref_id, seconds, document) VALUES "
                "(:kind, :ref, :seconds, setweight(to_tsvector('german', :title), 'A') || "
                "setweight(to_tsvector('german', :body), 'C'))"
            ),
            [
                {
                    "kind": d.kind,
                    "ref": d.ref_id,
                    "seconds": d.seconds,
                    "title": plain_words(d.title),
                    "body": plain_words(d.body),
                }
                for d in docs
            ],
        )
    return len(docs)


async def ensure_programme_index(db: AsyncSession) -> bool:
    """Rebuild when the index is empty but the programme is not (fresh or seeded)."""
    indexed = int(await db.scalar(text("SELECT count(*) FROM programme_search")) or 0)
    sessions = int(await db.scalar(select(func.count()).select_from(ProgrammeSession)) or 0)
    if indexed and sessions:
        return False
    await rebuild_programme_index(db)
    return True


async def search_programme(db: AsyncSession, query: str, *, limit: int = 100) -> list[Hit]:
    """Sessions, speakers and cues matching every word of ``query``, best first per kind."""
    terms = query_terms(query)
    if not terms:
        return []
    rows = await matching_rows(
        db,
        terms,
        limit * len(KINDS),
        sqlite=(
            "SELECT kind, ref_id, seconds FROM programme_search "
            "WHERE programme_search MATCH :match "
            "ORDER BY bm25(programme_search, 0.0, 0.0, 0.0, 5.0, 1.0) LIMIT :limit"
        ),
        postgresql=(
            "SELECT kind, ref_id, seconds FROM programme_search, "
            "to_tsquery('german', :match) AS q WHERE document @@ q "
            "ORDER BY ts_rank(document, q) DESC, id LIMIT :limit"
        ),
    )
    return [Hit(str(r[0]), int(r[1]), float(r[2])) for r in rows]

"""Full-text search across booths: names, descriptions, material titles, contact persons.

The German text analysis (stemming, stop words, query words) is the core's
(:mod:`fair.search`); this module says what a booth is found by and keeps its index.

One service, two backends, picked by the database dialect:

* SQLite (embedded default): an FTS5 table. FTS5 has no German stemmer, so text is
  stemmed here before it is indexed, and queries are stemmed the same way, with the
  same Snowball German stemmer and stop list PostgreSQL uses (:func:`german_stem`);
  "Schulanmeldung" and "Schulanmeldungen" both become ``schulanmeld``, and both
  databases find the same booths.
* PostgreSQL (production): a ``tsvector`` per booth with the built-in ``german``
  snowball configuration and a GIN index.

The index is written by the app, not by triggers: every service that changes a booth,
its materials or contact persons calls :meth:`SearchService.reindex_booth` in the same
transaction, and :meth:`SearchService.ensure_index` fills an empty index at start-up
(after ``fair demo`` seeded a database, for instance).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Select, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from booths.models import Booth
from fair.search import fts5_match, pg_tsquery, plain_words, query_terms, stem_text

# --------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class BoothDocument:
    booth_id: int
    title: str
    body: str


def booth_document(booth: Booth) -> BoothDocument:
    """What a booth is found by. ``booth`` needs organisation, topics, materials and
    contacts loaded (see :func:`_documents_query`)."""
    parts: list[str] = [booth.tagline, booth.organisation.name, booth.description]
    parts += [t.name_de for t in booth.topics]
    parts += [m.title for m in booth.materials if m.deleted_at is None]
    for c in booth.contacts:
        parts += [c.name, c.role, c.organisation_name, c.availability]
    return BoothDocument(booth.id, booth.name, "\n".join(p for p in parts if p))


def _documents_query(booth_ids: Sequence[int] | None = None) -> Select[Booth]:
    # populate_existing: the session may hold the booth with collections loaded before
    # the change being indexed (a contact added by id, not through the collection).
    query = (
        select(Booth)
        .options(
            selectinload(Booth.organisation),
            selectinload(Booth.topics),
            selectinload(Booth.materials),
            selectinload(Booth.contacts),
        )
        .execution_options(populate_existing=True)
    )
    if booth_ids is not None:
        query = query.where(Booth.id.in_(list(booth_ids)))
    return query


async def _documents(db: AsyncSession, booth_ids: Sequence[int] | None) -> list[BoothDocument]:
    booths = (await db.scalars(_documents_query(booth_ids))).all()
    return [booth_document(b) for b in booths]


# --------------------------------------------------------------------------- backends


class SearchBackend(Protocol):
    async def write(self, db: AsyncSession, documents: Iterable[BoothDocument]) -> None: ...

    async def remove(self, db: AsyncSession, booth_ids: Sequence[int]) -> None: ...

    async def count(self, db: AsyncSession) -> int: ...

    async def query(self, db: AsyncSession, terms: list[str], limit: int) -> list[int]: ...


class _BoothSearchTable:
    """What both backends do alike: their table is ``booth_search``, keyed by booth id."""

    async def remove(self, db: AsyncSession, booth_ids: Sequence[int]) -> None:
        if booth_ids:
            await db.execute(
                text("DELETE FROM booth_search WHERE booth_id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": list(booth_ids)},
            )

    async def count(self, db: AsyncSession) -> int:
        return int(await db.scalar(text("SELECT count(*) FROM booth_search")) or 0)


class Fts5Backend(_BoothSearchTable):
    """SQLite FTS5 over pre-stemmed text; ranked by bm25 with the name weighted up."""

    async def write(self, db: AsyncSession, documents: Iterable[BoothDocument]) -> None:
        docs = list(documents)
        rows = [
            {"id": d.booth_id, "title": stem_text(d.title), "body": stem_text(d.body)} for d in docs
        ]
        await self.remove(db, [d.booth_id for d in docs])
        if rows:
            await db.execute(
                text(
                    "INSERT INTO booth_search (booth_id, title, body) VALUES (:id, :title, :body)"
                ),
                rows,
            )

    async def query(self, db: AsyncSession, terms: list[str], limit: int) -> list[int]:
        match = fts5_match(terms)
        if not match:
            return []
        result = await db.execute(
            text(
                "SELECT booth_id FROM booth_search WHERE booth_search MATCH :match "
                "ORDER BY bm25(booth_search, 0.0, 5.0, 1.0) LIMIT :limit"
            ),
            {"match": match, "limit": limit},
        )
        return [int(row[0]) for row in result]


class PostgresBackend(_BoothSearchTable):
    """PostgreSQL full-text search with the 'german' configuration (snowball stemmer)."""

    async def write(self, db: AsyncSession, documents: Iterable[BoothDocument]) -> None:
        rows = [
            {"id": d.booth_id, "title": plain_words(d.title), "body": plain_words(d.body)}
            for d in documents
        ]
        if not rows:
            return
        await db.execute(
            text(
                "INSERT INTO booth_search (booth_id, document) VALUES (:id, "
                "setweight(to_tsvector('german', :title), 'A') || "
                "setweight(to_tsvector('german', :body), 'C')) "
                "ON CONFLICT (booth_id) DO UPDATE SET document = EXCLUDED.document"
            ),
            rows,
        )

    async def query(self, db: AsyncSession, terms: list[str], limit: int) -> list[int]:
        tsquery = pg_tsquery(terms)
        if not tsquery:
            return []
        result = await db.execute(
            text(
                "SELECT booth_id FROM booth_search, to_tsquery('german', :q) AS q "
                "WHERE document @@ q ORDER BY ts_rank(document, q) DESC, booth_id LIMIT :limit"
            ),
            {"q": tsquery, "limit": limit},
        )
        return [int(row[0]) for row in result]


# --------------------------------------------------------------------------- service


class SearchService:
    """The one entry point views and services use."""

    def __init__(self, backend: SearchBackend) -> None:
        self.backend = backend

    @classmethod
    def for_db(cls, db: AsyncSession) -> SearchService:
        """The backend of the database ``db`` talks to (FTS5 or PostgreSQL)."""
        dialect = db.get_bind().dialect.name
        return cls(Fts5Backend() if dialect == "sqlite" else PostgresBackend())

    async def search(self, db: AsyncSession, query: str, *, limit: int = 200) -> list[int]:
        """Booth ids matching every word of ``query``, best first."""
        terms = query_terms(query)
        if not terms:
            return []
        return await self.backend.query(db, terms, limit)

    async def reindex_booth(self, db: AsyncSession, booth_id: int) -> None:
        """Call after changing a booth, its materials or contacts (before commit)."""
        await db.flush()
        documents = await _documents(db, [booth_id])
        if documents:
            await self.backend.write(db, documents)
        else:
            await self.backend.remove(db, [booth_id])

    async def rebuild(self, db: AsyncSession) -> int:
        documents = await _documents(db, None)
        await db.execute(text("DELETE FROM booth_search"))
        await self.backend.write(db, documents)
        return len(documents)

    async def ensure_index(self, db: AsyncSession) -> bool:
        """Rebuild when the index holds a different number of booths than the table
        (fresh or seeded database); True when it rebuilt."""
        booths = int(await db.scalar(select(func.count()).select_from(Booth)) or 0)
        if booths == await self.backend.count(db):
            return False
        await self.rebuild(db)
        return True


__all__ = ["BoothDocument", "Fts5Backend", "PostgresBackend", "SearchService"]

"""SQLite and PostgreSQL find the same things: the demo fair is seeded into both, the
programme gets captions said in its talks, and the same German queries (inflected forms,
compounds, umlauts written both ways, prefixes, stop words) must return the same booths,
talks, speakers and caption cues on both backends."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import pytest
from sqlalchemy import select, text

from booths.search import SearchService
from fair.db import Database
from fair.search import german_stem, german_stop_words
from sessions.demo_recordings import demo_cues
from sessions.models import Caption, CaptionCue, ProgrammeSession, Recording
from sessions.search import rebuild_programme_index, search_programme
from tests.support import pg_server
from tests.support.app import TemplateDatabases

QUERIES = (
    "Schulanmeldung",
    "Schulanmeldungen",
    "Schulanm",
    "Digitalisierung",
    "digitale Verwaltung",
    "Bürgerservice",
    "Buergerservice",
    "Verwaltungen",
    "Verwaltungsportale",
    "Kommunen",
    "Schüler",
    "Schulen",
    "Bürgerinnen und Bürger",
    "Datenschutz",
    "Nutzerinnen",
    "Förderung",
    "Fahrzeuge",
    "Sicherheit",
    "Straße",
    "Strasse",
    "Barrierefreiheit",
    "Ausweis",
    "Online-Dienste",
    "Open Data",
    "die Schulanmeldungen für alle Schulformen",
    "der die das",
    "Zzyzxwv",
)


async def _captioned(database: Database, talks: int = 6) -> None:
    """Published recordings with German captions (from the abstracts, as ``fair demo``
    makes them) for the first talks, and the programme index rebuilt."""
    async with database.session() as db:
        sessions = (
            await db.scalars(select(ProgrammeSession).order_by(ProgrammeSession.id).limit(talks))
        ).all()
        for session in sessions:
            recording = Recording(session_id=session.id, storage_key=f"r/{session.id}.mp4")
            caption = Caption(recording=recording, language="de", vtt="WEBVTT\n")
            caption.cues = [
                CaptionCue(start_seconds=c.start, end_seconds=c.end, text=c.text)
                for c in demo_cues(session.abstract, session.title, 0.0, 1800.0)
            ]
            db.add_all([recording, caption])
        await db.flush()
        await rebuild_programme_index(db)
        await SearchService.for_db(db).rebuild(db)
        await db.commit()


async def _answers(url: str) -> dict[str, tuple[frozenset[int], frozenset[tuple[str, int, float]]]]:
    database = Database(url)
    try:
        await _captioned(database)
        answers = {}
        async with database.session() as db:
            service = SearchService.for_db(db)
            for query in QUERIES:
                booths = frozenset(await service.search(db, query, limit=1000))
                hits = await search_programme(db, query, limit=1000)
                answers[query] = (booths, frozenset((h.kind, h.ref_id, h.seconds) for h in hits))
        return answers
    finally:
        await database.dispose()


async def test_same_queries_find_the_same_on_sqlite_and_postgresql(
    request: pytest.FixtureRequest, template_databases: TemplateDatabases
) -> None:
    cluster = request.getfixturevalue("pg_cluster")
    on_sqlite = await _answers(await template_databases.sqlite(seeded=True))
    on_postgres = await _answers(await template_databases.postgres(cluster, seeded=True))
    for query in QUERIES:
        assert on_sqlite[query] == on_postgres[query], query
    # The comparison is not between two empty answers: most queries find something of
    # each kind, inflected forms find the same, and stop words alone find nothing.
    found = [q for q in QUERIES if on_sqlite[q][0] and on_sqlite[q][1]]
    assert len(found) >= 12, found
    kinds = {kind for _, hits in on_sqlite.values() for kind, _, _ in hits}
    assert kinds == {"session", "speaker", "cue"}
    assert on_sqlite["Schulanmeldung"] == on_sqlite["Schulanmeldungen"]
    assert on_sqlite["Straße"] == on_sqlite["Strasse"]
    assert on_sqlite["der die das"] == (frozenset(), frozenset())
    assert on_sqlite["Zzyzxwv"] == (frozenset(), frozenset())


def test_stop_list_is_postgresqls() -> None:
    """``fair/german.stop`` is the file PostgreSQL's ``german`` configuration reads."""
    theirs = Path("/usr/share/postgresql/15/tsearch_data/german.stop")
    if not pg_server.available() or not theirs.exists():
        pytest.skip("PostgreSQL 15 not installed")
    assert german_stop_words() == frozenset(theirs.read_text(encoding="utf-8").split())


async def test_stemmer_is_postgresqls_on_every_demo_word(
    request: pytest.FixtureRequest, template_databases: TemplateDatabases
) -> None:
    """Every word of the demo fair's data files stems alike in PyStemmer and in
    PostgreSQL's ``german_stem`` dictionary (a PyStemmer upgrade that changes the
    Snowball release fails here)."""
    words: set[str] = set()
    for package in ("fair.demo", "booths.demo", "sessions.demo"):
        for entry in files(package).iterdir():
            if entry.name.endswith(".toml"):
                words |= {w.lower() for w in re.findall(r"[^\W\d_]+", entry.read_text("utf-8"))}
    stop = german_stop_words()
    words -= stop
    assert len(words) > 1000
    cluster = request.getfixturevalue("pg_cluster")
    database = Database(await template_databases.postgres(cluster, seeded=False))
    try:
        async with database.session() as db:
            rows = await db.execute(
                text(
                    "SELECT w, ts_lexize('german_stem', w) FROM unnest(CAST(:words AS text[])) AS w"
                ),
                {"words": sorted(words)},
            )
            theirs = {row[0]: row[1][0] for row in rows}
    finally:
        await database.dispose()
    differ = {w: (theirs[w], german_stem(w)) for w in words if theirs[w] != german_stem(w)}
    assert not differ

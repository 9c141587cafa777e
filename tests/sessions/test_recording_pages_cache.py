"""The lasting fair's pages on the request path: the recordings library, the player, its
WebVTT files, search and the legal pages stay within the query budget and come from the
page cache; watching a recording is counted without emptying the cache."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest_asyncio
from sqlalchemy import select
from starlette.applications import Starlette

from fair.app import create_app
from fair.app_services import app_services
from fair.pagecache import PageCache
from sessions.app_parts import programme_parts
from sessions.demo_recordings import seed_demo_recordings
from sessions.models import CaptionCue, Recording
from tests.support.app import make_client, make_settings
from tests.support.app_server import FIRST_MORNING
from tests.support.query_budget import assert_queries


async def _app(database_url: str, tmp_path: Path, **overrides: object) -> AsyncIterator[Starlette]:
    app = create_app(make_settings(database_url, tmp_path, today=FIRST_MORNING, **overrides))
    async with app.router.lifespan_context(app):
        made = await seed_demo_recordings(
            app_services(app).db, app_services(app).storage, now=app_services(app).settings.now()
        )
        assert made == 2
        yield app


@pytest_asyncio.fixture
async def cached_app(demo_database_url: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    async for app in _app(demo_database_url, tmp_path):
        yield app


@pytest_asyncio.fixture
async def uncached_app(demo_database_url: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    async for app in _app(demo_database_url, tmp_path, page_cache_bytes=0):
        yield app


async def _recording_ids(app: Starlette) -> list[int]:
    async with app_services(app).db.session() as db:
        return list((await db.scalars(select(Recording.id).order_by(Recording.id))).all())


async def _views(app: Starlette, recording_id: int) -> int:
    await programme_parts(app).recording_views.flush()
    async with app_services(app).db.session() as db:
        recording = await db.get(Recording, recording_id)
        assert recording is not None
        return recording.views


def _cache(app: Starlette) -> PageCache:
    cache = app_services(app).page_cache
    assert isinstance(cache, PageCache)
    return cache


async def _a_spoken_word(app: Starlette) -> str:
    async with app_services(app).db.session() as db:
        text = await db.scalar(select(CaptionCue.text).order_by(CaptionCue.id).limit(1))
    assert text, "the demo recordings have captions"
    return max(re.findall(r"\w{6,}", text), key=len)


async def test_lasting_fair_pages_within_budget(uncached_app: Starlette) -> None:
    async with make_client(uncached_app) as client:
        await _pages_within_budget(client, await _a_spoken_word(uncached_app))


async def _pages_within_budget(uncached_client: httpx.AsyncClient, spoken: str) -> None:
    listing = (await uncached_client.get("/api/recordings")).json()["recordings"]
    assert listing, "the demo recordings are published"
    rid = listing[0]["id"]
    for url in (
        "/recordings",
        "/recordings?language=de",
        f"/recordings/{rid}",
        f"/recordings/{rid}?t=2m36s",
        f"/recordings/{rid}/chapters.vtt",
        "/impressum",
        "/datenschutz",
        "/barrierefreiheit",
    ):
        await assert_queries(uncached_client, url)
    # Search: the two index lookups come before the usual pages' statements, and what
    # was said in recordings adds one statement (recordings with their cues); never one per hit.
    for query in ("digital", "Schulanmeldung", "Verwaltung", spoken):
        found = await assert_queries(uncached_client, f"/search?q={query}", max=6)
        if query == spoken:
            assert re.search(r'href="/recordings/\d+\?t=', found.text), "no link to the moment"


async def test_player_from_memory_counts_every_view(cached_app: Starlette) -> None:
    rid = (await _recording_ids(cached_app))[0]
    async with make_client(cached_app) as client:
        cache = _cache(cached_app)
        first = await client.get(f"/recordings/{rid}")
        assert first.status_code == 200
        hits = cache.hits
        again = await client.get(f"/recordings/{rid}")
        assert again.status_code == 200 and cache.hits == hits + 1
        assert again.text == first.text
        assert await _views(cached_app, rid) == 2  # the render and the hit
        head = await client.head(f"/recordings/{rid}")
        assert head.status_code == 200
        assert await _views(cached_app, rid) == 2  # HEAD (link checkers) is no view


async def test_a_view_does_not_empty_the_page_cache(cached_app: Starlette) -> None:
    """Counting a view writes the recordings table; that write must not drop every cached
    page (it used to publish "*": each latecomer re-rendered the whole fair)."""
    rid = (await _recording_ids(cached_app))[0]
    async with make_client(cached_app) as client:
        cache = _cache(cached_app)
        for url in ("/programme", "/booths", "/recordings"):
            assert (await client.get(url)).status_code == 200
        for _ in range(3):
            assert (await client.get(f"/recordings/{rid}")).status_code == 200
        assert await _views(cached_app, rid) == 3
        hits = cache.hits
        for url in ("/programme", "/booths", "/recordings"):
            assert (await client.get(url)).status_code == 200
        assert cache.hits == hits + 3, "a counted view emptied the page cache"


async def test_unpublishing_a_recording_reaches_the_cached_library(cached_app: Starlette) -> None:
    rid = (await _recording_ids(cached_app))[0]
    async with make_client(cached_app) as client:
        assert f"/recordings/{rid}" in (await client.get("/recordings")).text
        assert (await client.get(f"/recordings/{rid}")).status_code == 200
        async with app_services(cached_app).db.session() as db:
            recording = await db.get(Recording, rid)
            assert recording is not None
            recording.published = False
            await db.commit()
        assert f"/recordings/{rid}" not in (await client.get("/recordings")).text
        assert (await client.get(f"/recordings/{rid}")).status_code == 404

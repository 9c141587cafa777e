"""Every public page renders within the query budget (4 SQL statements), on the demo fair
and on a fair ten times its size: no statement per booth, session or speaker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from tests.support.app import login, make_client, make_settings, running_app
from tests.support.big_fair import count_of, multiply_fair
from tests.support.booth_helpers import KRZ, OWN
from tests.support.query_budget import assert_queries

# Pages (and their variants) every anonymous visitor gets.
PAGES = [
    "/",
    "/programme",
    "/programme?by=stage",
    "/programme?by=topic&day=1",
    "/agenda",
    "/sessions/1",
    "/booths",
    "/booths?topic=digitale-verwaltung",
    f"/booths/{OWN}",
    "/recordings",
    "/schedule.ics",
    "/schedule.xml",
    "/schedule.json",
    "/schedule.ics?day=1",
    "/api/booths",
    f"/api/booths/{OWN}",
    "/api/sessions",
    "/api/sessions/1",
    "/api/recordings",
    "/impressum",
    "/datenschutz",
    "/barrierefreiheit",
    "/leichte-sprache",
    "/gebaerdensprache",
    "/sessions/1/live",
    f"/booths/{OWN}/appointments",
]


async def _client(url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # The cache is off: every request renders, which is what the budget is about.
    async for app in running_app(make_settings(url, tmp_path, page_cache_bytes=0)):
        async with make_client(app) as client:
            yield client


@pytest_asyncio.fixture
async def demo_client(demo_database_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(demo_database_url, tmp_path):
        yield client


@pytest_asyncio.fixture
async def big_client(demo_database_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    await multiply_fair(demo_database_url, times=10)
    assert await count_of(demo_database_url, "booths") >= 700
    assert await count_of(demo_database_url, "programme_sessions") >= 400
    async for client in _client(demo_database_url, tmp_path):
        yield client


# A full-text search adds its own statement (the ranked ids from the search index).
SEARCH = "/booths?q=digital"


@pytest.mark.parametrize("url", PAGES)
async def test_demo_fair_pages_within_budget(demo_client: httpx.AsyncClient, url: str) -> None:
    await assert_queries(demo_client, url)


async def test_hall_search_within_budget_plus_the_search(demo_client: httpx.AsyncClient) -> None:
    await assert_queries(demo_client, SEARCH, max=5)


async def test_ten_times_the_fair_same_budget(big_client: httpx.AsyncClient) -> None:
    hall = await assert_queries(big_client, "/booths")
    assert hall.text.count('<li class="card">') >= 700
    programme = await assert_queries(big_client, "/programme")
    assert programme.text.count("/sessions/") >= 400
    for url in PAGES:
        await assert_queries(big_client, url)
    await assert_queries(big_client, f"/booths/{OWN}-9")
    await assert_queries(big_client, SEARCH, max=5)


async def test_logged_in_pages_add_only_the_user(demo_client: httpx.AsyncClient) -> None:
    """A logged-in visitor costs one statement more: loading who they are."""
    await login(demo_client, KRZ)
    for url in ("/", "/programme", "/booths", f"/booths/{OWN}", "/recordings"):
        await assert_queries(demo_client, url, max=5)

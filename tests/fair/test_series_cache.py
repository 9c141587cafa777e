"""The event series has one in-memory copy: the series cache also holds the branding.

A branding written to the database by someone else (another instance, the CLI) reaches
this instance's pages when the series cache reads the series again — not before, since
pages never query the branding themselves — and at once after ``forget()``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest_asyncio
from sqlalchemy import select
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.branding import load_branding
from fair.models import EventSeries
from tests.support.app import make_client, make_settings, running_app


@pytest_asyncio.fixture
async def uncached_app(demo_database_url: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    """Without the page cache, so each page shows what the series cache holds now."""
    settings = make_settings(demo_database_url, tmp_path, page_cache_bytes=0)
    async for app in running_app(settings):
        yield app


async def _title(client: httpx.AsyncClient) -> str:
    page = await client.get("/programme")
    assert page.status_code == 200
    return page.text.split("<title>", 1)[1].split("</title>", 1)[0]


async def test_branding_is_read_with_the_series(uncached_app: Starlette) -> None:
    services = app_services(uncached_app)
    assert services.branding is services.series_cache.branding
    async with services.db.session() as db:
        assert services.branding.current == await load_branding(db)
        series = await db.scalar(select(EventSeries).order_by(EventSeries.id).limit(1))
        assert series is not None
        series.brand_name = "Neuer Kurzname"
        await db.commit()  # as another instance would: this instance's views are not told
    async with make_client(uncached_app) as client:
        assert "Neuer Kurzname" not in await _title(client)
        services.series_cache.forget()
        assert "Neuer Kurzname" in await _title(client)
    assert services.branding.current.name == "Neuer Kurzname"

"""Booth analytics follow the fair's clock: with ``FAIR_TODAY`` set, visits count on
that day, the visit cookie names it, and the exhibitor's and organiser's charts end on
it (not on the real date, which lies months later)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import lxml.html
import pytest_asyncio
from sqlalchemy import select
from starlette.applications import Starlette

from booths import analytics
from booths.app_parts import booth_parts
from booths.models import Booth, BoothDailyStats
from fair.app import create_app
from fair.app_services import app_services
from tests.support.app import login, make_client, make_settings
from tests.support.booth_helpers import KRZ, ORGANISER, OWN

FAIR_DAY = "2026-03-10T10:00"  # far from any real date these tests run on
DAY = date(2026, 3, 10)


@pytest_asyncio.fixture
async def app_on_fair_day(demo_database_url: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    app = create_app(make_settings(demo_database_url, tmp_path, today=FAIR_DAY))
    async with app.router.lifespan_context(app):
        yield app


def _chart_days(page: str) -> list[str]:
    tree = lxml.html.fromstring(page)
    cells = [th.text_content().strip() for th in tree.xpath("//table//th[@scope='row']")]
    return [c for c in cells if re.fullmatch(r"\d\d\.\d\d\.\d{4}", c)]


async def test_visits_and_charts_use_the_fairs_day(app_on_fair_day: Starlette) -> None:
    app = app_on_fair_day
    assert analytics.fair_today(app_services(app).settings) == DAY
    async with make_client(app) as visitor:
        assert (await visitor.get(f"/booths/{OWN}")).status_code == 200
        seen = visitor.cookies.get(analytics.SEEN_COOKIE)
        assert seen is not None and seen.strip('"').startswith("2026-03-10.")
    await booth_parts(app).visit_counts.flush()
    async with app_services(app).db.session() as db:
        days = (
            await db.scalars(
                select(BoothDailyStats.day)
                .join(Booth, Booth.id == BoothDailyStats.booth_id)
                .where(Booth.slug == OWN)
            )
        ).all()
    assert list(days) == [DAY]

    for email, path in ((KRZ, "/exhibitor"), (ORGANISER, "/organiser/booths")):
        async with make_client(app) as client:
            await login(client, email)
            page = await client.get(path)
            assert page.status_code == 200
            rows = _chart_days(page.text)
            assert rows, f"{path} shows no chart table"
            assert rows[-1] == "10.03.2026" and rows[0] == "25.02.2026", (path, rows)


def test_the_seen_cookie_lives_until_the_fairs_midnight(tmp_path: Path) -> None:
    settings = make_settings("sqlite+aiosqlite:///unused", tmp_path, today="2026-03-10T23:00")
    assert analytics.seconds_until_midnight(settings) == 3600

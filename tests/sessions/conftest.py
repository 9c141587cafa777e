"""Fixtures of the programme's tests: the demo fair at a moment of the fair's clock, the
app whose spool the HLS tests fill, the demo fair served over real sockets for Q&A and
chat, and a Chromium that blocks autoplay (live and recording players)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from starlette.applications import Starlette

from fair.app_services import app_services
from sessions.demo_recordings import seed_demo_recordings
from tests.support.app import launched_chromium, make_settings, running_app
from tests.support.app_server import AFTER_THE_EVENT, FIRST_MORNING
from tests.support.hls_helpers import HlsApp, hls_app
from tests.support.player import BLOCKING_ARGS
from tests.support.qa import serving_app
from tests.support.realtime import Instance


@pytest_asyncio.fixture
async def after_event(demo_database_url: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    """The demo fair a week after its last day, no recordings stored yet."""
    async for app in running_app(make_settings(demo_database_url, tmp_path, today=AFTER_THE_EVENT)):
        yield app


@pytest_asyncio.fixture
async def first_morning(demo_database_url: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    """The demo fair at 11:00 on its first day, with the recordings of what is over."""
    async for app in running_app(make_settings(demo_database_url, tmp_path, today=FIRST_MORNING)):
        made = await seed_demo_recordings(
            app_services(app).db, app_services(app).storage, now=app_services(app).settings.now()
        )
        assert made == 2  # the three-item stage piece and the forum talk
        yield app


@pytest_asyncio.fixture
async def blocking_browser() -> AsyncIterator[Any]:
    """Chromium that blocks sound without a user gesture, as browsers do by default."""
    async with launched_chromium(BLOCKING_ARGS) as instance:
        yield instance


@pytest_asyncio.fixture
async def hls(demo_database_url: str, tmp_path: Path) -> AsyncIterator[HlsApp]:
    """The demo fair's app (lifespan entered) with a client and its first talk, whose
    spool the HLS tests fill (``hls_app`` for settings of their own)."""
    async with hls_app(demo_database_url, tmp_path) as running:
        yield running


@pytest_asyncio.fixture
async def live(demo_database_url: str, tmp_path: Path) -> AsyncIterator[Instance]:
    """The demo fair served in-process over real sockets, for the Q&A and chat tests."""
    with serving_app(demo_database_url, tmp_path) as instance:
        yield instance

"""Shared fixtures: a fresh database per test on SQLite and PostgreSQL, the app built by
its factory, an httpx client over ASGI, and logins by argument."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette

from tests.support import pg_server
from tests.support.app import (
    CHROMIUM_ARGS,
    TemplateDatabases,
    fresh_database_url,
    launched_chromium,
    make_client,
    make_settings,
    running_app,
    served_demo,
)
from tests.support.app_server import AppServer, start_app_server
from tests.support.booth_helpers import LIMIT, app_with, s3_overrides
from tests.support.redis_server import RedisServer, running_redis
from tests.support.s3_server import S3Server

#: Tests that judge frame rates, latencies or wall-clock windows. ``make test`` runs them
#: first and one at a time (``-m alone``), then everything else in parallel workers, whose
#: load would otherwise decide these tests' outcome rather than the code.
RUN_ALONE = (
    "tests/sessions/live/test_live_join_burst.py",
    "tests/sessions/live/test_live_hls_fallback.py",
    "tests/sessions/live/test_light_receiver.py",
    "tests/sessions/live/test_stage_e2e.py",
    "tests/sessions/live/test_live_720p_browser.py",
    "tests/sessions/live/test_live_recording.py",
    "tests/sessions/live/test_live_hls.py",
    "tests/sessions/live/test_live_supervision.py",
    "tests/journeys/test_link_crawl.py",
    "tests/booths/test_appointment_relay.py",
    "tests/booths/test_appointment_call.py",
    "tests/fair/test_realtime.py::test_instances_recover_after_redis_restarts",
    "tests/journeys/test_accessibility_keyboard.py::test_exhibitor_journey_by_keyboard",
    "tests/journeys/test_accessibility_live.py::test_watching_live_by_keyboard_keeps_focus_and_passes_axe",
    "tests/journeys/test_accessibility_live.py::test_stage_by_keyboard_keeps_focus_and_presses_screen_share",
    "tests/sessions/live/test_player_controls_browser.py::test_hls_tiles_are_named_too",
    "tests/fair/test_page_cache.py::test_cached_pages_follow_the_clock_without_a_write",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(RUN_ALONE):
            item.add_marker(pytest.mark.alone)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pg_server.PostgresCluster]:
    if not pg_server.available():
        pytest.skip("PostgreSQL 15 binaries not installed")
    cluster = pg_server.start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def template_databases(tmp_path_factory: pytest.TempPathFactory) -> TemplateDatabases:
    return TemplateDatabases(tmp_path_factory.mktemp("databases"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest_asyncio.fixture
async def database_url(
    request: pytest.FixtureRequest, db_backend: str, template_databases: TemplateDatabases
) -> str:
    """A fresh, migrated, empty database."""
    return await fresh_database_url(request, db_backend, template_databases, seeded=False)


@pytest_asyncio.fixture
async def demo_database_url(
    request: pytest.FixtureRequest, db_backend: str, template_databases: TemplateDatabases
) -> str:
    """A fresh database holding the demo fair."""
    return await fresh_database_url(request, db_backend, template_databases, seeded=True)


@pytest_asyncio.fixture
async def demo_app(demo_database_url: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    async for app in running_app(make_settings(demo_database_url, tmp_path)):
        yield app


@pytest_asyncio.fixture
async def empty_app(database_url: str, tmp_path: Path) -> AsyncIterator[Starlette]:
    async for app in running_app(make_settings(database_url, tmp_path)):
        yield app


@pytest_asyncio.fixture
async def client(demo_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(demo_app) as c:
        yield c


@pytest_asyncio.fixture(scope="session")
async def demo_server(
    template_databases: TemplateDatabases, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AppServer]:
    """A real uvicorn process serving the demo fair (SQLite), shared by browser tests."""
    url = await template_databases.sqlite(seeded=True)
    server = start_app_server(tmp_path_factory.mktemp("demo-server"), url)
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    """The shared browser, with autoplay allowed (tests of blocked autoplay launch their own)."""
    async with launched_chromium(CHROMIUM_ARGS) as instance:
        yield instance


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """A real SMTP server (aiosmtpd) on a free loopback port; ``.messages`` holds the mails."""
    from tests.support.smtp_server import SmtpServer

    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def nanio() -> Iterator[S3Server]:
    """A real S3 server (nanio) shared by one module's tests; each test takes its own bucket."""
    with S3Server() as server:
        yield server


@pytest.fixture
def own_nanio() -> Iterator[S3Server]:
    """A real S3 server for one test alone: tests of storage faults stop and start it."""
    with S3Server() as server:
        yield server


@pytest.fixture(params=["local", "s3"])
def storage_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def storage_overrides(request: pytest.FixtureRequest, storage_kind: str) -> dict[str, object]:
    """Settings for local storage (the default) or a fresh bucket on the module's nanio."""
    if storage_kind == "local":
        return {}
    server: S3Server = request.getfixturevalue("nanio")
    return s3_overrides(server, server.create_bucket())


@pytest_asyncio.fixture
async def hall_app(
    storage_overrides: dict[str, object], demo_database_url: str, tmp_path: Path
) -> AsyncIterator[Starlette]:
    """The demo fair with local or S3 storage and a small upload limit (booth and session
    material uploads)."""
    overrides = {"max_upload_bytes": LIMIT, **storage_overrides}
    async with app_with(demo_database_url, tmp_path, **overrides) as app:
        yield app


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    """A real redis-server shared by one module's tests (tests that stop Redis start their own)."""
    with running_redis() as server:
        yield server


@pytest.fixture(scope="module")
def redis_url(redis: RedisServer) -> str:
    return redis.url


@pytest_asyncio.fixture
async def two_instances(
    demo_database_url: str, tmp_path: Path, redis_url: str
) -> AsyncIterator[tuple[Starlette, Starlette]]:
    """Two apps on one database and one Redis, as two processes behind a balancer."""
    settings = make_settings(demo_database_url, tmp_path, redis_url=redis_url)
    async for first in running_app(settings):
        async for second in running_app(settings):
            yield first, second


@pytest_asyncio.fixture
async def live_server(
    request: pytest.FixtureRequest, template_databases: TemplateDatabases, tmp_path: Path
) -> AsyncIterator[tuple[AppServer, Path]]:
    """A real ``fair serve`` process on the demo fair, and its database file; a test's
    ``server_env`` mark adds settings (``@pytest.mark.server_env(FAIR_TODAY="...")``)."""
    mark = request.node.get_closest_marker("server_env")
    env = dict(mark.kwargs) if mark is not None else {}
    async with served_demo(template_databases, tmp_path, **env) as served:
        yield served

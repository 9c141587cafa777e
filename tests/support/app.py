"""The plain parts every test builds on: template databases copied per test, settings for
a test app, the app running its lifespan, an httpx client over ASGI, CSRF and login by
argument, and Debian Chromium. tests/conftest.py turns them into fixtures; modules that
need them outside a fixture (servers, helpers, benchmarks) import them from here."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from fair.app import create_app
from fair.db import Database
from fair.migrate import upgrade_database
from fair.settings import Settings
from tests.support import pg_server
from tests.support.app_server import BEFORE_THE_FAIR, AppServer, start_app_server

DEMO_PASSWORD = "demo-passwort"
NEW_PASSWORD = "ein-sicheres-passwort"  # a password people choose in setup and invitations


_counter = itertools.count()


class TemplateDatabases:
    """Migrated (and optionally seeded) databases made once, copied for every test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.made: dict[str, str] = {}

    async def sqlite(self, seeded: bool) -> str:
        key = f"sqlite-{seeded}"
        if key not in self.made:
            path = self.root / f"template-{seeded}.db"
            url = f"sqlite+aiosqlite:///{path}"
            await _prepare(url, seeded)
            self.made[key] = str(path)
        target = self.root / f"test-{next(_counter)}.db"
        shutil.copy(self.made[key], target)
        return f"sqlite+aiosqlite:///{target}"

    async def postgres(self, cluster: pg_server.PostgresCluster, seeded: bool) -> str:
        key = f"pg-{seeded}"
        template = f"template_{'seeded' if seeded else 'empty'}"
        if key not in self.made:
            cluster.psql(f"CREATE DATABASE {template}")
            await _prepare(cluster.url(template), seeded)
            self.made[key] = template
        name = f"test_{next(_counter)}"
        cluster.psql(f"CREATE DATABASE {name} TEMPLATE {template}")
        return cluster.url(name)


@asynccontextmanager
async def served_demo(
    template_databases: TemplateDatabases, tmp_path: Path, **env: str
) -> AsyncIterator[tuple[AppServer, Path]]:
    """A real ``fair serve`` process (``env``: extra ``FAIR_*`` settings) on its own copy
    of the demo fair (SQLite), and that database file (live tests look up a speaker's
    session in it)."""
    url = await template_databases.sqlite(seeded=True)
    server = start_app_server(tmp_path, url, extra_env=env)
    try:
        yield server, Path(url.removeprefix("sqlite+aiosqlite:///"))
    finally:
        server.stop()


async def _prepare(url: str, seeded: bool) -> None:
    database = Database(url)
    try:
        await upgrade_database(database)
        if seeded:
            from fair.app import demo_seeders
            from fair.seed import seed_demo_fair

            await seed_demo_fair(database, password=DEMO_PASSWORD, seeders=demo_seeders())
    finally:
        await database.dispose()


async def fresh_database_url(
    request: pytest.FixtureRequest, backend: str, templates: TemplateDatabases, seeded: bool
) -> str:
    if backend == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        return await templates.postgres(cluster, seeded)
    return await templates.sqlite(seeded)


def make_settings(database_url: str, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "storage_url": f"file://{tmp_path / 'storage'}",
        "spool_dir": str(tmp_path / "spool"),
        "secret_key": "test-secret-key-not-for-production",
        "login_attempts_per_minute": 5,
        "today": BEFORE_THE_FAIR,
        # speakers go live the day before in most tests; test_go_live_window sets it
        "go_live_window_minutes": 0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


async def running_app(settings: Settings) -> AsyncIterator[Starlette]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


def make_client(app: Starlette) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def csrf_of(client: httpx.AsyncClient, path: str = "/login") -> str:
    """The CSRF token the server put into the page's meta tag (pages without a form,
    such as the hall for anonymous visitors, carry none: then the login page's)."""
    page = await client.get(path)
    marker = '<meta name="csrf-token" content="'
    if marker not in page.text:
        page = await client.get("/login")
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]


async def login(client: httpx.AsyncClient, email: str, password: str = DEMO_PASSWORD) -> None:
    token = await csrf_of(client)
    response = await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text


CHROMIUM = "/usr/bin/chromium"


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
]


@asynccontextmanager
async def launched_chromium(args: list[str]) -> AsyncIterator[Any]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=args
        )
        try:
            yield instance
        finally:
            await instance.close()


async def post_form(client: httpx.AsyncClient, path: str, **data: str) -> httpx.Response:
    token = await csrf_of(client, "/login")
    return await client.post(path, data={"csrf_token": token, **data})


async def submit_form(
    client: httpx.AsyncClient, page: str, path: str, **data: str | list[str]
) -> httpx.Response:
    """POST ``data`` to ``path`` as a browser sends the form ``page`` shows: with the CSRF
    token that page carries (``post_form`` takes it from the login page instead)."""
    token = await csrf_of(client, page)
    return await client.post(path, data={"csrf_token": token, **data})

"""The installed ``fair`` command against a real database: migrations both ways, user
creation, and the demo fair served by a real uvicorn process."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import inspect

from fair.db import Database
from fair.migrate import alembic_config, upgrade_database
from tests.support.app_server import fair_env
from tests.support.ports import free_port

FAIR = [sys.executable, "-m", "fair.cli"]


def _env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    return fair_env(database_url, tmp_path, "process-test-secret", **extra)


async def _tables(url: str) -> set[str]:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            names = await connection.run_sync(lambda c: inspect(c).get_table_names())
    finally:
        await database.dispose()
    return set(names)


async def test_migrations_upgrade_and_downgrade(database_url: str) -> None:
    """The fixture's database is at head; down to base and up again works on both DBs."""
    assert {"booths", "programme_sessions", "users"} <= await _tables(database_url)
    database = Database(database_url)
    try:
        async with database.engine.begin() as connection:

            def downgrade(sync_connection: object) -> None:
                config = alembic_config(database_url)
                config.attributes["connection"] = sync_connection
                command.downgrade(config, "base")

            await connection.run_sync(downgrade)
    finally:
        await database.dispose()
    assert await _tables(database_url) <= {"alembic_version"}
    database = Database(database_url)
    try:
        await upgrade_database(database)
    finally:
        await database.dispose()
    assert {"booths", "programme_sessions", "users"} <= await _tables(database_url)


def test_cli_user_create_and_bad_settings(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    env = _env(tmp_path, url)
    result = subprocess.run(
        [*FAIR, "user", "create", "--email", "Chefin@Example.org", "--name", "Chefin",
         "--role", "organiser", "--password", "ein-sicheres-passwort"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    again = subprocess.run(
        [*FAIR, "user", "create", "--email", "chefin@example.org", "--name", "Chefin",
         "--role", "organiser", "--password", "ein-sicheres-passwort"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == 1
    assert "bereits registriert" in again.stderr
    invite = subprocess.run(
        [*FAIR, "user", "invite", "--email", "neu@example.org", "--role", "speaker"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert invite.returncode == 0, invite.stderr
    assert invite.stdout.strip().startswith("http://127.0.0.1:8000/invite/")
    bad = subprocess.run(
        [*FAIR, "db", "upgrade"],
        env={**env, "FAIR_PORT": "eighty"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bad.returncode != 0
    assert "FAIR_PORT" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.slow
def test_demo_served_by_real_uvicorn(tmp_path: Path) -> None:
    port = free_port()
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    env = _env(tmp_path, url, FAIR_PORT=str(port))
    process = subprocess.Popen(
        [*FAIR, "demo"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                if response.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"fair demo did not come up: {output[-2000:]}")
            time.sleep(0.3)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        hall = httpx.get(f"{base}/booths")
        assert hall.text.count('<li class="card">') >= 70
        programme = httpx.get(f"{base}/programme")
        assert programme.text.count('class="session-item"') >= 30
        # demo materials are real files in storage
        assert any((tmp_path / "storage" / "materials").rglob("*.pdf"))
    finally:
        process.terminate()
        process.wait(timeout=20)

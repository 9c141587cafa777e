"""A real ``fair serve`` process, for browser, WebSocket and WebRTC tests.

WebRTC on this loopback-only machine uses the development setting
``FAIR_LIVE_LOOPBACK_ICE`` (127.0.0.1 candidates), nothing patched.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.paths import REPO_ROOT
from tests.support.ports import free_port


@dataclass
class AppServer:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# The day before the demo fair (noon, local): every talk is still to come, so tests that
# ask questions or go live pass on any real date. Tests of the after-event state set
# their own FAIR_TODAY.
BEFORE_THE_FAIR = "2026-11-29T12:00"


def fair_env(database_url: str, workdir: Path, secret_key: str, **extra: str) -> dict[str, str]:
    """The environment a ``fair`` process (serve, demo, migrate) runs with in tests and
    benchmarks: this process's own, plus the database, file storage and spool below
    ``workdir`` and a fixed secret key; ``extra`` adds or overrides ``FAIR_*`` values."""
    env = dict(os.environ)
    env.update(
        FAIR_DATABASE_URL=database_url,
        FAIR_STORAGE_URL=f"file://{workdir / 'storage'}",
        FAIR_SPOOL_DIR=str(workdir / "spool"),
        FAIR_SECRET_KEY=secret_key,
        **extra,
    )
    return env


def start_app_server(
    tmp_path: Path,
    database_url: str,
    *,
    extra_env: dict[str, str] | None = None,
    prefix: list[str] | None = None,
) -> AppServer:
    """Serve the app from a database that is already migrated (and seeded if wanted).
    ``prefix`` runs the server under another command (e.g. one that drops a capability)."""
    port = free_port()
    env = fair_env(
        database_url,
        tmp_path,
        "app-server-test-secret",
        FAIR_PORT=str(port),
        FAIR_TODAY=BEFORE_THE_FAIR,
        FAIR_GO_LIVE_WINDOW_MINUTES="0",  # speakers go live the day before the fair here
        FAIR_HOST="127.0.0.1",
        FAIR_LIVE_LOOPBACK_ICE="true",  # the documented development setting (loopback only)
    )
    env.update(extra_env or {})
    log_path = tmp_path / f"server-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [*(prefix or []), sys.executable, "-m", "fair.cli", "serve"],  # as `fair serve`
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
    server = AppServer(f"http://127.0.0.1:{port}", process, log_path, env)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"app server did not start:\n{server.log()[-3000:]}")
        time.sleep(0.2)


AFTER_THE_EVENT = "2026-12-10T12:00"


FIRST_MORNING = "2026-11-30T10:45"  # the opening three and the 10:00 forum talk are over

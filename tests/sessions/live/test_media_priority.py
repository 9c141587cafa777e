"""Without the right to raise priorities (a non-root service: no ``CAP_SYS_NICE``) the live
media thread falls back to normal priority, says so in one clear line, and everything
starts: the media loop runs, the fan-out helpers still lower their own priority, and
``fair serve`` answers. As root the test drops the capability for the child process with
util-linux ``setpriv`` (root without ``CAP_SYS_NICE`` is refused like any user)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sessions.live.medialoop import (
    HELPER_NICE_INCREMENT,
    MEDIA_NICE,
    PRIORITY_FALLBACK,
    PRIORITY_RAISED,
)
from tests.support.app_server import start_app_server

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import asyncio, logging, os, sys, threading
logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(message)s")
from sessions.live import medialoop

async def nice_of_this_thread():
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

async def main():
    print("media", await medialoop.on_media_loop(nice_of_this_thread()), flush=True)
    print("media-again", await medialoop.on_media_loop(nice_of_this_thread()), flush=True)
    medialoop.lower_own_priority(medialoop.HELPER_NICE_INCREMENT)
    print("helper", os.getpriority(os.PRIO_PROCESS, 0), flush=True)

asyncio.run(main())
"""


def _without_cap_sys_nice() -> list[str]:
    if os.geteuid() != 0:
        return []  # an ordinary user already may not lower nice
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")
    return ["setpriv", "--bounding-set=-sys_nice", "--inh-caps=-sys_nice"]


def _run(prefix: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_without_cap_sys_nice_the_media_thread_falls_back_and_says_so_once() -> None:
    done = _run(_without_cap_sys_nice())
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["media", "0", "media-again", "0", "helper", "5"]
    said = [line for line in done.stderr.splitlines() if "live media priority" in line]
    assert said == [f"WARNING {PRIORITY_FALLBACK}"], done.stderr
    assert "CAP_SYS_NICE" in said[0] and f"+{HELPER_NICE_INCREMENT}" in said[0]


def test_with_cap_sys_nice_the_media_thread_gets_its_priority_silently() -> None:
    if os.geteuid() != 0:
        pytest.skip("raising a priority needs root here")
    done = _run([])
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:4] == ["media", str(MEDIA_NICE), "media-again", str(MEDIA_NICE)]
    assert "live media priority" not in done.stderr


def test_fair_settings_says_what_priority_the_media_thread_gets() -> None:
    def settings(prefix: list[str]) -> str:
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "fair.cli", "settings"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            env={**os.environ, "COLUMNS": "200"},
        )
        return done.stdout

    assert PRIORITY_FALLBACK in settings(_without_cap_sys_nice())
    if os.geteuid() == 0:
        assert PRIORITY_RAISED in settings([])


def test_fair_serve_starts_without_cap_sys_nice(database_url: str, tmp_path: Path) -> None:
    server = start_app_server(tmp_path, database_url, prefix=_without_cap_sys_nice())
    try:
        assert httpx.get(f"{server.base_url}/healthz", timeout=5).status_code == 200
        assert httpx.get(f"{server.base_url}/programme", timeout=10).status_code == 200
        lines = [line for line in server.log().splitlines() if "live media priority" in line]
        assert lines == [PRIORITY_FALLBACK], server.log()[-2000:]
    finally:
        server.stop()

"""The fair under benchmark: a fresh demo database, ``fair serve`` on it, its page URLs,
and an exhibitor's login; shared by every script in ``bench/`` that measures pages."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

FAIR = str(Path(sys.executable).with_name("fair"))


# --------------------------------------------------------------------------- server


def prepare_database(kind: str, workdir: Path) -> tuple[str, Any]:
    """A database URL holding the demo fair, and what to stop afterwards."""
    if kind == "postgresql":
        from tests.support import pg_server

        cluster = pg_server.start_cluster()
        cluster.psql("CREATE DATABASE bench")
        url = cluster.url("bench")
    else:
        cluster = None
        url = f"sqlite+aiosqlite:///{workdir / 'fair.db'}"
    env = server_env(url, workdir)
    subprocess.run([FAIR, "demo", "--no-serve"], env=env, check=True, capture_output=True)
    return url, cluster


def server_env(url: str, workdir: Path, **extra: str) -> dict[str, str]:
    from tests.support.app_server import fair_env

    return fair_env(url, workdir, "bench-secret", **extra)


def start_server(
    url: str, workdir: Path, port: int, source: Path | None = None
) -> subprocess.Popen[bytes]:
    """``fair serve``; ``source`` runs another checkout's code (a baseline) instead, with
    that checkout's own ``.venv`` when it has one (an editable install there maps the
    packages to its tree; PYTHONPATH alone would mix the two trees)."""
    log = (workdir / f"server-{port}.log").open("wb")
    extra = {"PYTHONPATH": str(source)} if source else {}
    own = source / ".venv" / "bin" / "fair" if source else None
    process = subprocess.Popen(
        [str(own) if own and own.exists() else FAIR, "serve", "--port", str(port)],
        env=server_env(url, workdir, **extra),
        cwd=source,  # child interpreters (python -m …) put the working directory first
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("fair serve did not start")


def get_json(port: int, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return json.loads(response.read())


def page_urls(port: int) -> dict[str, list[str]]:
    booths = [b["url"].split("/booths/", 1)[1] for b in get_json(port, "/api/booths")["booths"]]
    sessions = [s["id"] for s in get_json(port, "/api/sessions")["sessions"]]
    recordings = [r["id"] for r in get_json(port, "/api/recordings")["recordings"]]
    return {
        "home": ["/"],
        "programme": ["/programme"],
        "hall": ["/booths"],
        "booth": [f"/booths/{slug}" for slug in booths],
        "session": [f"/sessions/{sid}" for sid in sessions],
        "recordings": ["/recordings"],
        "recording": [f"/recordings/{rid}" for rid in recordings],
        "search": ["/search?q=digital", "/search?q=Schulanmeldung", "/search?q=Verwaltung"],
        "schedule.ics": ["/schedule.ics"],
        "api/sessions": ["/api/sessions"],
    }


def login_cookie(port: int) -> str:
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"http://127.0.0.1:{port}/login").read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    data = urllib.parse.urlencode(
        {"email": "aussteller.krz@example.org", "password": "demo-passwort", "csrf_token": token}
    ).encode()
    opener.open(f"http://127.0.0.1:{port}/login", data=data).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)

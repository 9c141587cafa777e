"""deploy/nginx.conf rendered for loopback upstreams and run with Debian's nginx: the tests
of several instances behind one URL use the shipped file, not a copy of it."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx

from tests.support.paths import REPO_ROOT

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def render_nginx_conf(tmp_path: Path, port: int, upstreams: list[str]) -> Path:
    """deploy/nginx.conf with loopback addresses instead of the compose service names."""
    text = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    for service, address in zip(("app1:8000", "app2:8000"), upstreams, strict=True):
        text = text.replace(f"server {service};", f"server {address};")
    text = text.replace("listen 8000;", f"listen 127.0.0.1:{port};")
    text = text.replace("pid /tmp/nginx.pid;", f"pid {tmp_path / 'nginx.pid'};")
    text = text.replace("error_log /dev/stderr warn;", f"error_log {tmp_path / 'error.log'} warn;")
    text = text.replace(
        "    access_log off;\n",
        "    access_log off;\n"
        + "".join(
            f"    {name}_temp_path {tmp_path / name};\n"
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ),
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    return conf


def wait_for_proxy(url: str, error_log: Path, timeout: float = 10) -> None:
    """Block until nginx at ``url`` answers ``/healthz`` through an upstream; past
    ``timeout`` fail with nginx's own error log, which says what it refused."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, error_log.read_text()
        time.sleep(0.1)

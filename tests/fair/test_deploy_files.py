"""The deployment files stay valid: docker-compose wires every service through FAIR_*."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from fair.settings import Settings
from sessions.live.medialoop import MEDIA_NICE
from tests.support.paths import REPO_ROOT

ROOT = REPO_ROOT


def _compose_config() -> subprocess.CompletedProcess[str]:
    """``docker-compose config``: the file validated and resolved (anchors, defaults)."""
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose not installed")
    env = dict(os.environ, POSTGRES_PASSWORD="p", MINIO_ROOT_PASSWORD="m", FAIR_SECRET_KEY="s",
               TURN_PASSWORD="t")  # fmt: skip
    return subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_docker_compose_is_valid_and_uses_known_settings() -> None:
    result = _compose_config()
    assert result.returncode == 0, result.stderr
    known = {name for name, _default, _help in Settings.describe()}
    used = {line.split(":")[0].strip() for line in result.stdout.splitlines()
            if line.strip().startswith("FAIR_")}  # fmt: skip
    assert used, "no FAIR_ settings in docker-compose.yml"
    assert used <= known, used - known
    for service in ("proxy", "postgres", "redis", "minio", "coturn", "app1", "app2"):
        assert f"  {service}:" in result.stdout


def test_app_instances_may_give_the_live_media_thread_its_priority() -> None:
    """The live media thread (publishers, shared encoder, recording) asks for nice
    MEDIA_NICE. The image runs as the non-root user ``fair``, for whom Docker's ``cap_add``
    reaches only the bounding set, so compose raises RLIMIT_NICE instead: an unprivileged
    process may lower its nice value down to 20 minus that limit."""
    import yaml

    result = _compose_config()
    assert result.returncode == 0, result.stderr
    assert "USER fair" in (ROOT / "Dockerfile").read_text().splitlines()
    services = yaml.safe_load(result.stdout)["services"]
    for name in ("app1", "app2"):
        limit = services[name].get("ulimits", {}).get("nice")
        assert limit is not None, f"{name} sets no ulimits: nice"
        soft = limit["soft"] if isinstance(limit, dict) else limit
        assert 20 - int(soft) <= MEDIA_NICE, f"{name}: nice {MEDIA_NICE} needs a limit >= 30"


def test_lock_file_pins_every_dependency_with_hashes() -> None:
    """`make run`/`make test` install requirements.lock only: every dependency of
    pyproject.toml (and its test extra) must be pinned there, at a version it accepts.
    Refresh with `make lock` after changing dependencies."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    lock = (ROOT / "requirements.lock").read_text()
    pinned: dict[str, str] = {}
    for line in lock.splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name, _, version = line.split(" ")[0].partition("==")
            pinned[name.lower().replace("_", "-")] = version
    assert lock.count("--hash=sha256:") >= len(pinned)
    for spec in wanted:
        requirement = Requirement(spec)
        name = requirement.name.lower().replace("_", "-")
        assert name in pinned, f"{name} is not in requirements.lock: run `make lock`"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"requirements.lock pins {name}=={pinned[name]}, pyproject asks {requirement}"
        )


def test_nginx_locations_inherit_the_forwarded_headers() -> None:
    """nginx drops every inherited proxy_set_header in a block that sets one of its own:
    a location with its own line forwarded no Host, and the app then refused every
    browser POST as foreign (found by tests/journeys/test_two_instances_browser.py)."""
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    server_block = conf[conf.index("    server {") :]
    assert "proxy_set_header" not in server_block
    for header in ("Host $http_host", "Upgrade $http_upgrade", "Connection $connection_upgrade"):
        assert f"proxy_set_header {header};" in conf
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf" in compose  # the same file in compose


def test_dockerfile_installs_from_the_lock() -> None:
    """The image installs what requirements.lock names (hashes checked) and fair itself
    without resolving again: a plain `pip install .` took open version ranges, so a release
    upstream could change what the image runs."""
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    installs = [line for line in lines if line.startswith("RUN") and "pip install" in line]
    assert installs, "the Dockerfile installs nothing with pip"
    from_lock = [line for line in installs if "-r requirements.lock" in line]
    assert len(from_lock) == 1 and "--require-hashes" in from_lock[0], installs
    copied = next(i for i, line in enumerate(lines) if line.startswith("COPY requirements.lock"))
    assert copied < lines.index(from_lock[0])
    for line in installs:
        if line not in from_lock:
            assert "--no-deps" in line, f"{line!r} resolves dependencies outside the lock"
    assert lines.index(from_lock[0]) < lines.index(installs[-1])

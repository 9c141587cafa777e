"""Several instances, one URL: deploy/nginx.conf (run here with Debian's nginx) in front of
two app instances on one Redis. A talk published through the proxy is watched through
the proxy, although only one instance holds its stage; pages go to either instance."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription

from sessions.live.ice import allow_loopback_candidates
from tests.support.app import DEMO_PASSWORD, TemplateDatabases
from tests.support.app_server import start_app_server
from tests.support.live_helpers import csrf_in_page, post_offer
from tests.support.loadgen import ProbeViewer
from tests.support.nginx import NGINX, render_nginx_conf, wait_for_proxy
from tests.support.paths import REPO_ROOT
from tests.support.ports import free_port
from tests.support.redis_server import RedisServer
from tests.support.stage import speaker_session
from tests.support.synthetic import SyntheticVideoTrack, ToneAudioTrack

pytestmark = [pytest.mark.slow]
ROOT = REPO_ROOT
SPEAKER = "henning.wiebusch@example.org"


def test_nginx_conf_is_valid() -> None:
    if not Path(NGINX).exists():
        pytest.skip("nginx not installed")
    tmp = Path(__import__("tempfile").mkdtemp(prefix="fair-nginx-"))
    try:
        conf = render_nginx_conf(tmp, free_port(), ["127.0.0.1:1", "127.0.0.1:2"])
        result = subprocess.run(
            [NGINX, "-t", "-p", str(tmp), "-c", str(conf)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


async def test_viewer_through_the_proxy_watches_a_stage_on_the_other_instance(
    template_databases: TemplateDatabases, tmp_path: Path, redis: RedisServer
) -> None:
    if not Path(NGINX).exists():
        pytest.skip("nginx not installed")
    allow_loopback_candidates()
    url = await template_databases.sqlite(seeded=True)
    db_path = Path(url.removeprefix("sqlite+aiosqlite:///"))
    session_id = speaker_session(db_path, SPEAKER)
    env = {"FAIR_REDIS_URL": redis.url, "FAIR_STORAGE_URL": f"file://{tmp_path / 'storage'}"}
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    servers = [start_app_server(tmp_path / name, url, extra_env=env) for name in ("a", "b")]
    (tmp_path / "nginx").mkdir()
    port = free_port()
    conf = render_nginx_conf(
        tmp_path / "nginx", port, [s.base_url.removeprefix("http://") for s in servers]
    )
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp_path / "nginx"), "-c", str(conf), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    publisher = RTCPeerConnection()
    viewer = ProbeViewer(decode=True)
    try:
        await asyncio.to_thread(wait_for_proxy, base, tmp_path / "nginx" / "error.log")

        speaker = httpx.Client(base_url=base, timeout=20)
        token = csrf_in_page(speaker, "/login")
        login = speaker.post(
            "/login", data={"email": SPEAKER, "password": DEMO_PASSWORD, "csrf_token": token}
        )
        assert login.status_code == 303, login.text
        publisher.addTrack(SyntheticVideoTrack())
        publisher.addTrack(ToneAudioTrack())
        await publisher.setLocalDescription(await publisher.createOffer())
        answer = await asyncio.to_thread(
            post_offer,
            speaker,
            f"/sessions/{session_id}/live/publish",
            publisher.localDescription.sdp,
            csrf_in_page(speaker, f"/sessions/{session_id}/stage"),
        )
        await publisher.setRemoteDescription(answer)

        # exactly one instance holds the stage; the other knows nothing of it
        async def owner_states() -> list[str]:
            return [
                httpx.get(f"{s.base_url}/sessions/{session_id}/live").json()["state"]
                for s in servers
            ]

        deadline = time.monotonic() + 15
        while "live" not in (states := await owner_states()):
            assert time.monotonic() < deadline, states
            await asyncio.sleep(0.2)
        assert sorted(states) == ["live", "waiting"], states

        audience = httpx.Client(base_url=base, timeout=20)
        for _ in range(4):  # whichever instance serves the page, the talk is live
            status = audience.get(f"/sessions/{session_id}/live").json()
            assert status["state"] == "live", status
        watch_token = csrf_in_page(audience, f"/sessions/{session_id}")

        async def answerer(sdp: str, kind: str) -> RTCSessionDescription:
            return await asyncio.to_thread(
                post_offer, audience, f"/sessions/{session_id}/live/watch", sdp, watch_token
            )

        await viewer.connect(answerer)
        deadline = time.monotonic() + 20
        while viewer.report()["video_frames"][0] < 30:
            assert time.monotonic() < deadline, viewer.report()
            await asyncio.sleep(0.2)
        assert viewer.report()["decoded"] >= 1
    finally:
        await viewer.close()
        await publisher.close()
        nginx.terminate()
        nginx.wait(timeout=10)
        if nginx.stderr:
            nginx.stderr.close()
        for server in servers:
            server.stop()

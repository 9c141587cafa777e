"""The appointment call relayed through the server's media engine, against real parts:
a uvicorn process (loopback ICE candidates), its aiortc peers, Debian Chromium with fake
cameras, and httpx for the refusals.

The visitor opens the room with ``?relay=1`` (as if no direct path existed); the expert
opens it normally and is moved to the relay by the visitor's announcement. Neither has a
browser-to-browser connection: every picture they decode came through the server.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.support.app import TemplateDatabases
from tests.support.app_server import AppServer, start_app_server
from tests.support.appointment_helpers import (
    OWN,
    RELAYED_FRAMES,
    booked_at,
    frames_advance,
    logged_in_expert,
    staff_cookie,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass
class RelayFair:
    server: AppServer
    token: str
    appointment_id: int
    later_token: str
    blocked_token: str  # a second open room: the direct path is made impossible there
    blocked_id: int


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def relay_fair(
    template_databases: TemplateDatabases, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RelayFair]:
    url = await template_databases.sqlite(seeded=True)
    (token, appointment_id), (later_token, _), (blocked_token, blocked_id) = await booked_at(
        url, OWN, timedelta(minutes=2), timedelta(days=1), timedelta(minutes=3)
    )
    server = start_app_server(
        tmp_path_factory.mktemp("relay"), url, extra_env={"FAIR_LIVE_WORKER": "false"}
    )
    try:
        yield RelayFair(server, token, appointment_id, later_token, blocked_token, blocked_id)
    finally:
        server.stop()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime in clock ticks


async def test_chromium_call_through_the_server_relay(
    relay_fair: RelayFair, browser: Any, tmp_path: Path
) -> None:
    base = relay_fair.server.base_url
    visitor_ctx = await browser.new_context(permissions=["camera", "microphone"])
    expert_ctx = await browser.new_context(permissions=["camera", "microphone"])
    stranger_ctx = await browser.new_context(permissions=["camera", "microphone"])
    cookie = await staff_cookie(relay_fair.server)
    state_url = f"{base}/exhibitor/appointments/{relay_fair.appointment_id}/relay"
    try:
        visitor = await visitor_ctx.new_page()
        await visitor.goto(f"{base}/appointments/{relay_fair.token}/room?relay=1")
        await visitor.click("[data-call-start]")
        await visitor.locator("[data-relay=on]").wait_for(timeout=15_000)

        expert = await logged_in_expert(expert_ctx, base)
        await expert.goto(f"{base}/exhibitor/appointments/{relay_fair.appointment_id}/room")
        await expert.click("[data-call-start]")
        await expert.locator("[data-relay=on]").wait_for(timeout=15_000)

        await frames_advance(visitor, RELAYED_FRAMES, 1)
        await frames_advance(expert, RELAYED_FRAMES, 1)
        async with httpx.AsyncClient(headers={"Cookie": cookie}) as client:
            state = (await client.get(state_url)).json()
        assert state == {"relayed": 2, "states": ["connected", "connected"]}

        # Screen share on the relay: the pre-made screen line, no renegotiation.
        await expert.locator("[data-call-share]").click()
        await expert.locator("[data-call-share][aria-pressed=true]").wait_for()
        await frames_advance(visitor, RELAYED_FRAMES, 2)

        pid = relay_fair.server.process.pid
        cpu_before, wall_before = _cpu_seconds(pid), time.monotonic()
        await visitor.wait_for_timeout(10_000)
        cpu = (_cpu_seconds(pid) - cpu_before) / (time.monotonic() - wall_before)
        print(f"server CPU while relaying 2 participants (2 cameras, 1 screen): {cpu:.0%}")
        await visitor.screenshot(path=str(tmp_path / "relay-visitor.png"), full_page=True)
        await visitor.screenshot(path="/tmp/r2-16-relay-visitor.png", full_page=True)
        await expert.screenshot(path="/tmp/r2-16-relay-expert.png", full_page=True)
        assert "Verbunden über den Server" in (
            await visitor.locator("[data-call-status]").inner_text()
        )

        # A third person without the link gets nothing: a forged link, the staff room.
        stranger = await stranger_ctx.new_page()
        forged = await stranger.goto(f"{base}/appointments/{relay_fair.token}x/room?relay=1")
        assert forged is not None and forged.status == 404
        staff = await stranger.goto(
            f"{base}/exhibitor/appointments/{relay_fair.appointment_id}/room?relay=1"
        )
        assert staff is not None and staff.status == 401
        async with httpx.AsyncClient(headers={"Cookie": cookie}) as client:
            assert (await client.get(state_url)).json()["relayed"] == 2

        # Leaving frees the seat on the server.
        await expert.locator("[data-call-leave]").click()
        async with httpx.AsyncClient(headers={"Cookie": cookie}) as client:
            for _ in range(50):
                if (await client.get(state_url)).json()["relayed"] == 1:
                    break
                await visitor.wait_for_timeout(200)
            assert (await client.get(state_url)).json()["relayed"] == 1
    finally:
        for ctx in (visitor_ctx, expert_ctx, stranger_ctx):
            await ctx.close()


# Both browsers ignore every trickled ICE candidate: the mesh cannot connect (as behind
# two strict NATs without TURN). The relay's candidates come inside the server's answer.
NO_DIRECT_PATH = "RTCPeerConnection.prototype.addIceCandidate = async () => {};"


async def test_chromium_falls_back_to_the_relay_when_no_direct_path_exists(
    relay_fair: RelayFair, browser: Any
) -> None:
    base = relay_fair.server.base_url
    visitor_ctx = await browser.new_context(permissions=["camera", "microphone"])
    expert_ctx = await browser.new_context(permissions=["camera", "microphone"])
    try:
        for ctx in (visitor_ctx, expert_ctx):
            await ctx.add_init_script(NO_DIRECT_PATH)
        visitor = await visitor_ctx.new_page()
        await visitor.goto(f"{base}/appointments/{relay_fair.blocked_token}/room")
        await visitor.click("[data-call-start]")
        expert = await logged_in_expert(expert_ctx, base)
        await expert.goto(f"{base}/exhibitor/appointments/{relay_fair.blocked_id}/room")
        await expert.click("[data-call-start]")
        assert await visitor.get_attribute("[data-call-url]", "data-relay") is None
        # After the direct attempt times out (20 s), both move to the relay.
        await visitor.locator("[data-relay=on]").wait_for(timeout=40_000)
        await expert.locator("[data-relay=on]").wait_for(timeout=40_000)
        await frames_advance(visitor, RELAYED_FRAMES, 1)
        await frames_advance(expert, RELAYED_FRAMES, 1)
    finally:
        for ctx in (visitor_ctx, expert_ctx):
            await ctx.close()


async def _csrf_client(server: AppServer, path: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=server.base_url)
    page = await client.get(path)
    marker = '<meta name="csrf-token" content="'
    start = page.text.index(marker) + len(marker)
    return client, page.text[start : page.text.index('"', start)]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/appointments/{token}x/relay?peer=0123456789ab", 404),  # forged link
        ("/appointments/{later}/relay?peer=0123456789ab", 403),  # before the room opens
        ("/exhibitor/appointments/{id}/relay?peer=0123456789ab", 401),  # not logged in
        ("/appointments/{token}/relay?peer=nope", 400),  # no room peer id
        ("/appointments/{token}/relay?peer=0123456789ab", 400),  # not a relay layout
    ],
)
async def test_relay_signalling_refuses(relay_fair: RelayFair, path: str, status: int) -> None:
    client, csrf = await _csrf_client(relay_fair.server, f"/appointments/{relay_fair.token}")
    try:
        url = path.format(
            token=relay_fair.token, later=relay_fair.later_token, id=relay_fair.appointment_id
        )
        offer = {"type": "offer", "sdp": "v=0\r\n"}
        response = await client.post(url, json=offer, headers={"X-CSRF-Token": csrf})
        assert response.status_code == status, response.text
        assert "Traceback" not in response.text
    finally:
        await client.aclose()


async def test_relay_signalling_needs_csrf_and_bounds_the_offer(relay_fair: RelayFair) -> None:
    client, csrf = await _csrf_client(relay_fair.server, f"/appointments/{relay_fair.token}")
    try:
        url = f"/appointments/{relay_fair.token}/relay?peer=0123456789ab"
        no_token = await client.post(url, json={"type": "offer", "sdp": "v=0"})
        assert no_token.status_code == 403
        huge = await client.post(
            url,
            json={"type": "offer", "sdp": "v=0\r\n" + "a=x\r\n" * 40_000},
            headers={"X-CSRF-Token": csrf},
        )
        assert huge.status_code == 413
        answer = await client.post(
            url, json={"type": "answer", "sdp": "v=0"}, headers={"X-CSRF-Token": csrf}
        )
        assert answer.status_code == 400 and "type" in answer.text
    finally:
        await client.aclose()

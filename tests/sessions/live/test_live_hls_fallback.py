"""The viewer's path in a real browser: WebRTC first, HLS when no direct connection comes
up (this viewer's ICE can use no candidate, as behind a proxy without UDP or TURN), and
the viewer's own choice between the two. The page states the mode and the delay. The
talk is a panel of two: on HLS, as on WebRTC, the viewer sees every seat (one player per
seat's media playlist, listed in ``seats.json``), and HLS viewers are counted."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.app_server import AppServer
from tests.support.journey_helpers import poll
from tests.support.stage import SPEAKER, join, live_room, tile_frames

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Only relayed candidates and no TURN server: ICE has nothing to try, like a town-hall
# network that blocks UDP. The page is not told; it must notice by itself.
NO_DIRECT_PATH = """
const Native = window.RTCPeerConnection;
window.RTCPeerConnection = class extends Native {
  constructor(config) { super({ ...(config || {}), iceServers: [], iceTransportPolicy: "relay" }); }
};
"""
HLS_DELAY = re.compile(r"HLS-Stream, etwa \d+ Sekunden hinter live")


async def _hls_positions(page: Any) -> list[float]:
    return list(
        await page.evaluate(
            "() => [...document.querySelectorAll('video[data-hls]')].map(v => v.currentTime)"
        )
    )


async def _hls_advances(page: Any, message: str, seats: int = 2) -> None:
    """Every seat has its own HLS player and each one's ``currentTime`` advances."""

    async def playing() -> bool:
        positions = await _hls_positions(page)
        return len(positions) == seats and min(positions) > 1.0

    await poll(playing, 45, message)
    # A player at the live edge waits for each 2 s segment, and on a loaded machine a
    # segment can come late: look over 8 s and ask for 3 s of progress in every seat.
    start = await _hls_positions(page)
    await asyncio.sleep(8)
    now = await _hls_positions(page)
    assert all(b - a >= 3 for a, b in zip(start, now, strict=True)), (message, start, now)


async def test_hls_when_webrtc_cannot_connect_and_by_the_viewers_choice(
    live_server: tuple[AppServer, Path], browser: Any
) -> None:
    async with live_room(browser, live_server, SPEAKER, "orga@example.org") as room:
        base, session_id = room.base, room.session_id
        errors: list[str] = []

        def page_error(error: Any) -> None:
            errors.append(str(error))

        # (a) WebRTC cannot connect: after the connect timeout the page plays HLS and says why
        blocked = await room.watch(NO_DIRECT_PATH, pageerror=page_error)
        await blocked.wait_for_selector(".live[data-mode='hls'] video[data-hls]", timeout=30_000)
        await _hls_advances(blocked, "the blocked viewer's HLS does not play")
        mode = await blocked.inner_text("[data-live-mode]")
        assert HLS_DELAY.search(mode), mode
        assert "Direktverbindung war nicht möglich" in mode, mode
        assert await blocked.evaluate("window.fairLivePlayer.pc") is None  # the peer is closed
        status = httpx.get(f"{base}/sessions/{session_id}/live").json()
        assert status["seats"] == 2 and status["hls_viewers"] == 1, status
        assert status["viewers"] >= 1

        async def counted() -> bool:  # the page's own figure includes its HLS viewer
            return int(await blocked.inner_text("[data-live-viewers]")) >= 1

        await poll(counted, 10, "the HLS viewer is not in the page's viewer count")
        await blocked.screenshot(path="/tmp/r2-13-fallback.png", full_page=True)

        # (b) the viewer's choice: WebRTC first, then HLS by the switch, then back
        chooser = await room.watch(pageerror=page_error)
        await chooser.wait_for_selector(".live[data-mode='webrtc']", timeout=20_000)

        async def webrtc_plays() -> bool:
            frames = await tile_frames(chooser)
            return bool(frames) and frames[0] > 20

        await poll(webrtc_plays, 20, "WebRTC does not play for the chooser")
        assert "WebRTC" in await chooser.inner_text("[data-live-mode]")
        switch = chooser.locator("[data-live-switch]")
        assert await switch.inner_text() == "Als HLS-Stream ansehen"

        await switch.click()
        await chooser.wait_for_selector(".live[data-mode='hls'] video[data-hls]", timeout=10_000)
        await _hls_advances(chooser, "HLS chosen by the viewer does not play")
        mode = await chooser.inner_text("[data-live-mode]")
        assert HLS_DELAY.search(mode) and "nicht möglich" not in mode, mode
        assert await switch.inner_text() == "Mit geringster Verzögerung ansehen"
        await chooser.screenshot(path="/tmp/r2-13-choice-hls.png", full_page=True)

        # the choice is remembered for the tab: a reload starts in HLS right away
        await chooser.reload()
        await join(chooser)
        await chooser.wait_for_selector(".live[data-mode='hls'] video[data-hls]", timeout=10_000)

        await switch.click()  # back to the lowest delay
        await chooser.wait_for_selector(".live[data-mode='webrtc']", timeout=20_000)
        await poll(webrtc_plays, 20, "WebRTC does not play again after switching back")
        assert await chooser.query_selector("video[data-hls]") is None
        assert "WebRTC" in await chooser.inner_text("[data-live-mode]")
        assert not errors, errors

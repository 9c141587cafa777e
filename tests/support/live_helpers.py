"""Helpers for the live-media tests: loopback ICE and a synthetic aiortc publisher.

aioice never gathers 127.0.0.1; on this loopback-only machine the test's own peers use
:func:`sessions.live.ice.allow_loopback_candidates`, the same switch the app turns on
with the development setting ``FAIR_LIVE_LOOPBACK_ICE``.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import psutil
from aiortc import RTCSessionDescription

from sessions.live import LiveStage
from sessions.live.ice import allow_loopback_candidates
from tests.support.app_server import AppServer
from tests.support.loadgen import ProbeViewer, bundled_peer
from tests.support.synthetic import SyntheticVideoTrack, ToneAudioTrack

__all__ = ["ProbeViewer", "Publisher", "allow_loopback", "publishing", "viewer", "wait_for"]


def allow_loopback() -> None:
    """This test process's peers gather 127.0.0.1 too (idempotent)."""
    allow_loopback_candidates()


class Publisher:
    """An aiortc 'browser' publishing synthetic video (and a tone) to a stage."""

    def __init__(
        self, width: int = 320, height: int = 240, audio: bool = True, video: bool = True
    ) -> None:
        self.pc = bundled_peer()
        self.video = SyntheticVideoTrack(width, height) if video else None
        self.audio = ToneAudioTrack() if audio else None
        if self.video is not None:
            self.pc.addTrack(self.video)
        if self.audio is not None:
            self.pc.addTrack(self.audio)

    async def publish(self, stage: LiveStage, publisher_id: str) -> None:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = self.pc.localDescription
        answer = await stage.publish(offer.sdp, offer.type, publisher_id)
        await self.pc.setRemoteDescription(answer)

    async def close(self) -> None:
        await self.pc.close()


async def publishing(stage: LiveStage, publisher_id: str = "speaker", **camera: Any) -> Publisher:
    """A :class:`Publisher` (``camera``: its size and tracks) already live on ``stage``."""
    publisher = Publisher(**camera)
    await publisher.publish(stage, publisher_id)
    return publisher


async def wait_for(check: Callable[[], Any], timeout: float = 10.0, step: float = 0.05) -> Any:
    """Poll ``check`` until it returns something truthy; fail with a message on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(step)


async def viewer(stage: LiveStage, seats: int = 1, decode: bool = True) -> ProbeViewer:
    """An in-process aiortc viewer connected to ``stage``."""
    probe = ProbeViewer(seats, decode=decode)
    await probe.connect(stage.watch)
    return probe


PAGE = "http://127.0.0.1:9/live-test"  # served by route(): a secure origin, no server needed


async def blank_page(browser: Any) -> Any:
    """An empty page at :data:`PAGE` in a new context allowed camera and microphone."""
    context = await browser.new_context(permissions=["camera", "microphone"])
    page = await context.new_page()
    await page.route(
        PAGE, lambda route: route.fulfill(body="<html></html>", content_type="text/html")
    )
    await page.goto(PAGE)
    return page


GATHERED = """(pc) => new Promise((resolve) => {
  if (pc.iceGatheringState === 'complete') return resolve();
  pc.addEventListener('icegatheringstatechange',
    () => pc.iceGatheringState === 'complete' && resolve());
})"""


def offer_script(setup: str, parameter: str = "") -> str:
    """A page function for ``page.evaluate``: ``setup`` (JavaScript statements) makes the
    peer ``pc`` (kept as ``window.pc``); then the offer is made and returned once ICE
    gathering is complete, as the tests' signalling sends no trickled candidates."""
    return (
        f"async ({parameter}) => {{\n{setup}\n"
        "  await pc.setLocalDescription(await pc.createOffer());\n"
        f"  await ({GATHERED})(pc);\n"
        "  return {sdp: pc.localDescription.sdp, type: pc.localDescription.type};\n}"
    )


VIEWER_OFFER = offer_script(
    """  const pc = new RTCPeerConnection({bundlePolicy: 'max-bundle'});
  window.pc = pc;
  pc.ontrack = (event) => {
    const element = document.createElement(event.track.kind);
    element.srcObject = new MediaStream([event.track]);
    element.autoplay = true;
    element.muted = true;
    document.body.appendChild(element);
  };
  for (let i = 0; i < seats; i++) {
    pc.addTransceiver('video', {direction: 'recvonly'});
    pc.addTransceiver('audio', {direction: 'recvonly'});
  }""",
    "seats",
)


ANSWER = "async (answer) => { await window.pc.setRemoteDescription(answer); }"


def csrf_in_page(client: httpx.Client, path: str) -> str:
    page = client.get(path).text
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def post_offer(client: httpx.Client, url: str, sdp: str, token: str) -> RTCSessionDescription:
    response = client.post(
        url,
        json={"sdp": sdp, "type": "offer"},
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return RTCSessionDescription(body["sdp"], body["type"])


def media_worker_pids(server: AppServer | None = None) -> list[int]:
    """The live media workers of ``server`` (of this process for an app served in it);
    a worker that has just died (a zombie not reaped yet) is not listed."""
    parent = psutil.Process(server.process.pid if server is not None else None)
    pids = []
    for child in parent.children(recursive=True):
        try:
            if "sessions.live.worker" in " ".join(child.cmdline()):
                pids.append(child.pid)
        except psutil.Error:  # gone, or a zombie, while we looked
            continue
    return pids

"""Helpers for the live-media tests: loopback ICE and a synthetic aiortc publisher.

aioice never gathers 127.0.0.1; on this loopback-only machine the test's own peers use
:func:`sessions.live.ice.allow_loopback_candidates`, the same switch the app turns on
with the development setting ``FAIR_LIVE_LOOPBACK_ICE``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection

from sessions.live.ice import allow_loopback_candidates
from sessions.live.stage import LiveStage
from sessions.live.synthetic import SyntheticVideoTrack, ToneAudioTrack
from tests.support.loadgen import ProbeViewer

__all__ = ["ProbeViewer", "Publisher", "allow_loopback", "viewer", "wait_for"]


def allow_loopback() -> None:
    """This test process's peers gather 127.0.0.1 too (idempotent)."""
    allow_loopback_candidates()


class Publisher:
    """An aiortc 'browser' publishing synthetic video (and a tone) to a stage."""

    def __init__(
        self, width: int = 320, height: int = 240, audio: bool = True, video: bool = True
    ) -> None:
        self.pc = RTCPeerConnection(
            RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
        )
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

"""Chromium against the live stage: it must play what the lean sender sends, and publish.

aiortc peers forgive a lot; a browser checks header extensions, SRTP, H.264 packetization
and RTCP for real. Uses the session ``browser`` fixture (Debian chromium via Playwright).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiortc import RTCSessionDescription

from sessions.live import LiveStage
from tests.support.live_helpers import (
    ANSWER,
    VIEWER_OFFER,
    allow_loopback,
    blank_page,
    offer_script,
    publishing,
    viewer,
    wait_for,
)

pytestmark = pytest.mark.browser


PUBLISHER_OFFER = offer_script(
    """  const stream = await navigator.mediaDevices.getUserMedia(
    {video: {width: 640, height: 360}, audio: true});
  const pc = new RTCPeerConnection();
  window.pc = pc;
  for (const track of stream.getTracks()) pc.addTrack(track, stream);"""
)


INBOUND = """async () => {
  const stats = await window.pc.getStats();
  const codecs = {};
  stats.forEach((r) => { if (r.type === 'codec') codecs[r.id] = r.mimeType; });
  const out = [];
  stats.forEach((r) => {
    if (r.type === 'inbound-rtp') out.push({kind: r.kind, mid: r.mid,
      frames: r.framesDecoded || 0, keyframes: r.keyFramesDecoded || 0,
      width: r.frameWidth || 0, samples: r.totalSamplesReceived || 0,
      lost: r.packetsLost || 0, packets: r.packetsReceived || 0,
      codec: codecs[r.codecId]});
  });
  return out;
}"""


@pytest_asyncio.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    page = await blank_page(browser)
    yield page
    await page.context.close()


async def test_chromium_plays_the_shared_stream(page: Any) -> None:
    allow_loopback()
    stage = LiveStage("browser-view")
    publisher = await publishing(stage, width=640, height=360)
    offer = await page.evaluate(VIEWER_OFFER, 2)  # one spare seat
    answer = await stage.watch(offer["sdp"], offer["type"])
    await page.evaluate(ANSWER, {"sdp": answer.sdp, "type": answer.type})

    async def inbound() -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await page.evaluate(INBOUND)
        return result

    deadline = asyncio.get_running_loop().time() + 15
    stats: list[dict[str, Any]] = []
    while asyncio.get_running_loop().time() < deadline:
        stats = await inbound()
        video = [s for s in stats if s["kind"] == "video" and s["frames"] > 60]
        audio = [s for s in stats if s["kind"] == "audio" and s["samples"] > 48000]
        if video and audio:
            break
        await asyncio.sleep(0.25)
    else:
        raise AssertionError(f"Chromium did not play the stream: {stats}")
    assert video[0]["codec"] == "video/H264" and video[0]["width"] == 640
    assert video[0]["keyframes"] <= 3  # it joined on a keyframe and kept decoding
    await stage.end()
    await publisher.close()


async def test_chromium_publishes_to_aiortc_viewers(page: Any) -> None:
    allow_loopback()
    stage = LiveStage("browser-publish")
    offer = await page.evaluate(PUBLISHER_OFFER)
    answer: RTCSessionDescription = await stage.publish(offer["sdp"], offer["type"], "cam")
    await page.evaluate(ANSWER, {"sdp": answer.sdp, "type": answer.type})
    await wait_for(lambda: stage.state == "live")
    watcher = await viewer(stage, decode=True)
    await wait_for(lambda: watcher.video_frames[0] > 30 and watcher.audio_frames[0] > 25, 15)
    assert stage.stats()["seats"][0]["video_frames"] > 30
    await stage.end()
    await watcher.close()

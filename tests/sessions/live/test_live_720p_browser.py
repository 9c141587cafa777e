"""A 720p camera reaches viewers and the recording at 720p (issue #15 item 7).

Debian Chromium's fake camera plays a deterministic 1280x720 Y4M file generated here with
PyAV. Chromium starts a 720p camera at a low bitrate (and so a smaller encoded picture)
and only sends 1280x720 once its bandwidth estimate allows it; the stage answers with
aiortc, whose receiver feeds that estimate with REMB. The test waits for the publisher's
own ``outbound-rtp`` to report 1280x720, then checks a WebRTC viewer's ``<video>`` and the
spooled recording (the HLS segments and the MP4 the library plays).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import pytest
import pytest_asyncio

from sessions.live import LiveStage
from sessions.live.archive import picture_size
from sessions.live.config import LiveConfig
from sessions.live.recorder import assemble_mp4
from tests.support.app import CHROMIUM_ARGS, launched_chromium
from tests.support.live_helpers import ANSWER, VIEWER_OFFER, blank_page, offer_script
from tests.support.media import encode_into

pytestmark = pytest.mark.browser

WIDTH, HEIGHT, FPS = 1280, 720, 30

PUBLISH_720P = offer_script(
    """  const stream = await navigator.mediaDevices.getUserMedia(
    {video: {width: {exact: 1280}, height: {exact: 720}, frameRate: 30}, audio: true});
  const pc = new RTCPeerConnection();
  window.pc = pc;
  for (const track of stream.getTracks()) {
    if (track.kind === 'video') track.contentHint = 'detail';  // as static/js/stage.js
    pc.addTrack(track, stream);
  }"""
)

OUTBOUND = """async () => {
  const stats = await window.pc.getStats();
  let out = null;
  stats.forEach((r) => { if (r.type === 'outbound-rtp' && r.kind === 'video')
    out = {width: r.frameWidth || 0, height: r.frameHeight || 0, fps: r.framesPerSecond || 0,
           bytes: r.bytesSent || 0, limit: r.qualityLimitationReason || ''}; });
  return out;
}"""

VIDEO_SIZE = """() => {
  const v = document.querySelector('video');
  return v ? {width: v.videoWidth, height: v.videoHeight, time: v.currentTime} : null;
}"""


def write_y4m(path: Path, seconds: int = 2) -> None:
    """A deterministic 1280x720 clip: a moving gradient with a bright bar (x264 must work)."""
    with av.open(str(path), "w", format="yuv4mpegpipe") as container:
        stream = container.add_stream("rawvideo", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        encode_into(container, stream, (_picture(index) for index in range(seconds * FPS)))


RAMP = bytes(range(256)) * (WIDTH // 256 + 2)


def _picture(index: int) -> av.VideoFrame:
    frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
    bar = (index * 40) % WIDTH
    rows = []
    for y in range(HEIGHT):
        shift = (index * 8 + y // 2) % 256
        row = bytearray(RAMP[shift : shift + WIDTH])
        row[bar : bar + 40] = b"\xff" * len(row[bar : bar + 40])
        rows.append(bytes(row))
    frame.planes[0].update(b"".join(rows))
    chroma = (WIDTH // 2) * (HEIGHT // 2)
    frame.planes[1].update(bytes([(index * 3) % 256]) * chroma)
    frame.planes[2].update(bytes([(255 - index * 3) % 256]) * chroma)
    frame.pts = index
    frame.time_base = Fraction(1, FPS)
    return frame


@pytest_asyncio.fixture
async def camera_browser(tmp_path: Path) -> AsyncIterator[Any]:
    """A Chromium whose fake camera plays the 720p clip (its own launch: the flag is global)."""
    clip = tmp_path / "camera-720p.y4m"
    write_y4m(clip)
    async with launched_chromium(
        [*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={clip}"]
    ) as browser:
        yield browser


async def poll(page: Any, script: str, check: Any, timeout: float) -> tuple[Any, float]:
    """Evaluate ``script`` until ``check(result)``; returns the result and seconds taken."""
    started = time.monotonic()
    result: Any = None
    while time.monotonic() - started < timeout:
        result = await page.evaluate(script)
        if result and check(result):
            return result, time.monotonic() - started
        await asyncio.sleep(0.25)
    raise AssertionError(f"not reached within {timeout} s: {result}")


async def test_720p_camera_reaches_viewer_and_recording(
    camera_browser: Any, tmp_path: Path
) -> None:
    from tests.support.live_helpers import allow_loopback

    allow_loopback()
    stage = LiveStage("hd", LiveConfig(tmp_path / "spool"))
    speaker = await blank_page(camera_browser)
    offer = await speaker.evaluate(PUBLISH_720P)
    answer = await stage.publish(offer["sdp"], offer["type"], "speaker")
    await speaker.evaluate(ANSWER, {"sdp": answer.sdp, "type": answer.type})

    timeline: list[tuple[float, int, str]] = []

    def reached(sent: dict[str, Any]) -> bool:
        if not timeline or timeline[-1][1] != sent["width"]:
            timeline.append((round(time.monotonic() - started, 1), sent["width"], sent["limit"]))
        return bool(sent["width"] == WIDTH)

    started = time.monotonic()
    sent, ramp = await poll(speaker, OUTBOUND, reached, 60)
    print(f"publisher widths over time (s, px, limited by): {timeline}; 720p after {ramp:.1f} s")
    assert sent["height"] == HEIGHT

    watcher = await blank_page(camera_browser)
    offer = await watcher.evaluate(VIEWER_OFFER, 1)
    answer = await stage.watch(offer["sdp"], offer["type"])
    await watcher.evaluate(ANSWER, {"sdp": answer.sdp, "type": answer.type})
    shown, _ = await poll(watcher, VIDEO_SIZE, lambda v: v["width"] == WIDTH and v["time"] > 2, 30)
    assert (shown["width"], shown["height"]) == (WIDTH, HEIGHT)

    paths = await stage.end()
    assert paths, "nothing was recorded"
    target = tmp_path / "recording.mp4"
    assemble_mp4(paths[0], target)
    with av.open(str(target)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (WIDTH, HEIGHT)
    # the HLS segments' top variant, and the RESOLUTION its multivariant playlist names
    assert picture_size(paths[0] / "init.mp4") == (WIDTH, HEIGHT)

"""Glass-to-glass delay of live HLS in headless Chromium (hls.js), beside WebRTC's, in one run.

A synthetic publisher (640x360, 30 fps; the send time is drawn into every picture, see
``tests.support.synthetic``) publishes over HTTP to a real app server (uvicorn, live
worker process, local storage served by the app). In the same run an aiortc viewer
watches over WebRTC and decodes (capture-to-decode delay), and Chromium plays the talk's
HLS through the page's own player (hls.js). Every 0.5 s the bench copies the playing
picture into a canvas, reads the drawn send time back and subtracts it from the browser's
clock (same machine, same clock).

    .venv/bin/python bench/live_hls_delay.py --seconds 40
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from av.video.frame import VideoFrame

from sessions.live.ice import allow_loopback_candidates
from tests.support.app import CHROMIUM, CHROMIUM_ARGS, _prepare
from tests.support.app_server import start_app_server
from tests.support.live_speaker import StageSpeaker, watch_over_http
from tests.support.loadgen import ProbeViewer
from tests.support.stage import join, speaker_session
from tests.support.synthetic import read_stamp

SPEAKER = "henning.wiebusch@example.org"
STAMP_ROWS = 128  # the drawn stamp: 4 rows of 32-pixel blocks at 640 px width

GRAB = """() => {
  const video = document.querySelector('video[data-hls]');
  if (!video || video.readyState < 2) return null;
  const canvas = document.createElement('canvas');
  canvas.width = 640; canvas.height = 360;
  const g = canvas.getContext('2d');
  g.drawImage(video, 0, 0, 640, 360);
  const now = Date.now();
  const rgba = g.getImageData(0, 0, 640, STAMP_ROWS).data;
  let text = '';
  for (let i = 0; i < rgba.length / 4; i++) {
    const y = 16 + 0.257 * rgba[4 * i] + 0.504 * rgba[4 * i + 1] + 0.098 * rgba[4 * i + 2];
    text += String.fromCharCode(Math.max(0, Math.min(255, Math.round(y))));
  }
  return [now, btoa(text), video.currentTime];
}""".replace("STAMP_ROWS", str(STAMP_ROWS))


def stamp_of(luma_rows: bytes) -> tuple[int, int] | None:
    frame = VideoFrame(640, 360, "yuv420p")
    stride = frame.planes[0].line_size
    rows = [luma_rows[y * 640 : (y + 1) * 640] for y in range(STAMP_ROWS)]
    rows += [b"\x80" * 640] * (360 - STAMP_ROWS)
    frame.planes[0].update(b"".join(row + b"\x80" * (stride - 640) for row in rows))
    return read_stamp(frame)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=40)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}, load {os.getloadavg()}")
    allow_loopback_candidates()
    work = Path(tempfile.mkdtemp(prefix="fair-bench-hls-delay-"))
    url = f"sqlite+aiosqlite:///{work / 'fair.db'}"
    await _prepare(url, seeded=True)
    session_id = speaker_session(work / "fair.db", SPEAKER)
    server = start_app_server(work, url)
    base = server.base_url
    speaker = StageSpeaker(base, session_id, SPEAKER)
    probe: ProbeViewer | None = None
    from playwright.async_api import async_playwright

    try:
        await speaker.publish()
        probe = await watch_over_http(base, session_id)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            context = await browser.new_context()
            await context.add_init_script("sessionStorage.setItem('fair-live-mode', 'hls')")
            page = await context.new_page()
            await page.goto(f"{base}/sessions/{session_id}")
            await join(page, timeout=20_000)
            delays: list[float] = []
            deadline = time.monotonic() + args.seconds + 30
            started: float | None = None
            while time.monotonic() < deadline:
                grabbed: Any = await page.evaluate(GRAB)
                if grabbed:
                    now, luma, position = grabbed
                    stamp = stamp_of(base64.b64decode(luma))
                    if stamp is not None and position > 0:
                        started = started or time.monotonic()
                        delays.append((now - stamp[1]) / 1000)
                if started and time.monotonic() - started > args.seconds:
                    break
                await asyncio.sleep(0.5)
            label = await page.inner_text("[data-live-mode]")
            await browser.close()
        report = probe.report()
        delays.sort()
        print(f"HLS via hls.js: {len(delays)} pictures over {args.seconds} s; page: {label!r}")
        if delays:
            print(
                f"  glass-to-glass p50 {statistics.median(delays):.2f} s, "
                f"p95 {delays[int(len(delays) * 0.95)]:.2f} s, min {delays[0]:.2f} s"
            )
        print(
            f"WebRTC (aiortc viewer, same run): capture-to-decode p50 "
            f"{report['latency_ms_median']} ms, p95 {report['latency_ms_p95']} ms"
        )
    finally:
        if probe is not None:
            await probe.close()
        await speaker.close()
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())

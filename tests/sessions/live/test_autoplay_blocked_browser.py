"""In a Chromium whose autoplay policy blocks sound without a user gesture: the live
picture starts muted (or paused), the page says so, and a named button operated with
the keyboard brings sound and picture back; pause, volume and fullscreen carry names
and state. The viewer joins by a script click (no user activation), as when the player
rejoins by itself after a reconnect or falls back to HLS seconds after the click."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.support.app_server import AppServer
from tests.support.journey_helpers import poll
from tests.support.player import autoplay_note, unmute_by_keyboard
from tests.support.stage import live_room

pytestmark = [pytest.mark.browser, pytest.mark.slow]

JOIN_WITHOUT_ACTIVATION = """
const join = setInterval(() => {
  const root = document.querySelector("[data-live]");
  if (!window.fairLivePlayer || root.dataset.state !== "live") return; // listening, live
  if (navigator.userActivation.isActive) return;
  clearInterval(join);
  root.querySelector("[data-live-join]").click();
  const report = setInterval(() => {
    const tile = root.querySelector("[data-live-player] video[data-autoplay]");
    if (!tile) return;
    clearInterval(report);
    console.log(`autoplay:${tile.dataset.autoplay}`);
  }, 100);
}, 200);
"""


async def _tiles(page: Any) -> list[dict[str, Any]]:
    tiles: list[dict[str, Any]] = await page.evaluate(
        """() => [...document.querySelectorAll('[data-live-player] video')]
             .filter(v => !v.hidden)
             .map(v => ({muted: v.muted, paused: v.paused, volume: v.volume,
                         frames: v.getVideoPlaybackQuality().totalVideoFrames}))"""
    )
    return tiles


async def test_blocked_autoplay_starts_muted_and_the_keyboard_brings_sound(
    live_server: tuple[AppServer, Path], blocking_browser: Any, tmp_path: Path
) -> None:
    async with live_room(blocking_browser, live_server) as room:
        # Playwright's own calls count as user activation, so the page joins by itself
        # (a script click, as a player rejoining after a reconnect) and reports how the
        # browser started the tiles; the test calls nothing on the page until then.
        started: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def on_console(message: Any) -> None:
            if message.text.startswith("autoplay:") and not started.done():
                started.set_result(message.text.removeprefix("autoplay:"))

        viewer = await room.visitor(JOIN_WITHOUT_ACTIVATION, console=on_console)
        try:
            outcome = await asyncio.wait_for(started, timeout=45)
        except TimeoutError:
            state = await viewer.evaluate(
                """() => [document.querySelector('[data-live]').dataset.state,
                   navigator.userActivation.isActive,
                   [...document.querySelectorAll('[data-live-player] video')].map(
                     v => [v.muted, v.paused, v.readyState, v.dataset.autoplay])]"""
            )
            raise AssertionError(f"the player did not start: {state}") from None
        assert outcome in ("muted", "paused"), f"the browser let the tile play with {outcome}"
        tiles = await _tiles(viewer)
        assert tiles and all(t["muted"] or t["paused"] for t in tiles), tiles
        note = await autoplay_note(viewer, tmp_path / "autoplay-blocked.png")
        await unmute_by_keyboard(viewer)

        async def with_sound() -> bool:
            tiles = await _tiles(viewer)
            return bool(tiles) and all(not t["muted"] and not t["paused"] for t in tiles)

        await poll(with_sound, 20, "sound and picture did not come back")
        before = (await _tiles(viewer))[0]["frames"]
        await poll(
            lambda: _frames_above(viewer, before + 10),
            20,
            "the picture does not move after unmuting",
        )
        assert await note.is_hidden()
        assert await viewer.locator("[data-media-mute]").inner_text() == "Ton ausschalten"
        assert await viewer.locator("[data-media-mute]").get_attribute("aria-pressed") == "false"

        # the mode line (a polite live region, redrawn every second) changes only when
        # the mode does: no text mutation in 4 s of the same WebRTC mode
        await viewer.evaluate(
            """() => { window.modeWrites = 0;
                 new MutationObserver((m) => { window.modeWrites += m.length; }).observe(
                   document.querySelector('[data-live-mode]'),
                   {childList: true, characterData: true, subtree: true}); }"""
        )
        await asyncio.sleep(4)
        assert await viewer.evaluate("() => window.modeWrites") == 0

        # pause and play by keyboard, with name and state
        pause = viewer.get_by_role("button", name="Anhalten")
        assert await pause.get_attribute("aria-pressed") == "false"
        await pause.focus()
        await viewer.keyboard.press("Space")
        await poll(lambda: _all(viewer, "paused"), 20, "the pause button did not pause the picture")
        play = viewer.get_by_role("button", name="Abspielen")
        assert await play.get_attribute("aria-pressed") == "true"
        await viewer.keyboard.press("Space")
        await poll(lambda: _none(viewer, "paused"), 20, "the play button did not resume")
        assert (await _tiles(viewer))[0]["muted"] is False

        # volume and fullscreen are named; fullscreen exposes its state
        volume = viewer.get_by_role("slider", name="Lautstärke")
        await volume.focus()
        await viewer.keyboard.press("ArrowLeft")
        assert abs((await _tiles(viewer))[0]["volume"] - 0.9) < 0.01
        fullscreen = viewer.get_by_role("button", name="Vollbild")
        assert await fullscreen.get_attribute("aria-pressed") == "false"
        await fullscreen.focus()
        await viewer.keyboard.press("Enter")
        await poll(
            lambda: viewer.evaluate("() => document.fullscreenElement !== null"),
            5,
            "the player did not go fullscreen",
        )
        exit_button = viewer.get_by_role("button", name="Vollbild beenden")
        assert await exit_button.get_attribute("aria-pressed") == "true"
        await viewer.evaluate("() => document.exitFullscreen()")
        await viewer.screenshot(path=str(tmp_path / "autoplay-sound-on.png"), full_page=True)


async def _frames_above(page: Any, frames: int) -> bool:
    tiles = await _tiles(page)
    return bool(tiles) and tiles[0]["frames"] > frames


async def _all(page: Any, key: str) -> bool:
    tiles = await _tiles(page)
    return bool(tiles) and all(t[key] for t in tiles)


async def _none(page: Any, key: str) -> bool:
    tiles = await _tiles(page)
    return bool(tiles) and not any(t[key] for t in tiles)

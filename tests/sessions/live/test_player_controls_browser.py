"""In Chromium: the live player has sound, volume, fullscreen and picture-in-picture
controls, named and operable with the keyboard alone, and its tiles (one picture per
seat) are named, in German and in English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.app_server import AppServer
from tests.support.journey_helpers import poll
from tests.support.stage import join, live_room

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TILE_NAMES = """() => [...document.querySelectorAll('[data-live-player] video')]
                  .map(v => v.getAttribute('aria-label'))"""


async def _tile_names(page: Any) -> list[str]:
    """The accessible names of the player's tiles, once the first one is there."""
    await page.wait_for_selector("[data-live-player] video[data-seat='0']")
    names: list[str] = await page.evaluate(TILE_NAMES)
    return names


async def _video_state(page: Any) -> dict[str, Any]:
    state: dict[str, Any] = await page.evaluate(
        """() => { const v = document.querySelector('[data-live-player] video');
                   return {muted: v.muted, volume: v.volume}; }"""
    )
    return state


async def test_player_controls_by_keyboard(
    live_server: tuple[AppServer, Path], browser: Any, tmp_path: Path
) -> None:
    async with live_room(browser, live_server) as room:
        viewer = await room.watch(timeout=15_000)
        await viewer.wait_for_selector("[data-media-controls]:not([hidden])")
        # the player is a named region; each tile is named by its seat (the spare seat,
        # hidden until a second publisher arrives, too)
        assert await viewer.get_by_role("region", name="Livebild", exact=True).count() == 1
        names = await _tile_names(viewer)
        assert names == [f"Livebild, Kamera {seat}" for seat in range(1, len(names) + 1)]
        assert await viewer.get_by_label("Livebild, Kamera 1").is_visible()
        english = await room.context()
        await english.request.get(f"{room.base}/lang/en?next=/")
        abroad = await english.new_page()
        await abroad.goto(f"{room.base}/sessions/{room.session_id}")
        await join(abroad, 15_000)
        assert await abroad.get_by_role("region", name="Live picture", exact=True).count() == 1
        names = await _tile_names(abroad)
        assert names == [f"Live picture, camera {seat}" for seat in range(1, len(names) + 1)]
        await abroad.close()
        # every control has an accessible name
        mute = viewer.get_by_role("button", name="Ton ausschalten")
        if await mute.count() == 0:  # the browser started the picture muted (autoplay)
            mute = viewer.get_by_role("button", name="Ton einschalten")
            await mute.focus()
            await viewer.keyboard.press("Enter")
        assert not (await _video_state(viewer))["muted"]
        volume = viewer.get_by_role("slider", name="Lautstärke")
        await volume.focus()
        for _ in range(3):
            await viewer.keyboard.press("ArrowLeft")
        assert abs((await _video_state(viewer))["volume"] - 0.7) < 0.01
        mute = viewer.get_by_role("button", name="Ton ausschalten")
        await mute.focus()
        await viewer.keyboard.press("Space")
        assert (await _video_state(viewer))["muted"]
        button = viewer.locator("[data-media-mute]")  # now named for what it does next
        assert await button.get_attribute("aria-pressed") == "true"
        assert await button.inner_text() == "Ton einschalten"
        fullscreen = viewer.get_by_role("button", name="Vollbild")
        await fullscreen.focus()
        await viewer.keyboard.press("Enter")
        await poll(
            lambda: viewer.evaluate("() => document.fullscreenElement !== null"),
            5,
            "the player did not go fullscreen",
        )
        assert await viewer.evaluate(
            "() => document.fullscreenElement.matches('[data-live-player]')"
        )
        await viewer.keyboard.press("Escape")
        await viewer.evaluate("() => document.fullscreenElement && document.exitFullscreen()")
        pip = viewer.locator("[data-media-pip]")
        pip_supported = await viewer.evaluate("() => document.pictureInPictureEnabled")
        assert await pip.is_hidden() is (not pip_supported)
        if pip_supported:
            await pip.focus()
            await viewer.keyboard.press("Enter")
            await poll(
                lambda: viewer.evaluate("() => !!document.pictureInPictureElement"),
                5,
                "no picture-in-picture",
            )
        await viewer.screenshot(path=str(tmp_path / "player-controls.png"), full_page=True)


# every viewer is beyond the WebRTC limit: the page plays HLS, one player per seat
@pytest.mark.server_env(FAIR_LIVE_WEBRTC_MAX_VIEWERS="0")
async def test_hls_tiles_are_named_too(live_server: tuple[AppServer, Path], browser: Any) -> None:
    async with live_room(browser, live_server) as room:
        viewer = await room.watch(timeout=15_000)
        await viewer.wait_for_selector(".live[data-mode='hls'] video[data-hls]", timeout=30_000)
        names = await _tile_names(viewer)
        assert names == [f"Livebild, Kamera {seat}" for seat in range(1, len(names) + 1)]

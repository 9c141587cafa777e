"""In a Chromium whose autoplay policy blocks sound without a user gesture: a link to a
moment of a recording ("the talk at 2:36") plays from there at once, muted, and the page
says so once; the recording has the live player's named, keyboard-operable controls
(pause, sound, volume, fullscreen with ``aria-pressed``) from the same module, and they
follow the video's own controls."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from fair.storage import LocalStorage
from tests.support.app_server import FIRST_MORNING, start_app_server
from tests.support.player import autoplay_note, unmute_by_keyboard
from tests.support.programme import seed_first_morning_recordings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIDEO = """() => { const v = document.querySelector('figure[data-player] video');
  return {muted: v.muted, paused: v.paused, volume: v.volume, time: v.currentTime,
          autoplay: v.dataset.autoplay || null}; }"""


async def _video(page: Any) -> dict[str, Any]:
    state: dict[str, Any] = await page.evaluate(VIDEO)
    return state


async def _until(page: Any, check: Any, message: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = await _video(page)
        if check(state):
            return state
        assert time.monotonic() < deadline, f"{message}: {state}"
        await asyncio.sleep(0.2)


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_recording_link_starts_muted_and_the_keyboard_brings_sound(
    demo_database_url: str, tmp_path: Path, blocking_browser: Any
) -> None:
    await seed_first_morning_recordings(demo_database_url, LocalStorage(tmp_path / "storage"))
    server = start_app_server(tmp_path, demo_database_url, extra_env={"FAIR_TODAY": FIRST_MORNING})
    context = await blocking_browser.new_context()
    errors: list[str] = []
    try:
        sessions = httpx.get(f"{server.base_url}/api/sessions").json()["sessions"]
        status = httpx.get(f"{server.base_url}/api/sessions/{sessions[0]['id']}").json()
        assert status["recording_status"] == "available", status
        page = await context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        # Without a moment in the link nothing starts by itself; the controls are there.
        await page.goto(status["recording_url"])
        bar = page.locator("[data-media-controls]")
        await bar.wait_for(state="visible", timeout=10_000)
        await asyncio.sleep(1)
        quiet = await _video(page)
        assert quiet["paused"] and quiet["autoplay"] is None, quiet
        assert (
            await page.get_by_role("button", name="Abspielen").get_attribute("aria-pressed")
            == "true"
        ), "the pause button follows the video: it is not playing"

        # The latecomer's link: plays from 2:36 at once, muted, and says why
        await page.goto(f"{status['recording_url']}?t=2m36s")
        state = await _until(page, lambda v: not v["paused"], "the linked moment did not play")
        assert state["autoplay"] == "muted" and state["muted"], state
        assert 155 <= state["time"] <= 170, state
        note = await autoplay_note(page, tmp_path / "recording-muted.png")
        assert "Aufzeichnung" in await note.inner_text()
        await unmute_by_keyboard(page)
        await _until(page, lambda v: not v["muted"] and not v["paused"], "no sound after Enter")
        assert await note.is_hidden()
        mute = page.locator("[data-media-mute]")
        assert await mute.inner_text() == "Ton ausschalten"
        assert await mute.get_attribute("aria-pressed") == "false"

        # pause and play with the keyboard, with name and state
        pause = page.get_by_role("button", name="Anhalten")
        assert await pause.get_attribute("aria-pressed") == "false"
        await pause.focus()
        await page.keyboard.press("Space")
        await _until(page, lambda v: v["paused"], "the pause button did not pause")
        play = page.get_by_role("button", name="Abspielen")
        assert await play.get_attribute("aria-pressed") == "true"
        await page.keyboard.press("Space")
        await _until(page, lambda v: not v["paused"], "the play button did not resume")

        # volume is a named slider; fullscreen names and exposes its state
        volume = page.get_by_role("slider", name="Lautstärke")
        await volume.focus()
        await page.keyboard.press("ArrowLeft")
        assert abs((await _video(page))["volume"] - 0.9) < 0.01
        fullscreen = page.get_by_role("button", name="Vollbild")
        assert await fullscreen.get_attribute("aria-pressed") == "false"
        await fullscreen.focus()
        await page.keyboard.press("Enter")
        deadline = time.monotonic() + 5
        while not await page.evaluate("() => document.fullscreenElement !== null"):
            assert time.monotonic() < deadline, "the recording did not go fullscreen"
            await asyncio.sleep(0.1)
        assert await page.evaluate(
            "() => document.fullscreenElement.matches('figure[data-player]')"
        )
        exit_button = page.get_by_role("button", name="Vollbild beenden")
        assert await exit_button.get_attribute("aria-pressed") == "true"
        await page.screenshot(path=str(tmp_path / "recording-fullscreen.png"))
        await exit_button.press("Enter")
        await page.wait_for_function("() => document.fullscreenElement === null", timeout=5_000)

        # the video's own controls (here: a script, as the native mute button) are followed
        await page.evaluate(
            "() => { document.querySelector('figure[data-player] video').muted = true; }"
        )
        await page.wait_for_function(
            "() => document.querySelector('[data-media-mute]').ariaPressed === 'true'",
            timeout=5_000,
        )
        assert await mute.inner_text() == "Ton einschalten"
        assert await note.is_hidden(), "the note is said once, at the start"
        assert not errors, errors
    finally:
        await context.close()
        server.stop()

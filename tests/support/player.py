"""The media player (live and recording share one module) in a Chromium whose autoplay
policy blocks sound without a user gesture: the note that says so, and the keyboard way
back to sound. The live and the recording player tests check the same promise here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.app import CHROMIUM_ARGS

BLOCKING_ARGS = [arg for arg in CHROMIUM_ARGS if not arg.startswith("--autoplay-policy")] + [
    "--autoplay-policy=user-gesture-required"
]


async def autoplay_note(page: Any, shot: Path) -> Any:
    """The note that the browser blocked the sound: visible, saying "blockiert", a status
    (read out), with the sound button pressed (muted); a full-page screenshot to ``shot``.
    The note, for what the test checks of it later."""
    note = page.locator("[data-media-autoplay-note]")
    await note.wait_for(state="visible", timeout=10_000)
    assert "blockiert" in await note.inner_text()
    assert await note.get_attribute("role") == "status"
    sound = page.get_by_role("button", name="Ton einschalten")
    assert await sound.get_attribute("aria-pressed") == "true"
    await page.screenshot(path=str(shot), full_page=True)
    return note


async def unmute_by_keyboard(page: Any) -> None:
    """Tab from the pause button to the sound button (no pointer) and press Enter."""
    await page.locator("[data-media-pause]").focus()
    await page.keyboard.press("Tab")
    assert await page.evaluate("() => document.activeElement.matches('[data-media-mute]')")
    await page.keyboard.press("Enter")

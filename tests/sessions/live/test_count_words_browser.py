"""static/js/count-words.js in Chromium: when the live viewer count changes, the word
next to it takes the matching plural form the server translated, in both languages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.app_server import AppServer

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("language", "one", "many"),
    [("de", "1 Person schaut zu", "3 Personen schauen zu"), ("en", "1 viewer", "3 viewers")],
)
async def test_viewer_count_words(
    demo_server: AppServer, browser: Any, language: str, one: str, many: str
) -> None:
    async with httpx.AsyncClient() as http:
        sessions = (await http.get(f"{demo_server.base_url}/api/sessions")).json()["sessions"]
    context = await browser.new_context()
    page = await context.new_page()
    # The live player keeps the number in step with the server (0 here: nothing is live);
    # without it, only count-words.js reacts to the numbers this test writes.
    await page.route("**/live-viewer*.js", lambda route: route.abort())
    try:
        await page.goto(f"{demo_server.base_url}/sessions/{sessions[0]['id']}?lang={language}")
        status = page.locator("p.live-status")

        async def shown(count: int) -> str:
            await page.evaluate(
                "n => document.querySelector('[data-live-viewers]').textContent = String(n)",
                count,
            )
            await page.wait_for_function(
                "n => document.querySelector('[data-live-viewers]').textContent === String(n)",
                arg=count,
            )
            text = " ".join((await status.inner_text()).split())
            return text.split("· ", 1)[1]

        assert await shown(1) == one
        assert await shown(3) == many
    finally:
        await context.close()

"""„Jetzt am Stand“ in two Chromium contexts against a real server: the exhibitor opens the
booth page, a visitor sees the line appear without reloading; the exhibitor closes the
page, the line goes within seconds. The cached HTML never carries it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.app_server import AppServer
from tests.support.axe import AXE, axe_violations
from tests.support.browser import logged_in_page

pytestmark = pytest.mark.browser
BOOTH = "owl-schueler-online"  # a krz booth no other browser test looks at
SHOTS = Path(os.environ.get("FAIR_SCREENSHOTS", "/tmp/fair-screenshots"))


async def test_visitor_sees_the_team_member_come_and_go(
    demo_server: AppServer, browser: Any
) -> None:
    visitor_context = await browser.new_context(bypass_csp=True)
    visitor = await visitor_context.new_page()
    url = f"{demo_server.base_url}/booths/{BOOTH}"
    try:
        await visitor.goto(url)
        line = visitor.locator("[data-team-here] p")
        await visitor.wait_for_function(
            "document.querySelector('[data-presence]').textContent !== '–'"
        )
        assert await line.is_hidden()

        context, exhibitor = await logged_in_page(
            browser, demo_server, "aussteller.krz@example.org"
        )
        try:
            await exhibitor.goto(url)
            await line.wait_for(state="visible", timeout=15_000)
            assert (
                " ".join((await line.inner_text()).split())
                == "Jetzt am Stand: Messeteam krz (Standteam)"
            )
            SHOTS.mkdir(parents=True, exist_ok=True)
            await visitor.screenshot(path=str(SHOTS / "team-here.png"))
            if AXE.exists():
                assert await axe_violations(visitor) == []
            # The shared page in the cache does not contain the name.
            async with httpx.AsyncClient() as http:
                html = (await http.get(url)).text
            assert "Messeteam krz (" not in html and "data-team-here" in html
        finally:
            await context.close()  # the exhibitor closes the page
        await line.wait_for(state="hidden", timeout=15_000)
    finally:
        await visitor_context.close()


async def test_english_label(demo_server: AppServer, browser: Any) -> None:
    context, exhibitor = await logged_in_page(browser, demo_server, "aussteller.krz@example.org")
    visitor_context = await browser.new_context()
    visitor = await visitor_context.new_page()
    try:
        await exhibitor.goto(f"{demo_server.base_url}/booths/{BOOTH}")
        await visitor.goto(f"{demo_server.base_url}/booths/{BOOTH}?lang=en")
        line = visitor.locator("[data-team-here] p")
        await line.wait_for(state="visible", timeout=15_000)
        assert (
            " ".join((await line.inner_text()).split())
            == "Booth team online now: Messeteam krz (Booth team)"
        )
    finally:
        await visitor_context.close()
        await context.close()


async def test_available_on_the_dashboard_counts_too(demo_server: AppServer, browser: Any) -> None:
    """A member who marks themselves available for walk-ins on the dashboard is at the
    booth; switching it off takes the line away again."""
    visitor_context = await browser.new_context()
    visitor = await visitor_context.new_page()
    context, exhibitor = await logged_in_page(browser, demo_server, "aussteller.krz@example.org")
    try:
        await visitor.goto(f"{demo_server.base_url}/booths/{BOOTH}")
        line = visitor.locator("[data-team-here] p")
        await exhibitor.goto(f"{demo_server.base_url}/exhibitor")
        card = exhibitor.locator("[data-walkin-team$='/owl-schueler-online/walkin']")
        toggle = card.locator("[data-walkin-toggle]")
        await toggle.click()
        await exhibitor.wait_for_selector(
            "[data-walkin-team$='/owl-schueler-online/walkin'] [aria-pressed=true]"
        )
        await line.wait_for(state="visible", timeout=15_000)
        assert "Messeteam krz" in await line.inner_text()
        await toggle.click()
        await line.wait_for(state="hidden", timeout=15_000)
    finally:
        await context.close()
        await visitor_context.close()

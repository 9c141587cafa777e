"""Helpers for the journey tests: a person at a browser against a real ``fair`` server.

Each journey logs in through the form, follows links and buttons by their visible
names, and saves a screenshot per step under the test's tmp dir (``shots/``), so a
person can look at what the journey saw.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.support.app import DEMO_PASSWORD


class Journey:
    """One person's browser context, with numbered screenshots of every step."""

    def __init__(self, page: Any, shots: Path, who: str) -> None:
        self.page = page
        self.shots = shots
        self.who = who
        self.step = 0
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on(
            "response",
            lambda r: (
                self.errors.append(f"{r.status} {r.url}")
                if r.status >= 500
                or (r.status >= 400 and "favicon" not in r.url and r.status != 401)
                else None
            ),
        )

    async def shot(self, name: str) -> None:
        self.step += 1
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{self.who}-{self.step:02d}-{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)

    async def login(self, base: str, email: str) -> None:
        """Through the header link and the form, as a person would."""
        page = self.page
        await page.goto(f"{base}/")
        await page.get_by_role("link", name="Anmelden").click()
        await page.fill("#email", email)
        await page.fill("#password", DEMO_PASSWORD)
        async with page.expect_navigation():
            await page.click("main button[type=submit]")


async def close_journeys(*journeys: Journey) -> list[str]:
    """Close every context; return what went wrong on their pages, for one assertion."""
    for journey in journeys:
        await journey.page.context.close()
    return [error for journey in journeys for error in journey.errors]


async def open_journey(browser: Any, shots: Path, who: str, **options: Any) -> Journey:
    """A fresh context (no cookies), with a German browser as most visitors have."""
    options.setdefault("locale", "de-DE")
    context = await browser.new_context(accept_downloads=True, **options)
    return Journey(await context.new_page(), shots, who)


async def poll(
    check: Callable[[], Awaitable[Any]], timeout: float, message: str | Callable[[], str]
) -> Any:
    """Wait for a condition; never sleep-and-hope. ``message`` may be a function, for a
    failure text read only when it is needed (a server's log, say)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        assert time.monotonic() < deadline, message() if callable(message) else message
        await asyncio.sleep(0.25)

"""Browser sessions against a real server: a Chromium context logged in through the real
login form (exhibitor, organiser and picture browser tests)."""

from __future__ import annotations

from typing import Any

from tests.support.app import DEMO_PASSWORD
from tests.support.app_server import AppServer


async def logged_in_page(browser: Any, server: AppServer, email: str, **options: Any) -> Any:
    context = await browser.new_context(**options)
    page = await context.new_page()
    await page.goto(f"{server.base_url}/login")
    await page.fill("#email", email)
    await page.fill("#password", DEMO_PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_load_state()
    return context, page

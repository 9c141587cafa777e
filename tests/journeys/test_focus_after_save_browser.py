"""In Chromium with the keyboard alone: after a save that comes back to the same page,
focus is on the status message; after a refused save, on the error. Beyond the booth
editor (tests/journeys/test_accessibility_keyboard.py): event branding and the FAQ admin, both
through static/js/forms.js, which the base layout loads on every page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.support.a11y_helpers import focused, log_in, wait_until
from tests.support.app_server import AppServer

pytestmark = pytest.mark.browser

ORGANISER = "orga@example.org"
FOCUS_ON_STATUS = "() => document.activeElement.matches('main .notice[role=status]')"


@pytest_asyncio.fixture
async def organiser_page(demo_server: AppServer, browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        await log_in(context, demo_server.base_url, ORGANISER, "de")
        yield await context.new_page()
    finally:
        await context.close()


async def _submit_with_enter(page: Any, field: str) -> None:
    await page.focus(field)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")


async def test_branding_save_and_refusal_move_focus(
    demo_server: AppServer, organiser_page: Any
) -> None:
    page = organiser_page
    await page.goto(f"{demo_server.base_url}/organiser/branding")
    name = await page.input_value("#brand-name")
    await _submit_with_enter(page, "#brand-name")
    assert re.search(r"saved=1", page.url)
    await wait_until(page, FOCUS_ON_STATUS)
    await focused(page)
    assert await page.evaluate("() => document.activeElement.textContent") == "Gespeichert."
    # a refused accent: the same form again, focus on the error tied to the field
    await page.fill("#brand-accent", "#ffff00")  # too little contrast with white
    await _submit_with_enter(page, "#brand-accent")
    await wait_until(page, "() => document.activeElement.id === 'error-summary'")
    assert await page.get_attribute("#brand-accent", "aria-invalid") == "true"
    assert await page.input_value("#brand-name") == name


async def test_faq_admin_save_moves_focus_to_the_status(
    demo_server: AppServer, organiser_page: Any
) -> None:
    page = organiser_page
    await page.goto(f"{demo_server.base_url}/organiser/faq")
    await page.focus("#faq-question")
    await page.keyboard.type("Gibt es eine Garderobe?")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Nein, die Messe ist virtuell.")
    await page.keyboard.press("Tab")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await wait_until(page, FOCUS_ON_STATUS)
    await focused(page)
    assert "Gibt es eine Garderobe?" in await page.inner_text("main")

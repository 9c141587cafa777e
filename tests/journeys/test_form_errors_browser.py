"""In Chromium, a refused event set-up form as an organiser meets it with the keyboard:
the same page again, focus on the error summary, its link leading to the field, the
field marked and described, what was typed still there; in German and English.
Screenshots go to the same folder as the other accessibility checks', to look at."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.journeys.test_accessibility_keyboard import SHOTS
from tests.support.a11y_helpers import focused, page_as, wait_until
from tests.support.app_server import AppServer

pytestmark = pytest.mark.browser

ORGANISER = "orga@example.org"


@pytest_asyncio.fixture
async def context(browser: Any) -> AsyncIterator[Any]:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield ctx
    finally:
        await ctx.close()


async def _refused(page: Any, submit: str, field: str, message: str, shot: str) -> None:
    """Send the form with Enter on ``submit``; then focus is on the summary, which names
    ``message`` and links to ``field``; the link moves focus there."""
    await page.focus(submit)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await wait_until(page, "() => document.activeElement.id === 'error-summary'")
    assert await page.get_attribute(f"#{field}", "aria-invalid") == "true"
    described = str(await page.get_attribute(f"#{field}", "aria-describedby")).split()
    assert await page.inner_text(f"#{described[0]}") == message
    assert message in await page.inner_text("#error-summary")
    SHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{shot}.png"))
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.getAttribute('href')") == f"#{field}"
    await focused(page)
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == field
    await focused(page)


async def test_a_refused_day_in_german_opens_its_form_with_the_error(
    a11y_server: AppServer, context: Any
) -> None:
    base = a11y_server.base_url
    page = await page_as(context, base, ORGANISER, "de", "/organiser/series")
    await page.goto(
        base + str(await page.get_attribute('main a[href^="/organiser/series/"]', "href"))
    )
    day = page.locator("main details.card").first
    prefix = str(await day.locator("input[name=title]").get_attribute("id")).removesuffix("-title")
    await day.locator("summary").click()
    await page.fill(f"#{prefix}-title", "Neues Motto, das bleiben muss")
    await page.fill(f"#{prefix}-starts", "15:00")
    await page.fill(f"#{prefix}-ends", "14:00")
    await _refused(
        page, f"details:has(#{prefix}-title) form:has(#{prefix}-ends) button[type=submit]",
        f"{prefix}-ends", "muss nach dem Beginn liegen", "form-error-setup-day-de",
    )  # fmt: skip
    assert await page.input_value(f"#{prefix}-title") == "Neues Motto, das bleiben muss"
    assert await page.evaluate("document.documentElement.lang") == "de"


async def test_a_refused_topic_in_english_keeps_the_other_name(
    a11y_server: AppServer, context: Any
) -> None:
    base = a11y_server.base_url
    page = await page_as(context, base, ORGANISER, "en", "/organiser/topics")
    row = page.locator("main ul.plain li").first
    german = str(await row.locator("input[name=name_de]").get_attribute("id"))
    english = str(await row.locator("input[name=name_en]").get_attribute("id"))
    await page.fill(f"#{german}", "Neuer Name")
    await page.fill(f"#{english}", "   ")  # whitespace only: the browser lets it through
    await _refused(
        page, f"form:has(#{english}) button[type=submit]", english, "This field is required",
        "form-error-setup-topic-en",
    )  # fmt: skip
    assert await page.input_value(f"#{german}") == "Neuer Name"
    assert await page.evaluate("document.documentElement.lang") == "en"

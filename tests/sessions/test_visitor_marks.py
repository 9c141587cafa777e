"""Visitors see what is over in the programme, and a saved talk's button says "Gemerkt"
(a real browser: the agenda is kept in localStorage)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import lxml.html
from sqlalchemy import select, update
from starlette.applications import Starlette

from fair.app_services import app_services
from sessions.models import ProgrammeSession
from tests.support.app_server import AppServer


async def test_programme_marks_what_is_over(client: httpx.AsyncClient, demo_app: Starlette) -> None:
    async with app_services(demo_app).db.session() as db:
        first, second = (await db.scalars(select(ProgrammeSession.id).limit(2))).all()
        now = app_services(demo_app).settings.now()  # the fair's clock (tests pin FAIR_TODAY)
        await db.execute(
            update(ProgrammeSession)
            .where(ProgrammeSession.id == first)
            .values(starts_at=now - timedelta(hours=2), duration_minutes=60)
        )
        await db.execute(
            update(ProgrammeSession)
            .where(ProgrammeSession.id == second)
            .values(starts_at=now + timedelta(hours=1), duration_minutes=60)
        )
        await db.commit()
    for lang, word in (("de", "beendet"), ("en", "ended")):
        page = lxml.html.fromstring((await client.get(f"/programme?lang={lang}")).text)
        past = page.xpath(f"//li[@data-session-id='{first}']")[0]
        future = page.xpath(f"//li[@data-session-id='{second}']")[0]
        assert past.get("data-over") is not None
        (badge,) = past.xpath(".//*[@data-session-state='ended']")
        assert word in badge.text_content()
        assert future.get("data-over") is None
        assert not future.xpath(".//*[@data-session-state]")


async def test_saved_talk_button_says_so(demo_server: AppServer, browser: Any) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    try:
        await page.goto(f"{demo_server.base_url}/programme")
        button = page.locator("[data-star]").first
        label = button.locator("[data-star-label]")
        assert (await label.text_content()) == "Merken"
        await button.click()
        assert (await label.text_content()) == "Gemerkt"
        assert await button.get_attribute("aria-pressed") == "true"
        await page.reload()
        assert (
            await page.locator("[data-star]").first.locator("[data-star-label]").text_content()
        ) == "Gemerkt"
        await page.locator("[data-star]").first.click()
        assert (
            await page.locator("[data-star]").first.locator("[data-star-label]").text_content()
        ) == "Merken"
    finally:
        await context.close()

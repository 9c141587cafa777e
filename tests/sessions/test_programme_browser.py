"""The programme's ES modules in headless Chromium against a real server: the Q&A list
reorders live, chat and presence, the personal agenda in localStorage, and Q&A without JS."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from tests.support.app_server import AppServer

pytestmark = pytest.mark.browser


def _session_path(server: AppServer, index: int) -> str:
    sessions = httpx.get(f"{server.base_url}/api/sessions").json()["sessions"]
    return f"/sessions/{sessions[index]['id']}"


async def _presence(page: Any, count: int) -> None:
    """Wait for the presence count (a locator, since the CSP forbids evaluated strings)."""
    await page.locator("[data-presence]").filter(has_text=re.compile(rf"^{count}$")).wait_for()


async def test_questions_votes_and_chat_update_live(demo_server: AppServer, browser: Any) -> None:
    url = demo_server.base_url + _session_path(demo_server, 7)
    asker = await browser.new_context()
    watcher = await browser.new_context()
    errors: list[str] = []
    try:
        a = await asker.new_page()
        b = await watcher.new_page()
        for page in (a, b):
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(url)
        await _presence(b, 2)
        first, second = (f"Frage {uuid.uuid4().hex[:6]}" for _ in range(2))
        await a.fill("#qa-name", "Ada")
        for text in (first, second):
            await a.fill("#qa-body", text)
            await a.click("[data-qa-form] button[type=submit]")
            await b.locator("[data-qa-list] li", has_text=text).wait_for()
        assert a.url == url  # posted in the background, no reload
        # B votes for the second question: it moves to the top on both pages.
        await b.locator("[data-qa-list] li", has_text=second).get_by_role("button").click()
        for page in (a, b):
            top = page.locator("[data-qa-list] li").first
            await top.filter(has_text=second).wait_for()
            assert re.search(r"\b1\b", await top.locator(".muted").inner_text())
        # Chat: sent on A, shown on B as text.
        await a.fill("#chat-name", "Ada")
        await a.fill("#chat-text", "<b>Hallo</b> aus dem Browser")
        await a.click("[data-chat-form] button[type=submit]")
        line = b.locator("[data-chat-log] li", has_text="aus dem Browser")
        await line.wait_for()
        # As text, with the time it was sent (the team badge only for a booth's team).
        assert re.fullmatch(r"\d\d:\d\d Ada: <b>Hallo</b> aus dem Browser", await line.inner_text())
        await asker.close()
        await _presence(b, 1)
    finally:
        await watcher.close()
    assert errors == []


async def test_personal_agenda_in_the_browser(demo_server: AppServer, browser: Any) -> None:
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{demo_server.base_url}/programme")
        stars = page.locator("[data-star]")
        await stars.first.wait_for(state="visible")
        first_id = await stars.nth(0).get_attribute("data-star")
        third_id = await stars.nth(2).get_attribute("data-star")
        await stars.nth(0).click()
        await stars.nth(2).click()
        assert await stars.nth(0).get_attribute("aria-pressed") == "true"
        await page.goto(f"{demo_server.base_url}/agenda")
        visible = page.locator("#agenda-list > li:visible")
        assert await visible.count() == 2
        href = await page.get_attribute("#agenda-ics", "href")
        assert href == f"/schedule.ics?sessions={','.join(sorted([first_id, third_id], key=int))}"
        calendar = httpx.get(demo_server.base_url + href)
        assert calendar.text.count("BEGIN:VEVENT") == 2
    finally:
        await context.close()


async def test_question_without_javascript(demo_server: AppServer, browser: Any) -> None:
    context = await browser.new_context(java_script_enabled=False)
    try:
        page = await context.new_page()
        url = demo_server.base_url + _session_path(demo_server, 8)
        await page.goto(url)
        text = f"Ohne JS {uuid.uuid4().hex[:6]}"
        await page.fill("#qa-name", "Lin")
        await page.fill("#qa-body", text)
        await page.click("[data-qa-form] button[type=submit]")
        await page.wait_for_load_state()
        assert text in await page.locator("[data-qa-list]").inner_text()
        assert await page.locator("[data-star]").first.is_hidden()
    finally:
        await context.close()


async def test_moderator_pins_and_hides_live(demo_server: AppServer, browser: Any) -> None:
    path = _session_path(demo_server, 9)
    url = demo_server.base_url + path
    moderator = await browser.new_context(locale="de-DE")
    audience = await browser.new_context(locale="de-DE")
    try:
        page = await moderator.new_page()
        await page.goto(f"{demo_server.base_url}/login?next={path}")
        await page.fill("#email", "orga@example.org")
        await page.fill("#password", "demo-passwort")
        await page.click("form.stack button[type=submit]")
        await page.wait_for_url(url)
        viewer = await audience.new_page()
        await viewer.goto(url)
        tag = uuid.uuid4().hex[:6]
        await viewer.fill("#qa-name", "Lin")
        for text in (f"Erste {tag}", f"Zweite {tag}"):
            await viewer.fill("#qa-body", text)
            await viewer.click("[data-qa-form] button[type=submit]")
            await page.locator("[data-qa-list] li", has_text=text).wait_for()
        second = page.locator("[data-qa-list] li", has_text=f"Zweite {tag}")
        await second.get_by_role("button", name="Anheften").click()
        await viewer.locator("[data-qa-list] li").first.filter(has_text=f"Zweite {tag}").wait_for()
        await second.get_by_role("button", name="Ausblenden").click()
        await viewer.locator("[data-qa-list] li", has_text=f"Zweite {tag}").wait_for(
            state="detached"
        )
        assert await viewer.locator("[data-qa-list] li", has_text=f"Erste {tag}").count() == 1
    finally:
        await moderator.close()
        await audience.close()


async def test_programme_and_organiser_pages_pass_axe(demo_server: AppServer, browser: Any) -> None:
    from tests.support.axe import AXE, axe_violations

    if not AXE.exists():
        pytest.skip("axe-core not installed (npm install)")
    context = await browser.new_context(bypass_csp=True, locale="de-DE")
    problems = {}
    try:
        page = await context.new_page()
        for path in ("/agenda", "/programme?by=stage", "/programme?by=topic&lang=en"):
            await page.goto(demo_server.base_url + path)
            if violations := await axe_violations(page):
                problems[path] = violations
        await page.goto(f"{demo_server.base_url}/login")
        await page.fill("#email", "orga@example.org")
        await page.fill("#password", "demo-passwort")
        await page.click("form.stack button[type=submit]")
        await page.wait_for_url(f"{demo_server.base_url}/organiser/programme")  # role home
        for path in (
            "/organiser/programme",
            "/organiser/programme/new",
            "/organiser/programme/import",
            "/organiser/faq",
            _session_path(demo_server, 0),
            "/organiser/programme/{}/edit".format(_session_path(demo_server, 0).rsplit("/", 1)[1]),
        ):
            await page.goto(demo_server.base_url + path)
            if violations := await axe_violations(page):
                problems[path] = violations
    finally:
        await context.close()
    assert problems == {}

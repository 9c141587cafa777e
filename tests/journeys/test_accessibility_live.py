"""In Chromium: what axe cannot see on the live pages. Status lines are announced only
when they change (not on every 3 s poll), the Q&A list is no live region (a status line
announces new and newly answered questions once), focus stays on the same question when
others' votes re-order the list, and the stage's controls expose their state: disabled
buttons are disabled and look it, "Bildschirm teilen" has aria-pressed, and a button that
disables itself hands focus to the next control."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.a11y_helpers import (
    focused,
    log_in,
    page_as,
    wait_until,
)
from tests.support.app_server import AppServer
from tests.support.axe import axe_violations
from tests.support.journey_helpers import poll
from tests.support.stage import frames_decoded, live_room

pytestmark = pytest.mark.browser

SPEAKER = "henning.wiebusch@example.org"

# Counts every change to the text of an element (a live region re-announces on each).
WATCH = """sel => {
  window.__changes = window.__changes || {};
  window.__changes[sel] = 0;
  new MutationObserver(() => { window.__changes[sel] += 1; }).observe(
    document.querySelector(sel), {childList: true, characterData: true, subtree: true});
}"""


async def _stage_path(context: Any, base: str) -> str:
    page = await (await context.request.get(f"{base}/speaker")).text()
    found = re.search(r'href="(/sessions/\d+/stage)"', page)
    assert found is not None
    return found.group(1)


async def _polls(page: Any, count: int) -> None:
    """Wait for ``count`` answers of the page's status poll (GET …/live)."""
    for _ in range(count):
        async with page.expect_response(
            lambda r: (
                re.search(r"/sessions/\d+/live(\?|$)", r.url) is not None
                and r.request.method == "GET"
            ),
            timeout=20_000,
        ):
            pass


async def test_stage_controls_state_focus_and_quiet_status(
    a11y_server: AppServer, browser: Any
) -> None:
    base = a11y_server.base_url
    context = await browser.new_context(permissions=["camera", "microphone"])
    try:
        await log_in(context, base, SPEAKER, "de")
        page = await context.new_page()
        await page.goto(base + await _stage_path(context, base))
        screen = page.locator("[data-stage-screen-share]")
        assert await screen.get_attribute("aria-pressed") == "false"
        for selector in ("[data-stage-go-live]", "[data-stage-screen-share]", "[data-stage-stop]"):
            button = page.locator(selector)
            assert await button.is_disabled()
            opacity = await button.evaluate("b => Number(getComputedStyle(b).opacity)")
            assert opacity <= 0.6, f"{selector} is disabled but looks enabled"
        # the status line is announced only when it changes: two polls rewrite nothing
        assert await page.get_attribute("[data-stage-state]", "role") == "status"
        assert await page.locator(".live-status[aria-live]").count() == 0
        await page.evaluate(WATCH, "[data-stage-state]")
        await page.evaluate(WATCH, "[data-stage-session-state]")
        await _polls(page, 2)
        changes = await page.evaluate("window.__changes")
        assert changes == {"[data-stage-state]": 0, "[data-stage-session-state]": 0}
        # the camera button disables itself: focus goes on to "Live gehen"
        camera = page.locator("[data-stage-camera]")
        await camera.focus()
        await page.keyboard.press("Enter")
        await wait_until(page, "() => document.activeElement.matches('[data-stage-go-live]')")
        assert await camera.is_disabled()
        await focused(page)
    finally:
        await context.close()


async def test_viewer_status_line_is_quiet_between_changes(
    a11y_server: AppServer, browser: Any
) -> None:
    base = a11y_server.base_url
    context = await browser.new_context()
    try:
        page = await page_as(context, base, None, "de", "/programme")
        session = await page.get_attribute(".session-item a:has(strong)", "href")
        await page.goto(f"{base}{session}")
        assert await page.get_attribute("[data-live-state]", "role") == "status"
        await page.evaluate(WATCH, "[data-live-state]")
        await _polls(page, 2)
        assert await page.evaluate("window.__changes['[data-live-state]']") == 0
    finally:
        await context.close()


async def _ask(context: Any, base: str, session: str, body: str) -> None:
    page = await (await context.request.get(f"{base}{session}")).text()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token is not None
    answer = await context.request.post(
        f"{base}{session}/questions",
        form={"csrf_token": token.group(1), "author_name": "Gast", "body": body},
        headers={"Accept": "application/json", "X-CSRF-Token": token.group(1)},
    )
    assert answer.ok, await answer.text()


async def test_qa_announces_only_new_questions_and_keeps_focus(
    a11y_server: AppServer, browser: Any, tmp_path: Path
) -> None:
    base = a11y_server.base_url
    other = await browser.new_context()
    context = await browser.new_context()
    try:
        await log_in(context, base, None, "de")
        await log_in(other, base, None, "de")
        page = await context.new_page()
        await page.goto(f"{base}/programme")
        session = str(await page.get_attribute(".session-item a:has(strong)", "href"))
        await _ask(other, base, session, "Erste Frage: wie lange dauert das?")
        await _ask(other, base, session, "Zweite Frage: was kostet das?")
        await page.goto(f"{base}{session}")
        assert await page.locator("[data-qa-list][aria-live]").count() == 0
        await page.wait_for_selector("[data-qa-list] li[data-question-id]")
        first = page.locator("[data-qa-list] li", has_text="Erste Frage")
        first_id = await first.get_attribute("data-question-id")
        second_id = await page.locator("[data-qa-list] li", has_text="Zweite Frage").get_attribute(
            "data-question-id"
        )
        # the live channel is connected once a re-render from an event shows up; the
        # first event (a new question) is announced
        await page.evaluate(WATCH, "[data-qa-announce]")
        await _ask(other, base, session, "Dritte Frage: gibt es Folien?")
        announcer = page.locator("[data-qa-announce]")
        await wait_until(
            page,
            "() => document.querySelector('[data-qa-announce]').textContent.includes('Dritte')",
        )
        assert (await announcer.inner_text()).startswith("Neue Frage: Dritte Frage")
        # focus on the first question's vote button; someone else votes for the second:
        # the list re-renders and re-orders, nothing is announced, focus stays put
        vote = page.locator(f"[data-qa-list] li[data-question-id='{first_id}'] button").first
        await vote.focus()
        before = await page.evaluate("window.__changes['[data-qa-announce]']")
        token_page = await (await other.request.get(f"{base}{session}")).text()
        token = re.search(r'name="csrf-token" content="([^"]+)"', token_page)
        assert token is not None
        voted = await other.request.post(
            f"{base}{session}/questions/{second_id}/vote",
            form={"csrf_token": token.group(1)},
            headers={"Accept": "application/json", "X-CSRF-Token": token.group(1)},
        )
        assert voted.ok, await voted.text()
        await wait_until(
            page,
            f"""() => document.querySelector("[data-qa-list] li[data-question-id='{second_id}']")
                  .textContent.includes('1 Stimme')""",
        )
        assert await page.evaluate("window.__changes['[data-qa-announce]']") == before
        holder = await page.evaluate(
            "document.activeElement.closest('li[data-question-id]')?.dataset.questionId"
        )
        assert holder == first_id
        await focused(page)
        # voting oneself keeps focus on the (now used) button, which says so
        await page.keyboard.press("Enter")
        await wait_until(
            page,
            f"""() => document.querySelector("[data-qa-list] li[data-question-id='{first_id}']")
                  .textContent.includes('1 Stimme')""",
        )
        assert await page.evaluate("document.activeElement.getAttribute('aria-disabled')") == "true"
    finally:
        await context.close()
        await other.close()


async def test_watching_live_by_keyboard_keeps_focus_and_passes_axe(
    live_server: tuple[AppServer, Path], browser: Any
) -> None:
    async with live_room(browser, live_server) as room:
        viewer = await room.visitor()
        await viewer.wait_for_selector(".live[data-state='live'] [data-live-join]:not([hidden])")
        join = viewer.locator("[data-live-join]")
        await join.focus()
        await viewer.keyboard.press("Enter")
        # "Live ansehen" hides itself: focus is on the picture (with a ring), not the body
        await wait_until(viewer, "() => document.querySelector('[data-live-join]').hidden")
        assert await viewer.evaluate("document.activeElement.matches('[data-live-player]')")
        await focused(viewer)
        await poll(lambda: frames_decoded(viewer), 20, "the viewer saw no picture")
        # the tiles arrived under it: focus is still on the picture
        assert await viewer.evaluate("document.activeElement.matches('[data-live-player]')")
        assert await axe_violations(viewer) == []
        assert await viewer.locator("[data-live-player] video").count() >= 1
        assert await room.speaker.locator(".stage[data-state='live']").count() == 1
        assert await axe_violations(room.speaker) == []


async def test_stage_by_keyboard_keeps_focus_and_presses_screen_share(
    live_server: tuple[AppServer, Path], browser: Any
) -> None:
    async with live_room(browser, live_server, until="camera") as room:
        stage = room.speaker
        # "Live gehen" disables itself: focus waits on the status line, then moves on to
        # "Senden pausieren" once the stage is live
        await stage.locator("[data-stage-go-live]").focus()
        await stage.keyboard.press("Enter")
        await stage.wait_for_selector(".stage[data-state='live']", timeout=20_000)
        await wait_until(stage, "() => document.activeElement.matches('[data-stage-stop]')")
        await focused(stage)
        share = stage.locator("[data-stage-screen-share]")
        assert await share.get_attribute("aria-pressed") == "false"
        await share.focus()
        # headless Chromium's getDisplayMedia (--use-fake-ui-for-media-stream) captures
        # a fake screen; Enter is the user gesture it asks for
        await stage.keyboard.press("Enter")
        await stage.locator("[data-stage-screen-share][aria-pressed='true']").wait_for()
        await wait_until(
            stage, "() => document.querySelector('[data-stage-screen]').videoWidth > 0"
        )
        # the screen is really sent: the server counts it as a second publisher
        await wait_until(
            stage, "() => document.querySelector('[data-stage-publishers]').textContent === '2'"
        )
        assert await share.is_enabled()
        assert await stage.evaluate("document.activeElement.matches('[data-stage-screen-share]')")
        await focused(stage)
        await stage.keyboard.press("Enter")  # stop sharing
        await stage.locator("[data-stage-screen-share][aria-pressed='false']").wait_for()
        assert await stage.locator("[data-stage-screen]").is_hidden()
        # the stage says what is sent now: the camera only (the screen's seat stays in
        # the picture's layout and the recording, but nothing arrives on it)
        await wait_until(
            stage, "() => document.querySelector('[data-stage-publishers]').textContent === '1'"
        )
        await focused(stage)
        # "Senden pausieren" disables itself: focus goes back to "Live gehen"
        await stage.locator("[data-stage-stop]").focus()
        await stage.keyboard.press("Enter")
        await wait_until(stage, "() => document.activeElement.matches('[data-stage-go-live]')")
        assert await stage.locator("[data-stage-stop]").is_disabled()
        await focused(stage)

"""Exhibition hall pages in headless Chromium against a real server: axe-core WCAG 2.1
A/AA on the exhibitor and organiser pages, uploads with and without JavaScript (the
progress module must not break under the CSP), the contact form without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest

from fair.seed import tiny_pdf
from tests.support.app_server import AppServer
from tests.support.axe import AXE, axe_problems
from tests.support.browser import logged_in_page

pytestmark = pytest.mark.browser
BOOTH = "ac-digicheck"  # krz; the shared demo server's other tests look at other booths


@pytest.mark.parametrize("language", ["de", "en"])
async def test_exhibitor_and_organiser_pages_pass_axe(
    demo_server: AppServer, browser: Any, language: str
) -> None:
    if not AXE.exists():
        pytest.skip("axe-core not installed (npm install)")
    problems: dict[str, Any] = {}
    for email, paths in (
        ("aussteller.krz@example.org", ["/exhibitor", f"/booths/{BOOTH}/edit"]),
        ("orga@example.org", ["/organiser/booths", "/organiser/legal/barrierefreiheit"]),
    ):
        context, page = await logged_in_page(browser, demo_server, email, bypass_csp=True)
        try:
            problems |= await axe_problems(page, demo_server.base_url, paths, language)
        finally:
            await context.close()
    assert problems == {}


@pytest.mark.parametrize("javascript", [True, False])
async def test_upload_from_the_edit_page(
    demo_server: AppServer, browser: Any, javascript: bool, tmp_path: Any
) -> None:
    title = f"Browser-Upload {'mit' if javascript else 'ohne'} JS"
    pdf = tmp_path / "info.pdf"
    pdf.write_bytes(tiny_pdf(title))
    context, page = await logged_in_page(
        browser, demo_server, "aussteller.krz@example.org", java_script_enabled=javascript
    )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on(
        "response",
        lambda r: errors.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    try:
        await page.goto(f"{demo_server.base_url}/booths/{BOOTH}/edit")
        await page.fill("#new-title", title)
        await page.set_input_files("#new-file", str(pdf))
        if javascript:
            status = page.locator("form:has(#new-file) .upload-status")
            assert "info.pdf" in (await status.text_content() or "")
        async with page.expect_navigation():
            await page.click("form:has(#new-file) button[type=submit]")
        assert "saved=1" in page.url
        assert await page.locator(f"text={title}").count() >= 1
        await page.goto(f"{demo_server.base_url}/booths/{BOOTH}")
        link = page.locator(f"a:has-text('{title}')")
        href = await link.get_attribute("href")
        assert href is not None and href.endswith("/download")
    finally:
        await context.close()
    assert errors == []


async def test_contact_form_works_without_javascript(demo_server: AppServer, browser: Any) -> None:
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    try:
        await page.goto(f"{demo_server.base_url}/booths/{BOOTH}")
        await page.fill("#cr-name", "Bea Browser")
        await page.fill("#cr-email", "bea@example.org")
        await page.fill("#cr-message", "Bitte melden Sie sich.")
        await page.check("#cr-consent")
        await page.click("#contact-form button[type=submit]")
        await page.wait_for_load_state()
        assert "sent=1" in page.url
        assert await page.locator("#contact-form .notice").count() == 1
    finally:
        await context.close()


async def test_refused_upload_shows_the_message_in_place(
    demo_server: AppServer, browser: Any, tmp_path: Any
) -> None:
    fake = tmp_path / "angebot.pdf"
    fake.write_bytes(b"<!doctype html><html><script>alert(1)</script></html>")
    context, page = await logged_in_page(browser, demo_server, "aussteller.krz@example.org")
    try:
        await page.goto(f"{demo_server.base_url}/booths/{BOOTH}/edit")
        await page.set_input_files("#new-file", str(fake))
        await page.click("form:has(#new-file) button[type=submit]")
        status = page.locator("form:has(#new-file) .upload-status")
        await status.filter(has_text="Dateityp nicht erlaubt").wait_for(timeout=10_000)
        assert page.url.endswith(f"/booths/{BOOTH}/edit")  # still on the form
        assert await page.locator("form:has(#new-file) button[type=submit]").is_enabled()
    finally:
        await context.close()


async def test_booth_page_chat_connects(demo_server: AppServer, browser: Any) -> None:
    """The programme package's booth chat, included on the booth page, works under CSP."""
    context = await browser.new_context()
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: errors.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    try:
        await page.goto(f"{demo_server.base_url}/booths/{BOOTH}")
        await page.locator("[data-chat-form]").wait_for(state="visible", timeout=10_000)
        await page.fill("#chat-name", "Gast")
        await page.fill("#chat-text", "Hallo Stand!")
        await page.click("[data-chat-form] button[type=submit]")
        await page.locator("[data-chat-log] li", has_text="Hallo Stand!").wait_for(timeout=10_000)
    finally:
        await context.close()
    assert errors == []

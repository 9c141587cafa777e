"""A visitor's contact request as people live it, in headless Chromium against a real
server that sends mail to a real SMTP server: the form, the exhibitor's inbox with the
chosen contact person, the withdrawal link from the mail, and axe-core on every step."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.app import DEMO_PASSWORD, TemplateDatabases
from tests.support.app_server import start_app_server
from tests.support.axe import AXE, axe_violations
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.browser
BOOTH = "owl-schueler-online"  # krz
SHOTS = os.environ.get("FAIR_TEST_SCREENSHOTS", "")


async def _shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


async def _no_axe_violations(page: Any, where: str, problems: dict[str, Any]) -> None:
    if AXE.exists():
        violations = await axe_violations(page)
        if violations:
            problems[where] = violations


async def test_contact_request_mail_inbox_and_withdrawal(
    browser: Any, template_databases: TemplateDatabases, tmp_path: Path
) -> None:
    database_url = await template_databases.sqlite(seeded=True)
    problems: dict[str, Any] = {}
    with SmtpServer() as smtp:
        server = start_app_server(tmp_path, database_url, extra_env={"FAIR_SMTP_URL": smtp.url})
        try:
            visitor = await browser.new_context(bypass_csp=True)
            page = await visitor.new_page()
            await page.goto(f"{server.base_url}/booths/{BOOTH}")
            person = (await page.locator("#cr-contact option").nth(1).text_content() or "").strip()
            person_name = person.split(" – ")[0]
            await page.fill("#cr-name", "Bea Browser")
            await page.fill("#cr-email", "bea@example.org")
            await page.select_option("#cr-contact", index=1)
            await page.fill("#cr-message", "Wie melden wir unsere Schule an?")
            await page.check("#cr-consent")
            await page.click("#contact-form button[type=submit]")
            await page.wait_for_load_state()
            notice = page.locator("#contact-form .notice")
            assert "Bestätigung per E-Mail" in (await notice.text_content() or "")
            await _no_axe_violations(page, "booth after sending", problems)
            await notice.scroll_into_view_if_needed()
            await _shot(page, "01-sent")

            mails = {str(m["To"]): m for m in smtp.wait_for(2, timeout=20)}
            body = mails["bea@example.org"].get_body(("plain",))
            assert body is not None
            link = re.search(r"http://\S+/contact-requests/withdraw/\S+", body.get_content())
            assert link is not None
            exhibitor_text = mails["aussteller.krz@example.org"].get_body(("plain",))
            assert exhibitor_text is not None and person_name in exhibitor_text.get_content()

            exhibitor = await browser.new_context(bypass_csp=True)
            inbox = await exhibitor.new_page()
            await inbox.goto(f"{server.base_url}/login?next=/booths")
            await inbox.fill("#email", "aussteller.krz@example.org")
            await inbox.fill("#password", DEMO_PASSWORD)
            await inbox.click("main button[type=submit]")
            await inbox.wait_for_load_state()
            badge = inbox.locator("[data-unread-badge] .badge")  # the menu's unread count
            await badge.wait_for(timeout=10_000)
            assert await badge.text_content() == "1"
            assert await badge.get_attribute("aria-label") == "1 ungelesen"
            await _shot(inbox, "02a-menu-badge")
            await inbox.goto(f"{server.base_url}/exhibitor#inbox")
            card = inbox.locator(".inbox li", has_text="Bea Browser")
            assert await card.locator(".badge.unread").count() == 1
            assert person_name in (await card.text_content() or "")
            await _no_axe_violations(inbox, "/exhibitor", problems)
            await card.scroll_into_view_if_needed()
            await _shot(inbox, "02-inbox")

            await page.goto(link.group(0))
            await _no_axe_violations(page, "withdraw (ask)", problems)
            await _shot(page, "03-withdraw")
            await page.click("main button[type=submit]")
            await page.wait_for_load_state()
            assert "gelöscht" in (await page.locator("main .notice").text_content() or "")
            await _no_axe_violations(page, "withdraw (done)", problems)
            await _shot(page, "04-withdrawn")

            await inbox.reload()
            assert await inbox.locator(".inbox li", has_text="Bea Browser").count() == 0
            await visitor.close()
            await exhibitor.close()
        finally:
            server.stop()
    assert problems == {}

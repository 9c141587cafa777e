"""The whole first start in headless Chromium, as a new organiser would do it: ``fair
serve`` on an empty database prints the setup link; the organiser creates the series,
its days and hosts, a stage, topics, an organisation and a booth, invites an exhibitor
and a speaker (mail to a real SMTP server), schedules a session and publishes; the
exhibitor accepts and edits the booth; an anonymous visitor sees exactly what is
published, and nothing of a draft made afterwards."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.ports import free_port

pytestmark = pytest.mark.browser
PASSWORD = "ein-sicheres-passwort"
SHOTS = os.environ.get("FAIR_TEST_SCREENSHOTS")  # a folder: keep screenshots to look at


def _serve(tmp_path: Path, smtp_url: str) -> tuple[subprocess.Popen[bytes], str, str]:
    """Start the real ``fair serve`` on an empty database; returns it, its URL and the
    setup link it printed."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        FAIR_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}",
        FAIR_STORAGE_URL=f"file://{tmp_path / 'storage'}",
        FAIR_SPOOL_DIR=str(tmp_path / "spool"),
        FAIR_SECRET_KEY="setup-browser-test-secret",
        FAIR_PORT=str(port),
        FAIR_SMTP_URL=smtp_url,
        FAIR_LIVE_WORKER="false",
    )
    out = tmp_path / "serve.out"
    with out.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "fair.cli", "serve"], env=env, stdout=log, stderr=log
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        link = re.search(rf"{re.escape(base)}/setup/\S+", out.read_text(errors="replace"))
        try:
            if link and httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base, link.group(0)
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(out.read_text(errors="replace")[-3000:])


async def _shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


async def _submit(page: Any, form: str) -> None:
    async with page.expect_navigation():
        await page.click(f"{form} button[type=submit]")


def _link_from_mail(message: Any, path: str) -> str:
    body = message.get_body(("plain",)).get_content()
    match = re.search(rf"http://127\.0\.0\.1:\d+/{path}/\S+", body)
    assert match, body
    return match.group(0)


async def test_first_start_to_published_fair_in_the_browser(
    browser: Any, tmp_path: Path, smtp_server: Any
) -> None:
    process, base, setup_link = _serve(tmp_path, smtp_server.url)
    try:
        await _journey(browser, base, setup_link, smtp_server)
    finally:
        process.terminate()
        process.wait(timeout=20)


async def _journey(browser: Any, base: str, setup_link: str, smtp: Any) -> None:
    visitor = await browser.new_context()
    anonymous = await visitor.new_page()
    await anonymous.goto(base)
    assert "Einrichtungslink" in await anonymous.inner_text("main")
    await _shot(anonymous, "01-empty-home")

    organiser_context = await browser.new_context()
    page = await organiser_context.new_page()
    await page.goto(setup_link)
    await _shot(page, "02-setup")
    await page.fill("#name", "Olga Organisatorin")
    await page.fill("#email", "olga@example.org")
    await page.fill("#password", PASSWORD)
    await page.fill("#password_repeat", PASSWORD)
    await _submit(page, "main form")
    assert page.url.endswith("/organiser?welcome=1")
    await _shot(page, "03-organiser-home")

    # Organisations: two host regions and one exhibitor.
    await page.goto(f"{base}/organiser/organisations")
    for name, kind in (
        ("Kreis Borken", "host_region"),
        ("Stadt Münster", "host_region"),
        ("Kommunales IT-Zentrum", "it_provider"),
    ):
        await page.fill("#new-org-name", name)
        await page.select_option("#new-org-kind", kind)
        await page.fill("#new-org-region", "Münsterland")
        await _submit(page, "form[action='/organiser/organisations']")
        assert "Gespeichert." in await page.inner_text("main")

    # The series and its two days.
    await page.goto(f"{base}/organiser/series")
    await page.fill("#series-title", "Digitale Services 2027")
    await page.fill("#series-acronym", "DSK27")
    await page.fill("#series-starts", "2027-11-29")
    await page.fill("#series-ends", "2027-11-30")
    await page.fill("#series-hours", "täglich 9–17 Uhr")
    await page.fill("#series-description", "Kommunen lernen von Kommunen.")
    await _submit(page, "main form")
    for date, host, motto in (
        ("2027-11-29", "Kreis Borken", "Tag 1: Bürgerservice"),
        ("2027-11-30", "Stadt Münster", "Tag 2: Sicherheit"),
    ):
        await page.fill("#new-day-date", date)
        await page.fill("#new-day-title", motto)
        await page.select_option("#new-day-host", label=host)
        await _submit(page, "form[action$='/days']")
        assert "Gespeichert." in await page.inner_text("main")
    # A day outside the series is refused with a clear message.
    await page.fill("#new-day-date", "2027-12-05")
    await page.fill("#new-day-title", "Zu spät")
    await _submit(page, "form[action$='/days']")
    error = await page.inner_text("#new-day-date-error")
    assert "05.12.2027 liegt außerhalb der Reihe" in error
    assert await page.input_value("#new-day-title") == "Zu spät"  # what was typed stays
    await _shot(page, "04-series-day-refused")

    await page.goto(f"{base}/organiser/stages")
    await page.fill("#stage-name", "Hauptbühne")
    await _submit(page, "form[action='/organiser/stages']")
    await page.goto(f"{base}/organiser/topics")
    for de, en in (("Bürgerservice", "Citizen services"), ("Sicherheit", "Security")):
        await page.fill("#topic-name-de", de)
        await page.fill("#topic-name-en", en)
        await _submit(page, "form[action='/organiser/topics']")

    # A booth for the exhibitor organisation (a draft until published).
    await page.goto(f"{base}/organiser/booths")
    await page.fill("#new-slug", "kitz-portal")
    await page.fill("#new-name", "Serviceportal des KITZ")
    await page.select_option("#new-org", label="Kommunales IT-Zentrum")
    await _submit(page, "form[action='/organiser/booths']")

    # Invite the exhibitor and a speaker by mail.
    await page.goto(f"{base}/organiser/people")
    await page.fill("#invite-email", "aussteller@example.org")
    await page.fill("#invite-name", "Erik Aussteller")
    await page.select_option("#invite-role", "exhibitor")
    await page.select_option("#invite-organisation", label="Kommunales IT-Zentrum")
    await _submit(page, "form[action='/organiser/people']")
    assert "per E-Mail verschickt" in await page.inner_text("main")
    await page.fill("#invite-email", "referentin@example.org")
    await page.fill("#invite-name", "Rita Referentin")
    await page.select_option("#invite-role", "speaker")
    await _submit(page, "form[action='/organiser/people']")
    await _shot(page, "05-people")
    smtp.wait_for(2, timeout=20)
    by_recipient = {m["To"]: m for m in smtp.messages}
    exhibitor_link = _link_from_mail(by_recipient["aussteller@example.org"], "invite")
    speaker_link = _link_from_mail(by_recipient["referentin@example.org"], "invite")

    # Schedule a session with the invited speaker, then publish.
    await page.goto(f"{base}/organiser/programme/new")
    await page.fill("#title", "Das Serviceportal im Alltag")
    await page.select_option("#stage_id", label="Hauptbühne")
    await page.fill("#start", "10:00")
    await page.select_option("#topic_id", label="Bürgerservice")
    await page.select_option("#speaker_ids", label="Rita Referentin")
    await _submit(page, "form:has(#title)")
    assert "Gespeichert." in await page.inner_text("main")
    await anonymous.goto(f"{base}/programme")
    assert "Das Serviceportal im Alltag" not in await anonymous.inner_text("main")  # draft
    await page.goto(f"{base}/organiser/publish")
    await _shot(page, "06-publish")
    drafts = await page.inner_text("main")
    assert "1 Programmpunkt im Entwurf" in drafts and "%(" not in drafts
    await _submit(page, "form[action='/organiser/publish']")
    assert "Gespeichert." in await page.inner_text("main")

    # The exhibitor accepts and edits the booth.
    exhibitor_context = await browser.new_context()
    exhibitor = await exhibitor_context.new_page()
    await exhibitor.goto(exhibitor_link)
    await exhibitor.fill("#password", PASSWORD)
    await exhibitor.fill("#password_repeat", PASSWORD)
    await _submit(exhibitor, "main form")
    await exhibitor.goto(f"{base}/booths/kitz-portal/edit")
    await exhibitor.fill("#b-tagline", "Alle Anträge an einem Ort")
    await _submit(exhibitor, "form:has(#b-tagline)")
    # The speaker accepts too.
    speaker_context = await browser.new_context()
    speaker = await speaker_context.new_page()
    await speaker.goto(speaker_link)
    await speaker.fill("#password", PASSWORD)
    await speaker.fill("#password_repeat", PASSWORD)
    await _submit(speaker, "main form")

    # After publishing, a new session is a draft again: organisers only.
    await page.goto(f"{base}/organiser/programme/new")
    await page.fill("#title", "Geheimer Entwurf")
    await page.select_option("#day_id", index=1)
    await page.fill("#start", "11:00")
    await _submit(page, "form:has(#title)")

    # A new visitor: the first one's browser may keep public pages for a few seconds
    # (Cache-Control max-age of the page cache), as any visitor's browser would.
    later_visitor = await browser.new_context()
    anonymous = await later_visitor.new_page()
    await anonymous.goto(base)
    home = await anonymous.inner_text("main")
    assert "Digitale Services 2027" in home and "Tag 2: Sicherheit" in home
    assert "Öffnungszeiten der Messe: täglich 9–17 Uhr" in home
    await _shot(anonymous, "07-published-home")
    await anonymous.goto(f"{base}/programme")
    programme = await anonymous.inner_text("main")
    assert "Das Serviceportal im Alltag" in programme and "Rita Referentin" in programme
    assert "Geheimer Entwurf" not in programme
    await anonymous.goto(f"{base}/booths")
    assert "Serviceportal des KITZ" in await anonymous.inner_text("main")
    await anonymous.goto(f"{base}/booths/kitz-portal")
    assert "Alle Anträge an einem Ort" in await anonymous.inner_text("main")
    async with httpx.AsyncClient(base_url=base) as client:
        ics = (await client.get("/schedule.ics")).text
        api = (await client.get("/api/sessions")).text
    assert "Das Serviceportal im Alltag" in ics and "Geheimer Entwurf" not in ics
    assert "Das Serviceportal im Alltag" in api and "Geheimer Entwurf" not in api
    await page.goto(f"{base}/organiser/audit")
    trail = await page.inner_text("main")
    assert "Olga Organisatorin" in trail and "Programm und Halle" in trail
    await _shot(page, "08-audit")
    contexts = (visitor, later_visitor, organiser_context, exhibitor_context, speaker_context)
    for context in contexts:
        await context.close()


@pytest.mark.parametrize("language", ["de", "en"])
async def test_new_organiser_pages_pass_axe(demo_server: Any, browser: Any, language: str) -> None:
    from tests.support.axe import AXE, axe_problems
    from tests.support.browser import logged_in_page

    if not AXE.exists():
        pytest.skip("axe-core not installed (npm install)")
    context, page = await logged_in_page(browser, demo_server, "orga@example.org", bypass_csp=True)
    try:
        await page.goto(f"{demo_server.base_url}/organiser/series")
        first = await page.get_attribute("main ul.plain a", "href")
        paths = [
            "/organiser",
            "/organiser/series",
            str(first),
            "/organiser/stages",
            "/organiser/topics",
            "/organiser/organisations",
            "/organiser/people",
            "/organiser/publish",
            "/organiser/audit",
            "/password/forgot",
        ]
        problems = await axe_problems(page, demo_server.base_url, paths, language)
    finally:
        await context.close()
    assert problems == {}

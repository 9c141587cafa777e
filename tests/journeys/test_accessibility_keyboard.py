"""In Chromium, with the keyboard alone (Tab, Shift+Tab, Enter, Space, typing; no pointer):
the attendee and exhibitor journeys, a visible focus ring (>= 3:1 against whatever is
behind it) on every element that gets focus, form errors next to their fields, and focus
that never falls to the page body when a control disables itself."""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.support.a11y_helpers import (
    ATTENDEE,
    focused,
    log_in,
    page_as,
    wait_until,
)
from tests.support.app import csrf_of, login
from tests.support.app_server import AppServer

pytestmark = pytest.mark.browser

EXHIBITOR = "aussteller.krz@example.org"
OWN_BOOTH = "owl-schueler-online"  # the exhibitor's booth, first hit for "Schule"
PDF = b"%PDF-1.4\n% info\n%%EOF\n"
LEAD_EMAIL = "lena.lead@example.org"
LEAD_MESSAGE = "Bitte schicken Sie mir die Unterlagen per Post."
SHOTS = Path(tempfile.gettempdir()) / "fair-a11y-screenshots"  # to look at by hand

# Contrast of the focus ring (outline, and the halo drawn by box-shadow) against the
# first opaque background behind the focused element (WCAG 1.4.11).
RING_CONTRAST = """() => {
  const el = document.activeElement;
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  let bg = [255, 255, 255];
  for (let n = el.parentElement; n; n = n.parentElement) {
    const c = parse(getComputedStyle(n).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0)) { bg = c.slice(0, 3); break; }
  }
  const style = getComputedStyle(el);
  const outline = parse(style.outlineColor).slice(0, 3);
  const haloMatch = style.boxShadow.match(/rgba?\\([^)]*\\)/);
  const halo = haloMatch ? parse(haloMatch[0]).slice(0, 3) : null;
  return {what: el.tagName + ' ' + (el.innerText || el.id || '').slice(0, 30), bg,
          outline: ratio(outline, bg), halo: halo ? ratio(halo, bg) : 0,
          between: halo ? ratio(outline, halo) : 21};
}"""


@pytest_asyncio.fixture
async def context(browser: Any) -> AsyncIterator[Any]:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    try:
        yield ctx
    finally:
        await ctx.close()


async def tab_to(page: Any, selector: str, *, limit: int = 120, back: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``selector`` has focus; every stop on the way must
    show a visible focus ring."""
    for _ in range(limit):
        await page.keyboard.press("Shift+Tab" if back else "Tab")
        if await page.evaluate("s => document.activeElement.matches(s)", selector):
            await focused(page)
            return
        await focused(page)
    raise AssertionError(f"{selector} not reached with the keyboard")


async def _ring_problems(page: Any, stops: int) -> list[dict[str, Any]]:
    problems = []
    for _ in range(stops):
        await page.keyboard.press("Tab")
        ring = await page.evaluate(RING_CONTRAST)
        visible = max(ring["outline"], ring["halo"]) >= 3 and ring["between"] >= 3
        if not visible:
            problems.append(ring)
    return problems


async def test_focus_ring_contrast_everywhere_and_with_a_custom_accent(
    a11y_server: AppServer, context: Any
) -> None:
    base = a11y_server.base_url
    page = await page_as(context, base, "orga@example.org", "de", "/booths")
    assert await _ring_problems(page, 40) == []  # header (grey), filters, cards, footer
    await page.goto(f"{base}/booths")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")  # the brand link in the header
    SHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SHOTS / "focus-ring-header.png"), clip={
        "x": 0, "y": 0, "width": 1280, "height": 120})  # fmt: skip
    # a custom accent colour (darker, as the branding form demands) changes nothing
    await page.goto(f"{base}/organiser/branding")
    token = await page.get_attribute('meta[name="csrf-token"]', "content")
    saved = await context.request.post(
        f"{base}/organiser/branding",
        form={"csrf_token": token, "name": "Messe", "accent": "#7a1f5c"},
        max_redirects=0,
    )
    assert saved.status == 303, await saved.text()
    await page.goto(f"{base}/booths")
    assert "#7a1f5c" in await page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--accent')"
    )
    assert await _ring_problems(page, 40) == []


async def _send(
    browser: Any, base: str, email: str | None, page: str, action: str, **body: dict[str, Any]
) -> None:
    """Set-up, not part of a journey: ``email`` (None: a visitor) sends a form to
    ``action`` with the CSRF token of ``page``; ``body`` is ``form=`` or ``multipart=``.
    The server must answer with the redirect of a success."""
    context = await browser.new_context()
    try:
        await log_in(context, base, email, "de")
        text = await (await context.request.get(f"{base}{page}")).text()
        token = re.search(r'name="csrf-token" content="([^"]+)"', text)
        assert token is not None
        fields = {kind: {"csrf_token": token.group(1), **values} for kind, values in body.items()}
        answer = await context.request.post(f"{base}{action}", **fields, max_redirects=0)
        assert answer.status == 303, await answer.text()
    finally:
        await context.close()


async def _upload_material(browser: Any, base: str, title: str) -> None:
    """The exhibitor puts a PDF on the booth."""
    pdf = {"name": "info.pdf", "mimeType": "application/pdf", "buffer": PDF}
    own = f"/booths/{OWN_BOOTH}"
    await _send(browser, base, EXHIBITOR, f"{own}/edit", f"{own}/materials",
                multipart={"title": title, "file": pdf})  # fmt: skip


async def test_attendee_journey_by_keyboard(
    a11y_server: AppServer, browser: Any, context: Any
) -> None:
    base = a11y_server.base_url
    await _upload_material(browser, base, "Infoblatt zur Schulanmeldung")
    page = await page_as(context, base, ATTENDEE, "de", "/")
    await tab_to(page, '.site-header a[href="/booths"]')
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{base}/booths")
    await tab_to(page, "#q")
    await page.keyboard.type("Schule")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/booths\?.*q=Schule"))
    await tab_to(page, ".booth-list h2 a")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/booths/[^/?]+$"))
    await tab_to(page, 'a[href*="/materials/"][href$="/download"]')
    async with page.expect_download() as download:
        await page.keyboard.press("Enter")
    assert (await download.value).suggested_filename
    await tab_to(page, "#cr-message")
    await page.keyboard.type("Ich hätte gern Unterlagen für unsere Schule.")
    await tab_to(page, "#cr-consent")
    await page.keyboard.press("Space")
    assert await page.is_checked("#cr-consent")
    await tab_to(page, "#cr-message", back=True)  # Shift+Tab: back to check the text
    assert "Unterlagen" in await page.input_value("#cr-message")
    await tab_to(page, "#cr-consent")
    await tab_to(page, '.contact-form button[type="submit"]')
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"sent=1"))
    await page.wait_for_selector(".contact-form .notice[role=status]")


async def _leave_lead(browser: Any, base: str) -> None:
    """A visitor asks the exhibitor's booth for contact, with consent: the lead the
    exhibitor then finds."""
    lead = {"name": "Lena Leadfrau", "email": LEAD_EMAIL, "message": LEAD_MESSAGE, "consent": "yes"}
    await _send(browser, base, None, f"/booths/{OWN_BOOTH}", f"/booths/{OWN_BOOTH}/contact",
                form=lead)  # fmt: skip


async def test_exhibitor_journey_by_keyboard(
    a11y_server: AppServer, browser: Any, context: Any, tmp_path: Path
) -> None:
    base = a11y_server.base_url
    await _leave_lead(browser, base)
    page = await context.new_page()
    await page.goto(f"{base}/login")
    await tab_to(page, "#email")
    await page.keyboard.type(EXHIBITOR)
    await page.keyboard.press("Tab")
    await page.keyboard.type("demo-passwort")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{base}/exhibitor")
    await tab_to(page, 'main a[href$="/edit"]')
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/booths/[^/]+/edit$"))
    await tab_to(page, "#b-tagline")
    await page.keyboard.press("Control+A")
    await page.keyboard.type("Mit der Tastatur bearbeitet")
    await tab_to(page, '.edit-section form[action$="/edit"] button[type="submit"]')
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"saved=1"))
    # after the save, focus is on the status message
    await wait_until(page, "() => document.activeElement.matches('.notice[role=status]')")
    assert await page.input_value("#b-tagline") == "Mit der Tastatur bearbeitet"
    # upload a material: the file input opens its chooser with Space
    document = tmp_path / "flyer.pdf"
    document.write_bytes(b"%PDF-1.4\n% keyboard upload\n%%EOF\n")
    await tab_to(page, "#new-title")
    await page.keyboard.type("Flyer per Tastatur")
    await tab_to(page, "#new-file")
    async with page.expect_file_chooser() as chooser:
        await page.keyboard.press("Space")
    await (await chooser.value).set_files(str(document))
    await tab_to(page, 'form[action$="/materials"] button[type="submit"]')
    # the upload is held on its way to the server (then sent on, unchanged) so the page
    # can be seen while it sends: the button has disabled itself, focus is on the
    # progress line (with a visible ring), not on the body
    sending = asyncio.Event()
    release = asyncio.Event()

    async def hold(route: Any) -> None:
        sending.set()
        await release.wait()
        await route.continue_()

    await page.route(re.compile(r"/booths/[^/]+/materials$"), hold)
    await page.keyboard.press("Enter")
    await asyncio.wait_for(sending.wait(), 20)
    assert await page.is_disabled('form[action$="/materials"] button[type="submit"]')
    assert await page.evaluate("document.activeElement.matches('.upload-status[role=status]')")
    await focused(page)
    release.set()
    # then focus is on the status message of the reloaded page
    await page.wait_for_selector("text=Flyer per Tastatur")
    await page.unroute(re.compile(r"/booths/[^/]+/materials$"), hold)
    await wait_until(page, "() => document.activeElement.matches('.notice[role=status]')")
    # back (Shift+Tab) to "Mein Stand" in the header: the dashboard with the lead
    await tab_to(page, '.site-header a[href="/exhibitor"]', back=True)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{base}/exhibitor")
    inbox = page.locator("section[aria-labelledby=inbox]")
    assert LEAD_MESSAGE in await inbox.inner_text()
    # the analytics as a table: the disclosure opens with Enter, the table scrolls by
    # keyboard and counts the lead among the contact requests
    card = f'article.booth-stats:has(a[href="/booths/{OWN_BOOTH}"])'
    await tab_to(page, f"{card} summary")
    await page.keyboard.press("Enter")
    table = page.locator(f"{card} details table")
    assert await table.is_visible()
    await tab_to(page, f"{card} .table-scroll")
    column = await table.locator("thead th").all_inner_texts()
    leads = column.index("Kontaktanfragen")
    counts = [
        int(await row.locator("th, td").nth(leads).inner_text())
        for row in await table.locator("tbody tr").all()
    ]
    assert sum(counts) >= 1, counts
    # back to "Kontakte als CSV" of this booth: the download holds the lead
    await tab_to(page, f'{card} a[href="/exhibitor/leads.csv?booth={OWN_BOOTH}"]', back=True)
    async with page.expect_download() as download:
        await page.keyboard.press("Enter")
    saved = await (await download.value).path()
    assert saved is not None
    exported = Path(saved).read_text(encoding="utf-8-sig")
    assert LEAD_EMAIL in exported and LEAD_MESSAGE in exported


@pytest.mark.parametrize("language", ["de", "en"])
async def test_failed_booth_edit_keeps_the_input_and_names_the_field(
    a11y_server: AppServer, context: Any, language: str
) -> None:
    base = a11y_server.base_url
    page = await page_as(context, base, EXHIBITOR, language, "/exhibitor")
    edit = await page.get_attribute('main a[href$="/edit"]', "href")
    await page.goto(f"{base}{edit}")
    await page.fill("#b-name", "   ")  # whitespace only: the browser lets it through
    await page.fill("#b-tagline", "Neu getippt")
    await page.fill("#b-description", "Ein langer Text, der nicht verloren gehen darf.")
    await page.focus('.edit-section form[action$="/edit"] button[type="submit"]')
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert await page.evaluate("document.documentElement.lang") == language
    assert await page.input_value("#b-tagline") == "Neu getippt"
    assert await page.input_value("#b-description") == (
        "Ein langer Text, der nicht verloren gehen darf."
    )
    assert await page.get_attribute("#b-name", "aria-invalid") == "true"
    described = await page.get_attribute("#b-name", "aria-describedby")
    message = await page.inner_text(f"#{described}")
    summary = page.locator("#error-summary")
    assert await summary.locator('a[href="#b-name"]').count() == 1
    expected = "Pflichtfeld" if language == "de" else "This field is required"
    assert message == expected
    assert expected in await summary.inner_text()
    # focus is on the summary; its link leads to the field
    assert await page.evaluate("document.activeElement.id") == "error-summary"
    await page.keyboard.press("Tab")
    await focused(page)
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "b-name"
    SHOTS.mkdir(exist_ok=True)
    await page.locator("#error-summary").scroll_into_view_if_needed()
    await page.screenshot(path=str(SHOTS / f"form-error-{language}.png"))


async def test_failed_contact_request_names_the_field_in_english(
    a11y_server: AppServer, context: Any
) -> None:
    base = a11y_server.base_url
    page = await page_as(context, base, None, "en", "/booths")
    await page.goto(base + str(await page.get_attribute(".booth-list h2 a", "href")))
    await page.fill("#cr-name", "Eva Muster")
    await page.fill("#cr-email", "eva@example.org")
    await page.fill("#cr-message", "   ")
    await page.check("#cr-consent")
    async with page.expect_navigation():
        await page.click('.contact-form button[type="submit"]')
    assert await page.input_value("#cr-name") == "Eva Muster"
    assert await page.get_attribute("#cr-message", "aria-invalid") == "true"
    assert await page.inner_text("#cr-message-error") == "This field is required"
    assert await page.locator('#error-summary a[href="#cr-message"]').count() == 1


CAPTION_WORD = "Wasserstofftankstelle"  # in no demo text: the search finds the cue alone
GERMAN_CUE = f"WEBVTT\n\n00:00.000 --> 00:01.500\nDie {CAPTION_WORD} steht am Rathaus.\n"


async def _publish_recordings(base: str, session_ids: list[int], video: Path) -> list[int]:
    """An organiser uploads ``video`` as the recording of each session and German
    captions for the first, over HTTP as the recording form does; the recordings' ids."""
    recordings = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await login(client, "orga@example.org")
        for session_id in session_ids:
            token = await csrf_of(client, f"/sessions/{session_id}")
            uploaded = await client.post(
                f"/sessions/{session_id}/recordings/upload",
                data={"csrf_token": token},
                files={"file": ("talk.mp4", video.read_bytes(), "video/mp4")},
            )
            assert uploaded.status_code == 303, uploaded.text
            listed = (await client.get(f"/api/sessions/{session_id}")).json()["recordings"]
            recordings.append(int(listed[0]))
        captions = await client.post(
            f"/recordings/{recordings[0]}/captions",
            data={"csrf_token": token, "language": "de"},
            files={"captions": ("de.vtt", GERMAN_CUE.encode(), "text/vtt")},
        )
        assert captions.status_code == 303, captions.text
    return recordings


def _search_word(title: str) -> str:
    """The longest word of a title, what a visitor would search it by."""
    return max(re.findall(r"\w+", title), key=len)


async def test_language_of_parts(a11y_server: AppServer, context: Any, tmp_path: Path) -> None:
    from tests.support.media import write_fragmented_mp4

    base = a11y_server.base_url
    page = await page_as(context, base, None, "en", "/booths")
    assert await page.get_attribute(".booth-list h2", "lang") == "de"
    await page.goto(base + str(await page.get_attribute(".booth-list h2 a", "href")))
    assert await page.get_attribute("h1", "lang") == "de"
    title = await page.inner_text("h1")
    assert title and await page.get_attribute("main .lead", "lang") == "de"
    # English talks (one more made by demo_server_with_attendee) in the English
    # programme carry no lang of their own; German ones say lang="de"; in the German
    # programme the English ones say lang="en"
    await page.goto(f"{base}/programme")
    english_here = await page.locator(".session-item a:has(strong):not([lang])").count()
    assert english_here >= 1
    german = page.locator(".session-item a:has(strong)[lang='de']").first
    german_href, german_title = str(await german.get_attribute("href")), await german.inner_text()
    await log_in(context, base, None, "de")
    await page.goto(f"{base}/programme")
    english = page.locator(".session-item a:has(strong)[lang='en']")
    assert await english.count() == english_here
    assert await page.locator(".session-item a:has(strong)[lang='de']").count() == 0
    english = english.first
    english_href, english_title = (
        str(await english.get_attribute("href")),
        await english.inner_text(),
    )
    await page.goto(base + english_href)
    assert await page.get_attribute("h1", "lang") == "en"
    assert await page.locator("#abstract + div[lang='en']").count() == 1

    # the recordings library, a recording's page and the search, in both languages
    video = tmp_path / "talk.mp4"
    write_fragmented_mp4(video, seconds=2)
    german_id, english_id = (int(h.rsplit("/", 1)[1]) for h in (german_href, english_href))
    german_rec, english_rec = await _publish_recordings(base, [german_id, english_id], video)
    cards = "li.recording-card strong"
    for language, own, other, other_rec, other_href, other_title in (
        ("de", "de", "en", english_rec, english_href, english_title),
        ("en", "en", "de", german_rec, german_href, german_title),
    ):
        await log_in(context, base, None, language)
        await page.goto(f"{base}/recordings")
        assert await page.locator(f"{cards}[lang='{other}']").count() == 1, language
        assert await page.locator(f"{cards}:not([lang])").count() == 1, language
        assert await page.locator(f"{cards}[lang='{own}']").count() == 0, language
        await page.goto(f"{base}/recordings/{other_rec}")
        assert await page.get_attribute("h1", "lang") == other
        assert await page.locator(f"#abstract + div[lang='{other}']").count() == 1
        await page.goto(f"{base}/search?q={_search_word(other_title)}")
        hit = page.locator(f"section[aria-labelledby='hits-sessions'] a[href='{other_href}']")
        assert await hit.get_attribute("lang") == other, language
    # in English, what was said in German and the booths found are marked German
    await page.goto(f"{base}/search?q={CAPTION_WORD}")
    spoken = page.locator("section[aria-labelledby='hits-spoken'] li")
    assert await spoken.count() == 1
    assert (
        await spoken.locator(f"a[href^='/recordings/{german_rec}?'] span[lang='de']").count() == 1
    )
    assert CAPTION_WORD in await spoken.locator("span.muted span[lang='de']").inner_text()
    await page.goto(f"{base}/search?q=Schule")
    found = page.locator("section[aria-labelledby='hits-booths'] li")
    assert await found.count() >= 1
    assert await found.locator("a[lang='de']").count() == await found.count()


@pytest.mark.parametrize("language", ["de", "en"])
async def test_footer_links_easy_language_and_sign_language(
    a11y_server: AppServer, context: Any, language: str
) -> None:
    base = a11y_server.base_url
    page = await page_as(context, base, None, language, "/programme")
    footer = page.locator(".site-footer")
    easy, sign = ("Leichte Sprache", "Gebärdensprache") if language == "de" else (
        "Easy Read", "Sign language")  # fmt: skip
    await footer.get_by_role("link", name=easy).click()
    await page.wait_for_url(f"{base}/leichte-sprache")
    assert await page.inner_text("h1") == easy
    assert "Messe" in await page.inner_text("main") or "fair" in await page.inner_text("main")
    await page.locator(".site-footer").get_by_role("link", name=sign).click()
    await page.wait_for_url(f"{base}/gebaerdensprache")
    assert await page.inner_text("h1") == sign
    if language == "de":
        SHOTS.mkdir(exist_ok=True)
        await page.locator(".site-footer").scroll_into_view_if_needed()
        await page.screenshot(path=str(SHOTS / "footer.png"))


async def test_organiser_publishes_a_sign_language_video(
    a11y_server: AppServer, context: Any, tmp_path: Path
) -> None:
    from tests.support.media import write_fragmented_mp4

    base = a11y_server.base_url
    video = tmp_path / "dgs.mp4"
    write_fragmented_mp4(video, seconds=2)
    page = await context.new_page()
    assert (await context.request.get(f"{base}/gebaerdensprache/video")).status == 404
    await log_in(context, base, "orga@example.org", "de")
    await page.goto(f"{base}/gebaerdensprache")
    await page.set_input_files("#sign-video", str(tmp_path / "dgs.mp4"))
    async with page.expect_navigation():
        await page.click("form[action$='/gebaerdensprache/video'] button[type=submit]")
    assert page.url.endswith("/gebaerdensprache?saved=1")
    player = page.get_by_label("Erklärung in Deutscher Gebärdensprache")
    await wait_until(
        page, "() => (document.querySelector('main video')?.readyState ?? 0) >= 1", timeout=20
    )
    assert await player.count() == 1
    # a text file is refused with the field named, and the published video stays
    text = tmp_path / "notes.txt"
    text.write_text("kein Video")
    await page.set_input_files("#sign-video", str(text))
    async with page.expect_navigation():
        await page.click("form[action$='/gebaerdensprache/video'] button[type=submit]")
    assert "file" in await page.inner_text("main")
    assert (await context.request.get(f"{base}/gebaerdensprache/video")).status in (200, 206)


async def test_failed_session_edit_keeps_the_input_in_english(
    a11y_server: AppServer, context: Any
) -> None:
    base = a11y_server.base_url
    page = await page_as(context, base, "orga@example.org", "en", "/organiser/programme")
    edit = await page.get_attribute('main a[href$="/edit"]', "href")
    await page.goto(f"{base}{edit}")
    await page.fill("#title", "  ")
    await page.fill("#abstract", "Neuer Text, der bleiben muss.")
    async with page.expect_navigation():
        await page.click("form:has(#title) button[type=submit]")
    assert await page.input_value("#abstract") == "Neuer Text, der bleiben muss."
    assert await page.get_attribute("#title", "aria-invalid") == "true"
    assert await page.inner_text("#title-error") == "This field is required"
    assert await page.locator('#error-summary a[href="#title"]').count() == 1
    await wait_until(page, "() => document.activeElement.id === 'error-summary'")


async def test_refused_material_upload_shows_the_error_at_the_file_field(
    a11y_server: AppServer, browser: Any, tmp_path: Path
) -> None:
    """Without JavaScript (the form posts normally): an empty file comes back as the edit
    page with the error at the new-material file field, in English."""
    base = a11y_server.base_url
    context = await browser.new_context(java_script_enabled=False)
    try:
        page = await page_as(context, base, EXHIBITOR, "en", f"/booths/{OWN_BOOTH}/edit")
        empty = tmp_path / "leer.pdf"
        empty.write_bytes(b"")
        await page.set_input_files("#new-file", str(empty))
        async with page.expect_navigation():
            await page.click('form[action$="/materials"] button[type="submit"]')
        assert await page.get_attribute("#new-file", "aria-invalid") == "true"
        described = str(await page.get_attribute("#new-file", "aria-describedby"))
        assert described.split() == ["new-file-error", "new-file-hint"]
        assert await page.inner_text("#new-file-error") == "The file is empty or none was chosen."
        assert await page.locator('#error-summary a[href="#new-file"]').count() == 1
    finally:
        await context.close()

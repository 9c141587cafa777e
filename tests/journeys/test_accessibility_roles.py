"""axe-core (WCAG 2.1 A/AA) reports no violation on any page the link crawler reaches, as
every role and in both languages, in each state a page can be in, and after a failed
submit of every kind of form.

The crawler walks the links a role sees (the same rules as tests/journeys/test_link_crawl.py);
pages are grouped by the app's route table and axe runs on the first
``SAMPLES_PER_ROUTE`` page(s) of every route, so a booth page is checked once, not fifty
times. A page of one route looks different in another state, so the fair served here
has them (tests/support/page_states.py): a talk with a recording, an ended, a live and a
cancelled one, an English talk in the German programme, a booth with appointments and
materials, the speaker's page with their recorded talk; the crawl must reach each of
them by links, and axe checks them besides the samples, with the search form's results.
Then every kind of form on the checked pages (one per action route) is sent once with its
text fields blank and browser validation off, as a person whose browser skips it would:
the answer must be a 400 page (the form again with its errors, or the error page) in the
page's language, and axe checks it too.
"""

from __future__ import annotations

import time
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.routing import Route

from tests.support.a11y_helpers import ACCOUNTS, log_in
from tests.support.app import make_settings
from tests.support.app_server import AppServer
from tests.support.axe import AXE, axe_violations
from tests.support.crawl import BODY_UNCHECKED, CrawledPage, internal_link
from tests.support.page_states import PageStates

pytestmark = pytest.mark.browser

SAMPLES_PER_ROUTE = 1
MAX_PAGES = 300

# The forms of a page that take input: (index, action path) of each POST form with a
# field a person types into or a file to choose (one-button forms have nothing to get wrong).
FORMS_WITH_INPUT = """() => Array.from(document.forms).flatMap((form, index) => {
  const method = (form.getAttribute('method') || 'get').toLowerCase();
  const typed = form.querySelector(
    'textarea, input:not([type]), input[type=text], input[type=email], input[type=url],'
    + ' input[type=password], input[type=tel], input[type=number], input[type=file]');
  return method === 'post' && typed ? [[index, new URL(form.action).pathname]] : [];
})"""

# Blank every typed field of form ``index`` (whitespace only, which the server must
# refuse as empty; ``wrong`` gives the fields where blank is a valid answer a wrong value)
# and send it without the browser's own checks and without the page's scripts (as
# ``form.submit()`` does), so the server's answer is what the person sees.
SEND_BLANK = """([index, wrong]) => {
  const form = document.forms[index];
  const typed = ['text', 'search', 'email', 'url', 'password', 'tel', 'textarea'];
  for (const field of form.querySelectorAll('textarea, input')) {
    if (field.name in wrong) {
      field.value = wrong[field.name];
    } else if (typed.includes(field.type)) {
      field.value = '   ';
    } else if (field.type === 'number') {
      field.value = '';
    }
  }
  HTMLFormElement.prototype.submit.call(form);
}"""

# Forms where blank means "none" (no chapters): a wrong value makes their error state.
WRONG_VALUES = {"/recordings/{recording_id}/chapters": {"chapters": "Fragerunde"}}


def _app_routes(tmp_path: Path) -> list[Route]:
    from fair.app import create_app

    app = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'routes.db'}", tmp_path))
    return [r for r in app.routes if isinstance(r, Route)]


def _route_of(routes: list[Route], path: str, method: str = "GET") -> str:
    for route in routes:
        if method in (route.methods or ()) and route.path_regex.match(path):
            return route.path
    return path


async def _crawl(
    request: Any, base_url: str, routes: list[Route], wanted: tuple[str, ...]
) -> dict[str, list[str]]:
    """Route path → the first HTML pages of that route the role can reach by links, and
    the ``wanted`` pages (other states of a sampled route) wherever links lead to them."""
    samples: dict[str, list[str]] = {}
    seen = {"/"}
    queue = deque(["/"])
    fetched = 0
    while queue and fetched < MAX_PAGES:
        url = queue.popleft()
        path = urlsplit(url).path
        route = _route_of(routes, path)
        full = len(samples.get(route, [])) >= SAMPLES_PER_ROUTE and url not in wanted
        if full or path.endswith(BODY_UNCHECKED):
            continue
        fetched += 1
        response = await request.get(f"{base_url}{url}")
        if not response.ok or "text/html" not in response.headers.get("content-type", ""):
            continue
        samples.setdefault(route, []).append(url)
        page = CrawledPage()
        page.feed(await response.text())
        for href in page.links:
            target = internal_link(f"http://testserver{url}", href)
            if target is not None and target not in seen:
                seen.add(target)
                queue.append(target)
    return samples


def _pages_to_check(samples: dict[str, list[str]], states: PageStates, role: str) -> list[str]:
    """The crawled pages, which must include every page in another state, and the
    search form's results (every page has the form)."""
    crawled = [url for urls in samples.values() for url in urls]
    unreached = [url for url in states.for_role(role) if url not in crawled]
    assert not unreached, f"pages in other states not reached as {role}: {unreached}"
    assert "/search" in samples, f"no search form reached as {role}"
    return crawled + list(states.searches)


async def _failed_submits(
    page: Any, base_url: str, forms: dict[str, tuple[str, int]], language: str
) -> tuple[dict[str, Any], list[str]]:
    """Each kind of form sent blank once: axe's violations on the answers, and the forms
    whose answer was not a 400 page in ``language`` (a 429 of a spent limit, say,
    would hide the form's error state)."""
    problems: dict[str, Any] = {}
    wrong: list[str] = []
    for action, (url, index) in forms.items():
        await page.goto(f"{base_url}{url}")
        async with page.expect_navigation() as navigation:
            await page.evaluate(SEND_BLANK, [index, WRONG_VALUES.get(action, {})])
        status = (await navigation.value).status
        lang = await page.get_attribute("html", "lang")
        if status != 400 or lang != language:
            wrong.append(f"{action} (form {index} of {url}) → {status}, lang={lang}")
        violations = await axe_violations(page)
        if violations:
            problems[f"{action} (sent blank from {url})"] = violations
    return problems, wrong


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("role", list(ACCOUNTS))
async def test_every_reachable_page_passes_axe(
    a11y_states_server: tuple[AppServer, PageStates],
    browser: Any,
    role: str,
    language: str,
    tmp_path: Path,
) -> None:
    if not AXE.exists():
        pytest.skip("axe-core not installed (npm install)")
    started = time.monotonic()
    server, states = a11y_states_server
    base_url = server.base_url
    routes = _app_routes(tmp_path)
    context = await browser.new_context(bypass_csp=True)
    await context.add_init_script(path=AXE)  # once per context, not 500 KB per page
    try:
        await log_in(context, base_url, ACCOUNTS[role], language)
        samples = await _crawl(context.request, base_url, routes, states.for_role(role))
        urls = _pages_to_check(samples, states, role)
        page = await context.new_page()
        problems: dict[str, Any] = {}
        forms: dict[str, tuple[str, int]] = {}  # action route → (a page with it, form index)
        for url in urls:
            await page.goto(f"{base_url}{url}")
            assert await page.get_attribute("html", "lang") == language, url
            violations = await axe_violations(page)
            if violations:
                problems[url] = violations
            for index, action in await page.evaluate(FORMS_WITH_INPUT):
                forms.setdefault(_route_of(routes, action, "POST"), (url, index))
        pages_done = time.monotonic()
        failed, wrong = await _failed_submits(page, base_url, forms, language)
        problems |= failed
    finally:
        await context.close()
    assert problems == {}
    assert not wrong, "blank forms not refused with a 400 page:\n" + "\n".join(wrong)
    assert len(samples) >= 8, f"only {sorted(samples)} reached as {role}"
    print(f"{role}/{language}: {len(urls)} pages, {len(samples)} routes, {len(forms)} forms "
          f"sent blank, {time.monotonic() - started:.1f} s "
          f"({time.monotonic() - pages_done:.1f} s of them sending forms)")  # fmt: skip

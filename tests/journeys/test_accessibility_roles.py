"""axe-core (WCAG 2.1 A/AA) reports no violation on any page the link crawler reaches, as
every role and in both languages.

The crawler walks the links a role sees (the same rules as tests/journeys/test_link_crawl.py);
pages are grouped by the app's route table and axe runs on the first
``SAMPLES_PER_ROUTE`` page(s) of every route, so a booth page is checked once, not fifty
times: ten role × language runs take about five minutes on the shared 2-core machine.
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

pytestmark = pytest.mark.browser

SAMPLES_PER_ROUTE = 1
MAX_PAGES = 300


def _page_routes(tmp_path: Path) -> list[Route]:
    from fair.app import create_app

    app = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'routes.db'}", tmp_path))
    return [r for r in app.routes if isinstance(r, Route) and "GET" in (r.methods or ())]


def _route_of(routes: list[Route], path: str) -> str:
    for route in routes:
        if route.path_regex.match(path):
            return route.path
    return path


async def _crawl(request: Any, base_url: str, routes: list[Route]) -> dict[str, list[str]]:
    """Route path → the first HTML pages of that route the role can reach by links."""
    samples: dict[str, list[str]] = {}
    seen = {"/"}
    queue = deque(["/"])
    fetched = 0
    while queue and fetched < MAX_PAGES:
        url = queue.popleft()
        path = urlsplit(url).path
        route = _route_of(routes, path)
        if len(samples.get(route, [])) >= SAMPLES_PER_ROUTE or path.endswith(BODY_UNCHECKED):
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


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("role", list(ACCOUNTS))
async def test_every_reachable_page_passes_axe(
    a11y_server: AppServer, browser: Any, role: str, language: str, tmp_path: Path
) -> None:
    if not AXE.exists():
        pytest.skip("axe-core not installed (npm install)")
    started = time.monotonic()
    base_url = a11y_server.base_url
    context = await browser.new_context(bypass_csp=True)
    try:
        await log_in(context, base_url, ACCOUNTS[role], language)
        samples = await _crawl(context.request, base_url, _page_routes(tmp_path))
        page = await context.new_page()
        problems: dict[str, Any] = {}
        checked = 0
        for urls in samples.values():
            for url in urls:
                await page.goto(f"{base_url}{url}")
                assert await page.get_attribute("html", "lang") == language, url
                checked += 1
                violations = await axe_violations(page)
                if violations:
                    problems[url] = violations
    finally:
        await context.close()
    assert problems == {}
    assert len(samples) >= 8, f"only {sorted(samples)} reached as {role}"
    print(f"{role}/{language}: {checked} pages, {len(samples)} routes, "
          f"{time.monotonic() - started:.1f} s")  # fmt: skip

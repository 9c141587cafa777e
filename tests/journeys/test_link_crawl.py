"""Follow every internal link the site renders, as each role and in both languages: no
server error, no dead link, and every HTML page has one <h1>, a <title> and the right
``<html lang>``."""

from __future__ import annotations

import time
from collections import deque
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from fair.app_services import app_services
from tests.support.a11y_helpers import ACCOUNTS, add_attendee
from tests.support.app import login
from tests.support.crawl import BODY_UNCHECKED, CrawledPage, internal_link

MAX_PAGES = 400
MAX_QUERY_VARIANTS = 4  # per path: filters and pagination add up quickly
LEGAL_PAGES = (  # in every page's footer
    *("/impressum", "/datenschutz", "/barrierefreiheit"),
    *("/leichte-sprache", "/gebaerdensprache"),  # BITV 2.0 § 4
)


async def _crawl(client: httpx.AsyncClient, language: str) -> tuple[int, list[str]]:
    problems: list[str] = []
    start = "/" if language == "de" else "/?lang=en"
    seen = {start}
    variants: dict[str, int] = {}
    queue: deque[tuple[str, str]] = deque([(start, "(start)")])
    fetched = 0
    while queue and fetched < MAX_PAGES:
        url, referrer = queue.popleft()
        fetched += 1
        response = await client.get(url)
        where = f"{url} (linked from {referrer})"
        if response.status_code >= 500:
            problems.append(f"{response.status_code} {where}")
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            targets = [response.headers["location"]]
        elif response.status_code >= 400:
            # 401/403 for a page the role may not see would still be a link shown in vain
            problems.append(f"{response.status_code} {where}")
            continue
        else:
            content_type = response.headers.get("content-type", "")
            path = urlsplit(url).path
            if "text/html" not in content_type or path.endswith(BODY_UNCHECKED):
                continue
            page = CrawledPage()
            page.feed(response.text)
            if page.h1 != 1:
                problems.append(f"{page.h1} <h1> on {where}")
            if not page.title.strip():
                problems.append(f"no <title> on {where}")
            if page.tags_in_title:
                problems.append(f"markup inside <title> on {where}")
            if page.html_lang != language:
                problems.append(f"<html lang={page.html_lang!r}> on {where}")
            missing_legal = [p for p in LEGAL_PAGES if p not in page.links]
            if missing_legal:
                problems.append(f"no footer link to {missing_legal} on {where}")
            targets = page.links
        for href in targets:
            target = internal_link(f"http://testserver{url}", href)
            if target is None or target in seen:
                continue
            path, _, query = target.partition("?")
            if query:
                variants[path] = variants.get(path, 0) + 1
                if variants[path] > MAX_QUERY_VARIANTS:
                    continue
            seen.add(target)
            queue.append((target, url))
    return fetched, problems


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("role", list(ACCOUNTS))
async def test_every_rendered_link_works(
    client: httpx.AsyncClient, demo_app: Starlette, role: str, language: str
) -> None:
    started = time.monotonic()
    email = ACCOUNTS[role]
    if role == "attendee":  # a logged-in visitor: the demo fair has none
        async with app_services(demo_app).db.session() as db:
            await add_attendee(db)
            await db.commit()
    if email is not None:
        await login(client, email)
    fetched, problems = await _crawl(client, language)
    assert problems == [], "\n".join(problems)
    assert fetched > 20, f"only {fetched} pages reached as {role}"
    assert time.monotonic() - started < 30

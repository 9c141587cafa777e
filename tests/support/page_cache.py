"""Looking into the app's page cache from a test: the cache itself and the CSRF token a
cached page carries (a page from memory must still hand each visitor their own token)."""

from __future__ import annotations

import re

from starlette.applications import Starlette

from fair.app_services import app_services
from fair.pagecache import PageCache


def cache_of(app: Starlette) -> PageCache:
    cache = app_services(app).page_cache
    assert isinstance(cache, PageCache)
    return cache


def token_in(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]*)">', html)
    assert match, "no csrf meta tag"
    return match.group(1)

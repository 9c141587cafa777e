"""The page cache's store: rendered pages in an LRU bounded by bytes, dropped by tag.

Kept apart from the decorator (``fair.pagecache``) so the memory rules (byte bound, the
half reserved for anonymous pages, which renders may still be stored after an
invalidation) can be read and tested without any HTTP.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formatdate
from typing import Any

from fair.changes import EVERYTHING
from fair.pagecache_gzip import PageParts


@dataclass
class CachedPage:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    gzipped: bytes | None
    digest: str
    last_modified: float
    tags: frozenset[str]
    has_token: bool
    meta: dict[str, Any] = field(default_factory=dict)
    fresh_until: datetime | None = None  # naive UTC on the fair's clock; None: no limit
    # A page with per-visitor placeholders, cut and compressed at them (``gzipped`` is
    # then None): serving compresses only what it puts in (``fair.pagecache_gzip``).
    parts: PageParts | None = None
    # ``Last-Modified`` as sent, formatted once rather than for every visitor.
    last_modified_header: bytes = field(init=False, repr=False, default=b"")

    def __post_init__(self) -> None:
        self.last_modified_header = formatdate(self.last_modified, usegmt=True).encode()

    @property
    def size(self) -> int:
        parts = self.parts.size if self.parts is not None else 0
        return len(self.body) + len(self.gzipped or b"") + parts + 512


class PageCache:
    """An LRU of rendered pages bounded by ``max_bytes``, with tag-based invalidation."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.version = 0
        self.instance = uuid.uuid4().hex
        self.hits = 0
        self.misses = 0
        self._pages: OrderedDict[tuple[str, ...], CachedPage] = OrderedDict()
        # The version of the latest invalidation per tag: a render that began before it
        # is not stored if it carries that tag (it may show the old state); renders of
        # other pages are. Under a busy chat or Q&A a single version for every tag would
        # refuse almost every render, and the cache would never fill again.
        self._invalidated: dict[str, int] = {}
        # Renders under way, so simultaneous misses of one page wait for the first.
        self.rendering: dict[tuple[str, ...], asyncio.Future[None]] = {}

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, key: tuple[str, ...]) -> CachedPage | None:
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
        return page

    def put(self, key: tuple[str, ...], page: CachedPage, version: int) -> bool:
        """Keep ``page`` unless something it shows changed since its render began
        (``version``): an invalidation since then of one of its tags."""
        if page.size > self.max_bytes // 4 or self.changed_since(page.tags, version):
            return False
        self._drop(key)
        self._pages[key] = page
        self.bytes += page.size
        while self.bytes > self.max_bytes:
            oldest = next(iter(self._pages))
            self._drop(oldest)
        self._trim_visitor_pages()
        return True

    def changed_since(self, tags: Iterable[str], version: int) -> bool:
        """Whether a page filed under ``tags`` was invalidated after ``version``."""
        return version != self.version and any(
            self._invalidated.get(tag, -1) > version for tag in tags
        )

    def _trim_visitor_pages(self) -> None:
        """Logged-in visitors' pages (keys with a visitor part) fill at most half the
        memory, oldest out first, so many logged-in visitors cannot push out the pages
        every anonymous visitor shares."""
        limit = self.max_bytes // 2
        used = sum(page.size for key, page in self._pages.items() if len(key) > 3)
        for key in [key for key in self._pages if len(key) > 3]:
            if used <= limit:
                break
            used -= self._pages[key].size
            self._drop(key)

    def invalidate(self, tags: Iterable[str]) -> int:
        """Drop every page filed under one of ``tags``; returns how many."""
        wanted = set(tags)
        self.version += 1
        for tag in wanted:
            self._invalidated[tag] = self.version
        doomed = [key for key, page in self._pages.items() if page.tags & wanted]
        for key in doomed:
            self._drop(key)
        return len(doomed)

    def clear(self) -> None:
        self.version += 1
        self._invalidated[EVERYTHING] = self.version  # every page carries it
        self._pages.clear()
        self.bytes = 0

    def drop(self, key: tuple[str, ...]) -> None:
        """Forget one page (its time is up); renders under way may still store theirs."""
        self._drop(key)

    def _drop(self, key: tuple[str, ...]) -> None:
        page = self._pages.pop(key, None)
        if page is not None:
            self.bytes -= page.size

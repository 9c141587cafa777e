"""Rendered pages for anonymous visitors, kept in memory until something they show changes.

How a page takes part (see also docs/pages.md)::

    @cached_page(params=("by", "day"))          # the only query parameters it reads
    async def programme(request): ...

For a visitor who is not logged in, a GET or HEAD of a cached page is answered from
memory; the view runs only on a miss. The cache key is the path, the declared query
parameters (all others are removed from the request before the view sees it, so they can
neither change the page nor grow the cache) and the language. Only 200 responses of
text types are kept, in an LRU bounded by bytes (``FAIR_PAGE_CACHE_BYTES``).

Invalidation is driven by events, never by a timeout: every commit reports the tables it
changed (``fair.changes``); the cache drops the pages filed under those tags at once and
publishes the tags through the realtime hub, so other instances (Redis hub) drop theirs
too. A view narrows what invalidates its page with :func:`page_tags` (the booth page
depends on its own chat channel, not on every chat message).

The clock is the one change no commit reports: a session ends when its end time passes. A
view whose page changes with the clock says when with :func:`page_fresh_until` (the next
start or end of what it shows, computed from its data); the entry is stale from that
moment of the fair's clock (``settings.now()``, so ``FAIR_TODAY`` moves it too).

Per-visitor bits never enter the cache:

* CSRF token: the shared render writes :data:`TOKEN_PLACEHOLDER` where the token goes;
  each visitor's own token is put in when the page is served. Forms keep working without
  JavaScript. A page with a token is ``private, no-cache`` for browsers and proxies;
  a page without one is ``public`` for a short ``max-age`` with ``Vary: Cookie``.
* Language: part of the key.
* Logged-in visitors get their own pages: the key adds a digest of everything the request
  knows of the user (id, name, e-mail, role, organisations, which also decide the drafts
  they see), so no two visitors ever share an entry; the same events invalidate them. Their
  answers are ``private, no-store``; a session naming a user who is gone renders uncached.
* Per-visitor side effects of a page view (booth visit counters, the voter cookie) run in
  the view's ``on_hit`` hook on every cache hit, with what the render stored via
  :func:`page_meta`.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formatdate, parsedate_to_datetime
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from fair.app_services import services_if_any
from fair.changes import EVERYTHING, entry_tags

log = logging.getLogger(__name__)

TOKEN_PLACEHOLDER = "__fair_csrf_token__"
SHARED_RENDER_KEY = "fair.shared_render"
HUB_CHANNEL = "fair:page-cache"
PUBLIC_CACHE_CONTROL = "public, max-age=10, stale-while-revalidate=30"
TOKEN_CACHE_CONTROL = "private, no-cache"
LOGGED_IN_CACHE_CONTROL = "private, no-store"
CACHEABLE_TYPES = (
    "text/html",
    "application/json",
    "application/xml",
    "text/xml",
    "text/calendar",
    "text/plain",
    "text/csv",
)
# Headers of a cached response that belong to the visitor it was rendered for.
_PER_VISITOR_HEADERS = {b"set-cookie", b"content-length", b"etag", b"cache-control", b"vary"}

View = Callable[[Request], Awaitable[Response]]
OnHit = Callable[[Request, dict[str, Any], Response], Awaitable[None]]


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

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"") + 512


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


class CacheInvalidator:
    """Joins the database's commits, this instance's cache and the other instances.

    A commit here drops the affected pages here at once (before the view that committed
    even answers) and publishes the tags on :data:`HUB_CHANNEL`; a message from another
    instance drops them here.
    """

    def __init__(self, cache: PageCache, hub: Any) -> None:
        self.cache = cache
        self.hub = hub
        self._tasks: set[asyncio.Task[None]] = set()
        # Other in-memory copies dropped by the same tags, here and from other instances
        # (the logged-in users' cache).
        self.followers: list[Callable[[frozenset[str]], None]] = []

    def _invalidate(self, tags: frozenset[str]) -> None:
        self.cache.invalidate(tags)
        for follower in self.followers:
            follower(tags)

    def on_commit(self, tags: frozenset[str]) -> None:
        self._invalidate(tags)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a commit outside the event loop (CLI): nobody to tell
            return
        event = {"type": "invalidate", "tags": sorted(tags), "origin": self.cache.instance}
        task = loop.create_task(self._publish(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish(self, event: dict[str, Any]) -> None:
        try:
            await self.hub.publish(HUB_CHANNEL, event)
        except Exception as exc:
            # Redis unreachable: other instances cannot be told now; they clear their
            # caches when their hub reconnects ("resync", see send).
            from fair.unavailable import hub_unavailable

            down = hub_unavailable(exc)
            log.warning("could not publish a page cache invalidation: %s", exc, exc_info=not down)

    async def send(self, message: dict[str, Any]) -> None:
        """The hub's sink interface: a batch of events from every instance."""
        import json

        for raw in json.loads(message.get("text") or "[]"):
            event = json.loads(raw) if isinstance(raw, str) else raw
            if event.get("type") == "invalidate" and event.get("origin") != self.cache.instance:
                self._invalidate(frozenset(event.get("tags") or ["*", "users"]))
            elif event.get("type") == "resync":
                # Redis was away: other instances' invalidations of the gap are lost.
                self.cache.clear()
                for follower in self.followers:
                    follower(frozenset({"*", "users"}))

    async def start(self) -> None:
        await self.hub.join(HUB_CHANNEL, self)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        try:
            await self.hub.leave(HUB_CHANNEL, self)
        except Exception:
            log.debug("leaving the page cache channel failed", exc_info=True)


def is_shared_render(request: Request) -> bool:
    """True while a view renders a page that every anonymous visitor will get."""
    return bool(request.scope.get(SHARED_RENDER_KEY))


def page_tags(request: Request, *tags: str) -> None:
    """Narrow invalidation: the page also depends on these row tags (``fair.changes``)."""
    request.scope.setdefault("fair.page_tags", set()).update(tags)


def page_meta(request: Request, **values: Any) -> None:
    """Values the view's ``on_hit`` hook needs on a cache hit (e.g. the booth id)."""
    request.scope.setdefault("fair.page_meta", {}).update(values)


def page_fresh_until(request: Request, moment: datetime | None) -> None:
    """The page shows something the clock changes at ``moment`` (naive UTC, the fair's
    clock): serve it from the cache only until then. The earliest of several calls wins."""
    if moment is None:
        return
    known = request.scope.get("fair.page_fresh_until")
    if known is None or moment < known:
        request.scope["fair.page_fresh_until"] = moment


def _fair_now(request: Request) -> datetime:
    from fair.db import utcnow

    found = services_if_any(request)
    return found.settings.now() if found is not None else utcnow()


def _expired(request: Request, page: CachedPage) -> bool:
    return page.fresh_until is not None and _fair_now(request) >= page.fresh_until


def _is_anonymous(request: Request) -> bool:
    if request.scope.get("fair.user") is not None:
        return False
    session = request.scope.get("session")
    return not (session and session.get("user_id") is not None)


def _key(
    request: Request, params: tuple[str, ...], visitor: str | None = None
) -> tuple[tuple[str, ...], bytes]:
    """The cache key, and the query string the view is allowed to see.

    ``visitor`` (:func:`_visitor_key`) files a logged-in visitor's page under their own
    key; anonymous keys have no such part, so the two can never meet.
    """
    query = request.query_params
    kept = [(name, query[name]) for name in params if query.get(name)]
    query_string = urlencode(kept).encode()
    language = str(request.scope.get("fair.language", "de"))
    path = request.url.path.rstrip("/") or "/"
    key = (path, query_string.decode(), language)
    return (key if visitor is None else (*key, visitor)), query_string


def _visitor_key(request: Request) -> str | None:
    """Everything about a logged-in visitor a page can show or depend on, as one digest.

    The user is loaded afresh on every request (``fair.middleware``), so a new name,
    role or organisation gives a new key even before the commit's invalidation; the drafts
    a visitor sees follow from role and organisations (``fair.drafts.viewer_for``). None
    when the session names a user who is gone or inactive: such a page is not cached.
    """
    user = request.scope.get("fair.user")
    if user is None:
        return None
    parts = (
        user.id,
        user.name,
        user.email,
        user.role.value,
        sorted(user.organisation_ids),
    )
    return "user:" + hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _etag(page: CachedPage, token: str | None) -> str:
    if token is None:
        return f'"{page.digest}"'
    return f'"{page.digest}-{hashlib.sha256(token.encode()).hexdigest()[:10]}"'


def _not_modified(request: Request, etag: str, last_modified: float) -> bool:
    candidates = request.headers.get("if-none-match")
    if candidates is not None:
        tags = {t.strip().removeprefix("W/") for t in candidates.split(",")}
        return etag in tags or "*" in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return int(last_modified) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
    return False


def _accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "")


def _cache_control(request: Request, token: str | None) -> str:
    if not _is_anonymous(request):
        return LOGGED_IN_CACHE_CONTROL  # their own page: neither shared nor stored
    return TOKEN_CACHE_CONTROL if token else PUBLIC_CACHE_CONTROL


def serve(request: Request, page: CachedPage) -> Response:
    """The cached ``page`` for this visitor: their token, 304 or gzip as asked."""
    token: str | None = None
    body, gzipped = page.body, page.gzipped
    if page.has_token:
        from fair.web import csrf_token

        token = csrf_token(request)
        body = body.replace(TOKEN_PLACEHOLDER.encode(), token.encode())
        gzipped = None
    etag = _etag(page, token)
    headers = [
        (b"etag", etag.encode()),
        (b"last-modified", formatdate(page.last_modified, usegmt=True).encode()),
        (b"cache-control", _cache_control(request, token).encode()),
        (b"vary", b"Cookie, Accept-Encoding"),
    ]
    if _not_modified(request, etag, page.last_modified):
        response = Response(status_code=304)
        response.raw_headers = headers
        return response
    if _accepts_gzip(request) and len(body) >= 500:
        if gzipped is None:
            gzipped = gzip.compress(body, compresslevel=1, mtime=0)  # per visitor: cheap
        body = gzipped
        headers.append((b"content-encoding", b"gzip"))
    response = Response(body, status_code=page.status)
    response.raw_headers = [
        *[h for h in response.raw_headers if h[0] == b"content-length"],
        *page.headers,
        *headers,
    ]
    return response


def _cacheable(response: Response) -> bool:
    content_type = response.headers.get("content-type", "")
    return (
        response.status_code == 200
        and isinstance(getattr(response, "body", None), bytes)
        and content_type.split(";")[0].strip() in CACHEABLE_TYPES
        and "content-encoding" not in response.headers
    )


def _store(request: Request, response: Response) -> CachedPage:
    body = bytes(response.body)
    headers = [(k, v) for k, v in response.raw_headers if k not in _PER_VISITOR_HEADERS]
    has_token = TOKEN_PLACEHOLDER.encode() in body
    return CachedPage(
        status=response.status_code,
        headers=headers,
        body=body,
        gzipped=None if has_token else gzip.compress(body, compresslevel=9, mtime=0),
        digest=hashlib.sha256(body).hexdigest()[:20],
        last_modified=time.time(),
        tags=entry_tags(request.scope.get("fair.page_tags", ())),
        has_token=has_token,
        meta=dict(request.scope.get("fair.page_meta", {})),
        fresh_until=request.scope.get("fair.page_fresh_until"),
    )


def cached_page(
    *, params: tuple[str, ...] = (), on_hit: OnHit | None = None
) -> Callable[[View], View]:
    """Serve the view's page from the app's :class:`PageCache`: one entry per anonymous
    page, one per logged-in visitor and page.

    ``params`` are the query parameters the page depends on; the view sees no others.
    ``on_hit`` runs on every cache hit with the render's :func:`page_meta`.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        async def wrapper(request: Request) -> Response:
            found = services_if_any(request)
            cache = found.page_cache if found is not None else None
            if cache is None or request.method not in ("GET", "HEAD"):
                return await view(request)
            visitor = None if _is_anonymous(request) else _visitor_key(request)
            if visitor is None and not _is_anonymous(request):
                response = await view(request)
                response.headers["cache-control"] = LOGGED_IN_CACHE_CONTROL
                return response
            key, query_string = _key(request, params, visitor)
            page = cache.get(key)
            if page is not None and _expired(request, page):
                cache.drop(key)
                page = None
            if page is None and key in cache.rendering:
                # Someone renders this page right now: wait for it rather than render
                # it fifty times over after an invalidation.
                await asyncio.shield(cache.rendering[key])
                page = cache.get(key)
            if page is not None:
                cache.hits += 1
                served = serve(request, page)
                if on_hit is not None:
                    await on_hit(request, page.meta, served)
                return served
            cache.misses += 1
            version = cache.version
            request.scope["query_string"] = query_string
            request.scope[SHARED_RENDER_KEY] = True
            request.__dict__.pop("_query_params", None)
            request.__dict__.pop("_url", None)
            done = cache.rendering.setdefault(key, asyncio.get_running_loop().create_future())
            try:
                response = await view(request)
            finally:
                request.scope[SHARED_RENDER_KEY] = False
                if cache.rendering.get(key) is done:
                    del cache.rendering[key]
                if not done.done():
                    done.set_result(None)
            if not _cacheable(response):
                return _with_token(request, response)
            page = _store(request, response)
            cache.put(key, page, version)
            served = serve(request, page)
            # Cookies the view set for this visitor (voter, seen booths) go to them only.
            served.raw_headers.extend(h for h in response.raw_headers if h[0] == b"set-cookie")
            return served

        return wrapper

    return decorate


def _with_token(request: Request, response: Response) -> Response:
    """An uncached response of a shared render (an error page): put the token in."""
    body = getattr(response, "body", None)
    if isinstance(body, bytes) and TOKEN_PLACEHOLDER.encode() in body:
        from fair.web import csrf_token

        response.body = body.replace(TOKEN_PLACEHOLDER.encode(), csrf_token(request).encode())
        response.headers["content-length"] = str(len(response.body))
    response.headers.setdefault("cache-control", "no-store")
    return response

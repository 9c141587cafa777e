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
  Attendees without an organisation share one entry: a render for a stand-in user, their
  own name and e-mail put in when served (``fair.visitor_pages``).
* Per-visitor side effects of a page view (booth visit counters, the voter cookie) run in
  the view's ``on_hit`` hook on every cache hit, with what the render stored via
  :func:`page_meta`.

The parts, one job each: this module is the decorator and what views call;
``fair.pagecache_store`` keeps the pages (LRU, tags); ``fair.pagecache_serve`` answers one
visitor from a cached page; ``fair.pagecache_sync`` carries invalidations between commits
and instances. Every public name stays importable from here.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from fair.app_services import services_if_any
from fair.auth import CurrentUser
from fair.changes import entry_tags
from fair.pagecache_gzip import split_page
from fair.pagecache_serve import (
    LOGGED_IN_CACHE_CONTROL,
    PLACEHOLDERS,
    PUBLIC_CACHE_CONTROL,
    TOKEN_CACHE_CONTROL,
    TOKEN_PLACEHOLDER,
    serve,
)
from fair.pagecache_serve import is_anonymous as _is_anonymous
from fair.pagecache_serve import with_token as _with_token
from fair.pagecache_store import CachedPage, PageCache
from fair.pagecache_sync import HUB_CHANNEL, CacheInvalidator
from fair.visitor_pages import shared_audience, stand_in
from fair.web import CSRF_TOKEN_LENGTH

__all__ = [
    "CACHEABLE_TYPES",
    "HUB_CHANNEL",
    "LOGGED_IN_CACHE_CONTROL",
    "PUBLIC_CACHE_CONTROL",
    "SHARED_RENDER_KEY",
    "TOKEN_CACHE_CONTROL",
    "TOKEN_PLACEHOLDER",
    "CacheInvalidator",
    "CachedPage",
    "PageCache",
    "cached_page",
    "is_shared_render",
    "page_fresh_until",
    "page_meta",
    "page_tags",
    "serve",
]

SHARED_RENDER_KEY = "fair.shared_render"
CACHEABLE_TYPES = (
    "text/html",
    "application/json",
    "application/xml",
    "text/xml",
    "text/calendar",
    "text/plain",
    "text/csv",
)
# Once per stored page (its fixed parts, or the whole page without placeholders).
_GZIP_LEVEL = 9
# Values of one length whatever the visitor: the parts after them compress as one page.
_FIXED_LENGTHS = {TOKEN_PLACEHOLDER.encode(): CSRF_TOKEN_LENGTH}
_UNSAFE_URL_CHARACTERS = ("\t", "\r", "\n")
# Headers of a cached response that belong to the visitor it was rendered for.
_PER_VISITOR_HEADERS = {b"set-cookie", b"content-length", b"etag", b"cache-control", b"vary"}

View = Callable[[Request], Awaitable[Response]]
OnHit = Callable[[Request, dict[str, Any], Response], Awaitable[None]]


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


def _url_path(path: str) -> str:
    """``request.url.path`` without building the whole URL (host, scheme, query) first:
    the path as Starlette's ``URL`` escapes it and ``urlsplit`` reads it back."""
    for unsafe in _UNSAFE_URL_CHARACTERS:  # urlsplit drops these
        path = path.replace(unsafe, "")
    return path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")


def _key(
    request: Request, params: tuple[str, ...], visitor: str | None = None
) -> tuple[tuple[str, ...], bytes]:
    """The cache key, and the query string the view is allowed to see.

    ``visitor`` (:func:`_visitor_key`) files a logged-in visitor's page under their own
    key; anonymous keys have no such part, so the two can never meet.
    """
    kept: list[tuple[str, str]] = []
    if params and request.scope.get("query_string"):
        query = request.query_params
        kept = [(name, query[name]) for name in params if query.get(name)]
    query_string = urlencode(kept).encode()
    language = str(request.scope.get("fair.language", "de"))
    path = _url_path(request.scope["path"]).rstrip("/") or "/"
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
    shared = shared_audience(user)  # attendees share renders (fair.visitor_pages)
    if shared is not None:
        return shared
    parts = (
        user.id,
        user.name,
        user.email,
        user.role.value,
        sorted(user.organisation_ids),
        sorted(user.own_pages),
    )
    return "user:" + hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


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
    parts = split_page(body, PLACEHOLDERS, _GZIP_LEVEL, _FIXED_LENGTHS)
    return CachedPage(
        status=response.status_code,
        headers=headers,
        body=body,
        gzipped=None if parts else gzip.compress(body, compresslevel=_GZIP_LEVEL, mtime=0),
        parts=parts,
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
            user = request.scope.get("fair.user")
            if isinstance(user, CurrentUser) and visitor == shared_audience(user):
                request.scope["fair.user"] = stand_in(user)
            try:
                response = await view(request)
            finally:
                request.scope[SHARED_RENDER_KEY] = False
                request.scope["fair.user"] = user
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

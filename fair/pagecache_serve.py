"""Serving a cached page to one visitor: their CSRF token, validators, gzip, headers.

A cached page is shared; what differs per visitor (token, ``Cache-Control`` for logged-in
visitors, a 304 for what their browser already has) is decided here at serve time.
"""

from __future__ import annotations

import gzip
import hashlib
from email.utils import parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import Response

from fair.pagecache_gzip import split_page
from fair.pagecache_store import CachedPage
from fair.visitor_pages import EMAIL_PLACEHOLDER, NAME_PLACEHOLDER, personal_values, personalise

TOKEN_PLACEHOLDER = "__fair_csrf_token__"
PUBLIC_CACHE_CONTROL = "public, max-age=10, stale-while-revalidate=30"
TOKEN_CACHE_CONTROL = "private, no-cache"
LOGGED_IN_CACHE_CONTROL = "private, no-store"
_TOKEN = TOKEN_PLACEHOLDER.encode()
# What a cached page may hold in place of per-visitor bits, filled in by :func:`serve`.
PLACEHOLDERS = (_TOKEN, NAME_PLACEHOLDER.encode(), EMAIL_PLACEHOLDER.encode())


def is_anonymous(request: Request) -> bool:
    if request.scope.get("fair.user") is not None:
        return False
    session = request.scope.get("session")
    return not (session and session.get("user_id") is not None)


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
    if not is_anonymous(request):
        return LOGGED_IN_CACHE_CONTROL  # their own page: neither shared nor stored
    return TOKEN_CACHE_CONTROL if token else PUBLIC_CACHE_CONTROL


def serve(request: Request, page: CachedPage) -> Response:
    """The cached ``page`` for this visitor: their token, 304 or gzip as asked."""
    token: str | None = None
    values: dict[bytes, bytes] = {}
    if page.has_token:
        from fair.web import csrf_token

        token = csrf_token(request)
        values[_TOKEN] = token.encode()
    if not is_anonymous(request):  # an attendees' shared render: their name and e-mail
        values.update(personal_values(request.scope.get("fair.user")))
    etag = _etag(page, token)
    headers = [
        (b"etag", etag.encode()),
        (b"last-modified", page.last_modified_header),
        (b"cache-control", _cache_control(request, token).encode()),
        (b"vary", b"Cookie, Accept-Encoding"),
    ]
    if _not_modified(request, etag, page.last_modified):
        response = Response(status_code=304)
        response.raw_headers = headers
        return response
    parts = page.parts
    if parts is None and values:  # a page stored without its parts (built by hand)
        parts = split_page(page.body, PLACEHOLDERS, 1)
    body = page.body if parts is None else parts.filled(values)
    if _accepts_gzip(request) and len(body) >= 500:
        if parts is not None:  # compresses only what was put in (fair.pagecache_gzip)
            body = parts.gzipped(values)
        else:
            body = page.gzipped or gzip.compress(body, compresslevel=1, mtime=0)
        headers.append((b"content-encoding", b"gzip"))
    response = Response(body, status_code=page.status)
    response.raw_headers = [
        *[h for h in response.raw_headers if h[0] == b"content-length"],
        *page.headers,
        *headers,
    ]
    return response


def with_token(request: Request, response: Response) -> Response:
    """An uncached response of a shared render (an error page): put the token in."""
    body = getattr(response, "body", None)
    if isinstance(body, bytes) and TOKEN_PLACEHOLDER.encode() in body:
        from fair.web import csrf_token

        response.body = body.replace(TOKEN_PLACEHOLDER.encode(), csrf_token(request).encode())
    if isinstance(body, bytes) and not is_anonymous(request):
        response.body = personalise(bytes(response.body), request.scope.get("fair.user"))
    if isinstance(body, bytes) and response.body is not body:
        response.headers["content-length"] = str(len(response.body))
    response.headers.setdefault("cache-control", "no-store")
    return response

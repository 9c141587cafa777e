"""ASGI middleware: security headers, request body limits, same-origin checks for
state-changing requests, and per-request language and user."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fair import drafts
from fair.auth import CurrentUser, OwnPagesRules, load_current_user
from fair.i18n import LANGUAGE_COOKIE, LANGUAGES, negotiate_language
from fair.user_cache import UserCache

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Draws the HTML error page for a request the middleware refuses: (scope, status, message).
ErrorPage = Callable[[Scope, int, str], Response]


def content_security_policy(media_origin: str = "") -> str:
    """The CSP, with the CDN or bucket origin that serves live HLS allowed for media."""
    if not media_origin:
        return CONTENT_SECURITY_POLICY
    parts = urlsplit(media_origin)
    origin = f"{parts.scheme}://{parts.netloc}"
    return CONTENT_SECURITY_POLICY.replace(
        "media-src 'self' blob:", f"media-src 'self' blob: {origin}"
    ).replace("connect-src 'self' ws: wss:", f"connect-src 'self' ws: wss: {origin}")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, media_origin: str = "") -> None:
        self.app = app
        self.csp = content_security_policy(media_origin).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in (
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                    (b"content-security-policy", self.csp),
                    (
                        b"permissions-policy",
                        b"camera=(self), microphone=(self), display-capture=(self)",
                    ),
                ):
                    if name not in present:
                        headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Answer 413 for bodies over the limit: by Content-Length up front, and by counting
    for chunked bodies. Upload routes get the larger upload limit."""

    def __init__(
        self, app: ASGIApp, *, default_limit: int, upload_limit: int, upload_paths: list[str]
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.upload_limit = upload_limit
        self.upload_patterns = [re.compile(p) for p in upload_paths]

    def limit_for(self, path: str) -> int:
        if any(p.fullmatch(path) for p in self.upload_patterns):
            return self.upload_limit
        return self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                await _plain(send, 400, "Content-Length: ungültig")
                return
            if too_large:
                await _plain(send, 413, f"Anfrage zu groß: höchstens {limit} Bytes")
                return
        received = 0
        watched = WatchedSend(send)

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, counting_receive, watched)
        except BodyTooLarge:
            if not watched.started:
                await _plain(send, 413, f"Anfrage zu groß: höchstens {limit} Bytes")


class WatchedSend:
    """``send`` that notes when the response has begun: a middleware that catches an
    error below can answer with a page of its own only before that."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


class SameOriginMiddleware:
    """Browsers send Origin on cross-site POSTs; refuse those outright (defence in depth
    beside the CSRF token that every form carries).

    A person whose browser posted a form gets ``error_page`` (the normal 403 page in their
    language) rather than raw JSON; fetch and API clients, which do not ask for HTML,
    keep the JSON answer. It runs inside the request context, so language and user are
    known when the page is drawn."""

    MESSAGE = "Anfrage von fremder Herkunft abgelehnt"

    def __init__(self, app: ASGIApp, error_page: ErrorPage | None = None) -> None:
        self.app = app
        self.error_page = error_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            headers = dict(scope.get("headers", []))
            if _cross_origin(headers):
                if self.error_page is not None and _accepts_html(scope["path"], headers):
                    response = self.error_page(scope, 403, self.MESSAGE)
                    await response(scope, receive, send)
                else:
                    await _plain(send, 403, self.MESSAGE)
                return
        await self.app(scope, receive, send)


def _cross_origin(headers: dict[bytes, bytes]) -> bool:
    """An Origin naming another host, or the browser saying the request is cross-site."""
    origin = headers.get(b"origin")
    host = headers.get(b"host", b"").decode("latin-1")
    if origin and origin != b"null" and urlsplit(origin.decode("latin-1")).netloc != host:
        return True
    return headers.get(b"sec-fetch-site") == b"cross-site"


def _accepts_html(path: str, headers: dict[bytes, bytes]) -> bool:
    """A browser navigation (a posted form) asks for text/html; fetch() sends ``*/*``."""
    return not path.startswith("/api/") and b"text/html" in headers.get(b"accept", b"")


class RequestContextMiddleware:
    """Put the negotiated language and the logged-in user into the scope."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default_language: str,
        database: Any,
        user_cache: UserCache | None = None,
        own_pages: OwnPagesRules | None = None,
    ) -> None:
        self.app = app
        self.default_language = default_language
        self.database = database
        self.user_cache = user_cache
        # The app's rules, filled by the domains' registration after this is built.
        self.own_pages = own_pages

    async def _user(self, conn: HTTPConnection, user_id: object) -> CurrentUser | None:
        """Who is logged in: from memory when known, else one statement."""
        cache = self.user_cache
        if cache is None or not isinstance(user_id, int):
            async with self.database.session() as db:
                return await load_current_user(conn, db, self.own_pages)
        entry = cache.get(user_id)
        if entry is not None:
            return entry.user
        version = cache.version
        async with self.database.session() as db:
            user = await load_current_user(conn, db, self.own_pages)
        cache.put(user_id, user, version)
        return user

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http" and _has_nul(scope):
            # PostgreSQL text cannot hold NUL: refuse it before it reaches a query (a 500).
            await _plain(send, 400, "Anfrage enthält ein NUL-Zeichen")
            return
        conn = HTTPConnection(scope)
        language = negotiate_language(conn, self.default_language)
        scope["fair.language"] = language
        user = None
        if "session" in scope and scope["session"].get("user_id") is not None:
            user = scope["fair.user"] = await self._user(conn, scope["session"]["user_id"])
        viewer = drafts.viewer_for(
            scope["path"],
            user.role.value if user else None,
            user.organisation_ids if user else frozenset(),
        )
        remember = conn.query_params.get("lang") in LANGUAGES

        async def send_with_cookie(message: Message) -> None:
            if remember and message["type"] == "http.response.start":
                cookie = f"{LANGUAGE_COOKIE}={language}; Path=/; Max-Age=31536000; SameSite=Lax"
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
            await send(message)

        with drafts.viewing_as(viewer):
            await self.app(scope, receive, send_with_cookie if scope["type"] == "http" else send)


def _has_nul(scope: Scope) -> bool:
    """NUL in the path or query string, literally or percent-encoded."""
    query = bytes(scope.get("query_string", b""))
    return "\x00" in scope["path"] or b"\x00" in query or b"%00" in query


async def _plain(send: Send, status: int, text: str) -> None:
    body = json.dumps({"error": text}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


Predicate = Callable[[str], bool]

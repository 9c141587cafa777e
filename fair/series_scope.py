"""Several event series in one install: every page, export and search shows one series.

The one central helper, in the spirit of :mod:`fair.drafts`: a request is scoped to one
series, and every ORM query then loads only that series' rows through
``with_loader_criteria`` (days, sessions, recordings, booths of its days; packages
register how their models belong to a series with :func:`register`). Pages need no
change to become per-series.

Addresses: ``/s/<slug>/…`` is any series (``/s/dsk26/programme``,
``/s/dsk26/schedule.ics``); the middleware makes the prefix the root path, scopes the request and
points the page's own links back under the prefix. Without a prefix a request sees the
current series (:func:`choose_current`), except a single item (a session, a booth), which
is found whatever its series. Back-office pages and every change (non-GET) are not
scoped: they work across series. Which paths are which the domains register
(:class:`fair.addresses.Addresses`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fair.addresses import Addresses
from fair.branding import BrandingCache, load_branding
from fair.db import utcnow
from fair.models import EventDay, EventSeries

PREFIX = re.compile(r"^/s/([a-z0-9][a-z0-9-]{0,79})(/.*)?$")
# Links in a prefixed page that stay unprefixed: files and account pages.
_LINK = re.compile(
    rb'(href|action|src)="/(?!s/|static/|login|logout|lang/|organiser|exhibitor|invite|reset)'
)
CACHE_SECONDS = 30.0  # how late other instances see a new series or branding

_series_id: ContextVar[int | None] = ContextVar("fair_series_scope", default=None)
_scoped: dict[type, Callable[[int], Any]] = {}


def days_of(series_id: int) -> Any:
    """The ids of a series' days, as a subquery for criteria."""
    return select(EventDay.id).where(EventDay.series_id == series_id).scalar_subquery()


def register(model: type, criterion: Callable[[int], Any]) -> None:
    """``criterion(series_id)`` is the condition a row of ``model`` meets in that series."""
    _scoped[model] = criterion


register(EventSeries, lambda series_id: EventSeries.id == series_id)
register(EventDay, lambda series_id: EventDay.series_id == series_id)


@contextmanager
def scoped_to(series_id: int | None) -> Iterator[None]:
    token = _series_id.set(series_id)
    try:
        yield
    finally:
        _series_id.reset(token)


def current_scope() -> int | None:
    return _series_id.get()


@event.listens_for(Session, "do_orm_execute")
def _scope_to_series(state: ORMExecuteState) -> None:
    series_id = _series_id.get()
    if series_id is None or not state.is_select:
        return
    for model, criterion in _scoped.items():
        state.statement = state.statement.options(
            with_loader_criteria(model, criterion(series_id), include_aliases=True)
        )


@dataclass(frozen=True)
class SeriesRow:
    id: int
    slug: str
    starts_on: date | None
    ends_on: date | None
    title: str = ""
    archive_mode: bool | None = None  # None: on by itself after the last day


def choose_current(series: list[SeriesRow], today: date) -> int | None:
    """The series running today; else the next one to start; else the last one that
    ended; else the newest one (dates not set yet)."""
    dated = [s for s in series if s.starts_on and s.ends_on]
    for s in dated:
        assert s.starts_on and s.ends_on
        if s.starts_on <= today <= s.ends_on:
            return s.id
    upcoming = sorted((s for s in dated if s.starts_on and s.starts_on > today), key=_start)
    if upcoming:
        return upcoming[0].id
    past = sorted((s for s in dated if s.ends_on and s.ends_on < today), key=_end)
    if past:
        return past[-1].id
    return max((s.id for s in series), default=None)


def _start(s: SeriesRow) -> date:
    assert s.starts_on
    return s.starts_on


def _end(s: SeriesRow) -> date:
    assert s.ends_on
    return s.ends_on


class SeriesCache:
    """The app's one in-memory copy of the event series: the list of series, and the
    branding stored on them (into ``branding``, which pages read). Read at most every
    ``CACHE_SECONDS`` seconds so scoping and branding add no query per page;
    :meth:`forget` after a series is created or changed."""

    def __init__(self, database: Any, branding: BrandingCache | None = None) -> None:
        self.database = database
        self.branding = branding if branding is not None else BrandingCache()
        self._rows: list[SeriesRow] = []
        self._read_at = float("-inf")

    def forget(self) -> None:
        self._read_at = float("-inf")

    async def others(self) -> list[SeriesRow]:
        """Every series but the one this request is scoped to, newest first (for links
        to them; read from the cache, so a page pays no query for it)."""
        current = current_scope()
        rows = [r for r in await self.rows() if r.id != current]
        return sorted(rows, key=lambda r: (r.starts_on or date.min, r.id), reverse=True)

    async def warm(self, _app: Any = None) -> None:
        await self.rows()

    async def rows(self) -> list[SeriesRow]:
        if time.monotonic() - self._read_at > CACHE_SECONDS:
            with scoped_to(None):
                async with self.database.session() as db:
                    # A series made by the importer or the seed may have no dates of
                    # its own: its days give them.
                    found = await db.execute(
                        select(
                            EventSeries.id,
                            EventSeries.slug,
                            func.coalesce(EventSeries.starts_on, func.min(EventDay.date)),
                            func.coalesce(EventSeries.ends_on, func.max(EventDay.date)),
                            EventSeries.title,
                            EventSeries.archive_mode,
                        )
                        .outerjoin(EventDay, EventDay.series_id == EventSeries.id)
                        .group_by(EventSeries.id)
                    )
                    self._rows = [SeriesRow(*row) for row in found]
                    self.branding.current = await load_branding(db)
            self._read_at = time.monotonic()
        return self._rows


class SeriesScopeMiddleware:
    """Scope each request to one series (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, cache: SeriesCache, addresses: Addresses) -> None:
        self.app = app
        self.cache = cache
        self.addresses = addresses

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        match = PREFIX.match(path)
        if match is None and (
            self.addresses.unscoped.match(path)
            or self.addresses.detail.match(path)
            or scope.get("method", "GET") != "GET"
        ):
            await self.app(scope, receive, send)
            return
        series = await self.cache.rows()
        if match is None:
            with scoped_to(choose_current(series, utcnow().date())):
                await self.app(scope, receive, send)
            return
        found = next((s for s in series if s.slug == match.group(1)), None)
        if found is None:
            await _not_found(send)
            return
        prefix = f"/s/{found.slug}"
        # The prefix becomes the root path: routes match what follows it, while the URL
        # (and so the page cache's key) keeps the whole address.
        # Inside, pages stay uncompressed so their links can be rewritten; the outer
        # GZip middleware compresses the result.
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
        inner = dict(scope, root_path=scope.get("root_path", "") + prefix, headers=headers)
        with scoped_to(found.id):
            await self.app(inner, receive, _prefixing(send, prefix.encode()))


def _prefixing(send: Send, prefix: bytes) -> Send:
    """Point a scoped HTML page's links and redirects back under ``prefix``."""
    html = False
    start: Message | None = None
    chunks: list[bytes] = []

    async def wrapped(message: Message) -> None:
        nonlocal html, start
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            html = any(
                k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers
            )
            fixed = []
            for key, value in headers:
                if (
                    key.lower() == b"location"
                    and value.startswith(b"/")
                    and not value.startswith(b"//")
                ):
                    value = prefix + value
                fixed.append((key, value))
            message = dict(message, headers=fixed)
            if html:
                start = message
                return
        elif message["type"] == "http.response.body" and html and start is not None:
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = _LINK.sub(rb'\1="' + prefix + b"/", b"".join(chunks))
            headers = [
                (k, str(len(body)).encode() if k.lower() == b"content-length" else v)
                for k, v in start.get("headers", [])
            ]
            await send(dict(start, headers=headers))
            await send({"type": "http.response.body", "body": body})
            return
        await send(message)

    return wrapped


async def _not_found(send: Send) -> None:
    body = b'{"error": "Veranstaltungsreihe nicht gefunden."}'
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

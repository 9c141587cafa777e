"""A part the app depends on is down: recognise it and answer 503, never a 500 page.

While PostgreSQL restarts (or a network blip cuts pooled connections), queries fail with
driver errors that would otherwise reach the catch-all handler as "internal error". They
are not bugs: the request may simply be tried again in a few seconds, and the engine's
``pool_pre_ping`` replaces the dead connections by itself once the database is back.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError, DisconnectionError
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from fair.i18n import gettext_for
from fair.middleware import WatchedSend
from fair.templating import N_

log = logging.getLogger("fair")

DATABASE_DOWN = N_(
    "Die Datenbank ist gerade nicht erreichbar. Bitte in einigen Sekunden erneut versuchen."
)
RETRY_AFTER_SECONDS = 5

# asyncpg's errors for a server that is gone, shutting down or still starting up.
_DRIVER_ERRORS = (
    "CannotConnectNowError",
    "ConnectionDoesNotExistError",
    "ConnectionFailureError",
    "AdminShutdownError",
    "CrashShutdownError",
    "PostgresConnectionError",
    "TooManyConnectionsError",
)
_DRIVER_PACKAGES = ("/sqlalchemy/", "/asyncpg/")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _raised_by_driver(exc: BaseException) -> bool:
    """A socket error counts only when the database driver raised it (not S3, not Redis)."""
    frames = traceback.extract_tb(exc.__traceback__)
    return any(part in frame.filename for frame in frames for part in _DRIVER_PACKAGES)


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means the database cannot be reached right now.

    A broken query (syntax, constraint, missing table) stays a 500: it will not heal.
    """
    for cause in _causes(exc):
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, DisconnectionError):
            return True
        if type(cause).__name__ in _DRIVER_ERRORS and "asyncpg" in type(cause).__module__:
            return True
        if (
            isinstance(cause, ConnectionError | TimeoutError)
            or (isinstance(cause, OSError) and cause.errno is not None)
        ) and _raised_by_driver(cause):
            return True
        if type(cause).__name__ == "InterfaceError" and "connection is closed" in str(cause):
            return True
    return False


def database_down_message(language: str) -> str:
    """The 503 text in the visitor's language (the middleware sets it before any query)."""
    return gettext_for(language).gettext(DATABASE_DOWN)


class DatabaseDownMiddleware:
    """Outermost: a request that failed because the database is down gets a 503 page (or
    JSON) with ``Retry-After``, from any layer below (the user lookup in the request
    context middleware queries too), and the log a warning instead of a traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        watched = WatchedSend(send)
        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            if watched.started or not database_unavailable(exc):
                raise
            from fair.app import error_response
            from fair.app_services import services_if_any

            log.warning("database unavailable on %s %s: %s", scope["method"], scope["path"], exc)
            services = services_if_any(scope["app"])
            default = services.settings.default_language if services else "de"
            language = scope.get("fair.language") or default
            response = error_response(
                Request(scope),
                503,
                database_down_message(language),
                {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
            )
            await response(scope, receive, send)


def hub_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means Redis (the realtime hub between instances) is unreachable."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return any(isinstance(c, RedisConnectionError | RedisTimeoutError) for c in _causes(exc))


def part_unavailable(exc: BaseException) -> bool:
    """The database or the hub is down: worth a retry later, not a stack in the log."""
    return database_unavailable(exc) or hub_unavailable(exc)

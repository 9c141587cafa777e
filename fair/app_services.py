"""The app's services in one typed object, reached through one accessor (:func:`app_services`).

The app factory (:func:`fair.app.create_app`) builds an :class:`AppServices` and keeps it
on the Starlette app; views, hooks and tests reach it with :func:`app_services`, which gives
every service its type, so no ``Any`` lies between a request and the database, storage,
hub or mailer. A domain package that builds services of its own at start-up (booths:
visit counts and the call relays; the programme: the Q&A announcer) keeps them in a
dataclass it owns and registers it with :meth:`AppServices.add_part`; its accessor finds
it again by type with :meth:`AppServices.part`, so the core needs no import of a domain.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.applications import Starlette
from starlette.requests import HTTPConnection

from fair.addresses import Addresses

if TYPE_CHECKING:
    from fair.auth import OwnPagesRule
    from fair.branding import BrandingCache
    from fair.db import Database
    from fair.mail import Mailer
    from fair.models import Role
    from fair.pagecache import PageCache
    from fair.realtime.hub import Hub
    from fair.series_scope import SeriesCache
    from fair.settings import Settings
    from fair.storage import Storage
    from fair.templating import Templates
    from fair.user_cache import UserCache

Hook = Callable[[Starlette], Awaitable[Any]]
Part = TypeVar("Part")


@dataclass
class AppServices:
    """What one running app has: settings, database, templates, storage, the realtime
    hub, mail, caches, the start-up and shutdown hooks, the domains' rules of who has pages
    of their own, and the domains' parts."""

    settings: Settings
    db: Database
    templates: Templates
    series_cache: SeriesCache
    storage: Storage
    hub: Hub
    mailer: Mailer
    page_cache: PageCache | None
    branding: BrandingCache
    user_cache: UserCache | None = None
    # The domains' paths the core treats specially (series scope, static export).
    addresses: Addresses = field(default_factory=Addresses)
    # Domains register who has a role's pages beyond their account's role (no shared
    # attendee render, that role's navigation and landing); the user loader asks these
    # rules (``fair.auth.load_current_user``).
    own_pages: dict[Role, OwnPagesRule] = field(default_factory=dict)
    startup_hooks: list[Hook] = field(default_factory=list)
    shutdown_hooks: list[Hook] = field(default_factory=list)
    _parts: dict[type, object] = field(default_factory=dict)

    def add_part(self, part: object) -> None:
        """Keep a domain's own services (one object per type)."""
        self._parts[type(part)] = part

    def part(self, kind: type[Part]) -> Part:
        """The domain services of type ``kind``; LookupError before its hook ran."""
        found = self._parts.get(kind)
        if not isinstance(found, kind):
            raise LookupError(f"{kind.__name__} not registered (start-up hook not run?)")
        return found


def _app(where: HTTPConnection | Starlette) -> Starlette:
    app = where.app if isinstance(where, HTTPConnection) else where
    if not isinstance(app, Starlette):
        raise TypeError(f"not a Starlette app: {app!r}")
    return app


def app_services(where: HTTPConnection | Starlette) -> AppServices:
    """The services of the app serving ``where`` (a request, a WebSocket or the app)."""
    found = getattr(_app(where).state, "services", None)
    if not isinstance(found, AppServices):
        raise LookupError("this app was not built by fair.app.create_app")
    return found


def services_if_any(where: HTTPConnection | Starlette) -> AppServices | None:
    """Like :func:`app_services`, or None for a bare Starlette app (tests mount single
    views and helpers without the factory)."""
    found = getattr(_app(where).state, "services", None)
    return found if isinstance(found, AppServices) else None

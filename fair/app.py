"""The app factory: settings in, a Starlette app out, with every package's routes.

Nothing is created at import time; tests build as many apps as they need, each with
its own settings, database and storage.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.types import Scope

from fair.addresses import Addresses
from fair.app_services import AppServices, app_services
from fair.auth import OwnPagesRule
from fair.branding import BrandingCache
from fair.chat_socket import register_chat_channels
from fair.db import Database
from fair.errors import HTTPError
from fair.i18n import gettext_for
from fair.mail import Mailer
from fair.middleware import (
    BodyLimitMiddleware,
    RequestContextMiddleware,
    SameOriginMiddleware,
    SecurityHeadersMiddleware,
)
from fair.models import Role
from fair.pagecache import CacheInvalidator, PageCache
from fair.realtime.rawframes import ServerSendMiddleware
from fair.rtc.errors import LiveError
from fair.seed import DemoSeeder
from fair.series_scope import SeriesCache, SeriesScopeMiddleware
from fair.settings import PROJECT_ROOT, Settings
from fair.static_assets import static_files
from fair.templating import Templates
from fair.unavailable import DatabaseDownMiddleware
from fair.user_cache import UserCache
from fair.web import language, wants_json

log = logging.getLogger("fair")

SESSION_COOKIE = "fair_session"
# Downloads keep their bytes and length as stored (resumable, no CPU spent on PDFs).
NO_GZIP = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,
    "application/pdf",
    "application/octet-stream",
    "image/*",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-powerpoint",
    "application/msword",
)
# Routes that take file uploads get the upload limit instead of the form limit.
UPLOAD_PATHS = [r"/booths/[^/]+/materials(/\d+)?", r"/booths/[^/]+/(logo|cover)"]
# A congress's schedule file is a few MB; the import refuses more than MAX_SCHEDULE_BYTES.
UPLOAD_PATHS.append(r"/organiser/programme/import")
UPLOAD_PATHS.append(r"/organiser/organisations/\d+/logo")
# A recording made elsewhere streams to storage like booth material.
UPLOAD_PATHS.append(r"/sessions/\d+/recordings/upload")
# A session's slides and files, like booth material.
UPLOAD_PATHS.append(r"/sessions/\d+/materials")
# The event's logo and favicon (fair.branding_pictures).
UPLOAD_PATHS.append(r"/organiser/branding/(event-logo|favicon)")
# A host region's mark per event day (sessions.host_marks).
UPLOAD_PATHS.append(r"/organiser/days/\d+/mark")


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    database = Database(settings.database_url)
    templates = Templates(settings, package_template_dirs())
    branding = BrandingCache()
    series_cache = SeriesCache(database, branding)
    addresses = Addresses()  # filled by the domains' registrations below

    from fair import storage as storage_module
    from fair.realtime.hub import hub_from_settings

    storage = storage_module.storage_from_settings(settings)
    hub = hub_from_settings(settings)
    mailer = Mailer(settings.smtp_url, settings.mail_from)
    page_cache = PageCache(settings.page_cache_bytes) if settings.page_cache_bytes > 0 else None
    invalidator = CacheInvalidator(page_cache, hub) if page_cache is not None else None
    # Logged-in users in memory: only where commits (here and on other instances) can drop
    # them, i.e. with the page cache's invalidator.
    user_cache = UserCache() if invalidator is not None else None
    if invalidator is not None and user_cache is not None:
        database.changes.listeners.append(invalidator.on_commit)
        invalidator.followers.append(user_cache.on_tags)
    own_pages: dict[Role, OwnPagesRule] = {}  # filled by the domains' registration below

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await hub.start()
        await mailer.start()
        if invalidator is not None:
            await invalidator.start()
        for hook in app_services(app).startup_hooks:
            await hook(app)
        try:
            yield
        finally:
            for hook in reversed(app_services(app).shutdown_hooks):
                try:
                    await hook(app)
                except Exception:  # a failing hook must not keep the others from running
                    log.exception("shutdown hook failed")
            await mailer.close()
            if invalidator is not None:
                await invalidator.close()
            await hub.close()
            storage.close()
            await database.dispose()

    middleware = [
        Middleware(ServerSendMiddleware),  # first: sees the server's own WebSocket send
        Middleware(DatabaseDownMiddleware),  # outermost: a 503 from any layer below
        # HTML, CSS, JS and JSON compressed; media, ranges, SSE and WebSockets are not.
        Middleware(
            GZipMiddleware, minimum_size=500, compresslevel=6, exclude_content_types=NO_GZIP
        ),
        Middleware(SecurityHeadersMiddleware, media_origin=settings.media_base_url),
        Middleware(
            BodyLimitMiddleware,
            default_limit=settings.max_form_bytes,
            upload_limit=settings.max_upload_bytes + 1024 * 1024,
            upload_paths=UPLOAD_PATHS,
        ),
        Middleware(
            SessionMiddleware,
            secret_key=settings.effective_secret_key(),
            session_cookie=SESSION_COOKIE,
            same_site="lax",
            https_only=settings.secure_cookies,
            max_age=14 * 24 * 3600,
        ),
        Middleware(
            RequestContextMiddleware,
            default_language=settings.default_language,
            database=database,
            user_cache=user_cache,
            own_pages=own_pages,
        ),
        # Inside the request context, so a refused form post gets the error page in the
        # visitor's language.
        Middleware(SameOriginMiddleware, error_page=refused_page),
        Middleware(SeriesScopeMiddleware, cache=series_cache, addresses=addresses),
    ]
    app = Starlette(
        debug=settings.debug,
        routes=collect_routes(),
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            HTTPError: handle_http_error,
            LiveError: handle_live_error,
            HTTPException: handle_starlette_http_exception,
            Exception: handle_unexpected_error,
        },
    )
    app.state.services = AppServices(
        settings=settings,
        db=database,
        templates=templates,
        series_cache=series_cache,
        storage=storage,
        hub=hub,
        mailer=mailer,
        page_cache=page_cache,
        user_cache=user_cache,
        own_pages=own_pages,
        branding=branding,
        addresses=addresses,
        startup_hooks=[series_cache.warm],  # no page pays for the first read
    )
    register_chat_channels(app)
    for register in _package_hooks():
        register(app)
    _wire_domains(app)
    return app


def collect_routes() -> list[BaseRoute]:
    """Every package exports ``routes``; the order decides which pattern wins."""
    from booths.routes import routes as booth_routes
    from fair.branding_views import routes as branding_routes
    from fair.legal_views import routes as legal_routes
    from fair.views import routes as core_routes
    from sessions.live.routes import routes as live_routes
    from sessions.routes import routes as session_routes

    static = Mount("/static", app=static_files(PROJECT_ROOT / "static"), name="static")
    return [
        *core_routes,
        *booth_routes,
        *live_routes,
        *session_routes,
        *legal_routes,
        *branding_routes,
        static,
    ]


def package_template_dirs() -> list[Path]:
    """The template folders of the domain packages, beside the core's own."""
    import booths
    import sessions

    return [Path(package.__file__ or "").parent / "templates" for package in (booths, sessions)]


def demo_seeders() -> list[DemoSeeder]:
    """Each domain's part of the demo fair, in the order they build on each other."""
    from booths.demo.seed import seed_booths
    from sessions.demo.seed import seed_programme

    return [seed_booths, seed_programme]


def _package_hooks() -> list[Any]:
    """Packages that need start-up or shutdown work register it here."""
    from booths.routes import register_booth_hooks
    from sessions.live.app_parts import register_live_hooks
    from sessions.routes import register_app_hooks as session_hooks

    return [register_booth_hooks, session_hooks, register_live_hooks]


def _wire_domains(app: Starlette) -> None:
    """What each domain tells the core (its addresses and labels), and what one domain
    shows inside another's pages, joined here so that booths never import the programme:
    the booth page's "Im Programm" section."""
    from booths.app_parts import booth_parts
    from booths.registrations import register_with_core as register_booths
    from sessions.booth_section import related_sessions
    from sessions.registrations import register_with_core as register_programme

    register_booths(app_services(app))
    register_programme(app_services(app))
    booth_parts(app).page_sections.add(related_sessions)


def error_response(
    request: Request, status_code: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    # Fixed messages marked for translation come out in the page's language.
    message = gettext_for(request.scope.get("fair.language") or "de").gettext(message)
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status_code, headers=headers)
    try:
        html = app_services(request).templates.render(
            request, "error.html", {"status_code": status_code, "message": message}
        )
    except Exception:  # the error page must never fail itself
        log.exception("rendering the error page failed")
        return JSONResponse({"error": message}, status_code=status_code, headers=headers)
    return Response(html, status_code=status_code, media_type="text/html", headers=headers)


def refused_page(scope: Scope, status_code: int, message: str) -> Response:
    """The error page for a request a middleware refuses before any route runs."""
    request = Request(scope)
    return error_response(request, status_code, gettext_for(language(request)).gettext(message))


async def handle_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPError)
    return error_response(request, exc.status_code, exc.message)


async def handle_live_error(request: Request, exc: Exception) -> Response:
    """A :class:`LiveError` (bad SDP, ended stage, the media worker being restarted) like
    any client error: the page's fetch gets JSON, a form post (the stage's "end" button)
    a page, both in the page's language; a 503 says when to try again."""
    assert isinstance(exc, LiveError)
    headers = {"Retry-After": "2"} if exc.status_code == 503 else None
    return error_response(request, exc.status_code, exc.message, headers)


async def handle_starlette_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "Seite nicht gefunden.", 405: "Methode nicht erlaubt."}
    message = messages.get(exc.status_code, str(exc.detail))
    # Keep the exception's headers: a 405 must say which methods are allowed (RFC 9110).
    return error_response(request, exc.status_code, message, exc.headers)


async def handle_unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, 500, "Ein interner Fehler ist aufgetreten.")

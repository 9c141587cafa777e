"""Request-side helpers every view uses: rendering, forms with CSRF, the current user."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from enum import Enum
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket

from fair.app_services import app_services
from fair.auth import CurrentUser
from fair.errors import HTTPError, bad_request
from fair.middleware import BodyTooLarge

CSRF_SESSION_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

KindT = TypeVar("KindT", bound=Enum)


# Every token has as many characters: cached pages compress around it (fair.pagecache_gzip).
CSRF_TOKEN_BYTES = 32
CSRF_TOKEN_LENGTH = len(secrets.token_urlsafe(CSRF_TOKEN_BYTES))


def csrf_token(conn: HTTPConnection) -> str:
    """The session's CSRF token, created on first use."""
    token = conn.session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(CSRF_TOKEN_BYTES)
        conn.session[CSRF_SESSION_KEY] = token
    return token


def check_csrf(conn: HTTPConnection, submitted: str | None) -> None:
    expected = conn.session.get(CSRF_SESSION_KEY)
    if not submitted:
        submitted = conn.headers.get(CSRF_HEADER)
    if not isinstance(expected, str) or not submitted:
        raise HTTPError(403, "csrf_token: fehlt. Bitte laden Sie die Seite neu.")
    # As bytes: compare_digest raises TypeError for str with non-ASCII characters.
    if not secrets.compare_digest(expected.encode(), submitted.encode(errors="replace")):
        raise HTTPError(403, "csrf_token: ungültig. Bitte laden Sie die Seite neu.")


async def read_form(request: Request) -> FormData:
    """Parse a url-encoded or multipart form and verify its CSRF token."""
    try:
        form = await request.form(max_files=0, max_fields=200)
    except (HTTPError, BodyTooLarge):
        raise  # BodyTooLarge: the body limit middleware answers 413
    except Exception as exc:  # python-multipart raises several types for broken bodies
        raise HTTPError(400, f"Formular konnte nicht gelesen werden: {exc}") from exc
    token = form.get(CSRF_FIELD)
    check_csrf(request, token if isinstance(token, str) else None)
    return form


def form_text(
    form: FormData, name: str, *, required: bool = True, max_length: int = 500, default: str = ""
) -> str:
    """A text field, stripped; 400 naming the field when missing or too long."""
    value = form.get(name)
    if value is None or not isinstance(value, str) or not value.strip():
        if required:
            raise HTTPError(400, f"{name}: Pflichtfeld", field=name)
        return default
    value = value.strip()
    if "\x00" in value:
        raise HTTPError(400, f"{name}: enthält ein NUL-Zeichen", field=name)
    if len(value) > max_length:
        raise HTTPError(400, f"{name}: höchstens {max_length} Zeichen", field=name)
    return value


def clean_text(value: str, field: str, max_length: int) -> str:
    """Text a visitor typed outside a form (a chat message, a question, a name): stripped,
    control characters dropped (newlines kept), a length enforced; 400 names the field."""
    text = "".join(ch for ch in value if ch in "\n\t" or ch.isprintable()).strip()
    if not text:
        raise bad_request(field, "Pflichtfeld")
    if len(text) > max_length:
        raise bad_request(field, f"höchstens {max_length} Zeichen")
    return text


def form_int(
    form: FormData,
    name: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    required: bool = True,
) -> int | None:
    raw = form_text(form, name, required=required, max_length=20)
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise HTTPError(400, f"{name}: keine ganze Zahl", field=name) from exc
    if minimum is not None and value < minimum:
        raise HTTPError(400, f"{name}: mindestens {minimum}", field=name)
    if maximum is not None and value > maximum:
        raise HTTPError(400, f"{name}: höchstens {maximum}", field=name)
    return value


def form_kind(form: FormData, kinds: type[KindT]) -> KindT:
    """The form's ``kind`` field as one of ``kinds`` (an enum of a thing's kinds, such as
    a session's or an organisation's); 400 naming the field for anything else."""
    kind = form_text(form, "kind", max_length=20)
    if kind not in kinds.__members__:
        raise HTTPError(400, "kind: unbekannte Art", field="kind")
    return kinds[kind]


def current_user(conn: HTTPConnection) -> CurrentUser | None:
    user = conn.scope.get("fair.user")
    return user if isinstance(user, CurrentUser) else None


def language(conn: HTTPConnection) -> str:
    return str(conn.scope.get("fair.language", "de"))


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    templates = app_services(request).templates
    html = templates.render(request, template, context or {})
    return HTMLResponse(html, status_code=status_code)


async def render_async(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    """:func:`render` in a worker thread, for pages whose template is long (the programme,
    the hall): the event loop that carries chat and Q&A frames gets the interpreter back
    every few milliseconds (``sys.getswitchinterval``) instead of waiting for the page."""
    templates = app_services(request).templates
    from fair.pagecache import is_shared_render

    if not is_shared_render(request):
        csrf_token(request)  # made here, on the loop, before the thread reads the session
    html = await run_in_threadpool(templates.render, request, template, context or {})
    return HTMLResponse(html, status_code=status_code)


def client_key(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else "unknown"


def wants_json(request: Request) -> bool:
    """Whether to answer in JSON: an API path, a JSON body, or a client (the page's own
    fetch calls) that asks for JSON and not for HTML."""
    accept = request.headers.get("accept", "")
    sent_json = request.headers.get("content-type", "").startswith("application/json")
    return (
        request.url.path.startswith("/api/")
        or sent_json
        or ("application/json" in accept and "text/html" not in accept)
    )


def base_url(request: Request) -> str:
    """Where links in mails, calendars and exports start: FAIR_BASE_URL when set (behind
    a proxy the request's own address may be an internal one), else this request's."""
    configured = app_services(request).settings.base_url
    return str(configured or request.base_url).rstrip("/")


def same_origin(websocket: WebSocket) -> bool:
    """Whether a WebSocket handshake comes from a page of this site: browsers always send
    Origin on WebSocket handshakes (and no CORS protects them); other clients send none."""
    origin = websocket.headers.get("origin")
    if not origin:
        return True
    return urlsplit(origin).netloc == websocket.headers.get("host", "")


async def refuse_socket(websocket: WebSocket, code: int, reason: str) -> None:
    """Close a WebSocket with ``code`` and ``reason`` (accepted first, so the browser
    sees the reason and not a bare handshake failure)."""
    await websocket.accept()
    await websocket.close(code, reason)


SocketEndpoint = Callable[[WebSocket], Awaitable[None]]


def same_origin_only(endpoint: SocketEndpoint) -> SocketEndpoint:
    """A WebSocket endpoint that refuses (1008) handshakes from other sites' pages before
    anything else: no CORS protects WebSockets, so every endpoint of fair's needs it."""

    @wraps(endpoint)
    async def checked(websocket: WebSocket) -> None:
        if not same_origin(websocket):
            await refuse_socket(websocket, 1008, "foreign origin")
            return
        await endpoint(websocket)

    return checked

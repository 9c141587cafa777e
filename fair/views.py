"""Core pages: health check, login and logout, invitations, language switch."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from fair.app_services import app_services
from fair.audit_views import routes as audit_routes
from fair.auth import (
    SESSION_USER_KEY,
    CurrentUser,
    accept_invitation,
    authenticate,
    find_invitation,
    load_current_user,
    require_user,
)
from fair.errors import HTTPError
from fair.form_errors import field_errors
from fair.i18n import LANGUAGE_COOKIE, LANGUAGES, gettext_for
from fair.models import Role
from fair.people_views import routes as people_routes
from fair.web import client_key, current_user, form_text, language, read_form, render


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


ROLE_HOMES = {
    Role.exhibitor: "/exhibitor",
    Role.organiser: "/organiser/programme",
    Role.speaker: "/speaker",
}


def home_of(user: CurrentUser | None) -> str:
    """Where a login without an asked page lands: the home of the account's role, else of
    a role a domain's link gives (an attendee linked to a speaker: "Meine Auftritte")."""
    if user is None:
        return "/"
    if user.role in ROLE_HOMES:
        return ROLE_HOMES[user.role]
    return next((home for role, home in ROLE_HOMES.items() if role in user.own_pages), "/")


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect after login would be a phishing aid."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _asked_page(raw: str | None) -> str:
    """The local page a login was asked to return to; "" when none (or an unsafe one)."""
    return raw if raw and _safe_next(raw) == raw else ""


async def login(request: Request) -> Response:
    asked = _asked_page(request.query_params.get("next"))
    if request.method == "GET":
        return render(request, "login.html", {"next": asked, "errors": {}, "email": ""})
    form = await read_form(request)
    asked = _asked_page(form_text(form, "next", required=False) or asked)
    settings = app_services(request).settings
    async with app_services(request).db.session() as db:
        try:
            user = await authenticate(
                db,
                email=form_text(form, "email", max_length=254),
                password=form_text(form, "password", max_length=1000),
                client_key=client_key(request),
                attempts_per_minute=settings.login_attempts_per_minute,
            )
        except HTTPError as exc:
            # the form again, the address kept, the reason at its field or above the form
            errors = field_errors(exc, gettext_for(language(request)).gettext)
            context = {"next": asked, "errors": errors, "email": str(form.get("email") or "")}
            return render(request, "login.html", context, status_code=exc.status_code)
        request.session.clear()
        request.session[SESSION_USER_KEY] = user.id
        # No page asked for: each role starts where its work is.
        if not asked:
            asked = home_of(await load_current_user(request, db, app_services(request).own_pages))
    return RedirectResponse(asked, status_code=303)


async def logout(request: Request) -> Response:
    await read_form(request)
    request.session.clear()
    return RedirectResponse("/", status_code=303)


async def invitation(request: Request) -> Response:
    token = request.path_params["token"]
    async with app_services(request).db.session() as db:
        if request.method == "GET":
            invite = await find_invitation(db, token)
            return render(request, "invitation.html", {"invitation": invite, "errors": {}})
        form = await read_form(request)
        try:
            name = form_text(form, "name", max_length=200)
            password = form_text(form, "password", max_length=1000)
            if password != form_text(form, "password_repeat", max_length=1000):
                raise HTTPError(
                    400,
                    "password_repeat: Passwörter stimmen nicht überein",
                    field="password_repeat",
                )
            user = await accept_invitation(db, token, name=name, password=password)
        except HTTPError as exc:
            if exc.status_code not in (400, 409):
                raise
            await db.rollback()
            errors = field_errors(exc, gettext_for(language(request)).gettext)
            invite = await find_invitation(db, token)
            context = {"invitation": invite, "errors": errors, "name": form.get("name") or ""}
            return render(request, "invitation.html", context, status_code=exc.status_code)
        await db.commit()
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    return RedirectResponse("/", status_code=303)


async def organiser_home(request: Request) -> Response:
    """The organisers' start page: where each part of the fair is run from."""
    require_user(current_user(request), Role.organiser)
    welcome = request.query_params.get("welcome") == "1"
    return render(request, "organiser.html", {"welcome": welcome})


async def switch_language(request: Request) -> Response:
    code = request.path_params["code"]
    if code not in LANGUAGES:
        raise HTTPError(404, "Sprache nicht gefunden.")
    target = _safe_next(request.query_params.get("next"))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=31536000, samesite="lax")
    return response


routes = [
    Route("/healthz", healthz),
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/invite/{token}", invitation, methods=["GET", "POST"]),
    Route("/lang/{code}", switch_language),
    Route("/organiser", organiser_home),
    *people_routes,
    *audit_routes,
]

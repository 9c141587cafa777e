"""Pages for accounts and people: the first-start setup link, password resets, and the
organisers' people page (invite, resend, revoke, change role, remove); the audit trail
is :mod:`fair.audit_views`.

Thin: parse, authorize, call :mod:`fair.accounts` / :mod:`fair.people`, render. One-time
links are shown only on the response that made them, never stored in clear.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from fair import accounts, people
from fair.account_mail import mail_enabled, send_account_mail
from fair.app_services import app_services
from fair.auth import SESSION_USER_KEY, CurrentUser, require_user
from fair.errors import HTTPError
from fair.form_errors import field_errors
from fair.i18n import gettext_for
from fair.ids import form_id, path_id
from fair.models import EventSeries, Invitation, Role
from fair.web import base_url, current_user, form_text, language, read_form, render

POST = ["POST"]


def _organiser(request: Request) -> CurrentUser:
    return require_user(current_user(request), Role.organiser)


def _link(request: Request, path: str) -> str:
    return f"{base_url(request)}{path}"


def _passwords(form: Any) -> str:
    password = form_text(form, "password", max_length=1000)
    if password != form_text(form, "password_repeat", max_length=1000):
        raise HTTPError(
            400, "password_repeat: Passwörter stimmen nicht überein", field="password_repeat"
        )
    return password


def _field_errors(request: Request, error: HTTPError) -> dict[str, str]:
    """The error at its field, in the page's language (fair/templates/_form_errors.html)."""
    return field_errors(error, gettext_for(language(request)).gettext) if error.field else {}


def _login(request: Request, user_id: int) -> None:
    request.session.clear()
    request.session[SESSION_USER_KEY] = user_id


# --- first start ----------------------------------------------------------------------


async def setup(request: Request) -> Response:
    """The one-time setup link ``fair serve`` printed: it creates the first organiser."""
    token = request.path_params["token"]
    async with app_services(request).db.session() as db:
        await accounts.check_setup_token(db, token)
        if request.method == "GET":
            return render(request, "people/setup.html", {"error": None, "values": {}})
        form = await read_form(request)
        values = {"email": form.get("email", ""), "name": form.get("name", "")}
        try:
            user = await accounts.complete_setup(
                db,
                token,
                email=form_text(form, "email", max_length=254),
                name=form_text(form, "name", max_length=200),
                password=_passwords(form),
            )
        except HTTPError as exc:
            if exc.status_code not in (400, 409):
                raise
            context = {"error": exc, "values": values, "errors": _field_errors(request, exc)}
            return render(request, "people/setup.html", context, status_code=exc.status_code)
        await db.commit()
    _login(request, user.id)
    return RedirectResponse("/organiser?welcome=1", status_code=303)


# --- password reset -------------------------------------------------------------------


async def forgot_password(request: Request) -> Response:
    """Ask for a reset link by mail; the answer is the same whether or not the address
    has an account, so nobody can probe for accounts here."""
    enabled = mail_enabled(request.app)
    if request.method == "GET":
        return render(request, "people/forgot.html", {"sent": False, "mail_enabled": enabled})
    form = await read_form(request)
    try:
        email = form_text(form, "email", max_length=254)
    except HTTPError as exc:  # the form again, the reason at the field
        context = {"sent": False, "mail_enabled": enabled, "errors": _field_errors(request, exc)}
        return render(request, "people/forgot.html", context, status_code=400)
    if enabled:
        async with app_services(request).db.session() as db:
            found = await accounts.create_reset_token(db, email)
            await db.commit()
        if found is not None:
            user, token = found
            await send_account_mail(
                request.app,
                to=user.email,
                template="password_reset",
                language=app_services(request).settings.default_language,
                context={"name": user.name, "link": _link(request, f"/reset/{token}")},
            )
    return render(request, "people/forgot.html", {"sent": True, "mail_enabled": enabled})


async def reset(request: Request) -> Response:
    token = request.path_params["token"]
    async with app_services(request).db.session() as db:
        user = await accounts.reset_user(db, token)
        if request.method == "GET":
            return render(request, "people/reset.html", {"error": None, "email": user.email})
        form = await read_form(request)
        try:
            user = await accounts.reset_password(db, token, _passwords(form))
        except HTTPError as exc:
            if exc.status_code != 400:
                raise
            context = {"error": exc, "email": user.email, "errors": _field_errors(request, exc)}
            return render(request, "people/reset.html", context, status_code=400)
        await db.commit()
    _login(request, user.id)
    return RedirectResponse("/", status_code=303)


# --- people ---------------------------------------------------------------------------


async def _people_page(request: Request, extra: dict[str, Any], status_code: int = 200) -> Response:
    async with app_services(request).db.session() as db:
        context: dict[str, Any] = {
            "people": await people.list_people(db),
            "invitations": await people.pending_invitations(db),
            "organisations": await people.all_organisations(db),
            "speakers": await people.speakers_without_account(db),
        }
    context.update(
        {
            "roles": people.INVITABLE_ROLES,
            "mail_enabled": mail_enabled(request.app),
            "error": None,
            "errors": {},
            "values": {},
            "link": None,
            "notice": request.query_params.get("notice", "")[:40],
        }
    )
    context.update(extra)
    response = render(request, "people/people.html", context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def _role(form: Any) -> Role:
    raw = form_text(form, "role", max_length=20)
    if raw not in {r.value for r in people.INVITABLE_ROLES}:
        raise HTTPError(400, "role: organiser, exhibitor oder speaker", field="role")
    return Role(raw)


async def _deliver(
    request: Request, actor: CurrentUser, invitation: Invitation, token: str
) -> dict[str, Any]:
    """Mail the invitation where SMTP is configured, else hand the link to the page."""
    link = _link(request, f"/invite/{token}")
    if not mail_enabled(request.app):
        return {"link": (invitation.email, link)}
    async with app_services(request).db.session() as db:
        # The newest series: its title, and its language as the invitee's best guess.
        newest = (
            await db.execute(
                select(EventSeries.title, EventSeries.default_language)
                .order_by(EventSeries.id.desc())
                .limit(1)
            )
        ).first()
    title, language = newest or ("fair", app_services(request).settings.default_language)
    await send_account_mail(
        request.app,
        to=invitation.email,
        template="invitation",
        language=language,
        context={
            "name": invitation.name,
            "inviter": actor.name,
            "series_title": title,
            "role": invitation.role.value,
            "link": link,
        },
    )
    return {"notice": "sent"}


async def people_page(request: Request) -> Response:
    actor = _organiser(request)
    if request.method == "GET":
        return await _people_page(request, {})
    form = await read_form(request)
    fields = ("email", "name", "role", "organisation_id", "speaker_id")
    values = {k: form.get(k, "") for k in fields}
    async with app_services(request).db.session() as db:
        try:
            invitation, token = await people.invite(
                db,
                actor,
                email=form_text(form, "email", max_length=254),
                name=form_text(form, "name", required=False, max_length=200),
                role=_role(form),
                organisation_id=form_id(form, "organisation_id", required=False),
                speaker_id=form_id(form, "speaker_id", required=False),
            )
        except HTTPError as exc:
            if exc.status_code not in (400, 409):
                raise
            await db.rollback()
            refused = {"error": exc, "values": values, "errors": _field_errors(request, exc)}
            return await _people_page(request, refused, status_code=exc.status_code)
        await db.commit()
    return await _people_page(request, await _deliver(request, actor, invitation, token))


async def _action_form(
    request: Request, param: str, noun: str
) -> tuple[CurrentUser, int, FormData, str]:
    """What each action on the people page starts with: the organiser, the id the path
    names (404 naming ``noun`` otherwise) and the form's ``action`` field."""
    actor = _organiser(request)
    target_id = path_id(request.path_params, param, noun)
    form = await read_form(request)
    return actor, target_id, form, form_text(form, "action", max_length=10)


async def invitation_action(request: Request) -> Response:
    actor, invitation_id, _form, action = await _action_form(request, "invitation_id", "Einladung")
    async with app_services(request).db.session() as db:
        if action == "resend":
            invitation, token = await people.resend(db, actor, invitation_id)
            await db.commit()
            return await _people_page(request, await _deliver(request, actor, invitation, token))
        if action != "revoke":
            raise HTTPError(400, "action: resend oder revoke", field="action")
        await people.revoke(db, actor, invitation_id)
        await db.commit()
    return RedirectResponse("/organiser/people?notice=revoked", status_code=303)


async def person_action(request: Request) -> Response:
    actor, user_id, form, action = await _action_form(request, "user_id", "Person")
    async with app_services(request).db.session() as db:
        if action == "role":
            await people.change_role(db, actor, user_id, _role(form))
        elif action == "remove":
            await people.remove_person(db, actor, user_id)
        else:
            raise HTTPError(400, "action: role oder remove", field="action")
        await db.commit()
    return RedirectResponse(f"/organiser/people?notice={action}", status_code=303)


routes = [
    Route("/setup/{token}", setup, methods=["GET", "POST"]),
    Route("/password/forgot", forgot_password, methods=["GET", "POST"]),
    Route("/reset/{token}", reset, methods=["GET", "POST"]),
    Route("/organiser/people", people_page, methods=["GET", "POST"]),
    Route("/organiser/people/invitations/{invitation_id}", invitation_action, methods=POST),
    Route("/organiser/people/{user_id}", person_action, methods=POST),
]

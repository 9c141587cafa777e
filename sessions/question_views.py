"""Routes of a session's questions: post, upvote, mark (hide, answer, pin) and turn one
into an FAQ entry; the rules are in :mod:`sessions.qa`.

Each works as a plain form POST (a redirect back to the session page's Q&A) and from
``qa.js`` (JSON). A vote counts once per browser: the random token of the voter cookie,
which the session page (:func:`sessions.views.session_detail`) also hands out, so a
visitor's first vote needs no extra round trip.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from fair.app_services import app_services
from fair.ids import path_id
from fair.web import client_key, current_user, form_text, read_form, wants_json
from sessions import qa
from sessions.app_parts import programme_parts

VOTER_COOKIE = "fair_voter"


def set_voter(request: Request, response: Response, token: str | None = None) -> str:
    """Give the browser its voter token (a new one unless ``token``); the token."""
    token = token or secrets.token_urlsafe(24)
    response.set_cookie(
        VOTER_COOKIE,
        token,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=app_services(request).settings.secure_cookies,
    )
    return token


def _back(session_id: int, payload: dict[str, Any], request: Request) -> Response:
    if wants_json(request):
        return JSONResponse(payload)
    return RedirectResponse(f"/sessions/{session_id}#qa", status_code=303)


def _announced(session_id: int, payload: dict[str, Any], request: Request) -> Response:
    """After a change to the questions: every open page of the session hears of it."""
    programme_parts(request).question_announcer.mark(qa.session_channel(session_id))
    return _back(session_id, payload, request)


def _question_path(request: Request) -> tuple[int, int]:
    """The session and question ids of ``/sessions/{session_id}/questions/{question_id}``."""
    return (
        path_id(request.path_params, "session_id", "Programmpunkt"),
        path_id(request.path_params, "question_id", "Frage"),
    )


async def post_question(request: Request) -> Response:
    """Works as a plain form POST (redirect) and from qa.js (JSON)."""
    session_id = path_id(request.path_params, "session_id", "Programmpunkt")
    form = await read_form(request)
    name = form_text(form, "author_name", max_length=qa.MAX_NAME)
    body = form_text(form, "body", max_length=qa.MAX_QUESTION)
    programme_parts(request).question_limit.check(client_key(request))
    async with app_services(request).db.session() as db:
        question = await qa.post_question(
            db, session_id, name, body, now=app_services(request).settings.now()
        )
        await db.commit()
        payload = {"question": qa.question_dict(question)}
    return _announced(session_id, payload, request)


async def vote(request: Request) -> Response:
    session_id, question_id = _question_path(request)
    await read_form(request)
    voter = request.cookies.get(VOTER_COOKIE) or ""
    new_voter = "" if voter else secrets.token_urlsafe(24)
    async with app_services(request).db.session() as db:
        question = await qa.upvote(
            db,
            session_id,
            question_id,
            voter or new_voter,
            now=app_services(request).settings.now(),
        )
        await db.commit()
        payload = {"question": qa.question_dict(question)}
    response = _announced(session_id, payload, request)
    if new_voter:
        set_voter(request, response, new_voter)
    return response


async def mark_question(request: Request) -> Response:
    session_id, question_id = _question_path(request)
    form = await read_form(request)
    action = form_text(form, "action", max_length=20)
    async with app_services(request).db.session() as db:
        question = await qa.mark_question(
            db, current_user(request), session_id, question_id, action
        )
        await db.commit()
        payload = {"question": qa.question_dict(question)}
    return _announced(session_id, payload, request)


async def question_to_faq(request: Request) -> Response:
    session_id, question_id = _question_path(request)
    form = await read_form(request)
    answer = form_text(form, "answer", max_length=qa.MAX_ANSWER)
    for_event = form_text(form, "scope", required=False, max_length=10) == "event"
    async with app_services(request).db.session() as db:
        entry = await qa.question_to_faq(
            db, current_user(request), session_id, question_id, answer, for_event=for_event
        )
        await db.commit()
        payload = {"faq": {"id": entry.id, "question": entry.question}}
    return _back(session_id, payload, request)

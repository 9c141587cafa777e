"""Organiser pages of the programme: list, create, edit, move, cancel, import, FAQ.

Thin: parse the form, check the role, call :mod:`sessions.services` (or the importer),
render. A save that clashes re-renders the form with each clash named and a
"save anyway" checkbox; ticking it and saving again is the explicit override.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import time
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from booths.models import Booth
from fair import audit
from fair.app_services import app_services
from fair.archive_mode import archive_active, set_archive_mode
from fair.auth import CurrentUser, require_user
from fair.errors import HTTPError
from fair.form_errors import field_errors
from fair.i18n import gettext_for
from fair.ids import form_id, parse_id, path_id
from fair.models import Role
from fair.ordering import parse_direction
from fair.web import (
    check_csrf,
    current_user,
    form_int,
    form_kind,
    form_text,
    language,
    read_form,
    render,
)
from sessions import qa
from sessions.faq_admin import edit_faq, move_faq
from sessions.importers import MAX_SCHEDULE_BYTES, import_schedule
from sessions.models import ProgrammeSession, SessionKind
from sessions.queries import (
    event_faq,
    get_series,
    get_session,
    list_days,
    list_sessions,
    list_speakers,
    list_stages,
    list_topics,
)
from sessions.services import (
    Conflict,
    ConflictError,
    SessionInput,
    conflict_digest,
    input_from_session,
    move_session,
    set_cancelled,
    update_session,
)
from sessions.services import create_session as create_session_service


def _organiser(request: Request) -> CurrentUser:
    return require_user(current_user(request), Role.organiser)


def _tz(request: Request) -> str:
    return str(app_services(request).settings.time_zone)


def _time(form: FormData, name: str) -> time:
    raw = form_text(form, name, max_length=8)
    try:
        return time.fromisoformat(raw)
    except ValueError as exc:
        raise HTTPError(400, f"{name}: Uhrzeit als HH:MM", field=name) from exc


def _ids(form: FormData, name: str) -> tuple[int, ...]:
    values = []
    for raw in form.getlist(name):
        value = parse_id(raw)
        if value is None:
            raise HTTPError(400, f"{name}: ungültige Auswahl", field=name)
        values.append(value)
    return tuple(dict.fromkeys(values))


def session_input(form: FormData) -> SessionInput:
    kind = form_kind(form, SessionKind)
    return SessionInput(
        title=form_text(form, "title", max_length=300),
        kind=kind,
        day_id=form_id(form, "day_id"),
        stage_id=form_id(form, "stage_id"),
        start=_time(form, "start"),
        duration_minutes=form_int(form, "duration_minutes", minimum=5, maximum=720) or 0,
        abstract=form_text(form, "abstract", required=False, max_length=10000),
        topic_id=form_id(form, "topic_id", required=False),
        language=form_text(form, "language", max_length=2),
        do_not_record=form.get("do_not_record") == "1",
        speaker_ids=_ids(form, "speaker_ids"),
        moderator_ids=_ids(form, "moderator_ids"),
        booth_ids=_ids(form, "booth_ids"),
    )


def submitted_values(form: FormData) -> SimpleNamespace:
    """What the organiser typed, as far as it reads, for showing a refused form again:
    fields that do not parse stay empty instead of losing everything else."""

    def number(name: str) -> int | None:
        return parse_id(str(form.get(name) or ""))

    try:
        start: time | None = time.fromisoformat(str(form.get("start") or ""))
    except ValueError:
        start = None
    kind = str(form.get("kind") or "")
    return SimpleNamespace(
        title=str(form.get("title") or ""),
        kind=SessionKind[kind] if kind in SessionKind.__members__ else None,
        day_id=number("day_id"),
        stage_id=number("stage_id"),
        start=start,
        duration_minutes=str(form.get("duration_minutes") or ""),
        abstract=str(form.get("abstract") or ""),
        topic_id=number("topic_id"),
        language=str(form.get("language") or "de"),
        do_not_record=form.get("do_not_record") == "1",
        speaker_ids={parse_id(str(v)) for v in form.getlist("speaker_ids")},
        moderator_ids={parse_id(str(v)) for v in form.getlist("moderator_ids")},
        booth_ids={parse_id(str(v)) for v in form.getlist("booth_ids")},
    )


async def _parsed_or_form_again(
    request: Request, form: FormData, session_id: int | None
) -> SessionInput | Response:
    """The form's values, or the same form again (400) with the error at its field."""
    try:
        return session_input(form)
    except HTTPError as exc:
        if exc.status_code != 400:
            raise
        return await _form_page(
            request, submitted_values(form), session_id=session_id, error=exc, status_code=400
        )


async def _choices(db: Any) -> dict[str, Any]:
    booths = list((await db.scalars(select(Booth).order_by(Booth.name))).all())
    return {
        "days": await list_days(db),
        "stages": await list_stages(db),
        "topics": await list_topics(db),
        "speakers": await list_speakers(db),
        "booths": booths,
        "kinds": list(SessionKind),
    }


async def programme_admin(request: Request) -> Response:
    _organiser(request)
    settings = app_services(request).settings
    async with app_services(request).db.session() as db:
        days = await list_days(db)
        sessions = await list_sessions(db)
        series = await get_series(db)
        archived = await archive_active(db, settings.now(), settings.time_zone)
    by_day = {day.id: [s for s in sessions if s.day_id == day.id] for day in days}
    notice = request.query_params.get("notice", "")[:300]
    return render(
        request,
        "sessions/organiser/programme.html",
        {
            "days": days,
            "by_day": by_day,
            "notice": notice,
            "archived": archived,
            "archive_mode": {None: "auto", True: "on", False: "off"}[
                series.archive_mode if series else None
            ],
        },
    )


async def archive_switch(request: Request) -> Response:
    """Archive mode on, off, or automatic (on after the last day)."""
    _organiser(request)
    form = await read_form(request)
    async with app_services(request).db.session() as db:
        await set_archive_mode(db, form_text(form, "mode", max_length=10))
        await db.commit()
    app_services(request).series_cache.forget()
    return RedirectResponse("/organiser/programme?notice=archive", status_code=303)


async def _form_page(
    request: Request,
    values: SessionInput | SimpleNamespace | None,
    *,
    session_id: int | None,
    conflicts: list[Any] | None = None,
    error: HTTPError | None = None,
    status_code: int = 200,
    restoring: bool = False,
    move_refused: tuple[dict[str, str], HTTPError] | None = None,
) -> Response:
    """The session's form; after a refused save with ``error`` at its field, or (with
    ``move_refused``: what was typed, the error) a refused move at the move form's."""
    gettext = gettext_for(language(request)).gettext
    async with app_services(request).db.session() as db:
        context = await _choices(db)
        session = await get_session(db, session_id) if session_id else None
    context.update(
        {
            "values": values,
            "session": session,
            "conflicts": conflicts or [],
            "conflict_digest": conflict_digest(conflicts or []),
            "restoring": restoring,
            "error": error if error is not None and not error.field else None,
            "errors": field_errors(error, gettext) if error is not None and error.field else {},
            "move_values": move_refused[0] if move_refused else {},
            "move_errors": field_errors(move_refused[1], gettext) if move_refused else {},
        }
    )
    return render(request, "sessions/organiser/session_form.html", context, status_code)


def _confirmed(form: FormData, conflicts: list[Conflict]) -> bool:
    """The organiser ticked "save anyway" for exactly the clashes shown to them."""
    return form.get("override") == "1" and form.get("conflict_digest") == conflict_digest(conflicts)


async def _with_override(
    form: FormData, operation: Callable[[bool], Awaitable[object]]
) -> list[Conflict]:
    """Run ``operation``; if it clashes, run it again overriding only when the organiser
    confirmed these very clashes. Returns the clashes still to show (empty: saved)."""
    try:
        await operation(False)
    except ConflictError as exc:
        if not _confirmed(form, exc.conflicts):
            return exc.conflicts
        await operation(True)
    return []


async def _save_form(
    request: Request,
    form: FormData,
    data: SessionInput,
    *,
    session_id: int | None,
    notice: str,
    save: Callable[[AsyncSession, bool], Awaitable[tuple[ProgrammeSession, list[Conflict]]]],
) -> Response:
    """Save the create or edit form. Invalid input (400) or clashes not yet confirmed
    (409) re-render the form with what the organiser entered; a save returns to the list."""
    saved_ids: list[int] = []
    async with app_services(request).db.session() as db:

        async def operation(override: bool) -> None:
            session, _overridden = await save(db, override)
            saved_ids.append(session.id)

        try:
            conflicts = await _with_override(form, operation)
        except HTTPError as exc:
            if exc.status_code != 400:
                raise
            return await _form_page(
                request, data, session_id=session_id, error=exc, status_code=400
            )
        if conflicts:
            return await _form_page(
                request, data, session_id=session_id, conflicts=conflicts, status_code=409
            )
        action = "create" if session_id is None else "edit"
        await audit.record(db, _organiser(request), action, "session", saved_ids[0], data.title)
        await db.commit()
    location = f"/organiser/programme?notice={notice}-{saved_ids[0]}"
    return RedirectResponse(location, status_code=303)


async def _submitted(request: Request, session_id: int | None) -> Response:
    """A posted session form: shown again with what is wrong, or created (``session_id``
    None) or saved."""
    form = await read_form(request)
    data = await _parsed_or_form_again(request, form, session_id)
    if isinstance(data, Response):
        return data
    time_zone = _tz(request)

    async def save(db: AsyncSession, override: bool) -> tuple[ProgrammeSession, list[Conflict]]:
        if session_id is None:
            return await create_session_service(db, data, time_zone=time_zone, override=override)
        return await update_session(db, session_id, data, time_zone=time_zone, override=override)

    notice = "created" if session_id is None else "saved"
    return await _save_form(request, form, data, session_id=session_id, notice=notice, save=save)


async def new_session(request: Request) -> Response:
    _organiser(request)
    if request.method == "GET":
        return await _form_page(request, None, session_id=None)
    return await _submitted(request, None)


async def edit_session(request: Request) -> Response:
    _organiser(request)
    session_id = path_id(request.path_params, "session_id", "Programmpunkt")
    if request.method == "GET":
        async with app_services(request).db.session() as db:
            session = await get_session(db, session_id)
            values = input_from_session(session, _tz(request))
        return await _form_page(request, values, session_id=session_id)
    return await _submitted(request, session_id)


async def move(request: Request) -> Response:
    _organiser(request)
    session_id = path_id(request.path_params, "session_id", "Programmpunkt")
    form = await read_form(request)
    try:
        day_id = form_id(form, "day_id")
        stage_id = form_id(form, "stage_id")
        start = _time(form, "start")
    except HTTPError as error:
        async with app_services(request).db.session() as db:
            session = await get_session(db, session_id)
        typed = {key: str(form.get(key) or "") for key in ("day_id", "stage_id", "start")}
        return await _form_page(
            request, input_from_session(session, _tz(request)), session_id=session_id,
            status_code=error.status_code, move_refused=(typed, error),
        )  # fmt: skip
    async with app_services(request).db.session() as db:

        async def move_it(override: bool) -> None:
            await move_session(
                db,
                session_id,
                day_id=day_id,
                stage_id=stage_id,
                start=start,
                time_zone=_tz(request),
                override=override,
            )

        conflicts = await _with_override(form, move_it)
        if conflicts:
            session = await get_session(db, session_id)
            values = input_from_session(session, _tz(request))
            values = replace(values, day_id=day_id, stage_id=stage_id, start=start)
            return await _form_page(
                request, values, session_id=session_id, conflicts=conflicts, status_code=409
            )
        moved = await get_session(db, session_id)
        summary = f"{moved.title} → {start:%H:%M}"
        await audit.record(db, _organiser(request), "move", "session", session_id, summary)
        await db.commit()
    return RedirectResponse(f"/organiser/programme?notice=moved-{session_id}", status_code=303)


async def cancel(request: Request) -> Response:
    _organiser(request)
    session_id = path_id(request.path_params, "session_id", "Programmpunkt")
    form = await read_form(request)
    action = form_text(form, "action", max_length=10)
    if action not in ("cancel", "restore"):
        raise HTTPError(400, "action: cancel oder restore", field="action")
    async with app_services(request).db.session() as db:

        async def apply(override: bool) -> None:
            await set_cancelled(
                db, session_id, action == "cancel", time_zone=_tz(request), override=override
            )

        conflicts = await _with_override(form, apply)
        if conflicts:
            session = await get_session(db, session_id)
            values = input_from_session(session, _tz(request))
            return await _form_page(
                request,
                values,
                session_id=session_id,
                conflicts=conflicts,
                status_code=409,
                restoring=True,
            )
        title = (await get_session(db, session_id)).title
        await audit.record(db, _organiser(request), action, "session", session_id, title)
        await db.commit()
    return RedirectResponse(f"/organiser/programme?notice={action}-{session_id}", status_code=303)


async def import_page(request: Request) -> Response:
    _organiser(request)
    context: dict[str, Any] = {"report": None, "error": None, "max_bytes": MAX_SCHEDULE_BYTES}
    if request.method == "GET":
        return render(request, "sessions/organiser/import.html", context)
    try:
        form = await request.form(max_files=1, max_fields=5)
    except Exception as exc:
        raise HTTPError(400, f"Formular konnte nicht gelesen werden: {exc}") from exc
    token = form.get("csrf_token")
    check_csrf(request, token if isinstance(token, str) else None)
    upload = form.get("schedule")
    if upload is None or isinstance(upload, str):
        raise HTTPError(400, "schedule: Datei fehlt", field="schedule")
    data = await upload.read(MAX_SCHEDULE_BYTES + 1)
    async with app_services(request).db.session() as db:
        try:
            result = await import_schedule(db, data, default_time_zone=_tz(request))
        except HTTPError as exc:
            await db.rollback()
            context["error"] = exc
            return render(
                request, "sessions/organiser/import.html", context, status_code=exc.status_code
            )
        await db.commit()
    context["report"] = result
    return render(request, "sessions/organiser/import.html", context)


async def faq_admin(request: Request) -> Response:
    """GET lists the FAQ; POST adds, edits, moves or deletes an entry. A refused entry
    shows the page again with its form as typed (``target``: "new" or "edit-<id>")."""
    _organiser(request)
    refused: dict[str, Any] = {}
    if request.method == "POST":
        form = await read_form(request)
        try:
            await _faq_change(request, form)
        except HTTPError as error:
            if error.status_code != 400 or form.get("delete") or form.get("move"):
                raise
            target = f"edit-{form.get('edit')}" if form.get("edit") else "new"
            errors = field_errors(error, gettext_for(language(request)).gettext)
            refused = {"target": target, "values": dict(form), "errors": errors}
        else:
            return RedirectResponse("/organiser/faq?saved=1", status_code=303)
    async with app_services(request).db.session() as db:
        context = {
            "entries": await event_faq(db),
            "session_entries": await qa.session_faq_entries(db),
            "sessions": await list_sessions(db, include_cancelled=False),
            "saved": request.query_params.get("saved") == "1",
            "target": None, "values": {}, "errors": {}, **refused,
        }  # fmt: skip
    return render(request, "sessions/organiser/faq.html", context, 400 if refused else 200)


async def _faq_change(request: Request, form: FormData) -> None:
    async with app_services(request).db.session() as db:
        if form.get("delete"):
            await qa.delete_faq(db, form_id(form, "delete"))
        elif form.get("move"):
            direction = parse_direction(str(form.get("direction") or ""))
            await move_faq(db, form_id(form, "move"), direction)
        elif form.get("edit"):
            question = form_text(form, "question", max_length=qa.MAX_QUESTION)
            answer = form_text(form, "answer", max_length=qa.MAX_ANSWER)
            await edit_faq(db, form_id(form, "edit"), question, answer)
        else:
            session_id = form_id(form, "session_id", required=False)
            question = form_text(form, "question", max_length=qa.MAX_QUESTION)
            answer = form_text(form, "answer", max_length=qa.MAX_ANSWER)
            await qa.add_faq(db, question, answer, session_id=session_id)
        await db.commit()

"""Organiser pages that build the event: series, days, stages, topics, organisations.

Thin: parse the form, check the role, call :mod:`sessions.event_setup`, render. A
refused save (400, 409) re-renders the page with the message naming the field and with
what the organiser typed; nothing of it was written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from booths.queries import all_organisations
from booths.views import serve_logo
from fair.app_services import app_services
from fair.auth import CurrentUser, require_user
from fair.errors import HTTPError
from fair.ids import MAX_ID, parse_id, path_id
from fair.models import OrganisationKind, Role
from fair.upload_receiving import LOGO_TYPES, forget_upload, receive_upload
from fair.web import current_user, form_text, read_form, render
from sessions import event_setup as setup
from sessions.queries import list_stages, list_topics

POST = ["POST"]


def _organiser(request: Request) -> CurrentUser:
    return require_user(current_user(request), Role.organiser)


def _form_id(form: FormData, name: str) -> int:
    value = parse_id(form_text(form, name, max_length=20))
    if value is None or value > MAX_ID:
        raise HTTPError(400, f"{name}: ungültige Auswahl", field=name)
    return value


async def _saving(
    request: Request,
    change: Change,
    done: str | Callable[[Any], str],
    page: Page,
    values: dict[str, Any],
) -> Response:
    """Run ``change`` and commit, then go to ``done`` (or ``done(result)``); a refused
    change shows ``page`` again with the message and the values typed, and nothing is
    written."""
    async with app_services(request).db.session() as db:
        try:
            result = await change(db)
        except HTTPError as exc:
            if exc.status_code not in (400, 409):
                raise
            await db.rollback()
            return await page(
                request, {"error": exc, "values": values, "status_code": exc.status_code}
            )
        await db.commit()
    app_services(request).series_cache.forget()  # a series or its dates may have changed
    return RedirectResponse(done if isinstance(done, str) else done(result), status_code=303)


Change = Callable[[AsyncSession], Awaitable[Any]]
Page = Callable[[Request, dict[str, Any]], Awaitable[Response]]
# Reads a named thing's form and returns the change that saves it (id None: a new one).
SaveForm = Callable[[FormData, CurrentUser, int | None], Change]


async def _list_or_create(
    request: Request, page: Page, save: SaveForm, done: str | Callable[[Any], str]
) -> Response:
    """GET shows the list page; POST creates a new one from the form."""
    actor = _organiser(request)
    if request.method == "GET":
        return await page(request, {})
    form = await read_form(request)
    return await _saving(request, save(form, actor, None), done, page, dict(form))


async def _edit_or_delete(
    request: Request,
    page: Page,
    save: SaveForm,
    done: str,
    row: tuple[str, str],
    delete: Callable[[AsyncSession, CurrentUser, int], Awaitable[None]] | None = None,
) -> Response:
    """POST saves the named thing ``row`` (path parameter, label) names, or deletes it
    when the form says ``delete=1`` and the kind can be deleted."""
    actor = _organiser(request)
    row_id = path_id(request.path_params, *row)
    form = await read_form(request)
    if delete is not None and form.get("delete") == "1":
        remove = delete
        change: Change = lambda db: remove(db, actor, row_id)  # noqa: E731
    else:
        change = save(form, actor, row_id)
    return await _saving(request, change, done, page, {})


Endpoint = Callable[[Request], Awaitable[Response]]


def _named_pages(
    page: Page,
    save: SaveForm,
    path: str,
    row: tuple[str, str],
    delete: Callable[[AsyncSession, CurrentUser, int], Awaitable[None]] | None = None,
) -> tuple[Endpoint, Endpoint]:
    """The list page (GET, POST creates) at ``path`` and the edit handler of one row of
    a named thing of the event (stage, topic, organisation): one shape for all."""
    done = f"{path}?saved=1"

    async def listing(request: Request) -> Response:
        return await _list_or_create(request, page, save, done)

    async def edit(request: Request) -> Response:
        return await _edit_or_delete(request, page, save, done, row, delete)

    return listing, edit


def _show(
    request: Request, template: str, context: dict[str, Any], extra: dict[str, Any]
) -> Response:
    status = int(extra.pop("status_code", 200))
    context.setdefault("error", None)
    context.setdefault("values", {})
    context.update(extra)
    context.setdefault("saved", request.query_params.get("saved") == "1")
    return render(request, template, context, status_code=status)


# --- series and days ------------------------------------------------------------------


def _series_input(form: FormData) -> setup.SeriesInput:
    return setup.SeriesInput(
        title=form_text(form, "title", max_length=200),
        acronym=form_text(form, "acronym", required=False, max_length=40),
        starts_on=setup.parse_date(form_text(form, "starts_on", max_length=10), "starts_on"),
        ends_on=setup.parse_date(form_text(form, "ends_on", max_length=10), "ends_on"),
        time_zone=form_text(form, "time_zone", max_length=64),
        default_language=form_text(form, "default_language", max_length=2),
        description=form_text(form, "description", required=False, max_length=20000),
        opening_hours=form_text(form, "opening_hours", required=False, max_length=300),
    )


async def _series_list_page(request: Request, extra: dict[str, Any]) -> Response:
    async with app_services(request).db.session() as db:
        series = await setup.all_series(db)
    return _show(request, "sessions/organiser/series_list.html", {"series": series}, extra)


def _create_series(form: FormData, actor: CurrentUser, _new: int | None) -> Change:
    data = _series_input(form)
    return lambda db: setup.create_series(db, actor, data)


async def series_list(request: Request) -> Response:
    return await _list_or_create(
        request,
        _series_list_page,
        _create_series,
        lambda series: f"/organiser/series/{series.id}?saved=1",
    )


async def _series_page(request: Request, extra: dict[str, Any]) -> Response:
    series_id = path_id(request.path_params, "series_id", "Veranstaltungsreihe")
    async with app_services(request).db.session() as db:
        series = await setup.get_series_by_id(db, series_id)
        days = await setup.days_of(db, series_id)
        organisations = await all_organisations(db)
    context = {"series": series, "days": days, "organisations": organisations}
    return _show(request, "sessions/organiser/series_edit.html", context, extra)


async def _series_change(request: Request) -> tuple[CurrentUser, int, FormData]:
    """What every change on a series' page starts with: the organiser, the series the path
    names and the posted form."""
    actor = _organiser(request)
    series_id = path_id(request.path_params, "series_id", "Veranstaltungsreihe")
    return actor, series_id, await read_form(request)


async def series_edit(request: Request) -> Response:
    if request.method == "GET":
        _organiser(request)
        return await _series_page(request, {})
    actor, series_id, form = await _series_change(request)
    data = _series_input(form)
    return await _saving(
        request,
        lambda db: setup.update_series(db, actor, series_id, data),
        f"/organiser/series/{series_id}?saved=1",
        _series_page,
        {"series": dict(form)},
    )


def _day_input(form: FormData) -> setup.DayInput:
    return setup.DayInput(
        date=setup.parse_date(form_text(form, "date", max_length=10), "date"),
        title=form_text(form, "title", max_length=200),
        host_id=_form_id(form, "host_id"),
        starts=setup.parse_time(form_text(form, "starts", max_length=8), "starts"),
        ends=setup.parse_time(form_text(form, "ends", max_length=8), "ends"),
        description=form_text(form, "description", required=False, max_length=20000),
    )


async def day_add(request: Request) -> Response:
    actor, series_id, form = await _series_change(request)
    data = _day_input(form)
    return await _saving(
        request,
        lambda db: setup.create_day(db, actor, series_id, data),
        f"/organiser/series/{series_id}?saved=1#days",
        _series_page,
        {"day": dict(form)},
    )


async def day_edit(request: Request) -> Response:
    actor, series_id, form = await _series_change(request)
    day_id = path_id(request.path_params, "day_id", "Veranstaltungstag")
    done = f"/organiser/series/{series_id}?saved=1#days"
    if form.get("delete") == "1":
        return await _saving(
            request, lambda db: setup.delete_day(db, actor, day_id), done, _series_page, {}
        )
    data = _day_input(form)
    return await _saving(
        request,
        lambda db: setup.update_day(db, actor, day_id, data),
        done,
        _series_page,
        {"edit_day": day_id, "day_values": dict(form)},
    )


# --- stages and topics ----------------------------------------------------------------


async def _stages_page(request: Request, extra: dict[str, Any]) -> Response:
    async with app_services(request).db.session() as db:
        stages = await list_stages(db)
    return _show(request, "sessions/organiser/stages.html", {"stages": stages}, extra)


def _save_stage(form: FormData, actor: CurrentUser, stage_id: int | None) -> Change:
    name = form_text(form, "name", max_length=200)
    return lambda db: setup.save_stage(db, actor, name, stage_id)


stages, stage_edit = _named_pages(
    _stages_page, _save_stage, "/organiser/stages", ("stage_id", "Bühne"), setup.delete_stage
)


async def _topics_page(request: Request, extra: dict[str, Any]) -> Response:
    async with app_services(request).db.session() as db:
        topics = await list_topics(db)
    return _show(request, "sessions/organiser/topics.html", {"topics": topics}, extra)


def _save_topic(form: FormData, actor: CurrentUser, topic_id: int | None) -> Change:
    name_de = form_text(form, "name_de", max_length=100)
    name_en = form_text(form, "name_en", max_length=100)
    return lambda db: setup.save_topic(db, actor, name_de, name_en, topic_id)


topics, topic_edit = _named_pages(
    _topics_page, _save_topic, "/organiser/topics", ("topic_id", "Themenfeld"), setup.delete_topic
)


# --- organisations --------------------------------------------------------------------


def _organisation_input(form: FormData) -> setup.OrganisationInput:
    kind = form_text(form, "kind", max_length=20)
    if kind not in OrganisationKind.__members__:
        raise HTTPError(400, "kind: unbekannte Art", field="kind")
    return setup.OrganisationInput(
        name=form_text(form, "name", max_length=200),
        kind=OrganisationKind(kind),
        region=form_text(form, "region", required=False, max_length=100),
        city=form_text(form, "city", required=False, max_length=100),
        website=form_text(form, "website", required=False, max_length=300),
        description=form_text(form, "description", required=False, max_length=20000),
    )


async def _organisations_page(request: Request, extra: dict[str, Any]) -> Response:
    async with app_services(request).db.session() as db:
        organisations = await all_organisations(db)
        counts = await setup.booth_counts(db)
    context = {"organisations": organisations, "counts": counts, "kinds": list(OrganisationKind)}
    return _show(request, "sessions/organiser/organisations.html", context, extra)


def _save_organisation(form: FormData, actor: CurrentUser, organisation_id: int | None) -> Change:
    data = _organisation_input(form)
    return lambda db: setup.save_organisation(db, actor, data, organisation_id)


organisations, organisation_edit = _named_pages(
    _organisations_page,
    _save_organisation,
    "/organiser/organisations",
    ("organisation_id", "Organisation"),
)


# --- publishing -----------------------------------------------------------------------


async def _publish_page(request: Request, extra: dict[str, Any]) -> Response:
    async with app_services(request).db.session() as db:
        pending = await setup.drafts(db)
    return _show(request, "sessions/organiser/publish.html", {"drafts": pending}, extra)


async def publish(request: Request) -> Response:
    actor = _organiser(request)
    if request.method == "GET":
        return await _publish_page(request, {})
    await read_form(request)
    return await _saving(
        request,
        lambda db: setup.publish_all(db, actor),
        "/organiser/publish?saved=1",
        _publish_page,
        {},
    )


async def organisation_logo(request: Request) -> Response:
    """GET shows the logo to everyone; POST (organisers, under /organiser, where
    ``fair.app.UPLOAD_PATHS`` gives it the upload limit) replaces it."""
    organisation_id = path_id(request.path_params, "organisation_id", "Organisation")
    if request.method == "GET":
        async with app_services(request).db.session() as db:
            organisation = await setup.get_organisation(db, organisation_id)
        return await serve_logo(request, organisation.logo_key, organisation.slug)
    actor = _organiser(request)
    async with app_services(request).db.session() as db:
        await setup.get_organisation(db, organisation_id)  # 404 before reading the body
    upload, _fields = await receive_upload(
        request, prefix=f"organisation-logos/{organisation_id}", allowed=LOGO_TYPES
    )
    try:
        async with app_services(request).db.session() as db:
            old = await setup.set_organisation_logo(db, actor, organisation_id, upload.stored.key)
            await db.commit()
    except BaseException:
        await forget_upload(request, upload)
        raise
    if old:
        with contextlib.suppress(Exception):
            await app_services(request).storage.delete(old)
    return RedirectResponse("/organiser/organisations?saved=1", status_code=303)


routes = [
    Route("/organisations/{organisation_id}/logo", organisation_logo, methods=["GET", "HEAD"]),
    Route("/organiser/organisations/{organisation_id}/logo", organisation_logo, methods=POST),
    Route("/organiser/publish", publish, methods=["GET", "POST"]),
    Route("/organiser/series", series_list, methods=["GET", "POST"]),
    Route("/organiser/series/{series_id}", series_edit, methods=["GET", "POST"]),
    Route("/organiser/series/{series_id}/days", day_add, methods=POST),
    Route("/organiser/series/{series_id}/days/{day_id}", day_edit, methods=POST),
    Route("/organiser/stages", stages, methods=["GET", "POST"]),
    Route("/organiser/stages/{stage_id}", stage_edit, methods=POST),
    Route("/organiser/topics", topics, methods=["GET", "POST"]),
    Route("/organiser/topics/{topic_id}", topic_edit, methods=POST),
    Route("/organiser/organisations", organisations, methods=["GET", "POST"]),
    Route("/organiser/organisations/{organisation_id}", organisation_edit, methods=POST),
]

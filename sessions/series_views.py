"""Organisers' series pages (``/organiser/series…``): the list of event series with a
form to add one, a series' page with its details and its days (host and motto). Thin:
parse the form, check the role, call :mod:`sessions.series`, render; a refused save
shows the page again (:func:`sessions.setup_pages.saving`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fair.app_services import app_services
from fair.auth import CurrentUser
from fair.ids import form_id, path_id
from fair.people import all_organisations
from fair.web import form_text, read_form
from sessions import series as service
from sessions.setup_pages import Change, list_or_create, organiser, reading, saving, show

POST = ["POST"]


def _series_input(form: FormData) -> service.SeriesInput:
    return service.SeriesInput(
        title=form_text(form, "title", max_length=200),
        acronym=form_text(form, "acronym", required=False, max_length=40),
        starts_on=service.parse_date(form_text(form, "starts_on", max_length=10), "starts_on"),
        ends_on=service.parse_date(form_text(form, "ends_on", max_length=10), "ends_on"),
        time_zone=form_text(form, "time_zone", max_length=64),
        default_language=form_text(form, "default_language", max_length=2),
        description=form_text(form, "description", required=False, max_length=20000),
        opening_hours=form_text(form, "opening_hours", required=False, max_length=300),
    )


async def _series_list_page(request: Request, extra: dict[str, Any]) -> Response:
    async with app_services(request).db.session() as db:
        series = await service.all_series(db)
    return show(request, "sessions/organiser/series_list.html", {"series": series}, extra)


def _create_series(form: FormData, actor: CurrentUser, _new: int | None) -> Change:
    data = _series_input(form)
    return lambda db: service.create_series(db, actor, data)


async def series_list(request: Request) -> Response:
    """GET lists the series; POST adds one and goes to its page."""
    return await list_or_create(
        request,
        _series_list_page,
        _create_series,
        lambda series: f"/organiser/series/{series.id}?saved=1",
    )


async def series_page(
    request: Request, extra: dict[str, Any], series_id: int | None = None
) -> Response:
    """A series' page; ``series_id`` where the path names a day, not the series (a
    refused host mark, :mod:`sessions.host_marks`)."""
    if series_id is None:
        series_id = path_id(request.path_params, "series_id", "Veranstaltungsreihe")
    async with app_services(request).db.session() as db:
        series = await service.get_series_by_id(db, series_id)
        days = await service.days_of(db, series_id)
        organisations = await all_organisations(db)
    context = {"series": series, "days": days, "organisations": organisations}
    return show(request, "sessions/organiser/series_edit.html", context, extra)


@dataclass(frozen=True)
class _SeriesPost:
    """A form posted on a series' page: who posts it, the series the path names, the
    form; every such change goes back to the page, or shows it again when refused."""

    request: Request
    actor: CurrentUser
    series_id: int
    form: FormData

    @classmethod
    async def read(cls, request: Request) -> _SeriesPost:
        actor = organiser(request)
        series_id = path_id(request.path_params, "series_id", "Veranstaltungsreihe")
        return cls(request, actor, series_id, await read_form(request))

    async def save(
        self, change: Change, target: str, values: dict[str, Any] | None = None, anchor: str = ""
    ) -> Response:
        """Save ``change``; refused, the page shows the form ``target`` again with
        ``values`` (the form sent, unless given)."""
        done = f"/organiser/series/{self.series_id}?saved=1{anchor}"
        typed = dict(self.form) if values is None else values
        return await saving(self.request, change, done, series_page, typed, target)


async def series_edit(request: Request) -> Response:
    """GET shows a series' page; POST saves its details."""
    if request.method == "GET":
        organiser(request)
        return await series_page(request, {})
    post = await _SeriesPost.read(request)

    def change() -> Change:
        data = _series_input(post.form)
        return lambda db: service.update_series(db, post.actor, post.series_id, data)

    return await post.save(reading(change), "series")


def _day_input(form: FormData) -> service.DayInput:
    return service.DayInput(
        date=service.parse_date(form_text(form, "date", max_length=10), "date"),
        title=form_text(form, "title", max_length=200),
        host_id=form_id(form, "host_id"),
        starts=service.parse_time(form_text(form, "starts", max_length=8), "starts"),
        ends=service.parse_time(form_text(form, "ends", max_length=8), "ends"),
        description=form_text(form, "description", required=False, max_length=20000),
    )


async def day_add(request: Request) -> Response:
    """POST adds a day to the series."""
    post = await _SeriesPost.read(request)

    def change() -> Change:
        data = _day_input(post.form)
        return lambda db: service.create_day(db, post.actor, post.series_id, data)

    return await post.save(reading(change), "day-new", anchor="#days")


async def day_edit(request: Request) -> Response:
    """POST saves a day, or deletes it (``delete=1``) while no session stands on it."""
    post = await _SeriesPost.read(request)
    day_id = path_id(request.path_params, "day_id", "Veranstaltungstag")
    target = f"day-{day_id}"
    if post.form.get("delete") == "1":
        delete: Change = lambda db: service.delete_day(db, post.actor, day_id)  # noqa: E731
        return await post.save(delete, target, {}, "#days")

    def change() -> Change:
        data = _day_input(post.form)
        return lambda db: service.update_day(db, post.actor, day_id, data)

    return await post.save(reading(change), target, anchor="#days")


routes = [
    Route("/organiser/series", series_list, methods=["GET", "POST"]),
    Route("/organiser/series/{series_id}", series_edit, methods=["GET", "POST"]),
    Route("/organiser/series/{series_id}/days", day_add, methods=POST),
    Route("/organiser/series/{series_id}/days/{day_id}", day_edit, methods=POST),
]

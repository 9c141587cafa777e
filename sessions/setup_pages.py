"""The shared part of the organisers' event set-up pages (series, stages, topics,
organisations, publishing): check the role, save a form, and on a refused save show the
page again.

A refused save (400, 409; a form that cannot be read counts as refused too) re-renders
the page with what the organiser typed in the form that was sent (its ``target``), the
reason next to the field and in a summary that links to it, in the page's language
(:mod:`fair.form_errors`); nothing of it was written. Stages, topics and organisations
are the same page shape (a list with a form to add one, and a form per row to edit or
delete it), so :class:`NamedPages` serves all three from what each noun's view module
declares (``sessions/stage_views.py`` …).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from fair.app_services import app_services
from fair.auth import CurrentUser, require_user
from fair.errors import HTTPError
from fair.form_errors import field_errors
from fair.i18n import gettext_for
from fair.ids import path_id
from fair.models import Role
from fair.upload_receiving import refused_file
from fair.web import current_user, language, read_form, render

#: A change to save: runs in the page's database session, which commits after it.
Change = Callable[[AsyncSession], Awaitable[Any]]
#: Renders a page with ``extra`` (what :func:`refused` gives for a refused save).
Page = Callable[[Request, dict[str, Any]], Awaitable[Response]]
#: Reads a named thing's form and returns the change that saves it (id None: a new one).
SaveForm = Callable[[FormData, CurrentUser, int | None], Change]
#: Deletes the named thing with the id.
Delete = Callable[[AsyncSession, CurrentUser, int], Awaitable[None]]
Endpoint = Callable[[Request], Awaitable[Response]]
GET_POST = ["GET", "POST"]


def organiser(request: Request) -> CurrentUser:
    return require_user(current_user(request), Role.organiser)


def refused(
    request: Request, error: HTTPError, values: dict[str, Any], target: str
) -> dict[str, Any]:
    """What a page shows after a refused save: the reason at its field (``errors``, in
    the page's language), the values typed, the status, and ``target``, the form they
    were typed into (``"new"``, a row's id …), so only that form shows them."""
    return {
        "errors": field_errors(error, gettext_for(language(request)).gettext),
        "values": values,
        "target": target,
        "status_code": error.status_code,
    }


async def refused_upload(request: Request, error: HTTPError, page: Page, target: str) -> Response:
    """A refused picture (type, size, none chosen, not a picture) or a storage that is
    down or full: ``page`` again with the reason at the file field of the ``target`` form
    (as booth editing does); any other error is raised on."""
    errors = refused_file(request, error)
    return await page(request, {**refused(request, error, {}, target), "errors": errors})


def reading(build: Callable[[], Change]) -> Change:
    """The change ``build`` makes, with ``build`` (which reads and checks the form) run
    inside :func:`saving`, so a field the form checks is refused on the page like one
    the service checks."""
    return lambda db: build()(db)


async def saving(
    request: Request,
    change: Change,
    done: str | Callable[[Any], str],
    page: Page,
    values: dict[str, Any],
    target: str = "new",
) -> Response:
    """Run ``change`` and commit, then go to ``done`` (or ``done(result)``); a refused
    change shows ``page`` again with the reason at its field and the values typed into
    the ``target`` form (:func:`refused`), and nothing is written."""
    async with app_services(request).db.session() as db:
        try:
            result = await change(db)
        except HTTPError as exc:
            if exc.status_code not in (400, 409):
                raise
            await db.rollback()
            return await page(request, refused(request, exc, values, target))
        await db.commit()
    app_services(request).series_cache.forget()  # a series or its dates may have changed
    return RedirectResponse(done if isinstance(done, str) else done(result), status_code=303)


async def list_or_create(
    request: Request, page: Page, save: SaveForm, done: str | Callable[[Any], str]
) -> Response:
    """GET shows the list page; POST creates a new one from the form."""
    actor = organiser(request)
    if request.method == "GET":
        return await page(request, {})
    form = await read_form(request)
    return await saving(request, reading(lambda: save(form, actor, None)), done, page, dict(form))


def show(
    request: Request, template: str, context: dict[str, Any], extra: dict[str, Any]
) -> Response:
    """Render a set-up page: ``extra`` carries a refused save's errors, values, target
    form and status (:func:`refused`); ``?saved=1`` (where a save redirects to) shows
    the "saved" note."""
    status = int(extra.pop("status_code", 200))
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context.setdefault("target", None)
    context.update(extra)
    context.setdefault("saved", request.query_params.get("saved") == "1")
    return render(request, template, context, status_code=status)


@dataclass(frozen=True)
class NamedPages:
    """A named thing of the event (stage, topic, organisation), by the one-guess rule
    (docs/layout.md): its list page ``/organiser/<noun>s`` (GET shows
    ``sessions/organiser/<noun>s.html``, POST adds one) and the form of one row at
    ``/organiser/<noun>s/{<noun>_id}`` (POST saves, or deletes with ``delete=1`` where
    ``delete`` is given). ``load`` reads the list page's context; ``label`` is what a
    404 names."""

    noun: str
    label: str
    load: Callable[[AsyncSession], Awaitable[dict[str, Any]]]
    save: SaveForm
    delete: Delete | None = None

    @property
    def path(self) -> str:
        return f"/organiser/{self.noun}s"

    async def page(self, request: Request, extra: dict[str, Any]) -> Response:
        async with app_services(request).db.session() as db:
            context = await self.load(db)
        return show(request, f"sessions/organiser/{self.noun}s.html", context, extra)

    async def listing(self, request: Request) -> Response:
        return await list_or_create(request, self.page, self.save, f"{self.path}?saved=1")

    async def edit(self, request: Request) -> Response:
        actor = organiser(request)
        row_id = path_id(request.path_params, f"{self.noun}_id", self.label)
        form = await read_form(request)
        change: Change
        values: dict[str, Any] = {}
        if self.delete is not None and form.get("delete") == "1":
            delete = self.delete
            change = lambda db: delete(db, actor, row_id)  # noqa: E731
        else:
            change = reading(lambda: self.save(form, actor, row_id))
            values = dict(form)
        done = f"{self.path}?saved=1"
        return await saving(request, change, done, self.page, values, str(row_id))

    def routes(self, listing: Endpoint, edit: Endpoint) -> list[Route]:
        """The two routes, served by the noun's view module's own ``<noun>s`` and
        ``<noun>_edit`` (which call :meth:`listing` and :meth:`edit`), so the route table,
        tracebacks and the one-guess test point a reader to that module."""
        return [
            Route(self.path, listing, methods=GET_POST),
            Route(f"{self.path}/{{{self.noun}_id}}", edit, methods=["POST"]),
        ]

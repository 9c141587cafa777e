"""Organisers' organisations page (``/organiser/organisations``): the list with a form
to add one, edit one, and its logo (shown to everyone at
``/organisations/{id}/logo``). Organisations are not deleted here: booths and days
point at them. The page shape is :class:`sessions.setup_pages.NamedPages`; the rules
are :mod:`sessions.organisations`."""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from booths.views import serve_logo
from fair.app_services import app_services
from fair.auth import CurrentUser
from fair.errors import HTTPError
from fair.ids import path_id
from fair.models import OrganisationKind
from fair.people import all_organisations
from fair.upload_receiving import LOGO_TYPES, forget_upload, receive_upload
from fair.web import form_kind, form_text
from sessions.organisations import (
    OrganisationInput,
    booth_counts,
    get_organisation,
    save_organisation,
    set_organisation_logo,
)
from sessions.setup_pages import Change, NamedPages, organiser, refused_upload


def _organisation_input(form: FormData) -> OrganisationInput:
    kind = form_kind(form, OrganisationKind)
    return OrganisationInput(
        name=form_text(form, "name", max_length=200),
        kind=kind,
        region=form_text(form, "region", required=False, max_length=100),
        city=form_text(form, "city", required=False, max_length=100),
        website=form_text(form, "website", required=False, max_length=300),
        description=form_text(form, "description", required=False, max_length=20000),
    )


async def _context(db: AsyncSession) -> dict[str, Any]:
    organisations = await all_organisations(db)
    counts = await booth_counts(db)
    return {"organisations": organisations, "counts": counts, "kinds": list(OrganisationKind)}


def _save(form: FormData, actor: CurrentUser, organisation_id: int | None) -> Change:
    data = _organisation_input(form)
    return lambda db: save_organisation(db, actor, data, organisation_id)


PAGES = NamedPages("organisation", "Organisation", _context, _save)


async def organisations(request: Request) -> Response:
    return await PAGES.listing(request)


async def organisation_edit(request: Request) -> Response:
    return await PAGES.edit(request)


async def organisation_logo(request: Request) -> Response:
    """GET shows the logo to everyone; POST (organisers, under /organiser, where
    ``fair.app.UPLOAD_PATHS`` gives it the upload limit) replaces it."""
    organisation_id = path_id(request.path_params, "organisation_id", "Organisation")
    if request.method == "GET":
        async with app_services(request).db.session() as db:
            organisation = await get_organisation(db, organisation_id)
        return await serve_logo(request, organisation.logo_key, organisation.slug)
    actor = organiser(request)
    async with app_services(request).db.session() as db:
        await get_organisation(db, organisation_id)  # 404 before reading the body
    try:
        upload, _fields = await receive_upload(
            request, prefix=f"organisation-logos/{organisation_id}", allowed=LOGO_TYPES
        )
    except HTTPError as error:
        return await refused_upload(request, error, PAGES.page, f"logo-{organisation_id}")
    try:
        async with app_services(request).db.session() as db:
            old = await set_organisation_logo(db, actor, organisation_id, upload.stored.key)
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
    Route("/organiser/organisations/{organisation_id}/logo", organisation_logo, methods=["POST"]),
    *PAGES.routes(organisations, organisation_edit),
]

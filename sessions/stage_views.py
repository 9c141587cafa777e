"""Organisers' stages page (``/organiser/stages``): the list with a form to add one,
rename a stage, delete one no session stands on. The page shape is
:class:`sessions.setup_pages.NamedPages`; the rules are :mod:`sessions.stages`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from fair.auth import CurrentUser
from fair.web import form_text
from sessions.queries import list_stages
from sessions.setup_pages import Change, NamedPages
from sessions.stages import delete_stage, save_stage


async def _context(db: AsyncSession) -> dict[str, Any]:
    return {"stages": await list_stages(db)}


def _save(form: FormData, actor: CurrentUser, stage_id: int | None) -> Change:
    name = form_text(form, "name", max_length=200)
    return lambda db: save_stage(db, actor, name, stage_id)


PAGES = NamedPages("stage", "Bühne", _context, _save, delete_stage)


async def stages(request: Request) -> Response:
    return await PAGES.listing(request)


async def stage_edit(request: Request) -> Response:
    return await PAGES.edit(request)


routes = PAGES.routes(stages, stage_edit)

"""Organisers' topics page (``/organiser/topics``): the list with a form to add one
(German and English name), rename a topic, delete one nothing uses. The page shape is
:class:`sessions.setup_pages.NamedPages`; the rules are :mod:`sessions.topics`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from fair.auth import CurrentUser
from fair.web import form_text
from sessions.queries import list_topics
from sessions.setup_pages import Change, NamedPages
from sessions.topics import delete_topic, save_topic


async def _context(db: AsyncSession) -> dict[str, Any]:
    return {"topics": await list_topics(db)}


def _save(form: FormData, actor: CurrentUser, topic_id: int | None) -> Change:
    name_de = form_text(form, "name_de", max_length=100)
    name_en = form_text(form, "name_en", max_length=100)
    return lambda db: save_topic(db, actor, name_de, name_en, topic_id)


PAGES = NamedPages("topic", "Themenfeld", _context, _save, delete_topic)


async def topics(request: Request) -> Response:
    return await PAGES.listing(request)


async def topic_edit(request: Request) -> Response:
    return await PAGES.edit(request)


routes = PAGES.routes(topics, topic_edit)

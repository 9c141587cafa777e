"""The booth page's WebSocket (``/ws/booths/{slug}``): its chat, the presence count and
„Jetzt am Stand“ (:mod:`booths.team_presence`) on the channel ``booth:{slug}``. The chat
itself is the core's (:mod:`fair.chat_socket`); the hall decides who is the booth's team
and that the chat only reads once the fair is in archive mode. 4404 closes the socket of
an unknown booth, 1008 one from a foreign Origin.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocket

from booths.app_parts import booth_parts
from booths.channels import booth_channel
from booths.models import Booth
from booths.team_presence import at_booth, team_here_event
from fair.app_services import app_services
from fair.archive_mode import archive_active
from fair.chat_socket import CLOSE_NOT_FOUND, presence_event, serve_chat
from fair.errors import HTTPError
from fair.templating import N_
from fair.web import current_user, refuse_socket, same_origin_only

ARCHIVED_CHAT = N_("Die Veranstaltung ist vorbei; der Chat am Stand ist nur noch lesbar.")


@same_origin_only
async def booth_socket(websocket: WebSocket) -> None:
    slug = websocket.path_params["slug"][:80]
    services = app_services(websocket)
    async with services.db.session() as db:
        found = (
            await db.execute(select(Booth.id, Booth.organisation_id).where(Booth.slug == slug))
        ).first()
    if found is None:
        await refuse_socket(websocket, CLOSE_NOT_FOUND, "unknown booth")
        return
    booth_id, organisation_id = found
    channel = booth_channel(slug)

    async def snapshot() -> list[dict[str, Any]]:
        presence = await presence_event(services.hub, channel)
        async with services.db.session() as db:
            here = await team_here_event(services.hub, db, slug)
        return [presence, here]

    async def read_only_after_event(db: AsyncSession) -> None:
        settings = services.settings
        if await archive_active(db, settings.now(), settings.time_zone):
            raise HTTPError(409, ARCHIVED_CHAT)

    user = current_user(websocket)
    member = user is not None and organisation_id in user.organisation_ids
    team = member or (user is not None and user.is_organiser)
    if user is None or not member:
        await serve_chat(websocket, channel, snapshot, team=team, chat_guard=read_only_after_event)
        return
    # A member of the booth's organisation: „Jetzt am Stand“ while this socket is open.
    announcer = booth_parts(websocket).team_presence
    try:
        async with at_booth(services.hub, booth_id, user.id):
            announcer.mark(channel)
            await serve_chat(
                websocket, channel, snapshot, team=team, chat_guard=read_only_after_event
            )
    finally:
        announcer.mark(channel)  # after leaving: the list is built when it is sent

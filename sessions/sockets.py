"""The programme's WebSockets: one channel per session page (Q&A updates, chat, presence)
and one the home and programme pages follow (sessions going live or ending). A session's chat
is the core's (:mod:`fair.chat_socket`, which describes the frames); the session adds its
question list to what a client sees first, and refuses chat once the session has ended.
Close codes besides those of ``serve_channel``: 1008 for a foreign Origin or an unknown
message type, 4404 for an unknown session.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocket

from fair.app_services import app_services
from fair.chat_socket import CLOSE_NOT_FOUND, LIMITS, presence_event, serve_chat
from fair.errors import HTTPError
from fair.ids import parse_id
from fair.realtime import MessageRejected, serve_channel
from fair.templating import N_
from fair.web import refuse_socket, same_origin_only
from sessions.qa import (
    PROGRAMME_CHANNEL,
    questions_event,
    require_open,
    session_channel,
    session_exists,
)

ENDED_TALK_CHAT = N_("Der Programmpunkt ist beendet; der Chat ist nur noch lesbar.")


@same_origin_only
async def session_socket(websocket: WebSocket) -> None:
    raw = websocket.path_params["session_id"]
    db_factory = app_services(websocket).db
    session_id = parse_id(raw) or 0
    async with db_factory.session() as db:
        known = session_id > 0 and await session_exists(db, session_id)
    if not known:
        await refuse_socket(websocket, CLOSE_NOT_FOUND, "unknown session")
        return
    channel = session_channel(session_id)

    async def snapshot() -> list[dict[str, Any]]:
        async with db_factory.session() as db:
            questions = await questions_event(db, session_id)
        return [questions, await presence_event(app_services(websocket).hub, channel)]

    async def refuse_after_the_end(db: AsyncSession) -> None:
        try:
            await require_open(db, session_id, app_services(websocket).settings.now())
        except HTTPError as exc:
            raise HTTPError(409, ENDED_TALK_CHAT) from exc

    await serve_chat(websocket, channel, snapshot, chat_guard=refuse_after_the_end)


@same_origin_only
async def programme_socket(websocket: WebSocket) -> None:
    """Home and programme follow the stages: a ``session_state`` event whenever a talk
    goes live or ends (static/js/programme-live.js then refreshes the listing)."""

    async def on_message(event: dict[str, Any]) -> None:
        if event.get("type") != "hello":
            raise MessageRejected("unknown message type")
        await websocket.send_text("[]")  # nothing to catch up on: the page reloads its list

    await serve_channel(
        websocket, PROGRAMME_CHANNEL, app_services(websocket).hub, on_message, LIMITS
    )

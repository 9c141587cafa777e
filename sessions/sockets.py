"""WebSocket endpoints: one channel per session page (Q&A updates, chat, presence) and one
per booth (chat, presence). The loop, limits and close codes are ``serve_channel``'s.

Client → server (one JSON object per frame):

* ``{"type": "hello"}``: the server answers this connection alone with the current
  question list and presence count (after a reconnect nothing is missed);
* ``{"type": "chat", "name": "Ada", "text": "Hallo"}``: stored, then sent to everyone.

A chat message the rules refuse (empty, too long) is answered with
``{"type": "error", "message": "…"}`` to the sender only. Close codes besides those of
``serve_channel``: 1008 for a foreign Origin or an unknown message type, 4404 for an
unknown session or booth.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocket

from booths.models import Booth
from fair.app_services import app_services
from fair.errors import HTTPError
from fair.ids import parse_id
from fair.realtime import ChannelLimits, MessageRejected, serve_channel
from fair.web import current_user, refuse_socket, same_origin
from sessions.announce import Announcer
from sessions.app_parts import programme_parts
from sessions.archive_mode import archive_active
from sessions.chat import booth_channel, chat_event, post_chat
from sessions.qa import (
    PROGRAMME_CHANNEL,
    questions_event,
    require_open,
    session_channel,
    session_exists,
)

CLOSE_NOT_FOUND = 4404
LIMITS = ChannelLimits()


async def session_socket(websocket: WebSocket) -> None:
    if not same_origin(websocket):
        await refuse_socket(websocket, 1008, "foreign origin")
        return
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
        count = await app_services(websocket).hub.presence(channel)
        return [questions, {"type": "presence", "count": count}]

    async def refuse_after_the_end(db: AsyncSession) -> None:
        try:
            await require_open(db, session_id, app_services(websocket).settings.now())
        except HTTPError as exc:
            raise HTTPError(409, ENDED_TALK_CHAT) from exc

    await _serve(websocket, channel, snapshot, chat_guard=refuse_after_the_end)


async def booth_socket(websocket: WebSocket) -> None:
    if not same_origin(websocket):
        await refuse_socket(websocket, 1008, "foreign origin")
        return
    slug = websocket.path_params["slug"][:80]
    async with app_services(websocket).db.session() as db:
        organisation_id = await db.scalar(select(Booth.organisation_id).where(Booth.slug == slug))
    if organisation_id is None:
        await refuse_socket(websocket, CLOSE_NOT_FOUND, "unknown booth")
        return
    channel = booth_channel(slug)

    async def snapshot() -> list[dict[str, Any]]:
        return [{"type": "presence", "count": await app_services(websocket).hub.presence(channel)}]

    user = current_user(websocket)
    team = user is not None and (user.is_organiser or organisation_id in user.organisation_ids)
    await _serve(websocket, channel, snapshot, read_only_after_event=True, team=team)


async def programme_socket(websocket: WebSocket) -> None:
    """Home and programme follow the stages: a ``session_state`` event whenever a talk
    goes live or ends (static/js/programme-live.js then refreshes the listing)."""
    if not same_origin(websocket):
        await refuse_socket(websocket, 1008, "foreign origin")
        return

    async def on_message(event: dict[str, Any]) -> None:
        if event.get("type") != "hello":
            raise MessageRejected("unknown message type")
        await websocket.send_text("[]")  # nothing to catch up on: the page reloads its list

    await serve_channel(
        websocket, PROGRAMME_CHANNEL, app_services(websocket).hub, on_message, LIMITS
    )


ARCHIVED_CHAT = "Die Veranstaltung ist vorbei; der Chat am Stand ist nur noch lesbar."
ENDED_TALK_CHAT = "Der Programmpunkt ist beendet; der Chat ist nur noch lesbar."
# Raises HTTPError when the channel takes no chat now (checked per message, in its session).
ChatGuard = Callable[[AsyncSession], Awaitable[None]]


async def _serve(
    websocket: WebSocket,
    channel: str,
    snapshot: Any,
    read_only_after_event: bool = False,
    *,
    team: bool = False,
    chat_guard: ChatGuard | None = None,
) -> None:
    """``team``: this connection belongs to the booth's team; its messages carry the badge
    and the account's own name, whatever name the client sent. ``chat_guard`` refuses
    chat the channel no longer takes (a talk that has ended)."""
    app = websocket.app
    hub = app_services(app).hub
    announcer: Announcer = programme_parts(app).presence_announcer
    user = current_user(websocket)

    async def on_message(event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "hello":
            await websocket.send_text(json.dumps(await snapshot(), ensure_ascii=False))
        elif kind == "chat":
            name = user.name if team and user else event.get("name") or (user.name if user else "")
            text = event.get("text")
            if not isinstance(name, str) or not isinstance(text, str):
                raise MessageRejected("chat needs name and text strings")
            try:
                async with app_services(app).db.session() as db:
                    if read_only_after_event and await archive_active(
                        db, app_services(app).settings.now(), app_services(app).settings.time_zone
                    ):
                        raise HTTPError(409, ARCHIVED_CHAT)
                    if chat_guard is not None:
                        await chat_guard(db)
                    message = await post_chat(db, channel, name, text, team=team)
                    await db.commit()
            except HTTPError as exc:
                error = {"type": "error", "message": exc.message}
                await websocket.send_text(json.dumps([error], ensure_ascii=False))
                return
            await hub.publish(channel, chat_event(message))
        else:
            raise MessageRejected("unknown message type")

    announcer.mark(channel)
    try:
        await serve_channel(websocket, channel, hub, on_message, LIMITS)
    finally:
        announcer.mark(channel)

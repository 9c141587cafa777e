"""WebSocket endpoints: one channel per session page (Q&A updates, chat, presence) and one
per booth (chat, presence). The loop, limits and close codes are ``serve_channel``'s.

Client → server (one JSON object per frame):

* ``{"type": "hello", "chat_after": 41}``: the server answers this connection alone with
  the current question list, the presence count and the chat messages after id
  ``chat_after`` (the last one the page shows), so after a reconnect or a Redis outage
  nothing is missed; the hub asks connected clients for it with ``{"type": "resync"}``;
* ``{"type": "chat", "name": "Ada", "text": "Hallo"}``: stored, then sent to everyone.

A chat message the rules refuse (empty, too long) is answered with
``{"type": "error", "message": "…"}`` to the sender only. Close codes besides those of
``serve_channel``: 1008 for a foreign Origin or an unknown message type, 4404 for an
unknown session or booth.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
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
from fair.chat import chat_event, messages_after, post_chat
from fair.errors import HTTPError
from fair.form_errors import reason
from fair.i18n import gettext_for
from fair.ids import parse_id
from fair.realtime import ChannelLimits, MessageRejected, serve_channel
from fair.realtime.announce import Announcer
from fair.realtime.hub import Hub, encode_event
from fair.templating import N_
from fair.unavailable import hub_unavailable
from fair.web import current_user, language, refuse_socket, same_origin
from sessions.app_parts import programme_parts
from sessions.qa import (
    PROGRAMME_CHANNEL,
    questions_event,
    require_open,
    session_channel,
    session_exists,
)

logger = logging.getLogger(__name__)
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
        return [questions, await _presence(app_services(websocket).hub, channel)]

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
        presence = await _presence(services.hub, channel)
        async with services.db.session() as db:
            here = await team_here_event(services.hub, db, slug)
        return [presence, here]

    user = current_user(websocket)
    member = user is not None and organisation_id in user.organisation_ids
    team = member or (user is not None and user.is_organiser)
    if user is None or not member:
        await _serve(websocket, channel, snapshot, read_only_after_event=True, team=team)
        return
    # A member of the booth's organisation: „Jetzt am Stand“ while this socket is open.
    announcer = booth_parts(websocket).team_presence
    try:
        async with at_booth(services.hub, booth_id, user.id):
            announcer.mark(channel)
            await _serve(websocket, channel, snapshot, read_only_after_event=True, team=team)
    finally:
        announcer.mark(channel)  # after leaving: the list is built when it is sent


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


async def _presence(hub: Hub, channel: str) -> dict[str, Any]:
    """The count across instances, or this instance's while Redis is away."""
    try:
        count = await hub.presence(channel)
    except Exception as exc:
        if not hub_unavailable(exc):
            raise
        count = hub.local_count(channel)
    return {"type": "presence", "count": count}


async def _missed_chat(app: Any, channel: str, after: object) -> list[dict[str, Any]]:
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        return []
    async with app_services(app).db.session() as db:
        return [chat_event(message) for message in await messages_after(db, channel, after)]


async def _publish_chat(hub: Hub, channel: str, event: dict[str, Any]) -> None:
    """Publish a stored message; while Redis is away deliver it here at least. The other
    instances' clients fetch it when the hub tells them to resync (``chat_after``)."""
    try:
        await hub.publish(channel, event)
    except Exception as exc:
        if not hub_unavailable(exc):
            raise
        logger.warning("chat on %s delivered locally only: hub unavailable (%s)", channel, exc)
        hub.deliver(channel, encode_event(event))


def _refusal(websocket: WebSocket, exc: HTTPError) -> str:
    """A refused chat frame in the sender's language (``?lang=``, cookie, browser), with
    the field it concerns in front as the HTTP form errors have it."""
    text = reason(exc, gettext_for(language(websocket)).gettext)
    return f"{exc.field}: {text}" if exc.field else text


ARCHIVED_CHAT = N_("Die Veranstaltung ist vorbei; der Chat am Stand ist nur noch lesbar.")
ENDED_TALK_CHAT = N_("Der Programmpunkt ist beendet; der Chat ist nur noch lesbar.")
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
            events = await snapshot() + await _missed_chat(app, channel, event.get("chat_after"))
            await websocket.send_text(json.dumps(events, ensure_ascii=False))
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
                error = {"type": "error", "message": _refusal(websocket, exc)}
                await websocket.send_text(json.dumps([error], ensure_ascii=False))
                return
            await _publish_chat(hub, channel, chat_event(message))
        else:
            raise MessageRejected("unknown message type")

    announcer.mark(channel)
    try:
        await serve_channel(websocket, channel, hub, on_message, LIMITS)
    finally:
        announcer.mark(channel)

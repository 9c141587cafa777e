"""Serving a chat channel over a WebSocket: the mechanism behind a booth's chat
(:mod:`booths.booth_socket`) and a session's (:mod:`sessions.sockets`). The domain checks the
channel exists and who is connecting, then hands over here with what a new client sees
first (``snapshot``) and what refuses a message (``chat_guard``); the loop, limits and
close codes are ``serve_channel``'s.

Client → server (one JSON object per frame):

* ``{"type": "hello", "chat_after": 41}``: the server answers this connection alone with
  the snapshot (presence count and what else the channel shows) and the chat messages
  after id ``chat_after`` (the last one the page shows), so after a reconnect or a Redis
  outage nothing is missed; the hub asks connected clients for it with
  ``{"type": "resync"}``;
* ``{"type": "chat", "name": "Ada", "text": "Hallo"}``: stored, then sent to everyone.

A chat message the rules refuse (empty, too long, the channel closed) is answered with
``{"type": "error", "message": "…"}`` to the sender only; 1008 closes a connection that
sends an unknown message type.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket

from fair.app_services import app_services
from fair.chat import chat_event, messages_after, post_chat, presence_announcer
from fair.errors import HTTPError
from fair.form_errors import reason
from fair.i18n import gettext_for
from fair.realtime import ChannelLimits, MessageRejected, serve_channel
from fair.realtime.announce import Announcer
from fair.realtime.hub import Hub, encode_event
from fair.unavailable import hub_unavailable
from fair.web import current_user, language

logger = logging.getLogger(__name__)
CLOSE_NOT_FOUND = 4404  # the channel's booth or session does not exist
LIMITS = ChannelLimits()
# Raises HTTPError when the channel takes no chat now (checked per message, in its session).
ChatGuard = Callable[[AsyncSession], Awaitable[None]]
Snapshot = Callable[[], Awaitable[list[dict[str, Any]]]]


@dataclass
class ChatChannels:
    """The app's presence announcer: tells a channel how many are connected, after joins
    and leaves, on every chat channel."""

    presence: Announcer


def register_chat_channels(app: Starlette) -> None:
    """Called by the app factory: the presence announcer, closed at shutdown."""
    parts = ChatChannels(presence=presence_announcer(app_services(app).hub))
    app_services(app).add_part(parts)

    async def close(app: Starlette) -> None:
        await parts.presence.close()

    app_services(app).shutdown_hooks.append(close)


def chat_channels(where: HTTPConnection | Starlette) -> ChatChannels:
    return app_services(where).part(ChatChannels)


async def presence_event(hub: Hub, channel: str) -> dict[str, Any]:
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


async def serve_chat(
    websocket: WebSocket,
    channel: str,
    snapshot: Snapshot,
    *,
    team: bool = False,
    chat_guard: ChatGuard | None = None,
) -> None:
    """``team``: this connection belongs to the booth's team; its messages carry the badge
    and the account's own name, whatever name the client sent. ``chat_guard`` refuses
    chat the channel no longer takes (a session that has ended, a fair in archive mode)."""
    app = websocket.app
    hub = app_services(app).hub
    announcer = chat_channels(app).presence
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

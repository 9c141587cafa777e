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
  Storing is :class:`~fair.chat_writer.ChatWriter`'s: one writer per channel groups what
  arrives meanwhile, and the connection's next frame is read while its message is stored
  (at most :data:`IN_FLIGHT` at a time), so a loop busy with pages delays a message by one
  transaction, not by one transaction per message queued before it.

A chat message the rules refuse (empty, too long, the channel closed) is answered with
``{"type": "error", "message": "…"}`` to the sender only; 1008 closes a connection that
sends an unknown message type, 1011 one whose message could not be stored (logged).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket

from fair.app_services import app_services
from fair.chat import chat_event, chat_message, messages_after, presence_announcer
from fair.chat_writer import ChatGuard, ChatWriter
from fair.errors import HTTPError
from fair.form_errors import reason
from fair.i18n import gettext_for
from fair.models import ChatMessage
from fair.realtime import ChannelLimits, MessageRejected, serve_channel
from fair.realtime.announce import Announcer
from fair.realtime.hub import Hub
from fair.realtime.ws import CLOSE_ERROR
from fair.unavailable import hub_unavailable
from fair.web import current_user, language

logger = logging.getLogger(__name__)
CLOSE_NOT_FOUND = 4404  # the channel's booth or session does not exist
LIMITS = ChannelLimits()
# A connection's messages being stored at once; past that it waits before reading on.
IN_FLIGHT = LIMITS.rate_messages
Snapshot = Callable[[], Awaitable[list[dict[str, Any]]]]


@dataclass
class ChatChannels:
    """The app's presence announcer (tells a channel how many are connected, after joins
    and leaves) and the writer that stores and publishes messages, on every chat channel."""

    presence: Announcer
    writer: ChatWriter


def register_chat_channels(app: Starlette) -> None:
    """Called by the app factory: the presence announcer and the writer, closed at
    shutdown."""
    services = app_services(app)
    parts = ChatChannels(
        presence=presence_announcer(services.hub), writer=ChatWriter(services.db, services.hub)
    )
    services.add_part(parts)

    async def close(app: Starlette) -> None:
        await parts.writer.close()
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
    parts = chat_channels(app)
    announcer = parts.presence
    user = current_user(websocket)
    in_flight: set[asyncio.Future[ChatMessage]] = set()
    reports: set[asyncio.Task[None]] = set()

    async def report(stored: asyncio.Future[ChatMessage]) -> None:
        """Tell the sender alone what became of a message the writer could not store."""
        exc = stored.exception()
        if not isinstance(exc, HTTPError):
            logger.error("channel %s: storing a chat message failed", channel, exc_info=exc)
        with contextlib.suppress(Exception):  # the sender may have left meanwhile
            if isinstance(exc, HTTPError):
                error = {"type": "error", "message": _refusal(websocket, exc)}
                await websocket.send_text(json.dumps([error], ensure_ascii=False))
            else:
                await websocket.close(CLOSE_ERROR, "internal error")

    def settled(stored: asyncio.Future[ChatMessage]) -> None:
        in_flight.discard(stored)
        if not stored.cancelled() and stored.exception() is not None:
            task = asyncio.get_running_loop().create_task(report(stored))
            reports.add(task)
            task.add_done_callback(reports.discard)

    async def on_message(event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "hello":
            if in_flight:  # answered after this connection's earlier messages, as sent
                await asyncio.wait(in_flight)
            events = await snapshot() + await _missed_chat(app, channel, event.get("chat_after"))
            await websocket.send_text(json.dumps(events, ensure_ascii=False))
        elif kind == "chat":
            name = user.name if team and user else event.get("name") or (user.name if user else "")
            text = event.get("text")
            if not isinstance(name, str) or not isinstance(text, str):
                raise MessageRejected("chat needs name and text strings")
            try:
                message = chat_message(channel, name, text, team=team)
            except HTTPError as exc:
                error = {"type": "error", "message": _refusal(websocket, exc)}
                await websocket.send_text(json.dumps([error], ensure_ascii=False))
                return
            stored = parts.writer.post(message, chat_guard)
            in_flight.add(stored)
            stored.add_done_callback(settled)
            if len(in_flight) >= IN_FLIGHT:
                await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
        else:
            raise MessageRejected("unknown message type")

    announcer.mark(channel)
    try:
        await serve_channel(websocket, channel, hub, on_message, LIMITS)
    finally:
        announcer.mark(channel)

"""One WebSocket frame for everyone: the fan-out writes the same bytes to each transport.

Why: at 5,000 clients in one room the server's cost is the frames it sends, and through
ASGI every client's frame is built again (Starlette's checks, uvicorn's state checks,
``str.encode`` and websockets' framing for each client) before the one ``transport.write``
that has to happen anyway. A server-to-client text frame is the same bytes for every
client (no mask, no extension, per-message deflate is off in
:data:`~fair.realtime.UVICORN_WS_OPTIONS`), so :func:`text_frame` builds it once with
websockets' own serializer and :class:`RawWriter` hands it to each connection's transport.

Reaching the transport: :class:`ServerSendMiddleware` (outermost, right inside Starlette's
error middleware, which passes a WebSocket's ``send`` through untouched) keeps the
server's own ``send`` in the scope. When that is a bound method of uvicorn's
websockets-sansio protocol with the attributes checked in :func:`raw_writer`, writes go
straight to its transport; anything else (another server, other options, a paused or
closing connection) takes the ordinary ASGI path, so slow clients keep their backlog and
eviction (:mod:`fair.realtime.fanout`).
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from websockets.frames import Frame, Opcode
from websockets.protocol import State

SERVER_SEND_KEY = "fair.server_send"
_PROTOCOL_ATTRIBUTES = (
    "transport",
    "conn",
    "writable",
    "disconnected",
    "close_sent",
    "handshake_complete",
    "initial_response",
)


class ServerSendMiddleware:
    """Keep the ASGI server's own ``send`` of a WebSocket in its scope (see module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[SERVER_SEND_KEY] = send
        await self.app(scope, receive, send)


def text_frame(text: str) -> bytes:
    """The bytes of one unmasked, uncompressed text frame carrying ``text``."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


class RawWriter:
    """Writes prepared frames to one uvicorn websockets-sansio connection's transport."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol

    def write(self, frame: bytes) -> bool:
        """Write ``frame`` now if the connection takes it at once; False: use ASGI send.

        The same conditions as uvicorn's own send (handshake done, open, nothing closed),
        plus not paused: a paused transport means a slow client, which the fan-out's
        backlog handles.
        """
        protocol = self._protocol
        transport = protocol.transport
        if (
            protocol.disconnected
            or protocol.close_sent
            or not protocol.writable.is_set()
            or transport.is_closing()
            or protocol.conn.state is not State.OPEN
        ):
            return False
        transport.write(frame)
        return True


def raw_writer(sink: Any) -> RawWriter | None:
    """A :class:`RawWriter` for ``sink`` (a Starlette WebSocket) if its server allows one."""
    scope = getattr(sink, "scope", None)
    if not isinstance(scope, dict):
        return None
    protocol = getattr(scope.get(SERVER_SEND_KEY), "__self__", None)
    if protocol is None or not all(hasattr(protocol, a) for a in _PROTOCOL_ATTRIBUTES):
        return None
    if not protocol.handshake_complete or protocol.initial_response is not None:
        return None
    if getattr(protocol.conn, "extensions", None):  # e.g. per-message deflate negotiated
        return None
    return RawWriter(protocol)

"""Realtime layer: channels of JSON events over WebSocket, shared between app instances.

* :mod:`fair.realtime.hub` — ``Hub`` (``InProcessHub``, ``RedisHub``), ``hub_from_settings``.
* :mod:`fair.realtime.fanout` — per-channel batching and the one sequential send loop.
* :mod:`fair.realtime.ws` — ``serve_channel`` for WebSocket endpoints, ``ChannelLimits``.

Wire format, server → client: each text frame is a JSON array of the events published to the
channel since the previous frame, in publish order, e.g. ``[{"type":"chat","text":"hi"}]``.
Client → server: one JSON object per text frame, handed to the endpoint's ``on_message``.
"""

from __future__ import annotations

from typing import Any, Final

from fair.realtime.fanout import SLOW_CLIENT_CODE, Fanout, Sink
from fair.realtime.hub import (
    Hub,
    InProcessHub,
    RedisHub,
    TooManyConnections,
    encode_event,
    hub_from_settings,
)
from fair.realtime.ws import ChannelLimits, MessageRejected, serve_channel

#: Keyword arguments for ``uvicorn.run``/``uvicorn.Config`` wherever fair is served.
#: Measured (docs/benchmarks-chat.md): the sans-I/O
#: websockets implementation is the cheapest per frame; per-message deflate would compress
#: every frame separately for every client, so it is off; 64 KiB bounds what a client can
#: make the server buffer for one message (our own limit per message is 4 KB).
UVICORN_WS_OPTIONS: Final[dict[str, Any]] = {
    "ws": "websockets-sansio",
    "ws_per_message_deflate": False,
    "ws_max_size": 64 * 1024,
}

__all__ = [
    "SLOW_CLIENT_CODE",
    "UVICORN_WS_OPTIONS",
    "ChannelLimits",
    "Fanout",
    "Hub",
    "InProcessHub",
    "MessageRejected",
    "RedisHub",
    "Sink",
    "TooManyConnections",
    "encode_event",
    "hub_from_settings",
    "serve_channel",
]

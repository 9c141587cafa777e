"""``serve_channel``: the one WebSocket loop behind chat, Q&A and other live channels.

Endpoints stay small: they authenticate, pick the channel and an ``on_message`` callback,
and call :func:`serve_channel`, which accepts, joins the hub, enforces :class:`ChannelLimits`
and closes misbehaving clients with a precise close code, without disturbing anyone else.

Close codes (RFC 6455 §7.4.1), each with a short reason:

====  ===========================================================================
1003  binary frame (this protocol is JSON text only)
1007  frame is not JSON, or not a JSON object
1008  rate limit exceeded, too many connections from this address, or a policy
      refusal raised by ``on_message`` via :class:`MessageRejected`
1009  message larger than ``max_message_bytes``
1011  ``on_message`` failed unexpectedly (logged)
1013  too slow: the client did not read and its backlog overflowed; or the hub could
      not be joined (Redis unreachable): "try again later"
====  ===========================================================================
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.websockets import WebSocket, WebSocketState

from fair.realtime.hub import Hub, TooManyConnections

logger = logging.getLogger(__name__)

OnMessage = Callable[[dict[str, Any]], Awaitable[None]]

CLOSE_UNSUPPORTED = 1003
CLOSE_INVALID = 1007
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_ERROR = 1011
CLOSE_TRY_AGAIN = 1013


@dataclass(frozen=True)
class ChannelLimits:
    """What one connection may do. Defaults suit chat and Q&A.

    ``rate_messages`` per ``rate_seconds`` is a token bucket: a burst of ``rate_messages``
    is fine, then one message per ``rate_seconds / rate_messages`` seconds.
    ``max_per_address`` counts connections from one client address in one channel on
    one instance (behind a proxy, run uvicorn with ``--proxy-headers`` so the address is
    the client's). ``close_timeout``: how long an evicted slow client gets for its close
    frame before the handler gives up on it.
    """

    max_message_bytes: int = 4096
    rate_messages: int = 5
    rate_seconds: float = 5.0
    max_per_address: int = 20
    close_timeout: float = 5.0


class MessageRejected(Exception):
    """Raise from ``on_message`` to close the connection with ``code`` and ``reason``."""

    def __init__(self, reason: str, code: int = CLOSE_POLICY) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class _TokenBucket:
    """``capacity`` tokens refilled continuously over ``period`` seconds."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, capacity: int, period: float) -> None:
        self.capacity = float(capacity)
        self.rate = capacity / period
        self.tokens = float(capacity)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class _Closed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        self.code = code
        self.reason = reason


async def serve_channel(
    websocket: WebSocket,
    channel: str,
    hub: Hub,
    on_message: OnMessage | None = None,
    limits: ChannelLimits | None = None,
) -> None:
    """Accept ``websocket``, deliver ``channel``'s batches to it, read its messages.

    Outgoing frames are JSON arrays of events (see ``fair.realtime``). Each valid incoming
    message (a JSON object within the limits) is awaited in ``on_message`` before the next
    is read, so a client cannot make the server queue work faster than it is done.
    Returns when the client leaves or has been closed.
    """
    limits = limits or ChannelLimits()
    await websocket.accept()
    address = websocket.client.host if websocket.client else None
    handler = asyncio.current_task()
    evicted = False
    closer: asyncio.Task[None] | None = None  # held here so it is not garbage-collected

    def on_evicted(code: int, reason: str) -> None:
        nonlocal evicted, closer
        evicted = True
        closer = asyncio.get_running_loop().create_task(_close_or_abandon(code, reason))

    async def _close_or_abandon(code: int, reason: str) -> None:
        """Close a slow client; if even the close frame cannot go out, stop waiting."""
        try:
            await asyncio.wait_for(_close(websocket, code, reason), limits.close_timeout)
        except (TimeoutError, Exception):
            if handler is not None:
                handler.cancel()

    try:
        await hub.join(
            channel,
            websocket,
            address=address,
            max_per_address=limits.max_per_address,
            on_evicted=on_evicted,
        )
    except TooManyConnections:
        await _close(websocket, CLOSE_POLICY, "too many connections from your address")
        return
    except Exception:
        logger.exception("channel %s: could not join", channel)
        await _close(websocket, CLOSE_TRY_AGAIN, "try again later")
        return

    bucket = _TokenBucket(limits.rate_messages, limits.rate_seconds)
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            event = _check(message, limits, bucket)
            if on_message is not None:
                await on_message(event)
    except _Closed as closed:
        await hub.leave(channel, websocket)
        await _close(websocket, closed.code, closed.reason)
    except MessageRejected as rejected:
        await hub.leave(channel, websocket)
        await _close(websocket, rejected.code, rejected.reason)
    except asyncio.CancelledError:
        if not evicted or handler is None:
            raise
        handler.uncancel()  # our own abandonment of a stuck slow client: end normally
    except Exception:
        logger.exception("channel %s: on_message failed", channel)
        await hub.leave(channel, websocket)
        await _close(websocket, CLOSE_ERROR, "internal error")
    finally:
        await hub.leave(channel, websocket)


def _check(
    message: Mapping[str, Any], limits: ChannelLimits, bucket: _TokenBucket
) -> dict[str, Any]:
    """Validate one received frame; raise :class:`_Closed` with the close code if bad."""
    text = message.get("text")
    if text is None:
        raise _Closed(CLOSE_UNSUPPORTED, "text frames only")
    # A str is at most 4 bytes per character in UTF-8: only encode when it could be too big.
    if len(text) * 4 > limits.max_message_bytes and (
        len(text) > limits.max_message_bytes or len(text.encode()) > limits.max_message_bytes
    ):
        raise _Closed(CLOSE_TOO_BIG, f"message larger than {limits.max_message_bytes} bytes")
    if not bucket.take():
        raise _Closed(CLOSE_POLICY, "rate limit")
    try:
        event = json.loads(text)
    except ValueError:
        raise _Closed(CLOSE_INVALID, "invalid JSON") from None
    if not isinstance(event, dict):
        raise _Closed(CLOSE_INVALID, "expected a JSON object")
    return event


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    """Close once; a connection already gone needs nothing more."""
    if websocket.application_state != WebSocketState.CONNECTED:
        return
    with contextlib.suppress(Exception):
        await websocket.close(code, reason)

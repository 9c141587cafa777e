"""``serve_channel``: the one WebSocket loop behind chat, Q&A and other live channels.

Endpoints stay small: they authenticate, pick the channel and an ``on_message`` callback,
and call :func:`serve_channel`, which accepts, joins the hub, enforces :class:`ChannelLimits`
and closes misbehaving clients with a precise close code, without disturbing anyone else.

Close codes (RFC 6455 §7.4.1), each with a short reason:

====  ===========================================================================
1003  binary frame (this protocol is JSON text only)
1007  frame is not JSON, or not a JSON object
1008  rate limit: the client kept sending after its messages were refused; too many
      connections from this address; or a policy refusal raised by ``on_message`` via
      :class:`MessageRejected`
1009  message larger than ``max_message_bytes``
1011  ``on_message`` failed unexpectedly (logged)
1013  too slow: the client did not read and its backlog overflowed; or the hub could
      not be joined (Redis unreachable): "try again later"
====  ===========================================================================

The rate limit judges what the user sent, not how it arrived. Messages a client queued
while its connection was slow or reconnecting arrive in one burst although the person
typed them one by one, so a burst past the allowance is not an offence: up to one more
allowance of messages is taken at once (the bucket goes into debt, which the client then
pays back at the allowed rate), and a message beyond that is refused alone with
``{"type": "error", "field": "rate", "message": "rate: …", "retry_after": seconds}`` in
the connection's language. Only a client that goes on sending through as many refusals
as its allowance, a flood, is closed with 1008.
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

from fair.i18n import gettext_for
from fair.realtime.hub import Hub, TooManyConnections
from fair.templating import N_
from fair.web import language

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
    is fine, then one message per ``rate_seconds / rate_messages`` seconds. A backlog of
    up to ``rate_messages`` more is taken too; beyond it single messages are refused
    with an error, and more than ``rate_messages`` refusals in a row close the
    connection (see the module docstring).
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


RATE_REFUSED = N_(
    "Zu viele Nachrichten auf einmal: Diese wurde nicht angenommen. Bitte senden Sie sie "
    "in %(seconds)s Sekunden noch einmal."
)


class _RateGate:
    """One connection's allowance: a token bucket of ``capacity`` tokens refilled
    continuously over ``period`` seconds that may run up to one more allowance into debt
    (the backlog a slow connection delivers at once, see the module docstring).
    ``refused`` counts refusals since the last message taken."""

    __slots__ = ("capacity", "rate", "refused", "stamp", "tokens")

    def __init__(self, capacity: int, period: float) -> None:
        self.capacity = float(capacity)
        self.rate = capacity / period
        self.tokens = float(capacity)
        self.stamp = time.monotonic()
        self.refused = 0

    def admit(self) -> bool:
        """Take the next message, or refuse it."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens - 1.0 >= -self.capacity:
            self.tokens -= 1.0
            self.refused = 0
            return True
        self.refused += 1
        return False

    def retry_after(self) -> float:
        """Seconds until a message would be taken again."""
        return max(0.0, (1.0 - self.capacity - self.tokens) / self.rate)


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

    gate = _RateGate(limits.rate_messages, limits.rate_seconds)
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            event = _check(message, limits)
            if not gate.admit():
                if gate.refused > limits.rate_messages:
                    raise _Closed(CLOSE_POLICY, "rate limit")
                await _refuse_for_rate(websocket, gate.retry_after())
                continue
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


async def _refuse_for_rate(websocket: WebSocket, retry_after: float) -> None:
    """Tell the sender alone that this one message was not taken, and when to resend."""
    seconds = max(1, round(retry_after + 0.5))
    gettext = gettext_for(language(websocket)).gettext
    text = gettext(RATE_REFUSED) % {"seconds": seconds}
    error = {"type": "error", "field": "rate", "message": f"rate: {text}", "retry_after": seconds}
    await websocket.send_text(json.dumps([error], ensure_ascii=False))


def _check(message: Mapping[str, Any], limits: ChannelLimits) -> dict[str, Any]:
    """Validate one received frame; raise :class:`_Closed` with the close code if bad."""
    text = message.get("text")
    if text is None:
        raise _Closed(CLOSE_UNSUPPORTED, "text frames only")
    # A str is at most 4 bytes per character in UTF-8: only encode when it could be too big.
    if len(text) * 4 > limits.max_message_bytes and (
        len(text) > limits.max_message_bytes or len(text.encode()) > limits.max_message_bytes
    ):
        raise _Closed(CLOSE_TOO_BIG, f"message larger than {limits.max_message_bytes} bytes")
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

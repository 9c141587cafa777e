"""Requests to a child process and their answers: the one protocol the live engine speaks
with its helpers (the media worker over stdin/stdout, fan-out helpers over a socket pair).

A request is a JSON object ``{"id", "op", ...arguments}``; the child answers
``{"id", "result"}`` or ``{"id", "error": [status, message]}`` (a :class:`LiveError`),
and may send ``{"event": ...}`` messages at any time. Only the transport differs between
helpers (newline-delimited on a pipe, length-prefixed on a socket), so the parent side
(:class:`PendingCalls`) and the child side (:func:`answer_request`) do the bookkeeping
and the caller moves the bytes.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fair.rtc.errors import LiveError

logger = logging.getLogger(__name__)
Message = dict[str, Any]


class PendingCalls:
    """Numbered requests waiting for the child's answer."""

    def __init__(self, stopped_message: str) -> None:
        self.stopped_message = stopped_message
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)

    def request(self, op: str, **arguments: Any) -> tuple[int, bytes, asyncio.Future[Any]]:
        """A new request: its id, its JSON body and the future its answer resolves."""
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        return request_id, json.dumps({"id": request_id, "op": op, **arguments}).encode(), future

    def cancel(self, request_id: int) -> None:
        """The request could not be sent: forget it."""
        self._pending.pop(request_id, None)

    def answer(self, message: dict[str, Any]) -> None:
        """Resolve the request ``message`` answers (unknown or late answers are ignored)."""
        future = self._pending.pop(message.get("id", 0), None)
        if future is None or future.done():
            return
        if "error" in message:
            status, text = message["error"]
            future.set_exception(LiveError(status, text))
        else:
            future.set_result(message.get("result"))

    def fail_all(self) -> None:
        """The child is gone: every waiting request fails with 503."""
        for future in self._pending.values():
            if not future.done():
                future.set_exception(LiveError(503, self.stopped_message))
        self._pending.clear()


async def answer_request(
    message: Message,
    handle: Callable[[Message], Awaitable[Any]],
    reply: Callable[[Message], None],
) -> None:
    """Child side: run one request and send its answer, or its refusal (a
    :class:`LiveError` keeps its status; anything else is logged and answers 500)."""
    try:
        result = await handle(message)
    except LiveError as exc:
        reply({"id": message["id"], "error": [exc.status_code, exc.message]})
    except Exception:
        logger.exception("live helper: %s failed", message.get("op"))
        reply({"id": message["id"], "error": [500, "live media helper error"]})
    else:
        reply({"id": message["id"], "result": result})

"""Coalesced announcements on a channel: presence counts and the live Q&A order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fair.realtime.hub import Hub
from fair.unavailable import part_unavailable

logger = logging.getLogger(__name__)

Build = Callable[[str], Awaitable[dict[str, Any]]]


class Announcer:
    """Publishes a fresh event for a channel shortly after something changed there.

    Coalesced per channel: a burst of 500 joins (or 50 votes) within ``delay`` produces one
    event, built when it is sent, so it always carries the latest state. That keeps a busy
    room's traffic bounded: every client gets at most one such event per ``delay``.
    """

    def __init__(
        self, hub: Hub, build: Build, delay: float = 0.3, retry_delay: float = 1.0
    ) -> None:
        self.hub = hub
        self.build = build
        self.delay = delay
        self.retry_delay = retry_delay
        self._closing = False
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def mark(self, channel: str) -> None:
        if channel in self._timers:
            return
        loop = asyncio.get_running_loop()
        self._timers[channel] = loop.call_later(self.delay, self._fire, channel)

    def _fire(self, channel: str) -> None:
        self._timers.pop(channel, None)
        task = asyncio.get_running_loop().create_task(self.announce(channel))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def announce(self, channel: str) -> None:
        try:
            await self.hub.publish(channel, await self.build(channel))
        except Exception as exc:
            if not part_unavailable(exc):
                logger.warning("announcing on %s failed", channel, exc_info=True)
                return
            # The database or Redis is down: the change is committed, so announce it
            # once they are back, or connected clients would never see it.
            logger.warning("announcing on %s failed (%s); trying again", channel, exc)
            if not self._closing:
                loop = asyncio.get_running_loop()
                self._timers.setdefault(
                    channel, loop.call_later(self.retry_delay, self._fire, channel)
                )

    async def close(self) -> None:
        self._closing = True
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

"""Page cache invalidation across instances: commits here, messages from elsewhere.

The database reports the tags of every commit (``fair.changes``); this instance's
:class:`~fair.pagecache_store.PageCache` drops its pages at once and the tags go out on
:data:`HUB_CHANNEL` so the other instances (Redis hub) drop theirs too.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from fair.pagecache_store import PageCache

log = logging.getLogger(__name__)

HUB_CHANNEL = "fair:page-cache"


class CacheInvalidator:
    """Joins the database's commits, this instance's cache and the other instances.

    A commit here drops the affected pages here at once (before the view that committed
    even answers) and publishes the tags on :data:`HUB_CHANNEL`; a message from another
    instance drops them here.
    """

    def __init__(self, cache: PageCache, hub: Any) -> None:
        self.cache = cache
        self.hub = hub
        self._tasks: set[asyncio.Task[None]] = set()
        # Other in-memory copies dropped by the same tags, here and from other instances
        # (the logged-in users' cache).
        self.followers: list[Callable[[frozenset[str]], None]] = []

    def _invalidate(self, tags: frozenset[str]) -> None:
        self.cache.invalidate(tags)
        for follower in self.followers:
            follower(tags)

    def on_commit(self, tags: frozenset[str]) -> None:
        self._invalidate(tags)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a commit outside the event loop (CLI): nobody to tell
            return
        event = {"type": "invalidate", "tags": sorted(tags), "origin": self.cache.instance}
        task = loop.create_task(self._publish(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish(self, event: dict[str, Any]) -> None:
        try:
            await self.hub.publish(HUB_CHANNEL, event)
        except Exception as exc:
            # Redis unreachable: other instances cannot be told now; they clear their
            # caches when their hub reconnects ("resync", see send).
            from fair.unavailable import hub_unavailable

            down = hub_unavailable(exc)
            log.warning("could not publish a page cache invalidation: %s", exc, exc_info=not down)

    async def send(self, message: dict[str, Any]) -> None:
        """The hub's sink interface: a batch of events from every instance."""
        for raw in json.loads(message.get("text") or "[]"):
            event = json.loads(raw) if isinstance(raw, str) else raw
            if event.get("type") == "invalidate" and event.get("origin") != self.cache.instance:
                self._invalidate(frozenset(event.get("tags") or ["*", "users"]))
            elif event.get("type") == "resync":
                # Redis was away: other instances' invalidations of the gap are lost.
                self.cache.clear()
                for follower in self.followers:
                    follower(frozenset({"*", "users"}))

    async def start(self) -> None:
        await self.hub.join(HUB_CHANNEL, self)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        try:
            await self.hub.leave(HUB_CHANNEL, self)
        except Exception:
            log.debug("leaving the page cache channel failed", exc_info=True)

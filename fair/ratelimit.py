"""Per-client sliding-window limits for plain HTTP endpoints (questions, contact
requests, WebRTC offers). Kept in memory on each app instance: client addresses are
never written anywhere. WebSocket messages have their own limits in ``serve_channel``;
failed logins are counted in the database so that every instance shares them."""

from __future__ import annotations

import time
from collections import deque

from fair.errors import HTTPError


class SlidingWindowLimit:
    """At most ``limit`` requests per client within ``window`` seconds; else 429."""

    def __init__(
        self, limit: int, window: float, message: str, *, max_clients: int = 10_000
    ) -> None:
        self.limit = limit
        self.window = window
        self.message = message
        self.max_clients = max_clients
        self._hits: dict[str, deque[float]] = {}

    def check(self, client: str, now: float | None = None) -> None:
        """Refuse with 429 when ``client`` used up its limit, else count this request."""
        now = time.monotonic() if now is None else now
        self.refuse_when_full(client, now)
        self.count(client, now)

    def refuse_when_full(self, client: str, now: float | None = None) -> None:
        """429 when ``client`` used up its limit, without counting this request: for
        forms that count only what they accept (:meth:`count`), so a person correcting
        a typo is not refused for having made it."""
        now = time.monotonic() if now is None else now
        hits = self._hits.setdefault(client, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            raise HTTPError(429, self.message)

    def count(self, client: str, now: float | None = None) -> None:
        """Count one request of ``client`` against its limit."""
        now = time.monotonic() if now is None else now
        self._hits.setdefault(client, deque()).append(now)
        if len(self._hits) > self.max_clients:  # forget idle clients
            self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.window}

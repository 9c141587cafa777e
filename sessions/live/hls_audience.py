"""How many people watch a talk over HLS, approximately, without the app in the HLS path.

With ``FAIR_MEDIA_BASE_URL`` set, HLS viewers fetch playlists and segments from storage or
a CDN, so the app never sees them. What it does see is the page's status poll (every 3 s
while the player is open, to follow live/paused/ended); an HLS player sends a random tab
token with it. A viewer counts while its token was seen within the last ``window``
seconds, so the figure lags a leaving viewer by up to that window and counts a tab once
however often it polls. The reverse proxy routes a talk's status to the instance that
owns its stage (``deploy/nginx.conf``), so one instance holds one talk's count.

Memory is bounded: tokens are short and checked, and each talk keeps at most
``max_tokens`` (a flood of invented tokens can inflate the figure, never the memory).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable

TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,40}$")
WINDOW_SECONDS = 30.0
MAX_TOKENS_PER_TALK = 100_000


class HlsAudience:
    """Last-seen times of HLS players per talk; ``count`` is the viewers seen recently."""

    def __init__(
        self,
        window: float = WINDOW_SECONDS,
        max_tokens: int = MAX_TOKENS_PER_TALK,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window = window
        self.max_tokens = max_tokens
        self.clock = clock
        self._seen: dict[int, OrderedDict[str, float]] = {}

    @staticmethod
    def valid_token(token: str) -> bool:
        return bool(TOKEN.match(token))

    def seen(self, session_id: int, token: str) -> None:
        """A player of ``session_id`` in HLS mode polled now (invalid tokens are ignored)."""
        if not self.valid_token(token):
            return
        tokens = self._seen.setdefault(session_id, OrderedDict())
        tokens.pop(token, None)
        tokens[token] = self.clock()  # newest last: expiry pops from the front
        while len(tokens) > self.max_tokens:
            tokens.popitem(last=False)

    def count(self, session_id: int) -> int:
        """HLS viewers of ``session_id`` seen within the window; forgets older ones."""
        tokens = self._seen.get(session_id)
        if not tokens:
            return 0
        oldest = self.clock() - self.window
        while tokens and next(iter(tokens.values())) < oldest:
            tokens.popitem(last=False)
        if not tokens:
            del self._seen[session_id]
            return 0
        return len(tokens)

"""Logged-in users kept in memory between requests.

With the page cache, loading who is logged in was the one statement a logged-in page still
cost: a PostgreSQL round trip of 2–10 ms on a busy machine, most of a cache hit's time.
Entries are dropped when a commit changes accounts, memberships or a domain's
:func:`~fair.changes.identity_table` (who is linked to a speaker; the ``"users"`` tag of
:mod:`fair.changes`), here at once and on other instances through the page cache's hub
channel. Changes no commit of a running instance reports (another program writing the
database, e.g. ``fair retention run``) are seen after :data:`MAX_AGE` at the latest.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from fair.auth import CurrentUser
from fair.changes import USERS

MAX_AGE = 60.0  # seconds
MAX_ENTRIES = 20_000


@dataclass(frozen=True)
class _Entry:
    user: CurrentUser | None  # None: the account is gone or deactivated
    loaded_at: float


class UserCache:
    """User id → :class:`CurrentUser`, bounded (least recently used out)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_age: float = MAX_AGE) -> None:
        self.max_entries = max_entries
        self.max_age = max_age
        self.version = 0
        self._entries: OrderedDict[int, _Entry] = OrderedDict()

    def get(self, user_id: int) -> _Entry | None:
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        if time.monotonic() - entry.loaded_at > self.max_age:
            del self._entries[user_id]
            return None
        self._entries.move_to_end(user_id)
        return entry

    def put(self, user_id: int, user: CurrentUser | None, version: int) -> None:
        """Keep what was loaded, unless a change arrived while it was being loaded."""
        if version != self.version:
            return
        self._entries[user_id] = _Entry(user, time.monotonic())
        self._entries.move_to_end(user_id)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def on_tags(self, tags: frozenset[str]) -> None:
        if USERS in tags:
            self.version += 1
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

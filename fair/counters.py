"""Counters added up in memory and written in batches, off the page's path.

A page view must not cost a database write: under load that write, not the page, was the
limit (one transaction per view), and a page served from the page cache must still be
counted. Domains add to a :class:`BatchedCounts` on every view (cache hits included) and
give it the function that adds a batch to their tables; each process keeps its own sums,
so several processes or instances add up. Readers of the counts call :meth:`flush` first;
other processes' views show up within ``interval``.

The tables they add to hold one row per owner (a booth, a material) and day;
:func:`add_counts` is the one upsert that adds to such a row on both databases.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from fair.app_services import AppServices

log = logging.getLogger(__name__)

Key = TypeVar("Key", bound=Hashable)
BatchWriter = Callable[[AsyncSession, dict[Key, list[int]]], Awaitable[None]]


class BatchedCounts(Generic[Key]):
    """Sums per key (each a list of ``width`` counters), written by ``write`` every
    ``interval`` seconds in one transaction; a failed write keeps them for the next try."""

    def __init__(
        self,
        database: Any,
        write: BatchWriter[Key],
        *,
        name: str,
        width: int = 1,
        interval: float = 1.0,
    ) -> None:
        self.database = database
        self.write = write
        self.name = name
        self.width = width
        self.interval = interval
        self._pending: dict[Key, list[int]] = {}
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def add(self, key: Key, *amounts: int) -> None:
        """Add one amount per counter to ``key``'s sums."""
        sums = self._pending.setdefault(key, [0] * self.width)
        for i, amount in enumerate(amounts):
            sums[i] += amount

    async def flush(self) -> None:
        async with self._lock:
            pending, self._pending = self._pending, {}
            if not pending:
                return
            try:
                async with self.database.session() as db:
                    await self.write(db, pending)
                    await db.commit()
            except Exception:
                for key, amounts in pending.items():  # keep them for the next try
                    self.add(key, *amounts)
                raise

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.flush()
            except Exception:
                log.warning("writing %s failed; retrying", self.name, exc_info=True)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    def run_with(self, services: AppServices) -> None:
        """Start with the app; write what is left when it stops."""

        async def start(_app: object) -> None:
            self.start()

        async def close(_app: object) -> None:
            await self.close()

        services.startup_hooks.append(start)
        services.shutdown_hooks.append(close)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()


async def add_counts(
    db: AsyncSession,
    table: Any,
    counters: Sequence[str],
    day: date,
    increments: Mapping[str, int],
    **owner: int,
) -> None:
    """Add ``increments`` to the row of one owner and ``day`` in a counts table (unique on
    the owner column and ``day``), named by one keyword such as ``booth_id=3``. An upsert,
    so concurrent requests add up instead of overwriting each other."""
    if len(owner) != 1:
        raise TypeError("add_counts takes exactly one owner column, e.g. booth_id=3")
    [(owner_column, owner_id)] = owner.items()
    values = {name: increments.get(name, 0) for name in counters}
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).values({owner_column: owner_id, "day": day, **values})
    statement = statement.on_conflict_do_update(
        index_elements=[owner_column, "day"],
        set_={
            name: getattr(table, name) + getattr(statement.excluded, name)
            for name in counters
            if values[name]
        },
    )
    await db.execute(statement)

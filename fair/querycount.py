"""Count the SQL statements a piece of work runs: the query budget of a page.

Every page renders with at most :data:`PAGE_QUERY_BUDGET` statements, whatever the data
size. :func:`counting_queries` scopes a counter to the current task (a contextvar, which
SQLAlchemy's async greenlets share), and the listener that :func:`install` puts on an
engine adds one per statement. Tests wrap requests in it (``tests/support/query_budget.py``).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

PAGE_QUERY_BUDGET = 4


@dataclass
class QueryCount:
    """Statements run while the counter was active; ``statements`` keeps their SQL."""

    count: int = 0
    statements: list[str] = field(default_factory=list)


_current: contextvars.ContextVar[QueryCount | None] = contextvars.ContextVar(
    "fair_query_count", default=None
)


@contextmanager
def counting_queries() -> Iterator[QueryCount]:
    counter = QueryCount()
    token = _current.set(counter)
    try:
        yield counter
    finally:
        _current.reset(token)


def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    counter = _current.get()
    if counter is not None:
        counter.count += 1
        counter.statements.append(statement)


def install(engine: AsyncEngine) -> None:
    """Count every statement ``engine`` runs for whoever is counting in this task."""
    if not event.contains(engine.sync_engine, "before_cursor_execute", _count):
        event.listen(engine.sync_engine, "before_cursor_execute", _count)

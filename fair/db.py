"""Database engine, sessions and the declarative base shared by all domain packages.

SQLite (aiosqlite) is the embedded default, PostgreSQL (asyncpg) the production
database; the same models and Alembic migrations serve both. Timestamps are stored as
naive UTC (SQLite has no time zone type) and converted to the event's zone on display.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Naive UTC now, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def dialect_insert(db: AsyncSession, table: Any) -> Any:
    """An INSERT of ``table`` in the session's own dialect, which can say what to do ON
    CONFLICT (SQLite and PostgreSQL spell it alike)."""
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    return insert(table)


def create_engine(url: str) -> AsyncEngine:
    kwargs: dict[str, Any] = {}
    if is_sqlite(url):
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["pool_size"] = 10
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers proceed during a write; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """Owns the engine and hands out sessions; one per app."""

    def __init__(self, url: str) -> None:
        from fair.changes import ChangeTracker
        from fair.querycount import install as count_queries

        self.url = url
        self.engine = create_engine(url)
        count_queries(self.engine)
        # A session class of its own, so change listeners see this database's commits only.
        session_class = type("FairSession", (Session,), {})
        self.changes = ChangeTracker(session_class)
        self.sessionmaker = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=session_class
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as db:
            yield db

    @property
    def dialect(self) -> str:
        return "sqlite" if is_sqlite(self.url) else "postgresql"

    async def dispose(self) -> None:
        await self.engine.dispose()


def sync_engine_of(engine: AsyncEngine) -> Engine:
    return engine.sync_engine

"""What a committed transaction changed, as cache tags, for event-driven invalidation.

Every database session (``db``) of a :class:`~fair.db.Database` records the tables its
flushes and ``insert``/``update``/``delete`` statements touch. After the commit (never after a
rollback) the tags go to the database's change listeners; the page cache is one
(``fair.pagecache``) and passes them on to the other instances through the hub.

Tags:

* ``"*"``: a change to anything a page may show (most tables). Every cached page
  carries ``"*"``, so such a change drops them all.
* ``"<table>:<key>"`` for a table declared :func:`row_scoped` (``"chat_messages:<channel>"``,
  the programme's ``"questions:<session id>"``): a row added or changed through the ORM.
  Only pages showing that channel or that session's questions carry these tags, so a busy
  chat does not empty the cache of the hall and the programme.
* ``"<table>"`` for a bulk statement on such a table; it matches every page carrying
  any tag of that table (see :func:`entry_tags`).
* Tables declared :func:`unshown_table` (analytics counters, login failures, contact
  requests) publish nothing.

Each package declares this on its own models (``__table_args__``), so the core names no
table of a domain.
* ``"users"`` besides ``"*"``: a change to accounts or memberships; the in-memory cache of
  logged-in users (``fair.user_cache``) drops its entries on it.
* A statement run with ``execution_options(**UNSHOWN)`` publishes nothing: a counter in a
  table pages do show (a recording's views) must not empty the cache on every view.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

log = logging.getLogger(__name__)

EVERYTHING = "*"
CHANGES_KEY = "fair.changed_tags"
UNSHOWN: dict[str, object] = {"fair_unshown": True}
USERS = "users"
# Who is logged in and what they belong to: changes here also publish :data:`USERS`.
IDENTITY_TABLES = frozenset({"users", "memberships"})
# Keys in a table's ``info`` (see :func:`unshown_table`, :func:`row_scoped`).
CACHE_INFO = "fair.cache"
ROW_KEY_INFO = "fair.cache_row_key"

ChangeListener = Callable[[frozenset[str]], None]


def unshown_table() -> dict[str, Any]:
    """``__table_args__`` of a table no public page shows (counting a visit must not
    re-render the booth): its changes publish nothing."""
    return {"info": {CACHE_INFO: "unshown"}}


def row_scoped(row_key: str | None = None) -> dict[str, Any]:
    """``__table_args__`` of a table whose changes only concern the pages showing the
    changed rows: a row changed through the ORM publishes ``"<table>:<its row_key>"``
    (without ``row_key``, and for bulk statements, ``"<table>"``)."""
    return {"info": {CACHE_INFO: "rows", ROW_KEY_INFO: row_key}}


def table_tag(table: Table) -> str | None:
    """The tag a statement on ``table`` publishes (None: no page shows that table)."""
    kind = table.info.get(CACHE_INFO)
    if kind == "unshown":
        return None
    if kind == "rows":
        return table.name
    return EVERYTHING


def _row_tag(table: Table, obj: Any) -> str | None:
    key = table.info.get(ROW_KEY_INFO)
    return f"{table.name}:{getattr(obj, key)}" if key else None


def entry_tags(tags: Iterable[str]) -> frozenset[str]:
    """The tags a cached page is filed under: ``"*"``, each tag, and the table of each
    row tag (so a bulk statement on the table reaches the page too)."""
    result = {EVERYTHING}
    for tag in tags:
        result.add(tag)
        table, sep, _ = tag.partition(":")
        if sep:
            result.add(table)
    return frozenset(result)


class ChangeTracker:
    """Hooks a session class; calls each listener with the tags of every commit."""

    def __init__(self, session_class: type[Session]) -> None:
        self.listeners: list[ChangeListener] = []
        event.listen(session_class, "after_flush", self._after_flush)
        event.listen(session_class, "do_orm_execute", self._on_execute)
        event.listen(session_class, "after_commit", self._after_commit)
        event.listen(session_class, "after_rollback", self._after_rollback)

    @staticmethod
    def _record(db: Session, tag: str | None) -> None:
        if tag is not None:
            db.info.setdefault(CHANGES_KEY, set()).add(tag)

    def _after_flush(self, db: Session, _flush: UOWTransaction) -> None:
        for obj in (*db.new, *db.dirty, *db.deleted):
            table = getattr(obj, "__table__", None)
            if not isinstance(table, Table):
                continue
            if table.name in IDENTITY_TABLES:
                self._record(db, USERS)
            tag = table_tag(table)
            if tag == table.name:  # row-scoped
                tag = _row_tag(table, obj) or tag
            self._record(db, tag)

    def _on_execute(self, state: ORMExecuteState) -> None:
        if not (state.is_insert or state.is_update or state.is_delete):
            return
        if state.execution_options.get("fair_unshown"):
            return
        table = getattr(state.statement, "table", None)
        if isinstance(table, Table):
            self._record(state.session, table_tag(table))
            if table.name in IDENTITY_TABLES:
                self._record(state.session, USERS)
        else:
            self._record(state.session, EVERYTHING)
            self._record(state.session, USERS)

    def _after_commit(self, db: Session) -> None:
        tags = db.info.pop(CHANGES_KEY, None)
        if not tags:
            return
        frozen = frozenset(tags)
        for listener in self.listeners:
            try:
                listener(frozen)
            except Exception:  # a listener must not turn a done commit into an error
                log.exception("change listener failed")

    def _after_rollback(self, db: Session) -> None:
        db.info.pop(CHANGES_KEY, None)

"""What a committed transaction changed, as cache tags, for event-driven invalidation.

Every database session (``db``) of a :class:`~fair.db.Database` records the tables its
flushes and ``insert``/``update``/``delete`` statements touch. After the commit (never after a
rollback) the tags go to the database's change listeners; the page cache is one
(``fair.pagecache``) and passes them on to the other instances through the hub.

Tags:

* ``"*"``: a change to anything a page may show (most tables). Every cached page
  carries ``"*"``, so such a change drops them all.
* ``"chat_messages:<channel>"``, ``"questions:<session id>"``: a chat message or a
  question added through the ORM. Only pages showing that channel or session's questions
  carry these tags, so a busy chat does not empty the cache of the hall and the programme.
* ``"chat_messages"``, ``"questions"``, ``"question_votes"``: a bulk statement on those
  tables; it matches every page carrying any tag of that table (see :func:`entry_tags`).
* Tables no public page shows (analytics counters, login failures, contact requests)
  publish nothing.
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
# Changes that no public page shows: counting a visit must not re-render the booth.
UNSHOWN_TABLES = frozenset(
    {"booth_daily_stats", "login_failures", "contact_requests", "invitations", "alembic_version"}
    # Appointments: the booking page and the rooms are never cached (forms, secrets).
    | {"appointment_slots", "appointments", "booth_appointment_stats"}
    # When a team member last read their booth's chat: only the unread badge (JSON) shows it.
    | {"booth_chat_seen"}
    # Download counts of a session's slides: only the speakers' (uncached) list shows them.
    | {"session_material_downloads"}
)


def _row_tag(table: str, obj: Any) -> str | None:
    if table == "chat_messages":
        return f"chat_messages:{obj.channel}"
    if table == "questions":
        return f"questions:{obj.session_id}"
    return None


# Tables whose changes only concern the pages that show the changed rows.
ROW_SCOPED_TABLES = frozenset({"chat_messages", "questions", "question_votes"})

ChangeListener = Callable[[frozenset[str]], None]


def table_tag(table: str) -> str | None:
    """The tag a statement on ``table`` publishes (None: no page shows that table)."""
    if table in UNSHOWN_TABLES:
        return None
    if table in ROW_SCOPED_TABLES:
        return table
    return EVERYTHING


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
            table = getattr(getattr(obj, "__table__", None), "name", None)
            if table is None:
                continue
            if table in IDENTITY_TABLES:
                self._record(db, USERS)
            tag = table_tag(table)
            if tag in ROW_SCOPED_TABLES:
                tag = _row_tag(table, obj) or tag
            self._record(db, tag)

    def _on_execute(self, state: ORMExecuteState) -> None:
        if not (state.is_insert or state.is_update or state.is_delete):
            return
        if state.execution_options.get("fair_unshown"):
            return
        table = getattr(state.statement, "table", None)
        if isinstance(table, Table):
            self._record(state.session, table_tag(table.name))
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

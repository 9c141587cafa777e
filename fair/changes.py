"""What a committed transaction changed, as cache tags, for event-driven invalidation.

Every database session (``db``) of a :class:`~fair.db.Database` records the tables its
flushes and ``insert``/``update``/``delete`` statements touch. After the commit (never after a
rollback) the tags go to the database's change listeners; the page cache is one
(``fair.pagecache``) and passes them on to the other instances through the hub.

Tags:

* ``"*"``: a change to anything a page may show (most tables). Every cached page
  carries ``"*"``, so such a change drops them all.
* ``"<scope>:<row>"``: a change to a row of a *row-scoped* table, one declared with
  :func:`row_scoped` (the one declaration for this): ``"chat_messages:<channel>"``, the
  programme's ``"questions:<session id>"``, and the booth tables, whose booth, materials,
  contact persons and search row all share the scope ``booths:<booth id>``. A page that
  shows one such row declares its tag (``page_tags(request, row_tag("booths", 7))``).
  A statement on a scoped table that names no row publishes ``"<scope>"``, which drops
  every page carrying any tag of that scope; statements the ORM cannot see (raw SQL on the
  search index) say what they change with ``execution_options(**changes(...))``. A vote
  (``sessions.qa.upvote``) says it changes ``"questions:<session id>"`` only.
* ``"<scope>:*"`` besides, for a scope declared ``every_page`` (the booths, which most
  pages show): a page that lists every row declares ``"booths:*"``, a page that shows
  none declares :func:`no_rows` (or :data:`NO_ROWS` for every scope), and **a page that
  declares nothing for such a scope is filed under ``"<scope>:*"``**, so it is dropped by
  every change of that scope (:func:`entry_tags`). Other scopes reach only the pages that
  declare one of their rows, so a busy chat does not empty the cache of the hall and the
  programme.
* Tables declared :func:`unshown_table` (analytics counters, login failures, contact
  requests, the audit trail) publish nothing.

Each package declares this on its own models (``__table_args__``), so the core names no
table of a domain.
* ``"users"`` besides ``"*"``: a change to accounts or memberships, or to a table a
  domain declares :func:`identity_table` (the programme's speakers: who is linked to one
  decides :attr:`fair.auth.CurrentUser.own_pages`); the in-memory cache of logged-in users
  (``fair.user_cache``) drops its entries on it.
* A statement run with ``execution_options(**UNSHOWN)`` publishes nothing: a counter in a
  table pages do show (a recording's views) must not empty the cache on every view.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from fair.db import Base

log = logging.getLogger(__name__)

EVERYTHING = "*"
CHANGES_KEY = "fair.changed_tags"
UNSHOWN: dict[str, object] = {"fair_unshown": True}
CHANGES_OPTION = "fair_changes"
ANY_ROW = "*"
NONE_ROW = "-"
# A page that shows no row of any row-scoped table (the programme, the legal pages).
NO_ROWS = "-"
USERS = "users"
# Who is logged in and what they belong to: changes here also publish :data:`USERS`.
IDENTITY_TABLES = frozenset({"users", "memberships"})
# Keys in a table's ``info`` (see :func:`unshown_table`, :func:`row_scoped`).
CACHE_INFO = "fair.cache"
SCOPE_INFO = "fair.cache_scope"
ROW_INFO = "fair.cache_row"
EVERY_PAGE_INFO = "fair.cache_every_page"

ChangeListener = Callable[[frozenset[str]], None]
RowOf = str | Callable[[Any, Session], object]


def unshown_table() -> dict[str, Any]:
    """``__table_args__`` of a table no public page shows (counting a visit must not
    re-render the booth): its changes publish nothing."""
    return {"info": {CACHE_INFO: "unshown"}}


def row_scoped(
    row: RowOf | None = None, *, scope: str | None = None, every_page: bool = False
) -> dict[str, Any]:
    """``__table_args__`` (or ``Table(..., **row_scoped(...))``) of a table whose changes
    concern only the pages showing the changed rows: a change publishes
    ``"<scope>:<row>"``, a bulk statement (or a change whose row is unknown) ``"<scope>"``.

    ``row`` is the attribute holding the row's id in the scope (``"booth_id"``), or a
    function of the changed object and the session returning it (None: unknown, the
    change then reaches every page of the scope). Without ``row`` (an association table)
    only whole-scope changes are published. ``scope`` is shared by several tables (a
    booth, its materials and contact persons are all ``booths:<booth id>``); without it
    the table is its own scope (``"chat_messages:<channel>"``).

    ``every_page``: whether a page that declares nothing about the scope shows its rows
    (the safe default for booths, which most pages list): such a page is then filed under
    ``"<scope>:*"``, and a row's change publishes ``"<scope>:*"`` too. Without it only the
    pages declaring a row carry the scope's tags, so a busy chat does not empty the cache
    of the hall and the programme.
    """
    return {
        "info": {CACHE_INFO: "rows", SCOPE_INFO: scope, ROW_INFO: row, EVERY_PAGE_INFO: every_page}
    }


def _scope_of(table: Table) -> str | None:
    """The scope a row-scoped table publishes under (its own name unless it shares one)."""
    if table.info.get(CACHE_INFO) != "rows":
        return None
    return str(table.info.get(SCOPE_INFO) or table.name)


def row_tag(scope: str, row: object) -> str:
    """The tag of one row of a scope: a page showing it declares it, a change publishes it."""
    return f"{scope}:{row}"


def no_rows(scope: str) -> str:
    """What a page declares that shows no row of ``scope`` (it is then not dropped by them)."""
    return row_tag(scope, NONE_ROW)


def changes(*tags: str) -> dict[str, object]:
    """``execution_options`` of a statement the ORM cannot read (raw SQL): what it changes.
    Row tags publish their scope's ``"<scope>:*"`` too."""
    return {CHANGES_OPTION: tags}


def known_scopes() -> frozenset[str]:
    """The scopes the loaded models declare shown on every page that says nothing about
    them (:func:`row_scoped` with ``every_page``)."""
    return frozenset(
        scope
        for table in Base.metadata.tables.values()
        if table.info.get(EVERY_PAGE_INFO) and (scope := _scope_of(table)) is not None
    )


def published_tags(tag: str) -> set[str]:
    """A change tag and, for a row tag of a scope, the scope's ``"<scope>:*"``: pages
    listing every row of the scope (and pages that declared nothing) carry that."""
    scope, sep, row = tag.partition(":")
    if sep and row and row not in (ANY_ROW, NONE_ROW) and scope in known_scopes():
        return {tag, row_tag(scope, ANY_ROW)}
    return {tag}


def _scoped_changes(scope: str, table: Table, obj: Any, db: Session) -> set[str]:
    row_of = table.info.get(ROW_INFO)
    row = None
    if isinstance(row_of, str):
        row = getattr(obj, row_of, None)
    elif callable(row_of):
        row = row_of(obj, db)
    return {scope} if row is None else published_tags(row_tag(scope, row))


def table_tag(table: Table) -> str | None:
    """The tag a statement on ``table`` publishes (None: no page shows that table)."""
    if table.info.get(CACHE_INFO) == "unshown":
        return None
    return _scope_of(table) or EVERYTHING


def entry_tags(tags: Iterable[str]) -> frozenset[str]:
    """The tags a cached page is filed under: ``"*"``, each tag, and the table of each
    row tag (so a bulk statement on the table reaches the page too).

    The safe default: for every row-scoped table the page declared nothing about, it is
    filed under ``"<scope>:*"``, so any change of that scope drops it. :data:`NO_ROWS`
    declares that the page shows no row of any scope.
    """
    result = {EVERYTHING}
    declared: set[str] = set()
    everything_declared = False
    for tag in tags:
        if tag == NO_ROWS:
            everything_declared = True
            continue
        table, sep, row = tag.partition(":")
        if sep:
            result.add(table)
            declared.add(table)
        if row != NONE_ROW:
            result.add(tag)
    if not everything_declared:
        for scope in known_scopes() - declared:
            result |= {scope, row_tag(scope, ANY_ROW)}
    return frozenset(result)


# Table.info key of a domain's table declared :func:`identity_table`.
IDENTITY_INFO = "fair.identity"


def identity_table() -> dict[str, Any]:
    """``__table_args__`` of a domain's table that decides what the loaded user knows of
    themselves (:class:`fair.auth.CurrentUser`): its changes publish :data:`USERS` too."""
    return {"info": {IDENTITY_INFO: True}}


def _is_identity(table: Table) -> bool:
    return table.name in IDENTITY_TABLES or bool(table.info.get(IDENTITY_INFO))


class ChangeTracker:
    """Hooks a session class; calls each listener with the tags of every commit."""

    def __init__(self, session_class: type[Session]) -> None:
        self.listeners: list[ChangeListener] = []
        event.listen(session_class, "after_flush", self._after_flush)
        event.listen(session_class, "do_orm_execute", self._on_execute)
        event.listen(session_class, "after_commit", self._after_commit)
        event.listen(session_class, "after_rollback", self._after_rollback)

    @staticmethod
    def _record(db: Session, *tags: str | None) -> None:
        found = db.info.setdefault(CHANGES_KEY, set())
        found.update(tag for tag in tags if tag is not None)

    def _after_flush(self, db: Session, _flush: UOWTransaction) -> None:
        for obj in (*db.new, *db.dirty, *db.deleted):
            table = getattr(obj, "__table__", None)
            if not isinstance(table, Table):
                continue
            if _is_identity(table):
                self._record(db, USERS)
            scope = _scope_of(table)
            if scope is not None:
                self._record(db, *_scoped_changes(scope, table, obj, db))
            else:
                self._record(db, table_tag(table))

    def _on_execute(self, state: ORMExecuteState) -> None:
        declared = state.execution_options.get(CHANGES_OPTION)
        if declared is not None:  # the statement says what it changes (raw SQL)
            self._record(state.session, *(t for tag in declared for t in published_tags(tag)))
            return
        if not (state.is_insert or state.is_update or state.is_delete):
            return
        if state.execution_options.get("fair_unshown"):
            return
        table = getattr(state.statement, "table", None)
        if isinstance(table, Table):
            self._record(state.session, table_tag(table))
            if _is_identity(table):
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

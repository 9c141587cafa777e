"""Drafts: programme sessions and booths that organisers prepare and publish at once.

One central rule instead of a filter in every query: each request states who is
looking (:func:`viewing_as`), and every ORM query of the session then loads only what
that viewer may see, through SQLAlchemy's ``with_loader_criteria`` (relationship loads
included). Organisers see every draft; an exhibitor also sees the drafts of their own
organisations' booths; everyone else, and every export and API request, only what is
published. Anonymous pages therefore never contain a draft, so the page cache holds
none. Outside a request (start-up hooks, the CLI, the seed) nothing is filtered.

Packages register their draftable models (:func:`register`), so this module does not
import them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

# Exports and the API show only published parts, whoever asks (in any series, /s/<slug>/…).
PUBLISHED_ONLY = re.compile(r"^(/s/[^/]+)?/(api/|schedule\.)")


@dataclass(frozen=True)
class Viewer:
    sees_all_drafts: bool
    organisation_ids: frozenset[int] = frozenset()


PUBLIC = Viewer(sees_all_drafts=False)
ORGANISER = Viewer(sees_all_drafts=True)

_viewer: ContextVar[Viewer | None] = ContextVar("fair_draft_viewer", default=None)
# model -> its organisation column (or None): the models that have a ``published`` flag
_draftable: dict[type, Any] = {}


def register(model: type, organisation_column: Any = None) -> None:
    """``model`` has a boolean ``published``; members of ``organisation_column``'s
    organisation see its drafts too."""
    _draftable[model] = organisation_column
    _options_for.cache_clear()


def viewer_for(path: str, role: str | None, organisation_ids: frozenset[int]) -> Viewer:
    if PUBLISHED_ONLY.match(path):
        return PUBLIC
    if role == "organiser":
        return ORGANISER
    return Viewer(sees_all_drafts=False, organisation_ids=organisation_ids)


@contextmanager
def viewing_as(viewer: Viewer) -> Iterator[None]:
    token = _viewer.set(viewer)
    try:
        yield
    finally:
        _viewer.reset(token)


def _criteria(model: type, organisation_column: Any, viewer: Viewer) -> Any:
    published = model.published.is_(True)  # type: ignore[attr-defined]
    if organisation_column is not None and viewer.organisation_ids:
        return published | organisation_column.in_(sorted(viewer.organisation_ids))
    return published


@lru_cache(maxsize=1024)
def _options_for(viewer: Viewer) -> tuple[Any, ...]:
    """The criteria options of one viewer, built once: every SELECT of every request
    takes them (a profile of the busiest hour found building them anew per query among
    the web process's costs)."""
    return tuple(
        with_loader_criteria(
            model, _criteria(model, organisation_column, viewer), include_aliases=True
        )
        for model, organisation_column in _draftable.items()
    )


@event.listens_for(Session, "do_orm_execute")
def _hide_drafts(state: ORMExecuteState) -> None:
    viewer = _viewer.get()
    if viewer is None or viewer.sees_all_drafts or not state.is_select:
        return
    options = _options_for(viewer)
    if options:
        state.statement = state.statement.options(*options)

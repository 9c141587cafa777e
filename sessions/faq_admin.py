"""Organisers edit and reorder FAQ entries. An entry is ordered among the entries of its
scope (the whole event, or one session); moving swaps it with its neighbour there, after
numbering the scope afresh so gaps left by deleted entries never make a move a no-op."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fair.errors import not_found
from fair.ordering import Direction, move
from fair.web import clean_text
from sessions.models import FaqEntry
from sessions.qa import MAX_ANSWER, MAX_QUESTION


async def _entry(db: AsyncSession, entry_id: int) -> FaqEntry:
    entry = await db.get(FaqEntry, entry_id)
    if entry is None:
        raise not_found("Eintrag")
    return entry


async def edit_faq(db: AsyncSession, entry_id: int, question: str, answer: str) -> FaqEntry:
    """New wording for an entry; both texts are checked before anything changes."""
    entry = await _entry(db, entry_id)
    new_question = clean_text(question, "question", MAX_QUESTION)
    new_answer = clean_text(answer, "answer", MAX_ANSWER)
    entry.question, entry.answer = new_question, new_answer
    await db.flush()
    return entry


async def move_faq(db: AsyncSession, entry_id: int, direction: Direction) -> None:
    """One place up or down within the entry's scope; at either end nothing moves."""
    entry = await _entry(db, entry_id)
    scope = (
        FaqEntry.session_id.is_(None)
        if entry.session_id is None
        else FaqEntry.session_id == entry.session_id
    )
    siblings = list(
        await db.scalars(select(FaqEntry).where(scope).order_by(FaqEntry.position, FaqEntry.id))
    )
    move(siblings, entry, direction)
    await db.flush()

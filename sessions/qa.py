"""Live Q&A and FAQ: questions under a display name, one upvote per voter, moderation.

Who marks questions (hide, answer, pin): the session's team (:mod:`sessions.team`:
organisers, and the speakers and moderator of that session). Votes count once per voter
key (a random browser token kept in a cookie); hidden questions take no votes. After each
change the page's view marks the session on the :func:`questions_announcer`, which
publishes the new order (coalesced) so every open session page, on every instance,
reorders live.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from fair.auth import CurrentUser, require_user
from fair.changes import changes
from fair.db import Database, dialect_insert, utcnow
from fair.errors import HTTPError, bad_request, not_found
from fair.models import Role
from fair.ratelimit import SlidingWindowLimit
from fair.realtime.announce import Announcer
from fair.realtime.hub import Hub
from fair.web import clean_text
from sessions.models import (
    FaqEntry,
    ProgrammeSession,
    Question,
    QuestionVote,
)
from sessions.states import Phase, phase_of
from sessions.team import require_session_team

MAX_NAME = 80
MAX_QUESTION = 500
MAX_ANSWER = 5000
MAX_LISTED = 200  # questions sent live; a session with more shows the top ones
ACTIONS = ("hide", "show", "answer", "unanswer", "pin", "unpin")


class PostingLimit(SlidingWindowLimit):
    """At most ``per_minute`` questions per client address and minute, on this instance.

    Questions come over plain HTTP (they must work without JavaScript), so this keeps
    one client from flooding a session; chat has its own limits in ``serve_channel``.
    """

    def __init__(self, per_minute: int = 10) -> None:
        super().__init__(
            per_minute, 60, "Zu viele Fragen in kurzer Zeit. Bitte warten Sie eine Minute."
        )


def session_channel(session_id: int) -> str:
    return f"session:{session_id}"


# Every session's stage state (live, ended), for the pages listing many: home, programme.
PROGRAMME_CHANNEL = "programme"


def ordered(questions: list[Question]) -> list[Question]:
    """Pinned first, open before answered, then most votes, then oldest."""
    return sorted(questions, key=lambda q: (not q.pinned, q.answered, -q.votes, q.id))


def question_dict(question: Question) -> dict[str, Any]:
    return {
        "id": question.id,
        "author": question.author_name,
        "body": question.body,
        "votes": question.votes,
        "answered": question.answered,
        "pinned": question.pinned,
        "hidden": question.hidden,
    }


async def session_exists(db: AsyncSession, session_id: int) -> bool:
    found = await db.scalar(select(ProgrammeSession.id).where(ProgrammeSession.id == session_id))
    return found is not None


async def questions_for(
    db: AsyncSession, session_id: int, *, include_hidden: bool = False
) -> list[Question]:
    query = select(Question).where(Question.session_id == session_id)
    if not include_hidden:
        query = query.where(Question.hidden.is_(False))
    return ordered(list((await db.scalars(query)).all()))


async def voted_ids(db: AsyncSession, session_id: int, voter_key: str | None) -> set[int]:
    if not voter_key:
        return set()
    rows = await db.scalars(
        select(QuestionVote.question_id)
        .join(Question, Question.id == QuestionVote.question_id)
        .where(Question.session_id == session_id, QuestionVote.voter_key == voter_key)
    )
    return set(rows.all())


async def require_open(db: AsyncSession, session_id: int, now: datetime | None) -> None:
    """404 for an unknown session; 409 once it is over: its Q&A stays readable, with the
    answered questions kept, but takes no new questions or votes."""
    _refuse_closed(await db.get(ProgrammeSession, session_id), now)


def _refuse_closed(session: ProgrammeSession | None, now: datetime | None) -> None:
    if session is None:
        raise not_found("Programmpunkt")
    if phase_of(session, now or utcnow())[0] in (Phase.ended, Phase.cancelled):
        raise HTTPError(409, "Dieser Programmpunkt ist beendet; die Fragerunde ist geschlossen.")


async def post_question(
    db: AsyncSession,
    session_id: int,
    author_name: str,
    body: str,
    now: datetime | None = None,
) -> Question:
    await require_open(db, session_id, now)
    question = Question(
        session_id=session_id,
        author_name=clean_text(author_name, "author_name", MAX_NAME),
        body=clean_text(body, "body", MAX_QUESTION),
        votes=0,
    )
    db.add(question)
    await db.flush()
    return question


async def _question(db: AsyncSession, session_id: int, question_id: int) -> Question:
    question = await db.get(Question, question_id)
    if question is None or question.session_id != session_id:
        raise not_found("Frage")
    return question


async def upvote(
    db: AsyncSession,
    session_id: int,
    question_id: int,
    voter_key: str,
    now: datetime | None = None,
) -> Question:
    """One vote per voter key; 409 for a second vote, a hidden question or an ended
    session.

    Votes are the busiest write of a talk (ten a second in the busiest-hour benchmark),
    so they take four statements: the session with the question, the vote (a second
    one conflicts and adds nothing), the count, which the update returns.
    """
    if not voter_key or len(voter_key) > 64:
        raise bad_request("voter", "fehlende Browser-Kennung")
    found = (
        await db.execute(
            select(ProgrammeSession, Question)
            .outerjoin(Question, (Question.id == question_id) & (Question.session_id == session_id))
            .where(ProgrammeSession.id == session_id)
        )
    ).first()
    _refuse_closed(found[0] if found else None, now)
    assert found is not None
    question = found[1]
    if question is None:
        raise not_found("Frage")
    if question.hidden:
        raise HTTPError(409, "Diese Frage ist ausgeblendet und nimmt keine Stimmen an.")
    added = await db.scalar(
        dialect_insert(db, QuestionVote)
        .values(question_id=question.id, voter_key=voter_key)
        .on_conflict_do_nothing(index_elements=["question_id", "voter_key"])
        .returning(QuestionVote.id)
    )
    if added is None:
        raise HTTPError(409, "Sie haben für diese Frage schon gestimmt.")
    # The count shows on this talk's pages only: a vote must not drop every talk's page
    # (a bulk statement on questions would publish "questions", 10 times a second under load).
    votes = await db.scalar(
        update(Question)
        .where(Question.id == question.id)
        .values(votes=Question.votes + 1)
        .returning(Question.votes),
        execution_options=changes(f"questions:{session_id}"),
    )
    set_committed_value(question, "votes", votes)
    return question


async def mark_question(
    db: AsyncSession,
    user: CurrentUser | None,
    session_id: int,
    question_id: int,
    action: str,
) -> Question:
    await require_session_team(db, user, session_id)
    if action not in ACTIONS:
        raise bad_request("action", f"eine von {', '.join(ACTIONS)}")
    question = await _question(db, session_id, question_id)
    if action in ("hide", "show"):
        question.hidden = action == "hide"
    elif action in ("answer", "unanswer"):
        question.answered = action == "answer"
    else:
        question.pinned = action == "pin"
    await db.flush()
    return question


async def question_to_faq(
    db: AsyncSession,
    user: CurrentUser | None,
    session_id: int,
    question_id: int,
    answer: str,
    *,
    for_event: bool = False,
) -> FaqEntry:
    """An organiser turns an answered question into an FAQ entry (session or event)."""
    require_user(user, Role.organiser)
    question = await _question(db, session_id, question_id)
    if not question.answered:
        raise HTTPError(409, "Nur beantwortete Fragen können in die häufigen Fragen.")
    return await add_faq(
        db,
        question.body,
        answer,
        session_id=None if for_event else session_id,
        source_question_id=question.id,
    )


async def add_faq(
    db: AsyncSession,
    question: str,
    answer: str,
    *,
    session_id: int | None = None,
    source_question_id: int | None = None,
) -> FaqEntry:
    if session_id is not None and not await session_exists(db, session_id):
        raise not_found("Programmpunkt")
    scope = (
        FaqEntry.session_id.is_(None) if session_id is None else (FaqEntry.session_id == session_id)
    )
    count = len((await db.scalars(select(FaqEntry.id).where(scope))).all())
    entry = FaqEntry(
        session_id=session_id,
        question=clean_text(question, "question", MAX_QUESTION),
        answer=clean_text(answer, "answer", MAX_ANSWER),
        position=count,
        source_question_id=source_question_id,
    )
    db.add(entry)
    await db.flush()
    return entry


async def session_faq_entries(db: AsyncSession) -> list[tuple[FaqEntry, str]]:
    """Every session's FAQ entries with the session title, in programme order."""
    rows = await db.execute(
        select(FaqEntry, ProgrammeSession.title)
        .join(ProgrammeSession, ProgrammeSession.id == FaqEntry.session_id)
        .order_by(ProgrammeSession.starts_at, FaqEntry.position, FaqEntry.id)
    )
    return [(entry, title) for entry, title in rows.tuples()]


async def delete_faq(db: AsyncSession, entry_id: int) -> None:
    entry = await db.get(FaqEntry, entry_id)
    if entry is None:
        raise not_found("Eintrag")
    await db.delete(entry)
    await db.flush()


async def questions_event(db: AsyncSession, session_id: int) -> dict[str, Any]:
    items = (await questions_for(db, session_id))[:MAX_LISTED]
    return {"type": "questions", "session": session_id, "items": [question_dict(q) for q in items]}


def questions_announcer(hub: Hub, database: Database, delay: float = 0.15) -> Announcer:
    """After changes, one ``questions`` event per session and ``delay`` with the latest order."""

    async def build(channel: str) -> dict[str, Any]:
        session_id = int(channel.split(":", 1)[1])
        async with database.session() as db:
            return await questions_event(db, session_id)

    return Announcer(hub, build, delay)

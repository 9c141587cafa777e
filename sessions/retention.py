"""Retention: personal data of the fair is deleted after a set period.

``fair retention run`` (cron-able) deletes contact requests, chat messages, question
authors' names and attendee accounts once the period (``FAIR_RETENTION_DAYS``, default
180) has passed both since the last event day and since the row was written, so data
entered in the archive months later gets its full period too. Contact requests also go
when their own consented period has run out. Running it again removes nothing more
(idempotent); ``dry_run`` counts without deleting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from booths.models import ContactRequest
from fair.formatting import local_to_utc
from fair.models import ChatMessage, EventDay, Role, User
from sessions.models import Question

ANONYMOUS = "–"  # what a question's author name becomes


@dataclass(frozen=True)
class RetentionReport:
    """Rows removed (or, on a dry run, to be removed) per kind."""

    contact_requests: int
    chat_messages: int
    question_names: int
    attendee_accounts: int
    cutoff: datetime | None  # naive UTC: the period after the last day ends here
    dry_run: bool

    def lines(self) -> list[str]:
        verb = "would remove" if self.dry_run else "removed"
        return [
            f"{verb} {self.contact_requests} contact requests",
            f"{verb} {self.chat_messages} chat messages",
            f"{verb} {self.question_names} question authors' names",
            f"{verb} {self.attendee_accounts} attendee accounts",
        ]


async def last_event_day(db: AsyncSession) -> date | None:
    return await db.scalar(select(func.max(EventDay.date)))


def deletion_date(last_day: date | None, days: int) -> date | None:
    """The day personal data of the event is deleted: shown where people enter it."""
    return last_day + timedelta(days=days + 1) if last_day else None


def retention_cutoff(last_day: date | None, days: int, time_zone: str) -> datetime | None:
    """The end of the period after the last event day (naive UTC)."""
    when = deletion_date(last_day, days)
    return local_to_utc(datetime.combine(when, time()), time_zone) if when else None


async def _count(db: AsyncSession, query: Select[int]) -> int:
    return int(await db.scalar(query) or 0)


async def run_retention(
    db: AsyncSession, *, now: datetime, days: int, time_zone: str, dry_run: bool = False
) -> RetentionReport:
    """Delete what is past retention at ``now`` (naive UTC); the caller commits."""
    cutoff = retention_cutoff(await last_event_day(db), days, time_zone)
    written_before = now - timedelta(days=days)
    event_over = cutoff is not None and now >= cutoff

    requests_gone = ContactRequest.expires_at < now
    if event_over:
        requests_gone = or_(requests_gone, ContactRequest.created_at < written_before)
    chat_gone = ChatMessage.created_at < written_before
    names_gone = (Question.created_at < written_before) & (Question.author_name != ANONYMOUS)
    users_gone = (User.role == Role.attendee) & (User.created_at < written_before)

    counts = [
        await _count(db, select(func.count()).select_from(ContactRequest).where(requests_gone)),
        await _count(db, select(func.count()).select_from(ChatMessage).where(chat_gone))
        if event_over
        else 0,
        await _count(db, select(func.count()).select_from(Question).where(names_gone))
        if event_over
        else 0,
        await _count(db, select(func.count()).select_from(User).where(users_gone))
        if event_over
        else 0,
    ]
    if not dry_run:
        await db.execute(delete(ContactRequest).where(requests_gone))
        if event_over:
            await db.execute(delete(ChatMessage).where(chat_gone))
            await db.execute(update(Question).where(names_gone).values(author_name=ANONYMOUS))
            await db.execute(delete(User).where(users_gone))
    return RetentionReport(
        contact_requests=counts[0],
        chat_messages=counts[1],
        question_names=counts[2],
        attendee_accounts=counts[3],
        cutoff=cutoff,
        dry_run=dry_run,
    )

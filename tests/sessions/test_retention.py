"""Retention with a fixed clock removes exactly the expired rows, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from starlette.applications import Starlette

from booths.models import Booth, ContactRequest
from fair.app_services import app_services
from fair.models import ChatMessage, Role, User
from sessions.models import ProgrammeSession, Question
from sessions.retention import ANONYMOUS, run_retention

TZ = "Europe/Berlin"
EVENT_END = datetime(2026, 12, 4, 18, 0)  # the demo fair's last day (UTC, near enough)


def _contact(booth_id: int, created: datetime, expires: datetime, name: str) -> ContactRequest:
    return ContactRequest(
        booth_id=booth_id,
        name=name,
        email=f"{name}@example.org",
        message="Bitte um Rückruf",
        consent_text="Einwilligung",
        purpose="Rückruf",
        retention_days=180,
        created_at=created,
        consented_at=created,
        expires_at=expires,
    )


async def _seed_personal_data(app: Starlette) -> None:
    async with app_services(app).db.session() as db:
        booth_id = await db.scalar(select(Booth.id).limit(1))
        session_id = await db.scalar(select(ProgrammeSession.id).limit(1))
        assert booth_id and session_id
        during = EVENT_END - timedelta(days=2)
        late = EVENT_END + timedelta(days=150)  # written in the archive, months later
        db.add_all(
            [
                _contact(booth_id, during, during + timedelta(days=180), "waehrend"),
                _contact(booth_id, late, late + timedelta(days=180), "spaet"),
                _contact(booth_id, during, during + timedelta(days=10), "kurz"),
                ChatMessage(channel="booth:x", author_name="A", body="Hallo", created_at=during),
                ChatMessage(channel="booth:x", author_name="B", body="Später", created_at=late),
                Question(
                    session_id=session_id, author_name="Ada", body="Frage?", created_at=during
                ),
                Question(session_id=session_id, author_name="Bea", body="Noch?", created_at=late),
                User(
                    email="gast@example.org",
                    name="Gast",
                    role=Role.attendee,
                    created_at=during,
                ),
                User(email="neu@example.org", name="Neu", role=Role.attendee, created_at=late),
            ]
        )
        await db.commit()


async def _remaining(app: Starlette) -> dict[str, object]:
    async with app_services(app).db.session() as db:
        return {
            "contacts": sorted((await db.scalars(select(ContactRequest.name))).all()),
            "chat": sorted((await db.scalars(select(ChatMessage.author_name))).all()),
            "names": sorted((await db.scalars(select(Question.author_name))).all()),
            "attendees": sorted(
                (await db.scalars(select(User.email).where(User.role == Role.attendee))).all()
            ),
        }


async def test_retention_removes_exactly_the_expired_rows(demo_app: Starlette) -> None:
    await _seed_personal_data(demo_app)

    async def run(now: datetime, dry_run: bool = False) -> list[int]:
        async with app_services(demo_app).db.session() as db:
            report = await run_retention(db, now=now, days=180, time_zone=TZ, dry_run=dry_run)
            await db.commit()
        return [
            report.contact_requests,
            report.chat_messages,
            report.question_names,
            report.attendee_accounts,
        ]

    # during the period only the contact request whose own consent ran out goes
    assert await run(EVENT_END + timedelta(days=30)) == [1, 0, 0, 0]
    before = await _remaining(demo_app)
    assert before["contacts"] == ["spaet", "waehrend"]
    # after the period: what was written during the event goes, later data stays
    after = EVENT_END + timedelta(days=200)
    assert await run(after, dry_run=True) == [1, 1, 1, 1]
    assert await _remaining(demo_app) == before  # a dry run deletes nothing
    assert await run(after) == [1, 1, 1, 1]
    assert await _remaining(demo_app) == {
        "contacts": ["spaet"],
        "chat": ["B"],
        "names": sorted([ANONYMOUS, "Bea"]),
        "attendees": ["neu@example.org"],
    }
    assert await run(after) == [0, 0, 0, 0]  # idempotent
    assert await run(EVENT_END + timedelta(days=400)) == [1, 1, 1, 1]
    async with app_services(demo_app).db.session() as db:
        assert await db.scalar(select(func.count()).select_from(Question)) == 2  # kept, nameless


async def test_pages_say_when_personal_data_is_deleted(demo_app: Starlette) -> None:
    from tests.support.app import make_client

    async with make_client(demo_app) as client:
        sessions = (await client.get("/api/sessions")).json()["sessions"]
        page = (await client.get(f"/sessions/{sessions[5]['id']}")).text
        assert "Ihr Name wird 180 Tage nach dem letzten Veranstaltungstag gelöscht" in page
        assert "Chatnachrichten werden 180 Tage nach dem letzten Veranstaltungstag" in page

"""Organisers edit and reorder FAQ entries on /organiser/faq; visitors see the new wording
in the new order on the home page. Bad input is a clear 4xx and changes nothing."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select
from starlette.applications import Starlette

from fair.app_services import app_services
from sessions.models import FaqEntry
from tests.support.app import login
from tests.support.qa import post_from_programme


async def _event_questions(app: Starlette) -> list[tuple[int, str]]:
    async with app_services(app).db.session() as db:
        rows = await db.execute(
            select(FaqEntry.id, FaqEntry.question)
            .where(FaqEntry.session_id.is_(None))
            .order_by(FaqEntry.position, FaqEntry.id)
        )
        return [(int(entry_id), question) for entry_id, question in rows.tuples()]


def _home_order(html: str) -> list[str]:
    return re.findall(r"<summary>(.*?)</summary>", html)


async def test_organiser_edits_and_reorders_the_faq(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    await login(client, "orga@example.org")
    before = await _event_questions(demo_app)
    assert len(before) >= 3
    (first_id, first), (second_id, second) = before[0], before[1]
    admin = await client.get("/organiser/faq")
    assert f'for="faq-question-{first_id}"' in admin.text  # every edit field is labelled
    moved = await post_from_programme(client, "/organiser/faq", move=str(second_id), direction="up")
    assert moved.status_code == 303
    after = await _event_questions(demo_app)
    assert [q for _, q in after[:2]] == [second, first]
    # the top entry cannot go higher; nothing changes
    await post_from_programme(client, "/organiser/faq", move=str(second_id), direction="up")
    assert await _event_questions(demo_app) == after
    # the last one down: unchanged too
    await post_from_programme(client, "/organiser/faq", move=str(after[-1][0]), direction="down")
    assert await _event_questions(demo_app) == after
    edited = await post_from_programme(
        client,
        "/organiser/faq",
        edit=str(first_id),
        question="Wer darf teilnehmen?",
        answer="Alle, **kostenfrei**.",
    )
    assert edited.status_code == 303
    home = await client.get("/")
    order = _home_order(home.text)
    assert order.index(second) < order.index("Wer darf teilnehmen?")
    assert "<strong>kostenfrei</strong>" in home.text


async def test_bad_faq_edits_are_refused_and_change_nothing(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    await login(client, "orga@example.org")
    before = await _event_questions(demo_app)
    entry_id = before[0][0]
    empty = await post_from_programme(
        client, "/organiser/faq", edit=str(entry_id), question="Neu?", answer=" "
    )
    assert empty.status_code == 400 and "answer" in empty.text
    too_long = await post_from_programme(
        client, "/organiser/faq", edit=str(entry_id), question="x" * 501, answer="Ja."
    )
    assert too_long.status_code == 400 and "question" in too_long.text
    sideways = await post_from_programme(
        client, "/organiser/faq", move=str(entry_id), direction="left"
    )
    assert sideways.status_code == 400 and "direction" in sideways.text
    missing = await post_from_programme(client, "/organiser/faq", move="999999", direction="up")
    assert missing.status_code == 404
    assert await _event_questions(demo_app) == before
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=demo_app), base_url="http://testserver"
    ) as visitor:
        refused = await post_from_programme(
            visitor, "/organiser/faq", move=str(entry_id), direction="down"
        )
        assert refused.status_code in (401, 403)
    assert await _event_questions(demo_app) == before

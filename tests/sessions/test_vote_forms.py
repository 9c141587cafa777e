"""Question votes in the right plural form: "0 Stimmen", "1 Stimme", "2 Stimmen" and
"1 vote"/"2 votes" in English, in the server-rendered page (the live list in the browser
chooses the same forms with Intl.PluralRules; see test_stage_window_browser for the stage)."""

from __future__ import annotations

import re

import httpx
from starlette.applications import Starlette

from fair.app_services import app_services
from tests.support.app import make_client
from tests.support.qa import ask, post_from_programme, session_id_of


def _votes_of(html: str, question: str) -> str:
    start = html.index(question)
    match = re.search(r'<span class="qa-votes">([^<]*)</span>', html[start:])
    assert match, "no vote count after the question"
    return match.group(1)


async def test_votes_take_singular_and_plural_in_both_languages(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    session_id = await session_id_of(client)
    question_id = await ask(client, session_id, "Wie viele Stimmen?")
    page = f"/sessions/{session_id}"
    assert _votes_of((await client.get(page)).text, "Wie viele Stimmen?") == "0 Stimmen"
    vote = f"/sessions/{session_id}/questions/{question_id}/vote"
    assert (await post_from_programme(client, vote)).status_code == 303
    assert _votes_of((await client.get(page)).text, "Wie viele Stimmen?") == "1 Stimme"
    await client.get("/lang/en")
    assert _votes_of((await client.get(page)).text, "Wie viele Stimmen?") == "1 vote"
    async with make_client(demo_app) as other:
        assert (await post_from_programme(other, vote)).status_code == 303
    assert _votes_of((await client.get(page)).text, "Wie viele Stimmen?") == "2 votes"
    await client.get("/lang/de")
    assert _votes_of((await client.get(page)).text, "Wie viele Stimmen?") == "2 Stimmen"


async def test_programme_count_in_plural_forms(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    from sqlalchemy import func, select

    from sessions.models import ProgrammeSession

    async with app_services(demo_app).db.session() as db:
        row = (
            await db.execute(
                select(ProgrammeSession.day_id, ProgrammeSession.stage_id)
                .group_by(ProgrammeSession.day_id, ProgrammeSession.stage_id)
                .having(func.count() == 1)
                .limit(1)
            )
        ).first()
    assert row is not None, "the demo fair has a stage with one talk on some day"
    one = f"/programme?day={row[0]}&stage={row[1]}"
    assert '<p class="lead">1 Programmpunkt ·' in (await client.get(one)).text
    assert re.search(r'<p class="lead">\d+ Programmpunkte ·', (await client.get("/programme")).text)
    await client.get("/lang/en")
    assert '<p class="lead">1 session ·' in (await client.get(one)).text
    assert re.search(r'<p class="lead">\d+ sessions ·', (await client.get("/programme")).text)

"""Q&A, chat, presence and FAQ: rules over HTTP on SQLite and PostgreSQL, then live behaviour
against real uvicorn servers with websockets clients, and two app instances sharing one
database and one redis-server."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from fair.app_services import app_services
from sessions.app_parts import programme_parts
from sessions.sockets import ENDED_TALK_CHAT
from tests.support.app import csrf_of, login
from tests.support.qa import (
    ask,
    first_booth_slug,
    http_to,
    next_event,
    post_from_programme,
    serving_app,
    session_id_of,
    socket,
    two_sockets,
    ws_url,
)
from tests.support.realtime import Instance, closed_with


async def test_question_as_plain_form_post_without_js(client: httpx.AsyncClient) -> None:
    session_id = await session_id_of(client)
    page = await client.get(f"/sessions/{session_id}")
    assert f'action="/sessions/{session_id}/questions"' in page.text
    assert '<label for="qa-body">' in page.text and "fair_voter" in page.headers["set-cookie"]
    token = await csrf_of(client, f"/sessions/{session_id}")
    response = await client.post(
        f"/sessions/{session_id}/questions",
        data={"csrf_token": token, "author_name": "Grace", "body": "Wie <b>sicher</b> ist das?"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/sessions/{session_id}#qa"
    page = await client.get(f"/sessions/{session_id}")
    assert "Wie &lt;b&gt;sicher&lt;/b&gt; ist das?" in page.text and "Grace" in page.text
    empty = await client.post(
        f"/sessions/{session_id}/questions",
        data={"csrf_token": token, "author_name": "Grace", "body": "   "},
    )
    assert empty.status_code == 400 and "body" in empty.text
    long = await client.post(
        f"/sessions/{session_id}/questions",
        data={"csrf_token": token, "author_name": "Grace", "body": "x" * 501},
    )
    assert long.status_code == 400 and "500" in long.text
    no_csrf = await client.post(
        f"/sessions/{session_id}/questions", data={"author_name": "G", "body": "Frage"}
    )
    assert no_csrf.status_code == 403
    unknown = await client.post(
        "/sessions/999999/questions",
        data={"csrf_token": token, "author_name": "G", "body": "Frage"},
    )
    assert unknown.status_code == 404


async def test_votes_count_once_and_hidden_questions_take_none(
    client: httpx.AsyncClient, demo_app: Any
) -> None:
    session_id = await session_id_of(client)
    first = await ask(client, session_id, "Erste Frage")
    second = await ask(client, session_id, "Zweite Frage")
    vote = f"/sessions/{session_id}/questions/{second}/vote"
    assert (await post_from_programme(client, vote)).status_code == 303
    again = await post_from_programme(client, vote)
    assert again.status_code == 409 and "schon gestimmt" in again.text
    other = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=demo_app), base_url="http://testserver"
    )
    async with other:
        assert (await post_from_programme(other, vote)).status_code == 303
    page = (await client.get(f"/sessions/{session_id}")).text
    assert page.index("Zweite Frage") < page.index("Erste Frage")  # more votes first
    # The organiser pins the first and hides the second; the hidden one takes no votes.
    await login(client, "orga@example.org")
    moderate = f"/sessions/{session_id}/questions/{{}}/moderate"
    assert (
        await post_from_programme(client, moderate.format(first), action="pin")
    ).status_code == 303
    assert (
        await post_from_programme(client, moderate.format(second), action="hide")
    ).status_code == 303
    assert (
        await post_from_programme(client, moderate.format(second), action="explode")
    ).status_code == 400
    hidden_vote = await post_from_programme(
        client, f"/sessions/{session_id}/questions/{second}/vote"
    )
    assert hidden_vote.status_code == 409 and "ausgeblendet" in hidden_vote.text
    wrong_session = await post_from_programme(
        client, f"/sessions/{session_id + 1}/questions/{first}/vote"
    )
    assert wrong_session.status_code == 404
    api = await client.get(f"/sessions/{session_id}")
    assert "Ausgeblendete Fragen (1)" in api.text


async def test_a_vote_answers_with_the_count_it_made_and_names_what_is_missing(
    client: httpx.AsyncClient, demo_app: Any
) -> None:
    """A vote is three statements (sessions.qa.upvote): the count in the answer is the
    one the update returned, a repeated vote adds nothing, a missing session or question
    is named."""
    session_id = await session_id_of(client)
    question = await ask(client, session_id, "Wie viele?")
    token = await csrf_of(client, "/programme")
    as_json = {"Accept": "application/json", "X-CSRF-Token": token}
    counts = []
    for _ in range(3):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=demo_app), base_url="http://testserver"
        ) as voter:
            voter_token = await csrf_of(voter, "/programme")
            answer = await voter.post(
                f"/sessions/{session_id}/questions/{question}/vote",
                headers={"Accept": "application/json", "X-CSRF-Token": voter_token},
            )
            assert answer.status_code == 200, answer.text
            counts.append(answer.json()["question"]["votes"])
    assert counts == [1, 2, 3]
    first = await client.post(f"/sessions/{session_id}/questions/{question}/vote", headers=as_json)
    assert first.status_code == 200 and first.json()["question"]["votes"] == 4
    again = await client.post(f"/sessions/{session_id}/questions/{question}/vote", headers=as_json)
    assert again.status_code == 409 and "schon gestimmt" in again.text
    missing = await client.post(f"/sessions/{session_id}/questions/999999/vote", headers=as_json)
    assert missing.status_code == 404 and "Frage" in missing.text
    no_session = await client.post(f"/sessions/999999/questions/{question}/vote", headers=as_json)
    assert no_session.status_code == 404 and "Programmpunkt" in no_session.text
    listed = (await client.get(f"/sessions/{session_id}")).text
    assert "Wie viele?" in listed


async def test_who_may_moderate(client: httpx.AsyncClient) -> None:
    session_id = await session_id_of(client)  # Dr. Katharina Wellmann speaks here
    question = await ask(client, session_id, "Moderieren?")
    path = f"/sessions/{session_id}/questions/{question}/moderate"
    assert (await post_from_programme(client, path, action="answer")).status_code == 401
    await login(client, "aussteller.krz@example.org")
    assert (await post_from_programme(client, path, action="answer")).status_code == 403
    await login(client, "ana.ribeiro@example.com")  # a speaker, but of another session
    assert (await post_from_programme(client, path, action="answer")).status_code == 403
    await login(client, "katharina.wellmann@example.org")
    page = await client.get(f"/sessions/{session_id}")
    assert 'data-session-team="1"' in page.text
    assert (await post_from_programme(client, path, action="answer")).status_code == 303
    # Only organisers turn answered questions into FAQ entries.
    faq = f"/sessions/{session_id}/questions/{question}/faq"
    assert (await post_from_programme(client, faq, answer="So.")).status_code == 403


async def test_answered_questions_become_faq_entries(client: httpx.AsyncClient) -> None:
    session_id = await session_id_of(client)
    open_question = await ask(client, session_id, "Noch offen?")
    answered = await ask(client, session_id, "Gibt es die Folien?")
    event_wide = await ask(client, session_id, "Wird aufgezeichnet?")
    await login(client, "orga@example.org")
    base = f"/sessions/{session_id}/questions"
    refused = await post_from_programme(client, f"{base}/{open_question}/faq", answer="Später.")
    assert refused.status_code == 409
    for question in (answered, event_wide):
        await post_from_programme(client, f"{base}/{question}/moderate", action="answer")
    assert (
        await post_from_programme(client, f"{base}/{answered}/faq", answer="Ja, am **Stand**.")
    ).status_code == 303
    assert (
        await post_from_programme(client, f"{base}/{event_wide}/faq", answer="Ja.", scope="event")
    ).status_code == 303
    page = (await client.get(f"/sessions/{session_id}")).text
    assert "<summary>Gibt es die Folien?</summary>" in page
    assert "<strong>Stand</strong>" in page
    home = (await client.get("/")).text
    assert "<summary>Wird aufgezeichnet?</summary>" in home
    admin = await client.get("/organiser/faq")
    assert admin.status_code == 200 and "Wird aufgezeichnet?" in admin.text
    added = await post_from_programme(
        client, "/organiser/faq", question="Wo parken?", answer="Online."
    )
    assert added.status_code == 303
    assert "<summary>Wo parken?</summary>" in (await client.get("/")).text
    for_session = await post_from_programme(
        client, "/organiser/faq", question="Folien?", answer="Ja.", session_id=str(session_id)
    )
    assert for_session.status_code == 303
    assert "<summary>Folien?</summary>" in (await client.get(f"/sessions/{session_id}")).text
    assert "<summary>Folien?</summary>" not in (await client.get("/")).text
    admin = await client.get("/organiser/faq")
    assert "Gibt es die Folien?" in admin.text and 'for="faq-session"' in admin.text


# --- live: real uvicorn, real WebSocket clients ------------------------------------------


def questions(event: dict[str, Any]) -> list[str]:
    return [q["body"] for q in event["items"]]


async def test_questions_reorder_live_on_every_client(live: Instance) -> None:
    async with http_to(live) as http:
        session_id = await session_id_of(http)
        path = f"/ws/sessions/{session_id}"
        clients = [await socket(live, path) for _ in range(3)]
        try:
            await clients[0].send(json.dumps({"type": "hello"}))
            hello = await next_event(clients[0], lambda e: e["type"] == "questions")
            assert hello["items"] == []
            await ask(http, session_id, "Warum?")
            second = await ask(http, session_id, "Wie viel kostet das?")
            for client in clients:
                event = await next_event(client, lambda e: len(e.get("items", ())) == 2)
                assert questions(event) == ["Warum?", "Wie viel kostet das?"]
            voters = [httpx.AsyncClient(base_url=str(http.base_url)) for _ in range(2)]
            for voter in voters:
                async with voter:
                    response = await post_from_programme(
                        voter, f"/sessions/{session_id}/questions/{second}/vote"
                    )
                    assert response.status_code == 303
            for client in clients:
                event = await next_event(
                    client, lambda e: e["type"] == "questions" and e["items"][0]["votes"] == 2
                )
                assert questions(event) == ["Wie viel kostet das?", "Warum?"]
        finally:
            for client in clients:
                await client.close()


async def test_chat_history_and_presence(live: Instance) -> None:
    async with http_to(live) as http:
        session_id = await session_id_of(http)
        path = f"/ws/sessions/{session_id}"
        async with socket(live, path) as ada:
            await next_event(ada, lambda e: e == {"type": "presence", "count": 1})
            async with socket(live, path) as bob:
                for client in (ada, bob):
                    await next_event(client, lambda e: e == {"type": "presence", "count": 2})
                await ada.send(json.dumps({"type": "chat", "name": "Ada", "text": "Hallo <i>"}))
                for client in (ada, bob):
                    event = await next_event(client, lambda e: e["type"] == "chat")
                    assert (event["author"], event["text"]) == ("Ada", "Hallo <i>")
                await bob.send(json.dumps({"type": "chat", "name": "Bob", "text": "  "}))
                error = await next_event(bob, lambda e: e["type"] == "error")
                assert "text" in error["message"]
            await next_event(ada, lambda e: e == {"type": "presence", "count": 1})
        page = (await http.get(f"/sessions/{session_id}")).text
        assert "<strong>Ada</strong>: Hallo &lt;i&gt;" in page


async def test_booth_chat(live: Instance) -> None:
    slug = await first_booth_slug(live)
    async with two_sockets(live, f"/ws/booths/{slug}") as (one, two):
        await one.send(json.dumps({"type": "chat", "name": "Ada", "text": "Am Stand"}))
        event = await next_event(two, lambda e: e["type"] == "chat")
        assert event["text"] == "Am Stand"
        # The product's stack (every middleware) lets the fan-out write one prepared
        # frame to both transports (fair/realtime/rawframes.py).
        hub = app_services(live.server.config.app).hub
        members = [
            m for f in hub.fanouts.values() for m in f._members.values() if f.channel.endswith(slug)
        ]
        assert len(members) == 2 and all(m.raw is not None for m in members), members
    async with socket(live, "/ws/booths/no-such-booth") as gone:
        assert await closed_with(gone) == (4404, "unknown booth")


async def test_booth_chat_is_read_only_in_archive_mode(
    demo_database_url: str, tmp_path: Path
) -> None:
    """After the last day a chat frame over the socket is refused to its sender, reaches no
    one else and is not stored; the socket stays open (reading and presence go on)."""
    from sqlalchemy import func, select

    from booths.channels import booth_channel
    from fair.db import create_engine
    from fair.models import ChatMessage

    with serving_app(demo_database_url, tmp_path, today="2026-12-10T12:00") as archived:
        slug = await first_booth_slug(archived)
        async with two_sockets(archived, f"/ws/booths/{slug}") as (one, two):
            await one.send(json.dumps({"type": "chat", "name": "Ada", "text": "Noch da?"}))
            error = await next_event(one, lambda e: e["type"] == "error")
            assert "nur noch lesbar" in error["message"]
            async with socket(archived, f"/ws/booths/{slug}?lang=en") as english:
                await english.send(json.dumps({"type": "chat", "name": "Ada", "text": "Hi?"}))
                error = await next_event(english, lambda e: e["type"] == "error")
                assert "can only be read" in error["message"], error
            await one.send(json.dumps({"type": "hello"}))  # still open after the refusal
            await next_event(one, lambda e: e["type"] == "presence")
            with pytest.raises(TimeoutError):
                await next_event(two, lambda e: e["type"] == "chat", timeout=0.5)
    engine = create_engine(demo_database_url)
    try:
        async with engine.connect() as connection:
            stored = await connection.scalar(
                select(func.count())
                .select_from(ChatMessage)
                .where(ChatMessage.channel == booth_channel(slug))
            )
    finally:
        await engine.dispose()
    assert stored == 0


@pytest.mark.parametrize(
    ("frames", "code", "reason"),
    [
        (["not json{"], 1007, "invalid JSON"),
        ([b"\x00\x01"], 1003, "text frames only"),
        ([json.dumps({"type": "chat", "name": "A", "text": "x" * 5000})], 1009, "larger"),
        # a flood: past the burst and its backlog allowance, and on through the refusals
        ([json.dumps({"type": "hello"})] * 30, 1008, "rate limit"),
        ([json.dumps({"type": "shout"})], 1008, "unknown message type"),
        ([json.dumps({"type": "chat", "name": 3, "text": []})], 1008, "strings"),
    ],
    ids=["garbage", "binary", "oversized", "too-fast", "unknown-type", "wrong-types"],
)
async def test_bad_websocket_input_closes_only_the_offender(
    live: Instance, frames: list[str | bytes], code: int, reason: str
) -> None:
    async with http_to(live) as http:
        session_id = await session_id_of(http)
    path = f"/ws/sessions/{session_id}"
    async with two_sockets(live, path) as (good, bad):
        for frame in frames:
            await bad.send(frame)
        closed = await closed_with(bad)
        assert closed[0] == code and reason in closed[1]
        await good.send(json.dumps({"type": "chat", "name": "Good", "text": "still here"}))
        event = await next_event(good, lambda e: e["type"] == "chat")
        assert event["text"] == "still here"


async def test_unknown_session_and_foreign_origin_are_refused(live: Instance) -> None:
    async with socket(live, "/ws/sessions/999999") as unknown:
        assert await closed_with(unknown) == (4404, "unknown session")
    async with socket(live, "/ws/sessions/%C2%B2") as garbage:
        assert await closed_with(garbage) == (4404, "unknown session")
    async with connect(
        ws_url(live, "/ws/sessions/1"), compression=None, origin="http://evil.example"
    ) as foreign:
        assert await closed_with(foreign) == (1008, "foreign origin")


async def test_two_instances_share_qa_and_chat_through_redis(
    demo_database_url: str, tmp_path: Path, redis_url: str
) -> None:
    with (
        serving_app(demo_database_url, tmp_path / "a", redis_url=redis_url) as a,
        serving_app(demo_database_url, tmp_path / "b", redis_url=redis_url) as b,
    ):
        async with http_to(a) as on_a:
            session_id = await session_id_of(on_a)
            path = f"/ws/sessions/{session_id}"
            async with (
                socket(b, path) as watcher_b,
                socket(a, path) as watcher_a,
            ):
                # Presence counts people on both instances.
                await next_event(watcher_b, lambda e: e == {"type": "presence", "count": 2})
                await ask(on_a, session_id, "Gefragt auf A, gesehen auf B?")
                event = await next_event(watcher_b, lambda e: e["type"] == "questions")
                assert questions(event) == ["Gefragt auf A, gesehen auf B?"]
                await watcher_b.send(json.dumps({"type": "chat", "name": "B", "text": "hi A"}))
                chat = await next_event(watcher_a, lambda e: e["type"] == "chat")
                assert chat["text"] == "hi A"
            # Both instances read the same database: B's page shows A's question.
            async with http_to(b) as on_b:
                page = (await on_b.get(f"/sessions/{session_id}")).text
                assert re.search(r"Gefragt auf A, gesehen auf B\?", page)


async def test_bursts_of_changes_are_coalesced(live: Instance) -> None:
    """Eight questions in quick succession reach a watcher as a few lists, the last complete."""
    async with http_to(live) as http:
        session_id = await session_id_of(http)
        async with socket(live, f"/ws/sessions/{session_id}") as ws:
            token = await csrf_of(http, f"/sessions/{session_id}")
            posts = [
                http.post(
                    f"/sessions/{session_id}/questions",
                    data={"csrf_token": token, "author_name": "Ada", "body": f"Frage {n}"},
                )
                for n in range(8)
            ]
            assert {r.status_code for r in await asyncio.gather(*posts)} == {303}
            lists = []
            event = await next_event(ws, lambda e: e["type"] == "questions")
            lists.append(event)
            while len(event["items"]) < 8:
                event = await next_event(ws, lambda e: e["type"] == "questions")
                lists.append(event)
            assert len(lists) <= 4


async def test_booth_chat_partial_renders(demo_app: Any) -> None:
    """The box a booth page includes: channel URL, labelled inputs, history as text."""
    from starlette.requests import Request

    from booths.channels import booth_channel
    from booths.models import Booth
    from fair.chat import post_chat, recent_messages

    async with app_services(demo_app).db.session() as db:
        from sqlalchemy import select

        booth = await db.scalar(select(Booth).limit(1))
        assert booth is not None
        await post_chat(db, booth_channel(booth.slug), "Ada", "<script>x</script>")
        await db.commit()
        messages = await recent_messages(db, booth_channel(booth.slug))
    scope = {"type": "http", "session": {}, "headers": [], "query_string": b"", "path": "/"}
    html = app_services(demo_app).templates.render(
        Request(scope), "booths/_chat.html", {"booth": booth, "booth_messages": messages}
    )
    assert f'data-channel-url="/ws/booths/{booth.slug}"' in html
    assert '<label for="chat-text">' in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html


async def test_question_flood_from_one_client_gets_429(
    client: httpx.AsyncClient, demo_app: Any
) -> None:
    from sessions.qa import PostingLimit

    programme_parts(demo_app).question_limit = PostingLimit(per_minute=2)
    session_id = await session_id_of(client)
    await ask(client, session_id, "Eins")
    await ask(client, session_id, "Zwei")
    token = await csrf_of(client, f"/sessions/{session_id}")
    third = await client.post(
        f"/sessions/{session_id}/questions",
        data={"csrf_token": token, "author_name": "Ada", "body": "Drei"},
    )
    assert third.status_code == 429 and "Zu viele Fragen" in third.text
    page = (await client.get(f"/sessions/{session_id}")).text
    assert "Zwei" in page and "Drei" not in page


async def test_a_talks_chat_is_read_only_after_the_moderator_ends_it(live: Instance) -> None:
    """The session page closes its chat form when the talk ends; the server agrees: a chat
    frame after the end is refused to its sender and reaches no one else."""
    async with http_to(live) as http:
        session_id = await session_id_of(http)
        path = f"/ws/sessions/{session_id}"
        async with two_sockets(live, path) as (ada, bob):
            await ada.send(json.dumps({"type": "chat", "name": "Ada", "text": "Vorher"}))
            await next_event(bob, lambda e: e["type"] == "chat")
            async with httpx.AsyncClient(base_url=str(http.base_url)) as organiser:
                await login(organiser, "orga@example.org")
                ended = await post_from_programme(organiser, f"/sessions/{session_id}/live/end")
                assert ended.status_code == 303
            await next_event(bob, lambda e: e == {"type": "session_state", "state": "ended"})
            await ada.send(json.dumps({"type": "chat", "name": "Ada", "text": "Nachher"}))
            error = await next_event(ada, lambda e: e["type"] == "error")
            assert error["message"] == ENDED_TALK_CHAT
            with pytest.raises(TimeoutError):
                await next_event(bob, lambda e: e["type"] == "chat", timeout=0.5)
        page = (await http.get(f"/sessions/{session_id}")).text
        assert "Vorher" in page and "Nachher" not in page
        assert "data-chat-closed" in page and "data-chat-form" not in page
        assert "data-qa-form" not in page

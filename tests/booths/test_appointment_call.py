"""The appointment call against real parts: two uvicorn processes sharing one SQLite
database and one redis-server, WebSocket clients, and Debian Chromium with fake cameras.

The visitor books and joins on instance A, the expert joins from the dashboard on
instance B: signalling crosses Redis, media goes browser to browser, or, relayed through
the server, to the one instance that owns the call's relay room.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from booths import appointments as service
from booths.queries import get_booth
from fair.db import Database
from tests.support.app import TemplateDatabases
from tests.support.app_server import AppServer, start_app_server
from tests.support.appointment_helpers import (
    CALL_STATE,
    OWN,
    RELAYED_FRAMES,
    book,
    booked_at,
    fair_clock_now,
    frames_advance,
    logged_in_expert,
    slot_at,
    slots_at,
    staff_cookie,
)
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass
class Fair:
    a: AppServer
    b: AppServer
    database_url: str
    free_slot: int  # starts in 3 minutes: the browser test books it through the form
    now_token: str  # booked, room open
    now_id: int
    later_token: str  # booked, room not yet open


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def fair(
    template_databases: TemplateDatabases,
    tmp_path_factory: pytest.TempPathFactory,
    redis: RedisServer,
) -> AsyncIterator[Fair]:
    url = await template_databases.sqlite(seeded=True)
    (free,) = await slots_at(url, OWN, timedelta(minutes=3))
    (now_token, now_id), (later_token, _) = await booked_at(
        url, OWN, timedelta(minutes=2), timedelta(days=1)
    )
    env = {"FAIR_REDIS_URL": redis.url, "FAIR_LIVE_WORKER": "false"}
    a = start_app_server(tmp_path_factory.mktemp("call-a"), url, extra_env=env)
    b = start_app_server(tmp_path_factory.mktemp("call-b"), url, extra_env=env)
    try:
        yield Fair(a, b, url, free, now_token, now_id, later_token)
    finally:
        a.stop()
        b.stop()


def ws_url(server: AppServer, path: str) -> str:
    return server.base_url.replace("http://", "ws://") + path


async def receive_until(
    ws: ClientConnection, kind: str, timeout: float = 5.0, not_from: str = "", to: str = ""
) -> dict[str, Any]:
    """The next event of ``kind`` (skipping the echo of one's own ``join``)."""
    async with asyncio.timeout(timeout):
        while True:
            for event in json.loads(await ws.recv()):
                if event.get("type") != kind or (to and event.get("to") != to):
                    continue
                if not not_from or event.get("peer") != not_from:
                    return dict(event)


async def closed_with(ws: ClientConnection, timeout: float = 5.0) -> int:
    async with asyncio.timeout(timeout):
        try:
            while True:
                await ws.recv()
        except ConnectionClosed as closed:
            assert closed.rcvd is not None
            return closed.rcvd.code


async def test_signalling_crosses_instances_and_stamps_the_sender(fair: Fair) -> None:
    cookie = await staff_cookie(fair.b)
    async with (
        connect(ws_url(fair.a, f"/ws/appointments/{fair.now_token}")) as visitor,
        connect(
            ws_url(fair.b, f"/ws/exhibitor/appointments/{fair.now_id}"),
            additional_headers={"Cookie": cookie},
        ) as expert,
    ):
        await visitor.send(json.dumps({"type": "hello"}))
        me = (await receive_until(visitor, "welcome"))["peer"]
        await expert.send(json.dumps({"type": "hello"}))
        them = (await receive_until(expert, "welcome"))["peer"]
        joined = await receive_until(visitor, "join", not_from=me)
        assert joined["peer"] == them and joined["role"] == "team"
        await visitor.send(json.dumps({"type": "here", "to": them}))
        here = await receive_until(expert, "here")
        assert here == {"type": "here", "from": me, "to": them}
        offer = {"type": "offer", "sdp": "v=0\r\n"}
        await visitor.send(json.dumps({"type": "signal", "to": them, "description": offer}))
        signal = await receive_until(expert, "signal", to=them)
        assert signal["from"] == me and signal["description"] == offer
        # the size of Chrome's offer after a few screen shares (microphone, camera and
        # three more video sections, candidates inside): relayed, not refused
        grown = {"type": "offer", "sdp": "v=0\r\n" + "a=rtcp-fb:96 nack\r\n" * 1000}
        assert 18_000 < len(grown["sdp"]) < 20_000
        await visitor.send(json.dumps({"type": "signal", "to": them, "description": grown}))
        signal = await receive_until(expert, "signal", to=them)
        assert signal["description"] == grown
        candidate = {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0"}
        # a spoofed sender is overwritten by the server
        forged = {"type": "signal", "to": me, "from": me, "candidate": candidate}
        await expert.send(json.dumps(forged))
        got = await receive_until(visitor, "signal", to=me)
        assert got["from"] == them and got["candidate"]["candidate"] == candidate["candidate"]
    async with httpx.AsyncClient(base_url=fair.a.base_url) as client:
        await asyncio.sleep(0.2)
        assert (await client.get("/healthz")).status_code == 200
    database = Database(fair.database_url)
    try:
        async with database.session() as db:
            totals = await service.totals_for_booths(db, [(await get_booth(db, OWN)).id])
    finally:
        await database.dispose()
    assert next(iter(totals.values()))["held"] == 1


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/ws/appointments/forged-token", 4404),
        ("/ws/appointments/{later}", 4410),
        ("/ws/exhibitor/appointments/{now_id}", 4403),  # not logged in
        ("/ws/exhibitor/appointments/999999", 4404),
    ],
)
async def test_room_socket_refuses(fair: Fair, path: str, code: int) -> None:
    path = path.format(later=fair.later_token, now_id=fair.now_id)
    async with connect(ws_url(fair.a, path)) as ws:
        assert await closed_with(ws) == code


async def test_open_connections_are_closed_when_the_room_closes(fair: Fair) -> None:
    """Times are on the servers' fair clock (``FAIR_TODAY``), not the wall clock."""
    database = Database(fair.database_url)
    try:
        # ended 15 minutes minus 3 seconds ago: the grace period runs out in 3 s
        ending = await slot_at(database, OWN, timedelta(minutes=-45, seconds=3), minutes=30)
        # its grace ran out a minute ago: the room is closed to newcomers
        over = await slot_at(database, OWN, timedelta(minutes=-46), minutes=30)
    finally:
        await database.dispose()
    before = fair_clock_now() - timedelta(hours=2)
    token, _ = await book(fair.database_url, ending, now=before)
    over_token, _ = await book(fair.database_url, over, now=before)
    async with connect(ws_url(fair.a, f"/ws/appointments/{token}")) as ws:
        await ws.send(json.dumps({"type": "hello"}))
        await receive_until(ws, "welcome")
        assert await closed_with(ws, timeout=10) == 4410
    async with connect(ws_url(fair.a, f"/ws/appointments/{over_token}")) as late:
        assert await closed_with(late) == 4410


PEER = "0" * 12
HUGE = {"type": "signal", "to": PEER, "description": {"sdp": "x" * 50_000}}
LONG_SDP = {"type": "signal", "to": PEER, "description": {"type": "offer", "sdp": "x" * 40_001}}


@pytest.mark.parametrize(
    ("messages", "code"),
    [
        ([json.dumps(HUGE)], 1009),
        ([json.dumps(LONG_SDP)], 1008),
        ([json.dumps({"type": "signal", "to": "everyone", "candidate": {"candidate": "x"}})], 1008),
        ([json.dumps({"type": "signal", "to": "0" * 12})], 1008),
        ([json.dumps({"type": "record"})], 1008),
        ([json.dumps({"type": "here", "to": "0" * 12})] * 600, 1008),  # flood
        (["not json"], 1007),
    ],
)  # fmt: skip
async def test_bad_signalling_closes_only_the_sender(
    fair: Fair, messages: list[str], code: int
) -> None:
    async with (
        connect(ws_url(fair.a, f"/ws/appointments/{fair.now_token}")) as bystander,
        connect(ws_url(fair.a, f"/ws/appointments/{fair.now_token}")) as sender,
    ):
        await bystander.send(json.dumps({"type": "hello"}))
        await receive_until(bystander, "welcome")
        for message in messages:
            try:
                await sender.send(message)
            except ConnectionClosed:
                break
        assert await closed_with(sender) == code
        await bystander.send(json.dumps({"type": "hello"}))
        assert (await receive_until(bystander, "welcome"))["peer"]


async def test_room_holds_at_most_four(fair: Fair) -> None:
    url = ws_url(fair.a, f"/ws/appointments/{fair.now_token}")
    sockets = [await connect(url) for _ in range(4)]
    try:
        for ws in sockets:
            await ws.send(json.dumps({"type": "hello"}))
            await receive_until(ws, "welcome")
        await asyncio.sleep(0.5)  # presence is written to Redis
        async with connect(ws_url(fair.b, f"/ws/appointments/{fair.now_token}")) as fifth:
            assert await closed_with(fifth) == 4409
    finally:
        for ws in sockets:
            await ws.close()


# --------------------------------------------------------------------------- Chromium

REMOTE_FRAMES = """() => [...document.querySelectorAll('.call-tile:not(.call-self) video')]
  .filter((v) => v.srcObject && v.videoWidth > 0)
  .map((v) => v.getVideoPlaybackQuality().totalVideoFrames)"""


VISIBLE_REMOTE_VIDEOS = """() => [...document.querySelectorAll('.call-tile:not(.call-self) video')]
  .filter((v) => v.checkVisibility()).length"""


async def test_chromium_visitor_and_expert_see_each_other(
    fair: Fair, browser: Any, tmp_path: Path
) -> None:
    visitor_ctx = await browser.new_context(permissions=["camera", "microphone"])
    expert_ctx = await browser.new_context(permissions=["camera", "microphone"])
    stranger_ctx = await browser.new_context(permissions=["camera", "microphone"])
    try:
        visitor = await visitor_ctx.new_page()
        await visitor.goto(f"{fair.a.base_url}/booths/{OWN}/appointments")
        await visitor.check(f"#slot-{fair.free_slot}")
        await visitor.fill("#ap-name", "Vera Visitor")
        await visitor.fill("#ap-email", "vera@example.org")
        await visitor.fill("#ap-topic", "Wie funktioniert die Schulanmeldung?")
        await visitor.check("#ap-consent")
        await visitor.click("button[type=submit]:has-text('Termin buchen')")
        await visitor.wait_for_url("**/appointments/*?booked=1")
        await visitor.screenshot(path=str(tmp_path / "booked.png"), full_page=True)
        await visitor.click("a.button[href$='/room']")
        await visitor.wait_for_url("**/room")
        await visitor.click("[data-call-start]")

        expert = await _expert_on_dashboard(expert_ctx, fair.b.base_url)
        await expert.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        room_link = (
            expert.locator("article, li")
            .filter(has_text="Wie funktioniert die Schulanmeldung?")
            .locator("text=Gesprächsraum öffnen")
        )
        await room_link.click()
        await expert.click("[data-call-start]")

        await frames_advance(visitor, REMOTE_FRAMES, 1)
        await frames_advance(expert, REMOTE_FRAMES, 1)

        # Screen share as a second track, through the real button: headless Chromium's
        # getDisplayMedia (with --use-fake-ui-for-media-stream) captures a fake screen.
        share = expert.locator("[data-call-share]")
        await share.click()
        await expert.locator("[data-call-share][aria-pressed=true]").wait_for()
        await frames_advance(visitor, REMOTE_FRAMES, 2)
        await visitor.screenshot(path=str(tmp_path / "visitor-room.png"), full_page=True)
        await expert.screenshot(path=str(tmp_path / "expert-room.png"), full_page=True)
        await share.click()  # stop sharing: the visitor's second picture goes away
        # Counted as a person sees them: a relayed call (the fallback when the direct
        # connection is slow) keeps a hidden screen line per seat instead of removing it.
        try:
            await visitor.wait_for_function(
                f"() => ({VISIBLE_REMOTE_VIDEOS})() === 1", timeout=15_000
            )
        except Exception as timeout:
            state = await visitor.evaluate(CALL_STATE)
            message = f"the screen share stayed on the visitor's page: {state}"
            raise AssertionError(message) from timeout

        # A third person: a forged link, a link outside its slot, the staff room anonymously.
        stranger = await stranger_ctx.new_page()
        forged = await stranger.goto(f"{fair.a.base_url}/appointments/{fair.now_token}x/room")
        assert forged is not None and forged.status == 404
        early = await stranger.goto(f"{fair.a.base_url}/appointments/{fair.later_token}/room")
        assert early is not None and early.status == 403
        staff = await stranger.goto(f"{fair.b.base_url}/exhibitor/appointments/{fair.now_id}/room")
        assert staff is not None and staff.status == 401
        # Counted as a person sees them: a relayed call keeps a hidden tile per empty seat.
        tiles = await visitor.locator(".call-tile:not(.call-self):visible").count()
        assert tiles == 1, "nobody else entered the call"
    finally:
        for i, ctx in enumerate((visitor_ctx, expert_ctx)):
            for n, p in enumerate(ctx.pages):
                await p.screenshot(path=f"/tmp/i16-shot-{i}-{n}.png", full_page=True)
        for ctx in (visitor_ctx, expert_ctx, stranger_ctx):
            await ctx.close()


async def test_chromium_relayed_call_across_two_instances(fair: Fair, browser: Any) -> None:
    """The visitor relays through instance A (``?relay=1``); the expert's page on B follows
    the announcement and its offer, reaching B, is answered by A, which owns the room: both
    decode each other's camera, and B reports A's room."""
    visitor_ctx = await browser.new_context(permissions=["camera", "microphone"])
    expert_ctx = await browser.new_context(permissions=["camera", "microphone"])
    cookie = await staff_cookie(fair.b)
    try:
        visitor = await visitor_ctx.new_page()
        await visitor.goto(f"{fair.a.base_url}/appointments/{fair.now_token}/room?relay=1")
        await visitor.click("[data-call-start]")
        await visitor.locator("[data-relay=on]").wait_for(timeout=15_000)
        expert = await logged_in_expert(expert_ctx, fair.b.base_url)
        await expert.goto(f"{fair.b.base_url}/exhibitor/appointments/{fair.now_id}/room")
        await expert.click("[data-call-start]")
        await expert.locator("[data-relay=on]").wait_for(timeout=15_000)
        await frames_advance(visitor, RELAYED_FRAMES, 1)
        await frames_advance(expert, RELAYED_FRAMES, 1)
        async with httpx.AsyncClient(headers={"Cookie": cookie}) as client:
            state = await client.get(
                f"{fair.b.base_url}/exhibitor/appointments/{fair.now_id}/relay"
            )
        assert state.json() == {"relayed": 2, "states": ["connected", "connected"]}
    finally:
        for ctx in (visitor_ctx, expert_ctx):
            await ctx.close()


# --------------------------------------------------------------------------- walk-in


async def test_walkin_needs_an_available_team_member(fair: Fair) -> None:
    json_only = {"Accept": "application/json"}
    async with httpx.AsyncClient(base_url=fair.a.base_url, headers=json_only) as client:
        page = await client.get(f"/booths/{OWN}")
        marker = '<meta name="csrf-token" content="'
        start = page.text.index(marker) + len(marker)
        token = page.text[start : page.text.index('"', start)]
        status = (await client.get(f"/booths/{OWN}/walkin")).json()
        assert status["available"] is False and "Gesprächstermin mit" in status["consent"]
        form = {"csrf_token": token, "name": "Vera", "topic": "Kurze Frage", "consent": "yes"}
        refused = await client.post(f"/booths/{OWN}/walkin", data=form)
        assert refused.status_code == 409 and "niemand" in refused.json()["error"]
        cookie = await staff_cookie(fair.b)
        async with connect(
            ws_url(fair.b, f"/ws/exhibitor/booths/{OWN}/walkin"),
            additional_headers={"Cookie": cookie},
        ) as team:
            await team.send(json.dumps({"type": "hello"}))
            await receive_until(team, "available")
            await asyncio.sleep(0.3)
            assert (await client.get(f"/booths/{OWN}/walkin")).json()["available"] is True
            no_consent = await client.post(f"/booths/{OWN}/walkin", data={**form, "consent": ""})
            assert no_consent.status_code == 400 and "consent" in no_consent.json()["error"]
            await team.send(json.dumps({"type": "accept", "ticket": "forged.ticket"}))
            error = await receive_until(team, "error")
            assert "abgelaufen" in error["message"]
            asked = await client.post(f"/booths/{OWN}/walkin", data=form)
            assert asked.status_code == 200
            async with connect(ws_url(fair.a, asked.json()["socket"])) as waiting:
                await waiting.send(json.dumps({"type": "hello"}))
                request = await receive_until(team, "walkin")
                assert request["name"] == "Vera" and request["topic"] == "Kurze Frage"
                await team.send(json.dumps({"type": "decline", "ticket": request["ticket"]}))
                await receive_until(waiting, "declined")
    async with connect(ws_url(fair.a, f"/ws/exhibitor/booths/{OWN}/walkin")) as anonymous:
        assert await closed_with(anonymous) == 4403


async def _expert_on_dashboard(context: Any, base_url: str) -> Any:
    """krz's expert in ``context``, logged in through the login form, on the dashboard."""
    expert = await logged_in_expert(context, base_url)
    await expert.goto(f"{base_url}/exhibitor")
    return expert


async def test_chromium_walkin_call(fair: Fair, browser: Any, tmp_path: Path) -> None:
    visitor_ctx = await browser.new_context(permissions=["camera", "microphone"])
    expert_ctx = await browser.new_context(permissions=["camera", "microphone"])
    try:
        expert = await _expert_on_dashboard(expert_ctx, fair.b.base_url)
        card = expert.locator(f"[data-walkin-team='/ws/exhibitor/booths/{OWN}/walkin']")
        await card.locator("[data-walkin-toggle]").click()
        await card.locator("[data-walkin-toggle][aria-pressed=true]").wait_for()

        visitor = await visitor_ctx.new_page()
        await visitor.goto(f"{fair.a.base_url}/booths/{OWN}")
        await visitor.locator("[data-walkin]").wait_for(state="visible", timeout=10_000)
        await visitor.fill("#wi-name", "Walter Walk-in")
        await visitor.fill("#wi-topic", "Geht das auch für Berufskollegs?")
        await visitor.check("#wi-consent")
        await visitor.click("[data-walkin-form] button[type=submit]")
        await visitor.screenshot(path=str(tmp_path / "walkin-visitor.png"), full_page=True)

        await card.locator("text=Walter Walk-in").wait_for(timeout=10_000)
        await expert.screenshot(path="/tmp/i16-walkin-team.png", full_page=True)
        await card.locator("button:has-text('Annehmen')").click()
        await expert.wait_for_url("**/exhibitor/appointments/*/room")
        await visitor.wait_for_url("**/appointments/*/room")
        await visitor.click("[data-call-start]")
        await expert.click("[data-call-start]")
        await frames_advance(visitor, REMOTE_FRAMES, 1)
        await frames_advance(expert, REMOTE_FRAMES, 1)
    finally:
        for ctx in (visitor_ctx, expert_ctx):
            await ctx.close()


@pytest.mark.parametrize("language", ["de", "en"])
async def test_appointment_pages_pass_axe(fair: Fair, browser: Any, language: str) -> None:
    from tests.support.axe import AXE, axe_problems

    if not AXE.exists():
        pytest.skip("axe-core not installed (npm install)")
    context = await browser.new_context(bypass_csp=True)
    page = await context.new_page()
    paths = [
        f"/booths/{OWN}/appointments",
        f"/appointments/{fair.now_token}",
        f"/appointments/{fair.now_token}/room",
        f"/booths/{OWN}",
    ]
    try:
        assert await axe_problems(page, fair.a.base_url, paths, language) == {}
    finally:
        await context.close()

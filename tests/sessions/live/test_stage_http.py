"""The live stage's HTTP rules: rights before media, clear errors for bad offers,
floods and ended sessions, moderator start and end, recording visibility."""

from __future__ import annotations

from typing import Any

import httpx
from aiortc import RTCPeerConnection
from starlette.applications import Starlette

from fair.app_services import app_services
from sessions.models import (
    LiveState,
    ProgrammeSession,
    Recording,
)
from tests.support.app import csrf_of, login, make_client
from tests.support.stage import SPEAKER, post_json, session_of, start_live
from tests.support.synthetic import SyntheticVideoTrack, ToneAudioTrack


async def _offer(send_only: bool = False) -> str:
    pc = RTCPeerConnection()
    if send_only:
        pc.addTransceiver(SyntheticVideoTrack(), direction="sendonly")
        pc.addTransceiver(ToneAudioTrack(), direction="sendonly")
    else:
        pc.addTrack(SyntheticVideoTrack())
        pc.addTrack(ToneAudioTrack())
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    await pc.close()
    return sdp


async def test_only_speakers_and_organisers_may_publish(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    own = await session_of(demo_app, SPEAKER)
    other = await session_of(demo_app, SPEAKER, own=False)
    garbage = {"sdp": "not sdp", "type": "offer"}
    # nobody logged in: 401 before the SDP is even read
    assert (await post_json(client, f"/sessions/{own}/live/publish", garbage)).status_code == 401
    assert (await client.get(f"/sessions/{own}/stage")).status_code == 401
    async with make_client(demo_app) as exhibitor:
        await login(exhibitor, "aussteller.krz@example.org")
        response = await post_json(exhibitor, f"/sessions/{own}/live/publish", garbage)
        assert response.status_code == 403
        assert (await exhibitor.get(f"/sessions/{own}/stage")).status_code == 403
    await login(client, SPEAKER)
    response = await post_json(client, f"/sessions/{other}/live/publish", garbage)
    assert response.status_code == 403
    stage = await client.get(f"/sessions/{own}/stage")
    assert stage.status_code == 200
    assert "data-stage-go-live" in stage.text
    # the speaker's own session: now the SDP is read, and refused clearly
    response = await post_json(client, f"/sessions/{own}/live/publish", garbage)
    assert response.status_code == 400
    assert "error" in response.json()


async def test_bad_offers_get_clear_errors(demo_app: Starlette, client: httpx.AsyncClient) -> None:
    session_id = await session_of(demo_app, SPEAKER)
    url = f"/sessions/{session_id}/live/watch"
    assert (await post_json(client, url, "{not json")).status_code == 400
    assert (await post_json(client, url, ["sdp"])).status_code == 400
    response = await post_json(client, url, {"type": "offer"})
    assert response.status_code == 400 and "sdp" in response.json()["error"]
    response = await post_json(client, url, {"sdp": "v=0", "type": "answer"})
    assert response.status_code == 400 and "type" in response.json()["error"]
    response = await post_json(
        client, url, {"sdp": "v=0\r\n" + "a=x\r\n" * 30_000, "type": "offer"}
    )
    assert response.status_code == 413
    response = await client.post(url, json={"sdp": "v=0", "type": "offer"})  # no CSRF token
    assert response.status_code == 403
    assert (await post_json(client, "/sessions/999999/live/watch", {"sdp": "v=0", "type": "offer"})
            ).status_code == 404  # fmt: skip
    # a send-only offer sent to the viewer endpoint: it would receive nothing
    response = await post_json(client, url, {"sdp": await _offer(send_only=True), "type": "offer"})
    assert response.status_code == 400
    assert response.json()["error"]


async def test_ended_and_cancelled_sessions_refuse_offers(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    session_id = await session_of(demo_app, SPEAKER)
    await login(client, SPEAKER)
    token = await csrf_of(client, "/")
    start = await client.post(f"/sessions/{session_id}/live/start", data={"csrf_token": token})
    assert start.status_code == 403  # only the moderation starts
    end = await client.post(f"/sessions/{session_id}/live/end", data={"csrf_token": token})
    assert end.status_code == 303
    status = (await client.get(f"/sessions/{session_id}/live")).json()
    assert status["state"] == "ended"
    offer = {"sdp": await _offer(), "type": "offer"}
    assert (
        await post_json(client, f"/sessions/{session_id}/live/publish", offer)
    ).status_code == 409
    assert (await post_json(client, f"/sessions/{session_id}/live/watch", offer)).status_code == 409
    async with app_services(demo_app).db.session() as db:
        session = await db.get(ProgrammeSession, session_id)
        assert session is not None and session.live_state is LiveState.ended
    page = await client.get(f"/sessions/{session_id}")
    assert "data-live-join" not in page.text


async def test_moderator_starts_the_session(demo_app: Starlette, client: httpx.AsyncClient) -> None:
    session_id = await session_of(demo_app, SPEAKER)
    await login(client, "orga@example.org")
    response = await start_live(client, session_id)
    token = await csrf_of(client, "/")
    assert response.json() == {"state": "live"}
    status = (await client.get(f"/sessions/{session_id}/live")).json()
    assert status["state"] == "waiting"  # started, nobody publishing yet
    assert status["viewers"] == 0
    missing = await client.post(f"/sessions/{session_id}/live/jump", data={"csrf_token": token})
    assert missing.status_code == 404


async def test_viewer_flood_is_limited(demo_app: Starlette, client: httpx.AsyncClient) -> None:
    session_id = await session_of(demo_app, SPEAKER)
    limit = app_services(demo_app).settings.live_offers_per_minute
    statuses = []
    for _ in range(limit + 2):
        response = await post_json(
            client, f"/sessions/{session_id}/live/watch", {"sdp": "x", "type": "offer"}
        )
        statuses.append(response.status_code)
    assert statuses[-1] == 429
    assert "Minute" in response.json()["error"]


async def test_unpublished_recording_is_hidden(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    session_id = await session_of(demo_app, SPEAKER)
    async with app_services(demo_app).db.session() as db:
        recording = Recording(
            session_id=session_id, storage_key=f"recordings/{session_id}/x.mp4", published=False
        )
        db.add(recording)
        await db.commit()
        recording_id = recording.id
    await app_services(demo_app).storage.save_file(
        f"recordings/{session_id}/x.mp4", _tiny_file(demo_app), content_type="video/mp4"
    )
    url = f"/sessions/{session_id}/recordings/{recording_id}"
    assert (await client.get(url)).status_code == 404
    assert "recording-video" not in (await client.get(f"/sessions/{session_id}")).text
    await login(client, "orga@example.org")
    assert (await client.get(url)).status_code == 200
    token = await csrf_of(client, "/")
    published = await client.post(f"{url}/publish", data={"csrf_token": token, "published": "1"})
    assert published.status_code == 303
    async with make_client(demo_app) as visitor:
        assert (await visitor.get(url)).status_code == 200
        assert "recording-video" in (await visitor.get(f"/sessions/{session_id}?t=3")).text
    assert (await client.get(f"/sessions/{session_id}/recordings/999999")).status_code == 404


def _tiny_file(app: Starlette) -> Any:
    from pathlib import Path

    path = Path(app_services(app).settings.spool_dir).parent / "tiny.mp4"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 100)
    return path

"""A speaker who publishes to a real server over HTTP, as the stage page does.

The speaker logs in, opens the talk's stage page for its CSRF token and posts WebRTC
offers to ``/sessions/{id}/live/publish``. :class:`SpeakerSignalling` is that signalling
alone (usable as the answerer of a :class:`~tests.support.loadgen.PublisherProcess`, so
the speaker's encoder runs in a process of its own); :func:`publish_synthetic` also
builds an in-process peer with the synthetic tracks whose pictures carry a frame counter
and the send time. :class:`StageSpeaker` is such a speaker who can publish again and end
the talk, as the fault tests need; :func:`watch_over_http` is an anonymous viewer.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

import httpx
from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from sessions.live.ice import allow_loopback_candidates
from tests.support.app import DEMO_PASSWORD
from tests.support.live_helpers import csrf_in_page, post_offer
from tests.support.loadgen import ProbeViewer
from tests.support.synthetic import SyntheticVideoTrack, ToneAudioTrack

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(page: httpx.Response) -> str:
    """The CSRF token of a rendered page (the ``csrf-token`` meta element)."""
    page.raise_for_status()
    match = CSRF_META.search(page.text)
    if match is None:
        raise RuntimeError(f"{page.url} carries no CSRF token")
    return match.group(1)


class SpeakerSignalling:
    """A logged-in speaker's offers to the talk's publish endpoint."""

    def __init__(self, base_url: str, session_id: int, email: str, password: str) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, timeout=60)
        self.session_id = session_id
        self.email = email
        self.password = password
        self.token = ""

    async def open(self) -> None:
        """Log in and read the stage page's CSRF token."""
        token = csrf_token(await self.client.get("/login"))
        login = await self.client.post(
            "/login", data={"email": self.email, "password": self.password, "csrf_token": token}
        )
        if login.status_code != 303:
            raise RuntimeError(f"login of {self.email} answered {login.status_code}")
        self.token = csrf_token(await self.client.get(f"/sessions/{self.session_id}/stage"))

    async def answer(self, sdp: str, kind: str) -> RTCSessionDescription:
        response = await self.client.post(
            f"/sessions/{self.session_id}/live/publish",
            json={"sdp": sdp, "type": kind},
            headers={"X-CSRF-Token": self.token, "Accept": "application/json"},
        )
        if response.status_code != 200:
            raise RuntimeError(f"publish answered {response.status_code}: {response.text[:200]}")
        body = response.json()
        return RTCSessionDescription(body["sdp"], body["type"])

    async def end(self) -> httpx.Response:
        """End the talk, as the stage page's button does: the recording is stored next."""
        return await self.client.post(
            f"/sessions/{self.session_id}/live/end",
            data={"csrf_token": self.token},
            headers={"Accept": "application/json"},
        )

    async def close(self) -> None:
        await self.client.aclose()


@dataclass
class SyntheticSpeaker:
    """An in-process publishing peer; ``video.counter`` is the number of frames sent."""

    pc: RTCPeerConnection
    video: SyntheticVideoTrack
    signalling: SpeakerSignalling

    async def close(self) -> None:
        await self.pc.close()
        await self.signalling.close()


async def publish_synthetic(
    base_url: str,
    session_id: int,
    email: str,
    password: str,
    *,
    width: int = 640,
    height: int = 360,
) -> SyntheticSpeaker:
    """Log in as ``email`` and go live in ``session_id`` with synthetic video and a tone."""
    allow_loopback_candidates()
    signalling = SpeakerSignalling(base_url, session_id, email, password)
    await signalling.open()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
    video = SyntheticVideoTrack(width, height)
    pc.addTrack(video)
    pc.addTrack(ToneAudioTrack())
    await pc.setLocalDescription(await pc.createOffer())
    offer = pc.localDescription
    await pc.setRemoteDescription(await signalling.answer(offer.sdp, offer.type))
    return SyntheticSpeaker(pc, video, signalling)


class StageSpeaker:
    """A logged-in speaker publishing synthetic video (stamped frames) and a tone over the
    stage's HTTP endpoints; the blocking HTTP calls run in threads, away from the peers'
    event loop."""

    def __init__(self, base_url: str, session_id: int, email: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=30)
        self.session_id = session_id
        token = csrf_in_page(self.client, "/login")
        login = self.client.post(
            "/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
        )
        assert login.status_code == 303, login.text
        self.pc: RTCPeerConnection | None = None

    async def _stage_token(self) -> str:
        return await asyncio.to_thread(
            csrf_in_page, self.client, f"/sessions/{self.session_id}/stage"
        )

    async def publish(self) -> None:
        """Publish (again): what the stage page's script does after an interruption."""
        if self.pc is not None:
            await self.pc.close()
        self.pc = RTCPeerConnection()
        self.pc.addTrack(SyntheticVideoTrack())
        self.pc.addTrack(ToneAudioTrack())
        await self.pc.setLocalDescription(await self.pc.createOffer())
        answer = await asyncio.to_thread(
            post_offer, self.client, f"/sessions/{self.session_id}/live/publish",
            self.pc.localDescription.sdp, await self._stage_token(),
        )  # fmt: skip
        await self.pc.setRemoteDescription(answer)

    async def end(self) -> httpx.Response:
        token = await self._stage_token()
        return await asyncio.to_thread(
            self.client.post,
            f"/sessions/{self.session_id}/live/end",
            data={"csrf_token": token},
            headers={"Accept": "application/json"},
        )

    async def close(self) -> None:
        if self.pc is not None:
            await self.pc.close()
        self.client.close()


async def watch_over_http(base_url: str, session_id: int, decode: bool = True) -> ProbeViewer:
    """An anonymous viewer connected through the session page's watch endpoint."""
    audience = httpx.Client(base_url=base_url, timeout=30)
    try:
        token = await asyncio.to_thread(csrf_in_page, audience, f"/sessions/{session_id}")
        viewer = ProbeViewer(decode=decode)

        async def answerer(sdp: str, kind: str) -> Any:
            return await asyncio.to_thread(
                post_offer, audience, f"/sessions/{session_id}/live/watch", sdp, token
            )

        await viewer.connect(answerer)
    finally:
        audience.close()
    return viewer

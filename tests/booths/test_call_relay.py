"""The call relay service without HTTP: aiortc peers on loopback with synthetic cameras
join a relay room the way browsers do (fixed layout), and decode each other's pictures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
import pytest_asyncio
from aiortc import RTCPeerConnection
from aiortc.mediastreams import MediaStreamTrack

from booths.call_relay import LAYOUT_SIZE, CallRelays, RelayRoom
from fair.db import utcnow
from fair.errors import HTTPError
from fair.realtime import RedisHub
from fair.rtc.config import rtc_configuration
from tests.support.live_helpers import allow_loopback, wait_for
from tests.support.realtime_echo import unique
from tests.support.synthetic import SyntheticVideoTrack, ToneAudioTrack, read_stamp

NOW = datetime(2031, 1, 15, 9, 0)
"""A fair clock far from the wall clock (as ``FAIR_TODAY`` sets it): rooms must time
themselves by the "now" they are given."""

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Participant:
    """A browser's side of the layout: send microphone, camera, screen; receive 3 × 3."""

    def __init__(self) -> None:
        self.pc = RTCPeerConnection(rtc_configuration([]))  # max-bundle, as browsers do
        self.camera = SyntheticVideoTrack(320, 180, fps=15)
        self.pc.addTransceiver(ToneAudioTrack(), direction="sendonly")
        self.pc.addTransceiver(self.camera, direction="sendonly")
        self.pc.addTransceiver("video", direction="sendonly")
        for _ in range(3):
            for kind in ("audio", "video", "video"):
                self.pc.addTransceiver(kind, direction="recvonly")

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def join(self, relays: CallRelays, key: int, name: str, minutes: int = 10) -> None:
        now = utcnow()
        answer = await relays.join(
            key, now + timedelta(minutes=minutes), name, await self.offer(), now=now
        )
        await self.pc.setRemoteDescription(answer)

    def camera_of(self, position: int) -> MediaStreamTrack:
        track = self.pc.getTransceivers()[3 + 3 * position + 1].receiver.track
        assert track is not None
        return track


async def stamps(track: MediaStreamTrack, count: int) -> list[int]:
    seen: list[int] = []
    async with asyncio.timeout(20):
        while len(seen) < count:
            stamp = read_stamp(await track.recv())  # type: ignore[arg-type]
            if stamp is not None:
                seen.append(stamp[0])
    return seen


@pytest_asyncio.fixture(loop_scope="session")
async def relays() -> AsyncIterator[CallRelays]:
    allow_loopback()
    relays = CallRelays([])
    try:
        yield relays
    finally:
        await relays.close()


async def test_two_participants_decode_each_other_through_the_server(relays: CallRelays) -> None:
    visitor, expert = Participant(), Participant()
    try:
        await visitor.join(relays, 1, "visitor:a")
        await expert.join(relays, 1, "team:b")
        room = relays.get(1)
        assert isinstance(room, RelayRoom)
        await wait_for(lambda: room.peer_states() == ["connected", "connected"], timeout=15)
        # Seat 0 sees seat 1 at position 0 and vice versa; counters advance.
        from_expert = await stamps(visitor.camera_of(0), 5)
        from_visitor = await stamps(expert.camera_of(0), 5)
        assert from_expert == sorted(from_expert) and from_expert[-1] > from_expert[0]
        assert from_visitor == sorted(from_visitor) and from_visitor[-1] > from_visitor[0]
        # Leaving frees the seat.
        await expert.pc.close()
        await wait_for(lambda: room.occupied == 1, timeout=15)
    finally:
        await visitor.pc.close()
        await expert.pc.close()


async def test_an_offer_on_another_instance_is_seated_in_the_owners_room(redis_url: str) -> None:
    """Two app instances over Redis: the visitor's offer reaches A, the expert's B; both
    sit in A's room (A answered first) and decode each other through it."""
    allow_loopback()
    prefix = unique("relay") + ":"
    hub_a, hub_b = RedisHub(redis_url, prefix=prefix), RedisHub(redis_url, prefix=prefix)
    await hub_a.start()
    await hub_b.start()
    on_a, on_b = CallRelays([], hub_a), CallRelays([], hub_b)
    visitor, expert = Participant(), Participant()
    try:
        await visitor.join(on_a, 7, "visitor:a")
        await expert.join(on_b, 7, "team:b")
        assert on_b.get(7) is None, "B holds no room of its own"
        room = on_a.get(7)
        assert room is not None and room.occupied == 2
        await wait_for(lambda: room.peer_states() == ["connected", "connected"], timeout=15)
        assert await on_b.states(7) == ["connected", "connected"]  # asked of A
        from_expert = await stamps(visitor.camera_of(0), 5)
        from_visitor = await stamps(expert.camera_of(0), 5)
        assert from_expert[-1] > from_expert[0] and from_visitor[-1] > from_visitor[0]
        # A refusal made on A reaches B's caller as the same clear error.
        with pytest.raises(HTTPError) as refused:
            await on_b.join(7, utcnow() + timedelta(minutes=5), "team:c", "v=0", now=utcnow())
        assert refused.value.status_code == 400 and refused.value.field == "sdp"
    finally:
        await visitor.pc.close()
        await expert.pc.close()
        await on_a.close()
        await on_b.close()
        await hub_a.close()
        await hub_b.close()


async def test_participants_joining_at_the_same_moment_both_get_a_seat(
    relays: CallRelays,
) -> None:
    """Both offers in flight at once (the relay announcement moves everyone at the same
    moment, and with two instances both reach the owner): a seat is taken before its offer
    is read, and the other join must not reach for its lines before they exist (it did:
    IndexError, 500)."""
    visitor, expert = Participant(), Participant()
    try:
        await asyncio.gather(visitor.join(relays, 3, "visitor:a"), expert.join(relays, 3, "team:b"))
        room = relays.get(3)
        assert room is not None and room.occupied == 2
        await wait_for(lambda: room.peer_states() == ["connected", "connected"], timeout=15)
        from_expert = await stamps(visitor.camera_of(0), 5)
        from_visitor = await stamps(expert.camera_of(0), 5)
        assert from_expert[-1] > from_expert[0] and from_visitor[-1] > from_visitor[0]
    finally:
        await visitor.pc.close()
        await expert.pc.close()


async def test_room_holds_four_and_a_rejoin_replaces_the_seat(relays: CallRelays) -> None:
    people = [Participant() for _ in range(5)]
    try:
        for index, person in enumerate(people[:4]):
            await person.join(relays, 2, f"visitor:{index}")
        room = relays.get(2)
        assert room is not None and room.occupied == 4
        with pytest.raises(HTTPError) as full:
            await people[4].join(relays, 2, "team:late")
        assert full.value.status_code == 409
        again = Participant()
        people.append(again)
        await again.join(relays, 2, "visitor:0")  # the same person reconnects
        assert room.occupied == 4
    finally:
        for person in people:
            await person.pc.close()


async def test_bad_offers_are_refused_before_aiortc(relays: CallRelays) -> None:
    plain = RTCPeerConnection()
    try:
        plain.addTransceiver("video", direction="recvonly")
        await plain.setLocalDescription(await plain.createOffer())
        with pytest.raises(HTTPError) as layout:
            await relays.join(
                3, NOW + timedelta(minutes=5), "visitor:x", plain.localDescription.sdp, now=NOW
            )
        assert layout.value.status_code == 400 and f"{LAYOUT_SIZE}" in layout.value.message
        with pytest.raises(HTTPError) as garbage:
            await relays.join(
                3, NOW + timedelta(minutes=5), "visitor:x", "v=0\r\nm=nonsense", now=NOW
            )
        assert garbage.value.status_code == 400
        room = relays.get(3)
        assert room is None or room.occupied == 0
    finally:
        await plain.close()


async def test_the_room_closes_at_the_end_of_slot_plus_grace() -> None:
    allow_loopback()
    relays = CallRelays([])
    person, late = Participant(), Participant()
    try:
        # the fair's clock (FAIR_TODAY) may be years from the wall clock: the room closes
        # two seconds after that clock's "now", whatever the real date
        closes = NOW + timedelta(seconds=2)
        answer = await relays.join(4, closes, "visitor:a", await person.offer(), now=NOW)
        await person.pc.setRemoteDescription(answer)
        room = relays.get(4)
        assert room is not None and room.occupied == 1
        await wait_for(lambda: room.closed and room.occupied == 0, timeout=10)
        with pytest.raises(HTTPError) as closed:
            await room.join("visitor:b", await late.offer())
        assert closed.value.status_code == 410
    finally:
        await late.pc.close()
        await person.pc.close()
        await relays.close()

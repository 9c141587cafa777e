"""Relaying an appointment call through the server when browsers cannot reach each other.

The call is normally a browser-to-browser mesh (see :mod:`booths.call_socket`). When no
direct path exists (ICE fails, or the room page was opened with ``?relay=1``), every
participant instead opens ONE peer connection to this server, publishes microphone,
camera and screen on it and receives the others' tracks on the same connection.

So that nobody has to renegotiate when someone joins or leaves, every browser offers a
fixed layout of :data:`LAYOUT_SIZE` m-lines:

* lines 0–2 are what it sends: microphone (audio), camera (video), screen (video; a
  screen share is switched on and off with ``replaceTrack`` on the browser, no new offer);
* lines 3–11 are what it receives: for each of the other three seats of the room, in
  seat order, that seat's microphone, camera and screen.

Each published track is decoded once by aiortc's receiver and shared through a
:class:`aiortc.contrib.media.MediaRelay`; each outgoing line encodes for its one browser
(aiortc's sender). For at most four participants that is at most 12 decodes and
12 encodes in all (see docs/appointments.md for the measured cost). Nothing is
recorded: no recorder is attached and no frame is written anywhere.

A room lives in one process: the app instance that answered the call's first relay offer
owns it (:meth:`fair.realtime.hub.Hub.claim`), and an offer that reaches another instance is
answered by the owner through the hub (:meth:`~fair.realtime.hub.Hub.call`). The browser's
media then flows to the owner's address, as its answer's candidates say.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av.frame import Frame
from av.packet import Packet

from fair.errors import HTTPError
from fair.realtime.hub import CallFailed, Hub, InProcessHub
from fair.rtc.config import rtc_configuration
from fair.rtc.errors import LiveError
from fair.rtc.sdp import check_offer

logger = logging.getLogger(__name__)

SEATS = 4
ROLES = ("audio", "camera", "screen")
"""What each seat publishes, in m-line order (the kinds are audio, video, video)."""
LAYOUT_SIZE = len(ROLES) * SEATS
CONNECT_TIMEOUT = 30.0
"""Seconds a seat is held for a browser that answered but never connected."""
JOIN = "call-relay.join"
STATES = "call-relay.states"
"""The hub calls by which one instance asks the owner of a room to seat someone or to
say who is connected."""


def expected_layout() -> tuple[tuple[str, str], ...]:
    """``(kind, direction)`` of each m-line a relay offer must have."""
    sending = tuple((_kind(role), "sendonly") for role in ROLES)
    receiving = tuple((_kind(role), "recvonly") for role in ROLES) * (SEATS - 1)
    return sending + receiving


def _kind(role: str) -> str:
    return "audio" if role == "audio" else "video"


def _compatible(direction: str, wanted: str) -> bool:
    """A browser may offer ``sendrecv`` where we only need one way."""
    return direction in (wanted, "sendrecv")


class ForwardTrack(MediaStreamTrack):
    """One outgoing line: the frames of another seat's track, or nothing while empty.

    Its source changes when a participant takes or leaves that seat; waiting for a
    source costs nothing (aiortc's sender just awaits ``recv``).
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._source: MediaStreamTrack | None = None
        self._changed = asyncio.Event()

    def attach(self, source: MediaStreamTrack | None) -> None:
        old, self._source = self._source, source
        if old is not None and old is not source:
            old.stop()
        self._changed.set()

    async def recv(self) -> Frame | Packet[Any]:
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            source = self._source
            if source is None:
                self._changed.clear()
                await self._changed.wait()
                continue
            self._changed.clear()
            frame_task = asyncio.ensure_future(source.recv())
            change_task = asyncio.ensure_future(self._changed.wait())
            done, _ = await asyncio.wait(
                {frame_task, change_task}, return_when=asyncio.FIRST_COMPLETED
            )
            change_task.cancel()
            if frame_task in done:
                try:
                    return frame_task.result()
                except MediaStreamError:
                    if self._source is source:
                        self._source = None
                    continue
            frame_task.cancel()

    def stop(self) -> None:
        super().stop()
        self._changed.set()
        if self._source is not None:
            self._source.stop()


@dataclass
class _Seat:
    pc: RTCPeerConnection
    participant: str
    published: dict[str, MediaStreamTrack] = field(default_factory=dict)
    forwards: list[ForwardTrack] = field(default_factory=list)
    """Outgoing lines, ``(other seat position, role)`` in layout order."""

    @property
    def receiving(self) -> bool:
        """Whether its outgoing lines exist: a seat is taken before its offer is read (an
        await), and a second join meanwhile must not reach for lines not yet made; the
        seat attaches what is published then when it makes them."""
        return len(self.forwards) == len(ROLES) * (SEATS - 1)


class RelayRoom:
    """The server side of one appointment's relayed call: up to four seats."""

    def __init__(
        self, key: int, closes: datetime, now: datetime, configuration: list[dict[str, object]]
    ):
        """``closes`` and ``now`` are on the fair's clock (``FAIR_TODAY`` moves it); the
        room closes after the time between them, measured on the loop's own clock."""
        self.key = key
        loop = asyncio.get_running_loop()
        self._closes_at = loop.time() + max((closes - now).total_seconds(), 0.0)
        self._ice = configuration
        self._relay = MediaRelay()
        self._seats: list[_Seat | None] = [None] * SEATS
        self._closer = loop.call_at(self._closes_at, lambda: asyncio.ensure_future(self.close()))
        self.closed = False
        self._timers: set[asyncio.Future[None]] = set()

    @property
    def over(self) -> bool:
        """Whether the room's closing time has come."""
        return asyncio.get_running_loop().time() >= self._closes_at

    @property
    def occupied(self) -> int:
        return sum(1 for seat in self._seats if seat is not None)

    def peer_states(self) -> list[str]:
        """The connection state of every occupied seat (for tests and the operator)."""
        return [seat.pc.connectionState for seat in self._seats if seat is not None]

    def _others(self, index: int) -> list[int]:
        return [other for other in range(SEATS) if other != index]

    async def join(self, participant: str, offer_sdp: str) -> RTCSessionDescription:
        """Answer a participant's relay offer; a participant who joins again replaces
        their old connection. Raises 409 when four others hold the seats."""
        if self.closed:
            raise HTTPError(410, "Der Gesprächsraum ist geschlossen.")
        try:
            media = check_offer(offer_sdp, "offer")
        except LiveError as exc:
            raise HTTPError(exc.status_code, f"sdp: {exc.message}", field="sdp") from None
        layout = expected_layout()
        if len(media.lines) != len(layout) or not all(
            kind == want_kind and _compatible(direction, want_direction)
            for (kind, direction), (want_kind, want_direction) in zip(
                media.lines, layout, strict=True
            )
        ):
            raise HTTPError(
                400,
                f"sdp: ein Relay-Angebot braucht {len(layout)} Medienzeilen "
                "(3 senden, 9 empfangen)",
                field="sdp",
            )
        for index, seat in enumerate(self._seats):
            if seat is not None and seat.participant == participant:
                await self._leave(index, seat)
        if self.occupied >= SEATS:
            raise HTTPError(409, "Der Gesprächsraum ist voll (höchstens 4 Personen).")
        index = self._seats.index(None)
        pc = RTCPeerConnection(rtc_configuration(self._ice))
        seat = _Seat(pc=pc, participant=participant)
        self._seats[index] = seat
        try:
            await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
            transceivers = pc.getTransceivers()
            for line, transceiver in enumerate(transceivers[len(ROLES) :]):
                forward = ForwardTrack(transceiver.kind)
                transceiver.sender.replaceTrack(forward)
                transceiver.direction = "sendonly"
                seat.forwards.append(forward)
                other = self._others(index)[line // len(ROLES)]
                self._attach(forward, other, ROLES[line % len(ROLES)])
            for transceiver, role in zip(transceivers[: len(ROLES)], ROLES, strict=True):
                transceiver.direction = "recvonly"
                self._publish(index, seat, role, transceiver.receiver.track)
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception:
            await self._leave(index, seat)
            raise
        self._watch(index, seat)
        return pc.localDescription

    def _attach(self, forward: ForwardTrack, other: int, role: str) -> None:
        source_seat = self._seats[other]
        track = source_seat.published.get(role) if source_seat else None
        forward.attach(self._relay.subscribe(track, buffered=False) if track else None)

    def _publish(self, index: int, seat: _Seat, role: str, track: MediaStreamTrack) -> None:
        """Make ``track`` of seat ``index`` the source of every other seat's line for it."""
        seat.published[role] = track
        for other in self._others(index):
            viewer = self._seats[other]
            if viewer is None or not viewer.receiving:
                continue
            position = self._others(other).index(index)
            forward = viewer.forwards[position * len(ROLES) + ROLES.index(role)]
            forward.attach(self._relay.subscribe(track, buffered=False))

    def _watch(self, index: int, seat: _Seat) -> None:
        @seat.pc.on("connectionstatechange")
        async def on_state() -> None:
            if seat.pc.connectionState in ("failed", "closed"):
                await self._leave(index, seat)

        async def give_up() -> None:
            await asyncio.sleep(CONNECT_TIMEOUT)
            if seat.pc.connectionState != "connected":
                await self._leave(index, seat)

        timer = asyncio.ensure_future(give_up())
        self._timers.add(timer)
        timer.add_done_callback(self._timers.discard)

    async def _leave(self, index: int, seat: _Seat) -> None:
        if self._seats[index] is not seat:
            return
        self._seats[index] = None
        for other in self._others(index):
            viewer = self._seats[other]
            if viewer is not None and viewer.receiving:
                position = self._others(other).index(index)
                for offset in range(len(ROLES)):
                    viewer.forwards[position * len(ROLES) + offset].attach(None)
        for forward in seat.forwards:
            forward.stop()
        with contextlib.suppress(Exception):
            await seat.pc.close()

    async def close(self) -> None:
        """End the relayed call (the slot plus grace is over, or the server stops)."""
        self.closed = True
        self._closer.cancel()
        for timer in list(self._timers):
            timer.cancel()
        for index, seat in enumerate(list(self._seats)):
            if seat is not None:
                await self._leave(index, seat)


class CallRelays:
    """The relay rooms of this process, one per appointment, created on first use, and
    the way to the rooms other instances own.

    Without a shared hub (one instance, or tests of the rooms alone) every room is here.
    """

    def __init__(self, ice_servers: list[dict[str, object]], hub: Hub | None = None) -> None:
        self._ice = ice_servers
        self._rooms: dict[int, RelayRoom] = {}
        self._hub = hub or InProcessHub()
        self._hub.handle(JOIN, self._join_for_another_instance)
        self._hub.handle(STATES, self._states_for_another_instance)

    def get(self, appointment_id: int) -> RelayRoom | None:
        return self._rooms.get(appointment_id)

    async def join(
        self,
        appointment_id: int,
        closes: datetime,
        participant: str,
        offer_sdp: str,
        *,
        now: datetime,
    ) -> RTCSessionDescription:
        """Seat ``participant`` in the appointment's room, wherever it lives; the answer."""
        ttl = max((closes - now).total_seconds(), 0.0) + 60.0
        try:
            owner = await self._hub.claim(_room_key(appointment_id), ttl)
            if owner == self._hub.instance_id:
                return await self._join_here(appointment_id, closes, participant, offer_sdp, now)
            reply = await self._hub.call(
                owner,
                JOIN,
                {
                    "appointment": appointment_id,
                    "closes": closes.isoformat(),
                    "now": now.isoformat(),
                    "participant": participant,
                    "sdp": offer_sdp,
                },
            )
        except CallFailed as exc:
            logger.warning("relay offer for appointment %s not answered: %s", appointment_id, exc)
            raise HTTPError(503, "Der Server-Relay ist gerade nicht erreichbar.") from None
        if "status" in reply:
            raise HTTPError(reply["status"], reply["message"], field=reply.get("field"))
        return RTCSessionDescription(reply["sdp"], reply["type"])

    async def _join_here(
        self,
        appointment_id: int,
        closes: datetime,
        participant: str,
        offer_sdp: str,
        now: datetime,
    ) -> RTCSessionDescription:
        room = self._rooms.get(appointment_id)
        if room is None or room.closed:
            room = RelayRoom(appointment_id, closes, now, self._ice)
            self._rooms[appointment_id] = room
        try:
            return await room.join(participant, offer_sdp)
        finally:
            self._forget_empty()

    async def _join_for_another_instance(self, request: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = await self._join_here(
                int(request["appointment"]),
                datetime.fromisoformat(request["closes"]),
                str(request["participant"]),
                str(request["sdp"]),
                datetime.fromisoformat(request["now"]),
            )
        except HTTPError as refused:
            return {
                "status": refused.status_code,
                "message": refused.message,
                "field": refused.field,
            }
        return {"sdp": answer.sdp, "type": answer.type}

    async def states(self, appointment_id: int) -> list[str]:
        """The connection state of every seat of the appointment's room, wherever it is."""
        owner = await self._hub.owner(_room_key(appointment_id))
        if owner is None or owner == self._hub.instance_id:
            return self._local_states(appointment_id)
        try:
            reply = await self._hub.call(owner, STATES, {"appointment": appointment_id})
        except CallFailed:
            return []
        return [str(state) for state in reply["states"]]

    def _local_states(self, appointment_id: int) -> list[str]:
        room = self._rooms.get(appointment_id)
        return room.peer_states() if room else []

    async def _states_for_another_instance(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"states": self._local_states(int(request["appointment"]))}

    def _forget_empty(self) -> None:
        for key, room in list(self._rooms.items()):
            if room.closed or (room.occupied == 0 and room.over):
                del self._rooms[key]

    async def close(self) -> None:
        for room in list(self._rooms.values()):
            await room.close()
        self._rooms.clear()


def _room_key(appointment_id: int) -> str:
    return f"call-relay:{appointment_id}"

"""Fan-out processes: spread one talk's viewers over several processes.

One event loop uses at most one core, and every packet to every viewer costs that loop
about 10 µs (docs/benchmarks-live.md), so one process tops out near 500 viewers at 1
Mbit/s. With ``fanout_processes=k`` a stage keeps publishers, encoders and the recording
in its own process and starts k helpers (``python -m sessions.live.relay_process``). Each encoded,
packetized frame crosses a Unix socket once per helper (about 1.2 Mbit/s); each helper
owns a share of the viewers' peer connections and runs the same lean send path. Keyframe
requests (joins, PLI) travel back. Viewers see no difference.

Wire format on the socket pair: ``type (1 byte) + length (4 bytes) + body``; frames are
binary (see :func:`pack_frame`), control messages JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import struct
import sys
from collections.abc import Callable
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription

from fair.rtc.errors import LiveError

from .config import LiveConfig
from .frames import EncodedFrame, Subscriber, Subscribers
from .ice import allow_loopback_candidates
from .medialoop import HELPER_NICE_INCREMENT, lower_own_priority
from .rpc import Message, PendingCalls, answer_request
from .viewers import answer_viewer

MSG_FRAME, MSG_CONTROL, MSG_KEYFRAME = 1, 2, 3
PREFIX = struct.Struct("!BI")
FRAME_HEAD = struct.Struct("!BB?HQQ3sH")
LENGTH = struct.Struct("!H")
KINDS = ("video", "audio")
MAX_BACKLOG = 4 * 1024 * 1024  # bytes waiting for a helper before its feed drops frames
STREAM_LIMIT = 1 << 20


def pack_frame(seat: int, kind: str, frame: EncodedFrame) -> bytes:
    """Serialize one shared frame for a helper: header, then length-prefixed payloads."""
    head = FRAME_HEAD.pack(
        seat, KINDS.index(kind), frame.keyframe, min(frame.run_start, 0xFFFF),
        frame.timestamp, frame.ntp, frame.abs_send_time, len(frame.payloads),
    )  # fmt: skip
    return head + b"".join(LENGTH.pack(len(p)) + p for p in frame.payloads)


def unpack_frame(body: bytes) -> tuple[int, str, EncodedFrame]:
    """Inverse of :func:`pack_frame`."""
    seat, kind, keyframe, run_start, timestamp, ntp, abs_time, count = FRAME_HEAD.unpack_from(body)
    offset = FRAME_HEAD.size
    payloads = []
    for _ in range(count):
        (size,) = LENGTH.unpack_from(body, offset)
        offset += LENGTH.size
        payloads.append(body[offset : offset + size])
        offset += size
    frame = EncodedFrame(tuple(payloads), timestamp, ntp, abs_time, keyframe, run_start)
    return seat, KINDS[kind], frame


class RelayFeed:
    """Engine side: subscribed to one pipeline, forwards its frames to one helper."""

    def __init__(self, helper: FanoutProcess, seat: int, kind: str) -> None:
        self.helper = helper
        self.seat = seat
        self.kind = kind
        self._need_key = kind == "video"

    def push(self, frame: EncodedFrame) -> None:
        """Forward ``frame``; after a drop (helper backlogged) resume at a keyframe."""
        if self._need_key and not frame.keyframe:
            return
        if self.helper.send(MSG_FRAME, pack_frame(self.seat, self.kind, frame)):
            self._need_key = False
        elif self.kind == "video":
            self._need_key = True


class FanoutProcess:
    """Engine side handle on one helper process."""

    def __init__(self, on_keyframe_request: Callable[[int], None], config: LiveConfig) -> None:
        self.viewer_count = 0
        self.pending = 0
        self.pid: int | None = None
        self._on_keyframe_request = on_keyframe_request
        self._config = config
        self._process: asyncio.subprocess.Process | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self._calls = PendingCalls("fan-out process stopped")

    async def start(self) -> None:
        """Spawn the helper with one end of a socket pair."""
        ours, theirs = socket.socketpair()
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sessions.live.relay_process", str(theirs.fileno()),
            self._config.to_json(), pass_fds=[theirs.fileno()],
        )  # fmt: skip
        theirs.close()
        self.pid = self._process.pid
        reader, self._writer = await asyncio.open_unix_connection(sock=ours, limit=STREAM_LIMIT)
        self._task = asyncio.get_running_loop().create_task(self._read(reader))

    def send(self, kind: int, body: bytes) -> bool:
        """Queue a message; False (dropped) while the helper is gone or backlogged."""
        writer = self._writer
        if writer is None or writer.is_closing():
            return False
        if writer.transport.get_write_buffer_size() > MAX_BACKLOG:
            return False
        writer.write(PREFIX.pack(kind, len(body)) + body)
        return True

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                kind, size = PREFIX.unpack(await reader.readexactly(PREFIX.size))
                body = await reader.readexactly(size)
                if kind == MSG_KEYFRAME:
                    self._on_keyframe_request(body[0])
                    continue
                message = json.loads(body)
                if message.get("event") == "viewers":
                    self.viewer_count = message["count"]
                    continue
                self._calls.answer(message)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writer = None
            self.viewer_count = 0  # its peers died with it
            self._calls.fail_all()

    async def _call(self, op: str, **arguments: Any) -> Any:
        request_id, body, future = self._calls.request(op, **arguments)
        if not self.send(MSG_CONTROL, body):
            self._calls.cancel(request_id)
            raise LiveError(503, "fan-out process unavailable")
        return await future

    async def watch(self, offer_sdp: str, offer_type: str) -> RTCSessionDescription:
        """Answer a viewer in the helper process."""
        self.pending += 1
        try:
            result = await self._call("watch", sdp=offer_sdp, type=offer_type)
        finally:
            self.pending -= 1
        return RTCSessionDescription(result["sdp"], result["type"])

    @property
    def alive(self) -> bool:
        """False once the helper's socket closed (it exited or crashed)."""
        return self._writer is not None

    @property
    def load(self) -> int:
        """Viewers connected plus offers being answered: what the stage balances on."""
        return self.viewer_count + self.pending

    async def close(self) -> None:
        """Close the helper's peers and stop it."""
        if self._process is None:
            return
        with contextlib.suppress(LiveError):
            await asyncio.wait_for(self._call("close"), 10)
        if self._writer is not None:
            self._writer.close()
        try:
            await asyncio.wait_for(self._process.wait(), 10)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()
        if self._task is not None:
            await self._task
        self._process = None


class RelayedFeed(Subscribers):
    """Helper side: the frames of one seat and kind, fanned out to this process's viewers."""

    def __init__(self, seat: int, kind: str, send: Callable[[int, bytes], None]) -> None:
        self.seat = seat
        self.kind = kind
        self.subscribers: list[Subscriber] = []
        self._send = send

    def request_keyframe(self) -> None:
        if self.kind == "video":
            self._send(MSG_KEYFRAME, bytes([self.seat]))

    def fanout(self, frame: EncodedFrame) -> None:
        for subscriber in list(self.subscribers):
            try:
                subscriber.push(frame)
            except Exception:
                self.unsubscribe(subscriber)


async def _serve(fd: int, config: LiveConfig) -> None:
    """Helper main loop: frames in, viewers' offers answered, keyframe requests out."""
    from fair.rtc.config import rtc_configuration

    sock = socket.socket(fileno=fd)
    reader, writer = await asyncio.open_unix_connection(sock=sock, limit=STREAM_LIMIT)
    rtc_config = rtc_configuration(config.ice_servers)
    feeds: dict[tuple[int, str], RelayedFeed] = {}
    viewers: set[RTCPeerConnection] = set()
    tasks: set[asyncio.Task[None]] = set()

    def send(kind: int, body: bytes) -> None:
        if not writer.is_closing():
            writer.write(PREFIX.pack(kind, len(body)) + body)

    def reply(message: Message) -> None:
        send(MSG_CONTROL, json.dumps(message).encode())

    def feed(seat: int, kind: str) -> RelayedFeed:
        key = (seat, kind)
        if key not in feeds:
            feeds[key] = RelayedFeed(seat, kind, send)
        return feeds[key]

    def viewer_state(pc: RTCPeerConnection) -> None:
        if pc.connectionState in ("failed", "closed") and pc in viewers:
            viewers.discard(pc)
            reply({"event": "viewers", "count": len(viewers)})
            if pc.connectionState == "failed":
                tasks.add(asyncio.get_running_loop().create_task(pc.close()))

    async def watch(message: Message) -> Message:
        pc = await answer_viewer(rtc_config, message["sdp"], message["type"],
                                 config.max_publishers, feed)  # fmt: skip
        viewers.add(pc)
        pc.on("connectionstatechange", lambda: viewer_state(pc))
        description = pc.localDescription
        reply({"event": "viewers", "count": len(viewers)})
        return {"sdp": description.sdp, "type": description.type}

    try:
        while True:
            kind, size = PREFIX.unpack(await reader.readexactly(PREFIX.size))
            body = await reader.readexactly(size)
            if kind == MSG_FRAME:
                seat, media_kind, frame = unpack_frame(body)
                feed(seat, media_kind).fanout(frame)
                continue
            message = json.loads(body)
            if message.get("op") == "watch":
                task = asyncio.get_running_loop().create_task(answer_request(message, watch, reply))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            elif message.get("op") == "close":
                await asyncio.gather(*(pc.close() for pc in viewers), return_exceptions=True)
                viewers.clear()
                reply({"id": message["id"], "result": None})
                await writer.drain()
                break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    await asyncio.gather(*(pc.close() for pc in viewers), return_exceptions=True)
    writer.close()


def main() -> None:
    """Entry point of a fan-out helper (started by :class:`FanoutProcess`)."""
    parser = argparse.ArgumentParser(description="fair live fan-out helper")
    parser.add_argument("fd", type=int)
    parser.add_argument("config", help="the engine's LiveConfig as JSON")
    args = parser.parse_args()
    config = LiveConfig.from_json(args.config)
    if config.loopback:  # FAIR_LIVE_LOOPBACK_ICE (development only)
        allow_loopback_candidates()
    lower_own_priority(HELPER_NICE_INCREMENT)  # the engine's media thread comes first
    asyncio.run(_serve(args.fd, config))

"""Relayed appointment call: the server's CPU for 2, 3 and 4 participants.

The relay room (``booths.call_relay.CallRelays``) runs alone in a child process, as in
the app server; each participant is an aiortc peer in a process of its own with the
browsers' fixed layout, publishing a synthetic 640x360 30 fps camera and a tone, and
decoding everything it receives. Offers and answers cross a pipe. The child's own CPU
(utime + stime from /proc) is read over a steady window after a warm-up.

    .venv/bin/python bench/appointment_relay.py --counts 2,3,4 --seconds 15
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import sys
import time
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiortc import RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.mediastreams import MediaStreamError  # noqa: E402

from booths.call_relay import CallRelays  # noqa: E402
from fair.db import utcnow  # noqa: E402
from fair.rtc.config import rtc_configuration  # noqa: E402
from sessions.live.ice import allow_loopback_candidates  # noqa: E402
from tests.support.synthetic import SyntheticVideoTrack, ToneAudioTrack  # noqa: E402


def _serve(conn: Connection) -> None:
    async def main() -> None:
        allow_loopback_candidates()
        relays = CallRelays([])
        loop = asyncio.get_running_loop()
        while True:
            message = await loop.run_in_executor(None, conn.recv)
            if message is None:
                break
            name, sdp = message
            now = utcnow()
            answer = await relays.join(1, now + timedelta(hours=1), name, sdp, now=now)
            conn.send(answer.sdp)
        await relays.close()

    asyncio.run(main())


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _participant_process(conn: Connection, name: str, frames: Any) -> None:
    """One participant in its own process (browsers do not share a core with the server)."""

    async def main() -> None:
        allow_loopback_candidates()
        pc = RTCPeerConnection(rtc_configuration([]))
        pc.addTransceiver(ToneAudioTrack(), direction="sendonly")
        pc.addTransceiver(SyntheticVideoTrack(640, 360, fps=30), direction="sendonly")
        pc.addTransceiver("video", direction="sendonly")
        for _ in range(3):
            for kind in ("audio", "video", "video"):
                pc.addTransceiver(kind, direction="recvonly")

        pulls: list[asyncio.Future[None]] = []

        @pc.on("track")
        def drain(track: Any) -> None:
            async def pull() -> None:
                with contextlib.suppress(MediaStreamError):
                    while True:
                        await track.recv()
                        if track.kind == "video":
                            with frames.get_lock():
                                frames.value += 1

            pulls.append(asyncio.ensure_future(pull()))

        await pc.setLocalDescription(await pc.createOffer())
        loop = asyncio.get_running_loop()
        conn.send((name, pc.localDescription.sdp))
        answer = await loop.run_in_executor(None, conn.recv)
        await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        await loop.run_in_executor(None, conn.recv)  # until told to stop
        await pc.close()

    asyncio.run(main())


async def measure(count: int, seconds: float) -> tuple[float, float]:
    spawn = multiprocessing.get_context("spawn")
    parent, child = spawn.Pipe()
    server = spawn.Process(target=_serve, args=(child,))
    server.start()
    assert server.pid is not None
    frames = spawn.Value("l", 0)
    participants = []
    for index in range(count):
        mine, theirs = spawn.Pipe()
        process = spawn.Process(target=_participant_process, args=(theirs, f"p{index}", frames))
        process.start()
        parent.send(mine.recv())  # the offer to the server, its answer back
        mine.send(parent.recv())
        participants.append((process, mine))
    await asyncio.sleep(8)  # connect, first keyframes, encoders settle
    cpu, wall, before = _cpu(server.pid), time.monotonic(), frames.value
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - wall
    share = (_cpu(server.pid) - cpu) / elapsed
    # frames per second per received camera: each participant receives count - 1
    fps = (frames.value - before) / elapsed / (count * (count - 1))
    for process, mine in participants:
        mine.send(None)
        process.join(10)
    parent.send(None)
    server.join(10)
    return share, fps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="2,3,4")
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    allow_loopback_candidates()
    for count in (int(c) for c in args.counts.split(",")):
        share, fps = asyncio.run(measure(count, args.seconds))
        print(f"{count} participants: server {share:.0%} of one core, {fps:.1f} fps received")


if __name__ == "__main__":
    main()

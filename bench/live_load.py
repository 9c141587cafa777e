"""Load part of the busiest hour: one live talk, a synthetic speaker and WebRTC viewers.

Everything goes through ``fair serve``'s HTTP routes, as browsers do: the organiser logs
in and publishes synthetic video (counter and send time drawn in, a tone) from a child
process (``tests/support/loadgen.py``); viewers post their offers to the talk's watch
route, each from its own address; at the end the organiser ends the talk and the
recording's frame rate is read from the MP4 in storage.

Viewers: the light receiver (``tests/support/light_receiver.py``, counts SRTP packets,
one sampled viewer decodes) when that module exists, else the loadgen receivers (child
processes counting RTP marker bits, one viewer decoding for glass-to-glass) behind the
same small interface; the result names which one measured.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from aiortc import RTCSessionDescription

from bench.exhibitor_load import client, csrf_of
from bench.pages import quantile
from tests.support.loadgen import PublisherProcess, ViewerProcess

ORGANISER = "orga@example.org"
DEMO_PASSWORD = "demo-passwort"


async def _offer(
    http: httpx.AsyncClient, path: str, sdp: str, token: str, address: str | None = None
) -> RTCSessionDescription:
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}
    if address:
        headers["X-Forwarded-For"] = address
    response = await http.post(path, json={"sdp": sdp, "type": "offer"}, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
    body = response.json()
    return RTCSessionDescription(body["sdp"], body["type"])


class Speaker:
    """The organiser publishing synthetic 640x360 video at 30 fps into one talk."""

    def __init__(self, port: int, session_id: int) -> None:
        self.http = client(port, "10.210.0.1")
        self.session_id = session_id
        self.publisher = PublisherProcess(640, 360, 30)

    async def start(self) -> None:
        token = await csrf_of(self.http, "/login")
        login = await self.http.post(
            "/login",
            data={"email": ORGANISER, "password": DEMO_PASSWORD, "csrf_token": token},
        )
        if login.status_code != 303:
            raise RuntimeError(f"organiser login: {login.status_code}")
        stage = f"/sessions/{self.session_id}/stage"
        token = await csrf_of(self.http, stage)
        path = f"/sessions/{self.session_id}/live/publish"
        await self.publisher.start(lambda sdp, _kind: _offer(self.http, path, sdp, token))

    async def end(self) -> None:
        token = await csrf_of(self.http, f"/sessions/{self.session_id}/stage")
        response = await self.http.post(
            f"/sessions/{self.session_id}/live/end",
            data={"csrf_token": token},
            headers={"Accept": "application/json"},
        )
        if response.status_code >= 400:
            raise RuntimeError(f"end: {response.status_code} {response.text[:200]}")
        await self.publisher.close()
        await self.http.aclose()


class LoadgenViewers:
    """The loadgen receivers behind the light receiver's interface (``snapshot``,
    ``stop``): child processes of ``per_process`` viewers; the first viewer decodes."""

    kind = "loadgen receivers (RTP marker bits counted, 1 viewer decoding)"

    def __init__(self, processes: list[ViewerProcess]) -> None:
        self.processes = processes
        self.failed = 0
        self._mark: tuple[float, list[int]] | None = None

    @classmethod
    async def join(
        cls, base_url: str, session_id: int, count: int, join_seconds: float, per_process: int = 25
    ) -> LoadgenViewers:
        http = httpx.AsyncClient(base_url=base_url, timeout=60)
        token = await csrf_of(http, f"/sessions/{session_id}")
        sizes = [per_process] * (count // per_process) + (
            [count % per_process] if count % per_process else []
        )
        processes = [ViewerProcess(size, decode=1 if i == 0 else 0) for i, size in enumerate(sizes)]
        viewers = cls(processes)
        numbers = iter(range(count))
        gap = join_seconds / max(1, len(processes))

        async def answer(sdp: str, _kind: str) -> RTCSessionDescription:
            n = next(numbers)
            address = f"10.200.{n // 250}.{n % 250 + 1}"
            return await _offer(http, f"/sessions/{session_id}/live/watch", sdp, token, address)

        async def start(index: int, process: ViewerProcess) -> None:
            await asyncio.sleep(index * gap)
            try:
                await process.start(answer)
            except RuntimeError:
                viewers.failed += process.count

        await asyncio.gather(*(start(i, p) for i, p in enumerate(processes)))
        await http.aclose()
        return viewers

    async def _reports(self) -> list[dict[str, Any]]:
        reports: list[dict[str, Any]] = []
        for process in self.processes:
            if process.process is not None and process.process.returncode is None:
                reports += await process.report()
        return reports

    async def snapshot(self) -> dict[str, Any]:
        reports = await self._reports()
        self._mark = (time.monotonic(), [r["video_frames"][0] for r in reports])
        return {"viewers": len(reports)}

    async def stop(self) -> dict[str, Any]:
        reports = await self._reports()
        assert self._mark is not None, "snapshot() marks where the measured time starts"
        began, frames = self._mark
        elapsed = time.monotonic() - began
        fps = sorted(
            (r["video_frames"][0] - before) / elapsed
            for r, before in zip(reports, frames, strict=False)
        )
        latency = [r["latency_ms_p95"] for r in reports if r["latency_ms_p95"] is not None]
        for process in self.processes:
            await process.close()
        return {
            "joined": sum(1 for r in reports if r["state"] == "connected"),
            "failed": self.failed,
            "fps_p10": round(quantile(fps, 0.1), 1) if fps else None,
            "fps_median": round(statistics.median(fps), 1) if fps else None,
            "glass_to_glass_p95_ms": latency[0] if latency else None,
        }


class LightViewers:
    """The light receiver (branch r19-viewers), when it is there."""

    kind = "light receiver (SRTP packets counted, 1 sampled viewer decoding)"

    def __init__(self, viewers: Any) -> None:
        self.viewers = viewers

    @classmethod
    async def join(
        cls, base_url: str, session_id: int, count: int, join_seconds: float
    ) -> LightViewers:
        from tests.support.light_receiver import run_light_viewers

        return cls(await run_light_viewers(base_url, session_id, count, join_seconds=join_seconds))

    async def snapshot(self) -> dict[str, Any]:
        result = self.viewers.snapshot()
        if inspect.isawaitable(result):
            result = await result
        return _plain(result)

    async def stop(self) -> dict[str, Any]:
        return _plain(await self.viewers.stop())


def _plain(value: Any) -> dict[str, Any]:
    """A reading as JSON-ready figures (rounded; the per-viewer list left out)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if not isinstance(value, dict):
        return {"value": repr(value)}
    return {
        key: round(figure, 1) if isinstance(figure, float) else figure
        for key, figure in value.items()
        if key != "fps"
    }


async def join_viewers(
    base_url: str, session_id: int, count: int, join_seconds: float, receiver: str
) -> LoadgenViewers | LightViewers:
    """``receiver``: "light", "loadgen" or "auto" (light when its module exists)."""
    if receiver == "auto":
        try:
            import tests.support.light_receiver  # noqa: F401

            receiver = "light"
        except ImportError:
            receiver = "loadgen"
    if receiver == "light":
        return await LightViewers.join(base_url, session_id, count, join_seconds)
    return await LoadgenViewers.join(base_url, session_id, count, join_seconds)


async def recording_fps(url: str, storage: Path, session_id: int, timeout: float = 120) -> Any:
    """Frames per second of the talk's recording, from the MP4's video packets: median and
    lowest whole second (first and last second left out: they are partial)."""
    import av
    from sqlalchemy import text

    from fair.db import Database

    database = Database(url)
    deadline = time.monotonic() + timeout
    key = None
    try:
        while key is None:
            async with database.session() as db:
                key = await db.scalar(
                    text("SELECT storage_key FROM recordings WHERE session_id = :id"),
                    {"id": session_id},
                )
            if key is None:
                if time.monotonic() > deadline:
                    return {"recording": f"none within {timeout:.0f} s"}
                await asyncio.sleep(1)
    finally:
        await database.dispose()

    def per_second() -> Counter[int]:
        with av.open(str(storage / key)) as container:
            stream = container.streams.video[0]
            return Counter(
                int(packet.pts * stream.time_base)
                for packet in container.demux(stream)
                if packet.pts is not None
            )

    seconds = await asyncio.to_thread(per_second)
    whole = [seconds[s] for s in sorted(seconds)[1:-1]]
    return {
        "recording_seconds": len(seconds),
        "recording_fps_median": statistics.median(whole) if whole else None,
        "recording_fps_min": min(whole) if whole else None,
        "recording_frames": sum(seconds.values()),
    }

"""Run the live engine in its own process, with the same calls as :class:`LiveRegistry`.

Media work (decoding, encoding, one send per viewer and packet) competes with page, chat
and Q&A requests when it shares the web server's event loop, and one event loop uses at
most one core. :class:`LiveWorker` starts ``python -m sessions.live.worker`` and forwards
``publish``/``watch``/``describe``/``end`` as JSON lines over the child's stdin/stdout;
SDP is all that crosses, media flows between the child and the browsers directly. Refusals
come back as the same :class:`LiveError`; finished recordings are reported through the
same callback. Several workers (e.g. one per core) can share the stages of an event by
``session_id``; a talk beyond one core is the next step (see docs/benchmarks-live.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from aiortc import RTCSessionDescription

from fair.rtc.errors import LiveError

from .config import LiveConfig
from .ice import allow_loopback_candidates
from .registry import LiveRegistry
from .rpc import Message, PendingCalls, answer_request
from .stage import RecordingCallback

logger = logging.getLogger(__name__)

STREAM_LIMIT = 1 << 20  # an SDP is at most 64 KB; answers for big panels stay well below


class LiveWorker:
    """Parent side: a :class:`LiveRegistry` living in a child process."""

    def __init__(
        self,
        config: LiveConfig,
        on_recording_finished: RecordingCallback | None = None,
        python: str = sys.executable,
    ) -> None:
        self.config = config
        self.on_recording_finished = on_recording_finished
        self._command = [python, "-m", "sessions.live.worker"]
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._calls = PendingCalls("live media worker stopped")
        self._callbacks: set[asyncio.Task[None]] = set()

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._process.pid if self._process is not None else None

    async def start(self) -> None:
        """Start the child process (call once, e.g. in the app's lifespan)."""
        self._process = await asyncio.create_subprocess_exec(
            *self._command, self.config.to_json(),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            limit=STREAM_LIMIT,
        )  # fmt: skip
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def ready(self, seconds: float) -> None:
        """Wait until the child answers a request (imports done, its loop serving): a
        worker that dies or hangs while starting raises ``LiveError(503)`` instead of
        counting as restarted while every request to it would still wait."""
        try:
            await asyncio.wait_for(self._call("ping"), seconds)
        except TimeoutError:
            raise LiveError(503, f"live media worker did not answer within {seconds} s") from None

    async def kill(self) -> None:
        """Stop a child that never became ready (no stage to end in it)."""
        process = self._process
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        self._process = None

    async def wait_stopped(self) -> int | None:
        """Wait until the child exits (crash or :meth:`close`); its exit code."""
        process = self._process
        if process is None:
            return None
        code = await process.wait()
        if self._reader is not None:  # pending calls have failed with 503 by now
            await asyncio.gather(self._reader, return_exceptions=True)
        return code

    async def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        try:
            while line := await self._process.stdout.readline():
                message = json.loads(line)
                if "event" in message:
                    self._event(message)
                    continue
                self._calls.answer(message)
        finally:
            self._calls.fail_all()

    def _event(self, message: dict[str, Any]) -> None:
        callback = self.on_recording_finished
        if message["event"] != "recording" or callback is None:
            return

        async def report() -> None:
            try:
                await callback(
                    message["session"], Path(message["path"]), float(message["duration"])
                )
            except Exception:
                logger.exception("recording callback failed for %s", message["path"])

        task = asyncio.get_running_loop().create_task(report())
        self._callbacks.add(task)
        task.add_done_callback(self._callbacks.discard)

    async def _call(self, op: str, **arguments: Any) -> Any:
        process = self._process
        if (
            process is None
            or process.stdin is None
            or process.returncode is not None
            or self._reader is None
            or self._reader.done()
        ):
            raise LiveError(503, "live media worker not running")
        request_id, body, future = self._calls.request(op, **arguments)
        process.stdin.write(body + b"\n")
        try:
            await process.stdin.drain()
        except ConnectionError:
            self._calls.cancel(request_id)
            raise LiveError(503, "live media worker stopped") from None
        return await future

    async def publish(
        self,
        session_id: str,
        offer_sdp: str,
        offer_type: str,
        publisher_id: str,
        record: bool = True,
    ) -> RTCSessionDescription:
        """See :meth:`LiveRegistry.publish`."""
        result = await self._call(
            "publish",
            session=session_id,
            sdp=offer_sdp,
            type=offer_type,
            publisher=publisher_id,
            record=record,
        )
        return RTCSessionDescription(result["sdp"], result["type"])

    async def watch(
        self, session_id: str, offer_sdp: str, offer_type: str, record: bool = True
    ) -> RTCSessionDescription:
        """See :meth:`LiveRegistry.watch`."""
        result = await self._call(
            "watch", session=session_id, sdp=offer_sdp, type=offer_type, record=record
        )
        return RTCSessionDescription(result["sdp"], result["type"])

    async def describe(self, session_id: str) -> dict[str, Any]:
        """See :meth:`LiveStage.describe`."""
        result: dict[str, Any] = await self._call("describe", session=session_id)
        return result

    async def end(self, session_id: str) -> list[Path]:
        """End a stage in the child; recordings are reported through the callback too."""
        return [Path(p) for p in await self._call("end", session=session_id)]

    async def close(self) -> None:
        """End every stage (recordings finished and reported) and stop the child."""
        process = self._process
        if process is None:
            return
        with contextlib.suppress(LiveError):
            await asyncio.wait_for(self._call("close"), 30)
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
        if self._reader is not None:
            await self._reader
        if self._callbacks:
            await asyncio.gather(*self._callbacks, return_exceptions=True)
        self._process = None


async def _serve(config: LiveConfig) -> None:
    """Child side: answer requests from stdin concurrently, one JSON line each."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=STREAM_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def emit(message: Message) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    async def recorded(session_id: str, path: Path, duration: float) -> None:
        emit({"event": "recording", "session": session_id, "path": str(path), "duration": duration})

    registry = LiveRegistry(config, recorded)
    tasks: set[asyncio.Task[None]] = set()
    closing = asyncio.Event()

    async def handle(message: Message) -> Any:
        op = message.get("op")
        if op in ("publish", "watch"):
            stage = registry.stage(message["session"], message.get("record", True))
            sdp, kind = message["sdp"], message["type"]
            if op == "publish":
                answer = await stage.publish(sdp, kind, message["publisher"])
            else:
                answer = await stage.watch(sdp, kind)
            return {"sdp": answer.sdp, "type": answer.type}
        if op == "ping":  # the parent's readiness check (LiveWorker.ready)
            return True
        if op == "describe":
            return await registry.describe(message["session"])
        if op == "end":
            return [str(p) for p in await registry.end(message["session"])]
        if op == "close":
            await registry.close()
            closing.set()
            return None
        raise LiveError(400, f"unknown operation {op!r}")

    while not closing.is_set():
        line = await reader.readline()
        if not line and not closing.is_set():
            # The app died (SIGKILL, OOM) without asking us to close. Ending the stages
            # would mark their recordings "ended" and the talk would be stored in two
            # pieces; leave them open instead, exactly as a killed worker would, so the
            # next app start marks them interrupted and joins them with the talk's next
            # part (the fragment in the muxer, < 2 s, is lost either way).
            logger.warning("live worker: the app is gone; exiting without ending stages")
            os._exit(0)
        if not line:
            break
        task = loop.create_task(answer_request(json.loads(line), handle, emit))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
    await registry.close()


def main() -> None:
    """Entry point of the worker process (started by :class:`LiveWorker`)."""
    parser = argparse.ArgumentParser(description="fair live media worker")
    parser.add_argument("config", help="JSON settings from the parent")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    config = LiveConfig.from_json(args.config)
    if config.loopback:  # FAIR_LIVE_LOOPBACK_ICE (development only)
        allow_loopback_candidates()
    asyncio.run(_serve(config))


if __name__ == "__main__":
    main()

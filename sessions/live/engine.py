"""The live engine of one app instance: started on first use, supervised, restarted.

Most requests never touch live media, so the engine (a :class:`LiveWorker` child process
by default, a :class:`LiveRegistry` in the app process with ``FAIR_LIVE_WORKER=false``)
starts when a stage is first used. When the worker dies (killed, out of memory, a crash
in a media library) the supervisor notices at once (its pipe closes), logs it, hands
what the worker was recording to the archive (``on_worker_lost``: the parts are kept,
published and later joined with the talk's next part) and starts a new worker within
about a second, retrying with back-off if that fails. The restart is over when the new
worker answers (not when its process exists), so a worker that hangs or dies while
starting is retried too. Meanwhile every stage request answers 503 "being restarted"
("end" too, changing nothing) and the status says ``interrupted``; the stage and viewer
pages reconnect by themselves when ``generation`` (in the status) changes and the talk
is live again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fair.rtc.errors import LiveError
from sessions.live.config import LiveConfig
from sessions.live.ice import allow_loopback_candidates
from sessions.live.internals import missing_private_api
from sessions.live.registry import LiveRegistry
from sessions.live.stage import RecordingCallback, stage_description
from sessions.live.worker import LiveWorker

logger = logging.getLogger(__name__)

RESTART_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0)  # back-off between failed restarts (last repeats)
WORKER_READY_SECONDS = 30.0  # a new worker must answer by then (imports on a busy machine)
RESTARTING_MESSAGE = (
    "Die Live-Übertragung wird nach einer Störung neu gestartet. Bitte in wenigen Sekunden"
    " erneut versuchen."
)


class LiveEngine:
    """Holds this instance's engine; supervises and restarts the worker process."""

    def __init__(
        self,
        config: LiveConfig,
        *,
        in_worker: bool,
        on_recording_finished: RecordingCallback,
        on_worker_lost: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.config = config
        self.in_worker = in_worker  # FAIR_LIVE_WORKER: the engine in a child process
        self.on_recording_finished = on_recording_finished
        self.on_worker_lost = on_worker_lost
        self.restarts = 0
        self.last_restart: float | None = None  # wall-clock time of the last restart
        self._boot = secrets.token_hex(4)  # a new app process is a new generation too
        self._engine: LiveRegistry | LiveWorker | None = None
        self._down = False
        self._closing = False
        self._lock = asyncio.Lock()
        self._supervisor: asyncio.Task[None] | None = None
        self._api_checked = False

    @property
    def generation(self) -> str:
        """Changes whenever the media engine was replaced: peers of the old one are dead."""
        return f"{self._boot}-{self.restarts}"

    @property
    def down(self) -> bool:
        """True while the worker died and its successor is not running yet."""
        return self._down

    async def get(self) -> LiveRegistry | LiveWorker:
        """The running engine (started on first use); 503 while it is being restarted."""
        if self._down:
            raise LiveError(503, RESTARTING_MESSAGE)
        async with self._lock:
            if self._engine is None:
                self._engine = await self._start()
            return self._engine

    async def _start(self) -> LiveRegistry | LiveWorker:
        if not self._api_checked:  # a broken install says so instead of failing mid-talk
            missing = await missing_private_api()
            if missing:
                logger.error("live media disabled: installed aiortc lacks %s", missing)
                raise LiveError(503, "Live-Übertragung auf diesem Server nicht verfügbar.")
            self._api_checked = True
        if not self.in_worker:
            if self.config.loopback:
                allow_loopback_candidates()
            return LiveRegistry(self.config, self.on_recording_finished)
        worker = LiveWorker(self.config, self.on_recording_finished)
        await worker.start()
        try:  # restarted only once it answers: until then "end" and publish answer 503
            await worker.ready(WORKER_READY_SECONDS)
        except LiveError as exc:  # hung or died while starting: the next try starts anew
            await worker.kill()
            logger.error("live media worker did not start: %s", exc.message)
            raise LiveError(503, RESTARTING_MESSAGE) from exc
        except BaseException:
            await worker.kill()
            raise
        self._supervisor = asyncio.get_running_loop().create_task(self._supervise(worker))
        return worker

    async def _supervise(self, worker: LiveWorker) -> None:
        code = await worker.wait_stopped()
        if self._closing or self._engine is not worker:
            return
        died = time.monotonic()
        self._down = True
        self._engine = None
        logger.error(
            "live media worker (pid %s) stopped with exit code %s; restarting it", worker.pid, code
        )
        try:
            if self.on_worker_lost is not None:
                try:
                    await self.on_worker_lost()
                except Exception:  # the restart must happen even if the spool hand-over fails
                    logger.exception("live media worker: handing over its spool failed")
            for attempt in range(1_000_000):
                if self._closing:
                    return
                try:
                    async with self._lock:
                        self._engine = await self._start()
                    break
                except Exception:
                    delay = RESTART_DELAYS[min(attempt, len(RESTART_DELAYS) - 1)]
                    logger.exception("live media worker: restart failed; next try in %s s", delay)
                    await asyncio.sleep(delay)
            self.restarts += 1
            self.last_restart = time.time()
            logger.warning(
                "live media worker restarted (pid %s) %.1f s after it stopped; restart %d",
                getattr(self._engine, "pid", None), time.monotonic() - died, self.restarts,
            )  # fmt: skip
        finally:
            self._down = False

    async def end(self, session_id: str) -> list[Path]:
        """End the talk's stage (see :meth:`LiveRegistry.end`); 503 while the worker is
        being restarted. An engine that never ran has no stage to end, so ending a talk
        nobody published to starts no worker."""
        if self._down:
            raise LiveError(503, RESTARTING_MESSAGE)
        async with self._lock:  # a start under way finishes first
            engine = self._engine
        try:
            return await engine.end(session_id) if engine is not None else []
        except LiveError as exc:  # it died under the call; the supervisor restarts it
            if exc.status_code != 503:
                raise
            raise LiveError(503, RESTARTING_MESSAGE) from None

    async def describe(self, session_id: str) -> dict[str, Any]:
        """The stage's description; ``interrupted`` while the worker is being restarted."""
        if self._down:
            return stage_description(self.config.max_publishers, "interrupted")
        if self._engine is None:  # nothing has been published or watched here yet
            return stage_description(self.config.max_publishers)
        try:
            return await self._engine.describe(session_id)
        except LiveError as exc:
            if exc.status_code != 503:
                raise
            return stage_description(self.config.max_publishers, "interrupted")

    async def close(self) -> None:
        self._closing = True
        async with self._lock:
            if self._engine is not None:
                await self._engine.close()
                self._engine = None
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor

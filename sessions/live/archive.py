"""From the spool to storage: finished recordings become the session's recordings.

Nothing recorded may be lost. A finished file stays in the spool until storage has
accepted it and the database row exists; a failed upload is retried on a timer, and
files left behind by a crash are recovered at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from sqlalchemy import select

from fair.db import Database
from fair.storage import Storage, StorageError
from sessions.live.recorder import probe_duration, recover_spool
from sessions.models import ProgrammeSession, Recording

logger = logging.getLogger(__name__)


class RecordingArchive:
    """Uploads spooled recordings and records them; retries until storage takes them."""

    def __init__(
        self, database: Database, storage: Storage, spool_dir: Path, retry_seconds: float = 30.0
    ) -> None:
        self.database = database
        self.storage = storage
        self.spool_dir = spool_dir
        self.retry_seconds = retry_seconds
        self._in_flight: set[Path] = set()
        self._retry_task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def store(self, session_id: str, path: Path, duration: float) -> bool:
        """Upload ``path`` and add it to the session; False leaves it in the spool."""
        if path in self._in_flight or not await asyncio.to_thread(path.exists):
            return False
        self._in_flight.add(path)
        try:
            return await self._store(session_id, path, duration)
        finally:
            self._in_flight.discard(path)

    async def _store(self, session_id: str, path: Path, duration: float) -> bool:
        try:
            programme_id = int(session_id)
        except ValueError:
            logger.error("spool: %s does not belong to a programme session; kept", path)
            return False
        key = f"recordings/{programme_id}/{path.name}"
        async with self.database.session() as db:
            if await db.get(ProgrammeSession, programme_id) is None:
                logger.error("spool: session %s is gone; %s kept for an operator", session_id, path)
                return False
            known = await db.scalar(select(Recording.id).where(Recording.storage_key == key))
        if known is None:
            try:
                stored = await self.storage.save_file(
                    key, path, content_type="video/mp4", filename=path.name
                )
            except StorageError as exc:
                logger.warning("recording %s not stored yet (%s); retrying later", path, exc)
                self._schedule_retry()
                return False
            async with self.database.session() as db:
                db.add(
                    Recording(
                        session_id=programme_id,
                        storage_key=stored.key,
                        content_type="video/mp4",
                        size_bytes=stored.size,
                        duration_seconds=round(duration, 2),
                    )
                )
                await db.commit()
        await asyncio.to_thread(path.unlink, True)
        logger.info("recording of session %s stored as %s (%.1f s)", session_id, key, duration)
        return True

    async def on_recording_finished(self, session_id: str, path: Path, duration: float) -> None:
        """The engine's callback when a stage ends: store now, or retry later."""
        await self.store(session_id, path, duration)

    async def recover(self) -> int:
        """At start-up: store what a crashed or stopped process left in the spool."""
        recovered = await asyncio.to_thread(recover_spool, self.spool_dir)
        stored = 0
        for item in recovered:
            if await self.store(item.session_id, item.path, item.duration):
                stored += 1
        return stored

    async def retry_pending(self) -> int:
        """Store every finished spool file (``*.mp4``; ``.part`` files are still written)."""
        stored = 0
        async with self._lock:
            for path in sorted(self.spool_dir.glob("*/*.mp4")):
                if path in self._in_flight:
                    continue
                duration = await asyncio.to_thread(probe_duration, path)
                if duration is None:
                    continue
                if await self.store(path.parent.name, path, duration):
                    stored += 1
        return stored

    def _schedule_retry(self) -> None:
        if self._retry_task is None or self._retry_task.done():
            self._retry_task = asyncio.get_running_loop().create_task(self._retry_loop())

    async def _retry_loop(self) -> None:
        while True:
            await asyncio.sleep(self.retry_seconds)
            await self.retry_pending()
            if not any(self.spool_dir.glob("*/*.mp4")):
                return

    async def close(self) -> None:
        if self._retry_task is not None:
            self._retry_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retry_task

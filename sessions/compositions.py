"""Running panel compositions (:mod:`sessions.composer`) for the app: one low-priority
child process per panel, its progress kept here for the organisers' view, the result
stored as the session's composed recording (the per-publisher files stay)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from fair.db import Database
from fair.storage import Storage
from sessions.demo_media import poster_frame, probe_duration
from sessions.models import Recording

logger = logging.getLogger(__name__)


@dataclass
class Composition:
    progress: float = 0.0
    state: str = "running"  # running | done | failed
    message: str = ""


class Compositions:
    def __init__(self, database: Database, storage: Storage) -> None:
        self.database = database
        self.storage = storage
        self.jobs: dict[int, Composition] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, session_id: int) -> Composition:
        job = self.jobs.get(session_id)
        if job is not None and job.state == "running":
            return job
        job = self.jobs[session_id] = Composition()
        task = asyncio.get_running_loop().create_task(self._run(session_id, job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def _run(self, session_id: int, job: Composition) -> None:
        try:
            await self._compose(session_id, job)
            job.state, job.progress = "done", 1.0
        except Exception as exc:  # reported to organisers; the inputs are untouched
            logger.exception("composing the panel of session %s failed", session_id)
            job.state, job.message = "failed", str(exc)[:200]

    async def _compose(self, session_id: int, job: Composition) -> None:
        async with self.database.session() as db:
            parts = list(
                (
                    await db.scalars(
                        select(Recording)
                        .where(Recording.session_id == session_id, Recording.source == "live")
                        .order_by(Recording.id)
                    )
                ).all()
            )
        if len(parts) < 2:
            raise ValueError("Ein Zusammenschnitt braucht mindestens zwei Aufzeichnungen.")
        with tempfile.TemporaryDirectory(prefix="fair-compose-") as scratch:
            work = Path(scratch)
            inputs = []
            for index, part in enumerate(parts):
                path = work / f"in-{index}.mp4"
                opened = await self.storage.open_range(part.storage_key, None, None)
                with path.open("wb") as out:
                    async for chunk in opened.body:
                        out.write(chunk)
                inputs.append(path)
            output = work / "panel.mp4"
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "sessions.composer", str(output), *map(str, inputs),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            assert process.stdout is not None
            async for line in process.stdout:
                text = line.decode(errors="replace").strip()
                if text.startswith("progress "):
                    with contextlib.suppress(ValueError):
                        job.progress = float(text.split()[1])
            if await process.wait() != 0:
                error = (
                    (await process.stderr.read()).decode(errors="replace") if process.stderr else ""
                )
                raise RuntimeError(error.strip().splitlines()[-1] if error.strip() else "composer")
            duration = await asyncio.to_thread(probe_duration, output) or 0.0
            poster = work / "panel.jpg"
            key = f"recordings/{session_id}/panel-{parts[-1].id}.mp4"
            stored = await self.storage.save_file(
                key, output, content_type="video/mp4", filename="panel.mp4"
            )
            poster_key = ""
            if await asyncio.to_thread(poster_frame, output, poster, 5.0):
                poster_key = (
                    await self.storage.save_file(
                        f"{key}.jpg", poster, content_type="image/jpeg", filename="panel.jpg"
                    )
                ).key
        async with self.database.session() as db:
            db.add(
                Recording(
                    session_id=session_id,
                    storage_key=stored.key,
                    size_bytes=stored.size,
                    duration_seconds=round(duration, 2),
                    poster_key=poster_key,
                    source="composed",
                )
            )
            # the composed video is what visitors see; the parts stay for organisers
            for part in parts:
                found = await db.get(Recording, part.id)
                if found is not None:
                    found.published = False
            await db.commit()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

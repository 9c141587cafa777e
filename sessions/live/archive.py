"""From the spool to storage: live HLS while the talk runs, the recording when it ends.

The recorder (:mod:`sessions.live.recorder`) leaves CMAF segments in the spool, one
directory per publisher seat. This archive, running in the app process, uploads each
segment as soon as it is complete, then rewrites the seat's media playlist, so a playlist
never names a segment that storage does not hold. At the end the playlist gets its
``EXT-X-ENDLIST`` (the live EVENT playlist becomes the VOD), one faststart MP4 is
assembled from the same segments without re-encoding, and a :class:`Recording` row points
at both.

Nothing recorded may be lost, and storage trouble must never reach the viewers: the media
thread only writes local files; uploads run here, one segment at a time per recording,
and a failing store is retried on a timer while the segments wait on disk (the spool is
the queue; it holds what the recording needs anyway). What was uploaded is remembered in
the spool (``published``), so a restart neither loses nor repeats a segment.

Storage layout (keys): ``live/<session>/master.m3u8`` (multivariant playlist of the talk),
``live/<session>/seats.json`` (every seat's media playlist: a panel's viewers play each),
``live/<session>/<seat dir>/{init.mp4,index.m3u8,NNNNN.m4s}`` and
``recordings/<session>/<seat dir>.mp4``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import math
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path

import av
from sqlalchemy import select

from fair.db import Database
from fair.storage import Storage, StorageError, StorageFull
from sessions.live.parts import (
    earlier_parts,
    interrupt_open_parts,
    is_interrupted,
    join_parts,
    joined_playlist,
    last_interrupted_parts,
)
from sessions.live.recorder import (
    ENDED_NAME,
    INIT_NAME,
    LOW_VARIANT_DIR,
    SEGMENT_SECONDS,
    SPOOL_FULL_NAME,
    assemble_mp4,
    read_index,
)
from sessions.models import LiveState, ProgrammeSession, Recording
from sessions.states import interruption_over

logger = logging.getLogger(__name__)

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
PUBLISHED_NAME = "published"
MASTER_NAME = "master.m3u8"
SEATS_NAME = "seats.json"  # every seat's media playlist, for a panel's players
MEDIA_PLAYLIST_NAME = "index.m3u8"
LOW_BANDWIDTH = 560_000  # the low rendition's 400 kbit/s video + AAC + container, peak
H264_CODECS = "avc1.42e01f"  # constrained baseline, level 3.1 (video_pipeline.VideoPipeline)
AAC_CODECS = "mp4a.40.2"
PLAYLIST_CACHE = "public, max-age=1"  # a new segment every ~2 s
SEGMENT_CACHE = "public, max-age=31536000, immutable"  # a segment never changes
PARKED_SECONDS = 3600.0  # a recording whose session was deleted waits for an operator
OVERDUE_CHECK_SECONDS = 5.0  # how often interrupted talks are checked for being over


def live_prefix(session_id: int | str) -> str:
    """Storage prefix of a talk's HLS files."""
    return f"live/{session_id}"


def media_playlist(segments: list[tuple[str, float]], ended: bool) -> str:
    """An HLS media playlist (RFC 8216) of CMAF segments: EVENT while live, VOD at the end.

    EVENT keeps every segment from the start, which is what lets a latecomer jump back
    to the beginning while the talk is still live (relive).
    """
    longest = max((duration for _, duration in segments), default=SEGMENT_SECONDS)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{max(math.ceil(SEGMENT_SECONDS), round(longest))}",
        f"#EXT-X-PLAYLIST-TYPE:{'VOD' if ended else 'EVENT'}",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        "#EXT-X-MEDIA-SEQUENCE:0",
        f'#EXT-X-MAP:URI="{INIT_NAME}"',
    ]
    for name, duration in segments:
        lines += [f"#EXTINF:{duration:.3f},", name]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def multivariant_playlist(
    seat_dir: str,
    has_video: bool,
    size: tuple[int, int] | None = None,
    low_size: tuple[int, int] | None = None,
) -> str:
    """The talk's entry playlist; it names the first seat's media playlist.

    Seats of a panel are different pictures, not renditions of one, so they are not
    variants of each other; the page lists every seat's media playlist itself.
    ``size`` (from the init segment) becomes ``RESOLUTION``, which players use to pick
    a variant for the screen; ``low_size`` adds the seat's low rendition as a second
    variant (hls.js and Safari switch between them by measured throughput).
    """
    codecs = f"{H264_CODECS},{AAC_CODECS}" if has_video else AAC_CODECS
    bandwidth = 1_300_000 if has_video else 160_000
    resolution = f",RESOLUTION={size[0]}x{size[1]}" if has_video and size else ""
    text = (
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        f'#EXT-X-STREAM-INF:BANDWIDTH={bandwidth}{resolution},CODECS="{codecs}"\n'
        f"{seat_dir}/{MEDIA_PLAYLIST_NAME}\n"
    )
    if low_size is not None:  # the same picture at 640x360, ~400 kbit/s + AAC
        text += (
            f"#EXT-X-STREAM-INF:BANDWIDTH={LOW_BANDWIDTH},"
            f'RESOLUTION={low_size[0]}x{low_size[1]},CODECS="{codecs}"\n'
            f"{seat_dir}/{LOW_VARIANT_DIR}/{MEDIA_PLAYLIST_NAME}\n"
        )
    return text


def picture_size(init_path: Path) -> tuple[int, int] | None:
    """Width and height of the video track of an init segment (ftyp + moov), if any."""
    try:
        with av.open(str(init_path)) as container:
            if container.streams.video:
                stream = container.streams.video[0]
                return stream.codec_context.width, stream.codec_context.height
    except (av.FFmpegError, OSError):
        return None
    return None


def _published_seats(session_dir: Path, new_seat: str) -> list[str]:
    """Seat directories of a talk whose playlist is in storage, plus ``new_seat``."""
    names = {new_seat} | {
        path.parent.name
        for path in session_dir.glob(f"*/{PUBLISHED_NAME}")
        if not path.parent.name.endswith(".broken") and not is_interrupted(path.parent)
    }
    return sorted(names, key=lambda name: (int(name.split("-", 1)[0]), name))


async def _one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


class RecordingArchive:
    """Publishes spooled segments as HLS and stores finished recordings; retries on failure."""

    def __init__(
        self,
        database: Database,
        storage: Storage,
        spool_dir: Path,
        retry_seconds: float = 5.0,
        poll_seconds: float = 0.25,
        clock: Callable[[], datetime] | None = None,
        on_talk_over: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self.database = database
        self.clock = clock  # the fair's "now": interrupted talks past their end are stored
        self.on_talk_over = on_talk_over  # such a talk is then ended (its pages told)
        self.interrupted_sessions: set[str] = set()  # talks with a part waiting to continue
        self._overdue_checked = 0.0
        self.storage = storage
        self.spool_dir = spool_dir
        self.retry_seconds = retry_seconds
        self.poll_seconds = poll_seconds
        self._retry_at: dict[Path, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()

    # ----- life cycle --------------------------------------------------------------------

    def start(self) -> None:
        """Watch the spool in the background (the app's start-up hook calls this)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            try:
                await self.sync()
            except Exception:  # one bad directory must not stop live HLS for the others
                logger.exception("archive: sync failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(StorageError):
            await self.sync(force=True)  # a last chance for the segments of ended stages

    async def on_recording_finished(self, session_id: str, path: Path, duration: float) -> None:
        """The engine's callback when a stage ends: publish and store now, or retry later."""
        await self.sync(force=True)

    async def recover(self) -> set[str]:
        """At start-up, or when the live media worker died: what the dead process was
        writing becomes interrupted parts (published as HLS now, joined with the talk's
        next part later); returns the sessions whose talk was interrupted."""
        interrupted = await asyncio.to_thread(interrupt_open_parts, self.spool_dir)
        self.interrupted_sessions |= interrupted
        await self.sync(force=True)
        return interrupted

    async def finish_interrupted(self, session_id: str) -> None:
        """The talk is over ("end", or its time passed) while a part waits to continue:
        the latest part of each publisher ends, joining the earlier ones; stored now."""
        session_dir = self.spool_dir / session_id
        if not session_dir.is_dir():
            return
        for directory in await asyncio.to_thread(last_interrupted_parts, session_dir):
            await asyncio.to_thread((directory / ENDED_NAME).touch)
        self._wake.set()
        await self.sync(force=True)

    async def retry_pending(self) -> int:
        """One pass ignoring back-off timers; returns how many recordings were stored."""
        return await self.sync(force=True)

    def spool_full(self, session_id: int) -> bool:
        """A recording of this talk dropped segments because the spool disk was full
        (the recorder's marker): the stage page warns while the talk goes on."""
        return any((self.spool_dir / str(session_id)).glob(f"*/{SPOOL_FULL_NAME}"))

    @property
    def waiting(self) -> list[Path]:
        """Recordings whose last upload failed and wait for storage (for monitoring)."""
        return sorted(self._retry_at)

    # ----- one pass ----------------------------------------------------------------------

    async def sync(self, force: bool = False) -> int:
        """Upload new segments of every spooled recording; store the finished ones."""
        async with self._lock:
            directories = await asyncio.to_thread(self._directories)
            self.interrupted_sessions = {d.parent.name for d in directories if is_interrupted(d)}
            stored = 0
            now = time.monotonic()
            for directory in directories:
                if not force and self._retry_at.get(directory, 0.0) > now:
                    continue
                self._retry_at.pop(directory, None)
                try:
                    if await self._sync_directory(directory):
                        stored += 1
                except (StorageError, OSError) as exc:
                    if isinstance(exc, OSError) and exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                        raise
                    # the spool's disk is full (a state file could not be written) or
                    # storage is down: the segments wait, tried again on the timer
                    logger.warning("archive: %s waits for storage (%s)", directory.name, exc)
                    self._retry_at[directory] = time.monotonic() + self.retry_seconds
        await self._finish_overdue()
        return stored

    async def _finish_overdue(self) -> None:
        """Interrupted talks nobody continued: once ended, or not continued by a few
        minutes after their planned end (:func:`~sessions.states.interruption_over`),
        they end and their parts are stored as the talk's one recording."""
        if not self.interrupted_sessions or self.clock is None:
            return
        if time.monotonic() - self._overdue_checked < OVERDUE_CHECK_SECONDS:
            return
        self._overdue_checked = time.monotonic()
        ids = [int(i) for i in self.interrupted_sessions if i.isdigit()]
        async with self.database.session() as db:
            rows = (
                await db.scalars(select(ProgrammeSession).where(ProgrammeSession.id.in_(ids)))
            ).all()
        now = self.clock()
        for session in rows:
            if not interruption_over(session, now):
                continue
            if session.live_state is not LiveState.ended and self.on_talk_over is not None:
                await self.on_talk_over(session.id)  # nobody pressed "end": it has ended
            await self.finish_interrupted(str(session.id))

    def _directories(self) -> list[Path]:
        if not self.spool_dir.is_dir():
            return []
        return sorted(
            path
            for path in self.spool_dir.glob("*/*/")
            if not path.name.endswith(".broken") and (path / INIT_NAME).exists()
        )

    async def _sync_directory(self, directory: Path) -> bool:
        """Publish what is new in one recording; True when it was stored as a Recording."""
        session_id = directory.parent.name
        if not session_id.isdigit():
            return False  # not a programme session (tests, tools): nothing to publish to
        prefix = f"{live_prefix(session_id)}/{directory.name}"
        published_file = directory / PUBLISHED_NAME
        ended = (directory / ENDED_NAME).exists()  # read before the index: no lost tail
        segments = await asyncio.to_thread(read_index, directory)
        if not published_file.exists():
            await self._put_file(f"{prefix}/{INIT_NAME}", directory / INIT_NAME, "video/mp4")
            await asyncio.to_thread(published_file.write_text, "0")
        # "<count>" segments published while live; "<count> final" once the VOD is listed
        state = (await asyncio.to_thread(published_file.read_text)).split()
        done, final = int(state[0]) if state else 0, state[1:] == ["final"]
        if done < len(segments) or (ended and not final):
            for name, _ in segments[done:]:
                await self._put_file(f"{prefix}/{name}", directory / name, "video/iso.segment")
            # only now may the playlist name them: every listed segment is stored
            playlist = media_playlist(segments, ended)
            await self._put_bytes(f"{prefix}/{MEDIA_PLAYLIST_NAME}", playlist, PLAYLIST_TYPE)
            if done == 0 and directory.name.startswith("0-"):
                await self._put_master(session_id, directory, None)
            if done == 0:
                await self._put_seats(session_id, directory)
            state_text = f"{len(segments)}{' final' if ended else ''}"
            await asyncio.to_thread(published_file.write_text, state_text)
        low = directory / LOW_VARIANT_DIR
        if (low / INIT_NAME).exists():
            await self._sync_low_variant(session_id, directory, low, ended)
        if not ended:
            return False
        parts = await asyncio.to_thread(earlier_parts, directory)
        for part in parts:  # every part's segments in storage before the joined playlist
            await self._sync_directory(part)
        return await self._store_recording(int(session_id), [*parts, directory], prefix)

    async def _sync_low_variant(
        self, session_id: str, directory: Path, low: Path, top_ended: bool
    ) -> None:
        """Publish the seat's low rendition like the top one (no recording of its own).

        Its first upload rewrites the multivariant playlist with both variants. When the
        top recording has ended the low one has too (the stage closes it first), so its
        playlist is final before the seat's directory is removed.
        """
        prefix = f"{live_prefix(session_id)}/{directory.name}/{LOW_VARIANT_DIR}"
        published_file = low / PUBLISHED_NAME
        ended = top_ended or (low / ENDED_NAME).exists()
        segments = await asyncio.to_thread(read_index, low)
        if not segments:
            return  # a variant without a segment would only stall a player choosing it
        first = not published_file.exists()
        if first:
            await self._put_file(f"{prefix}/{INIT_NAME}", low / INIT_NAME, "video/mp4")
        state = (await asyncio.to_thread(published_file.read_text)).split() if not first else []
        done, final = int(state[0]) if state else 0, state[1:] == ["final"]
        if done < len(segments) or (ended and not final):
            for name, _ in segments[done:]:
                await self._put_file(f"{prefix}/{name}", low / name, "video/iso.segment")
            playlist = media_playlist(segments, ended)
            await self._put_bytes(f"{prefix}/{MEDIA_PLAYLIST_NAME}", playlist, PLAYLIST_TYPE)
            if first and directory.name.startswith("0-"):
                await self._put_master(session_id, directory, low)
            state_text = f"{len(segments)}{' final' if ended else ''}"
            await asyncio.to_thread(published_file.write_text, state_text)

    async def _put_master(self, session_id: str, directory: Path, low: Path | None) -> None:
        """Write the talk's multivariant playlist for seat ``directory`` (and its low variant)."""
        init = await asyncio.to_thread((directory / INIT_NAME).read_bytes)
        size = await asyncio.to_thread(picture_size, directory / INIT_NAME)
        low_size = await asyncio.to_thread(picture_size, low / INIT_NAME) if low else None
        master = multivariant_playlist(directory.name, b"avcC" in init, size, low_size)
        await self._put_bytes(f"{live_prefix(session_id)}/{MASTER_NAME}", master, PLAYLIST_TYPE)

    async def _put_seats(self, session_id: str, directory: Path) -> None:
        """List every seat of the talk whose playlist is stored, in seat order.

        A panel's seats are different pictures (not renditions), so a panel viewer on HLS
        plays one player per seat, as the WebRTC viewer shows one tile per seat.
        """
        seats = await asyncio.to_thread(_published_seats, directory.parent, directory.name)
        document = json.dumps({"seats": [f"{seat}/{MEDIA_PLAYLIST_NAME}" for seat in seats]})
        await self._put_bytes(
            f"{live_prefix(session_id)}/{SEATS_NAME}", document, "application/json"
        )

    async def _store_recording(self, session_id: int, parts: list[Path], prefix: str) -> bool:
        """Store one recording of a talk; ``parts`` > 1 after an interruption (joined)."""
        directory = parts[-1]
        async with self.database.session() as db:
            if await db.get(ProgrammeSession, session_id) is None:
                logger.error(
                    "spool: session %s is gone; %s kept for an operator", session_id, directory
                )
                return False
        mp4 = directory.with_name(directory.name + ".mp4")
        try:
            if len(parts) == 1:
                duration = await asyncio.to_thread(assemble_mp4, directory, mp4)
            else:
                duration = await asyncio.to_thread(join_parts, parts, mp4)
                await self._put_joined_playlist(session_id, parts)
        except OSError as exc:
            await asyncio.to_thread(mp4.unlink, True)  # a partial file would hold the space
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            # the segments stay in the spool; retried on the archive's timer like storage
            raise StorageFull(f"no room in the spool to assemble {mp4.name}") from exc
        key = f"recordings/{session_id}/{mp4.name}"
        try:
            stored = await self.storage.save_file(
                key, mp4, content_type="video/mp4", filename=mp4.name
            )
        finally:
            await asyncio.to_thread(mp4.unlink, True)
        async with self.database.session() as db:
            db.add(
                Recording(
                    session_id=session_id,
                    storage_key=stored.key,
                    playlist_key=f"{prefix}/{MEDIA_PLAYLIST_NAME}",
                    content_type="video/mp4",
                    size_bytes=stored.size,
                    duration_seconds=round(duration, 2),
                )
            )
            await db.commit()
        for part in parts:
            await asyncio.to_thread(shutil.rmtree, part, True)
        logger.info(
            "recording of session %s stored as %s (%.1f s, %d part%s)",
            session_id, key, duration, len(parts), "" if len(parts) == 1 else "s",
        )  # fmt: skip
        return True

    async def _put_joined_playlist(self, session_id: int, parts: list[Path]) -> None:
        """Every part's playlist becomes the VOD of the whole talk (same text for each)."""
        listed = [(part.name, await asyncio.to_thread(read_index, part)) for part in parts]
        text = joined_playlist(listed)
        for part in parts:
            key = f"{live_prefix(session_id)}/{part.name}/{MEDIA_PLAYLIST_NAME}"
            await self._put_bytes(key, text, PLAYLIST_TYPE)

    async def _put_file(self, key: str, path: Path, content_type: str) -> None:
        await self.storage.save_file(
            key, path, content_type=content_type, cache_control=SEGMENT_CACHE
        )

    async def _put_bytes(self, key: str, text: str, content_type: str) -> None:
        data = text.encode()
        await self.storage.save_stream(
            key,
            _one_chunk(data),
            content_type=content_type,
            max_bytes=len(data) + 1,
            cache_control=PLAYLIST_CACHE,
        )

"""Per-publisher media pipelines: decode once, encode once, hand the result to everyone.

aiortc decodes each published track once (its receiver does that). A
:class:`~sessions.live.video_pipeline.VideoPipeline` encodes the decoded frames once with
libx264 (ultrafast, zerolatency, constrained baseline, so Safari and every browser can play
it, live and recorded), packetizes each encoded frame once into RTP payloads and gives the
same :class:`EncodedFrame` to every subscribed viewer and the same ``av.Packet`` to the
recorder. An :class:`~sessions.live.audio_pipeline.AudioPipeline` does the same with Opus.
Nothing here is per viewer except the loop over subscribers.

Pipelines are long-lived: they belong to a seat on the stage, not to a peer connection.
When a publisher reconnects, only the source track behind the pipeline is swapped, so
viewers keep their connections and simply see the stream continue.

Encoding, packetizing and recording run on the publisher slot's one worker thread so
the event loop only sends; all timestamps derive from one :class:`StageClock` so audio
and video of all publishers stay in sync for the browser (RTCP sender reports).

This module holds the loop both share (:class:`Pipeline`); the encoded frames and the
clock are in :mod:`.frames`, the video pipeline's picture sizes in :mod:`.renditions`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from .frames import EncodedFrame, StageClock, Subscriber, Subscribers, Target
from .recorder import SlotRecorder

logger = logging.getLogger(__name__)


class Pipeline(Subscribers):
    """Common part of audio and video: source swapping, subscribers, the encode loop."""

    kind = ""

    def __init__(
        self,
        clock: StageClock,
        executor: ThreadPoolExecutor,
        on_source_ended: Callable[[Pipeline, MediaStreamTrack], None],
    ) -> None:
        self.clock = clock
        self.recorder: SlotRecorder | None = None
        self.low_recorder: SlotRecorder | None = None  # the low rendition's HLS variant
        self.subscribers: list[Subscriber] = []
        self.frames_in = 0
        self.frames_out = 0
        self.send_seconds = 0.0  # CPU time of this thread spent in the per-viewer sends
        self._executor = executor
        self._on_source_ended = on_source_ended
        self._source: MediaStreamTrack | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        self._loop: asyncio.AbstractEventLoop | None = None  # where the encode loop runs
        self.deliver_loop: asyncio.AbstractEventLoop | None = None  # where viewers are sent to

    @property
    def source(self) -> MediaStreamTrack | None:
        """The publisher track currently feeding this pipeline, if any."""
        return self._source

    def start(self) -> None:
        """Start the encode loop on the running loop (idempotent); it idles without source.

        The stage starts it on the media loop (:mod:`sessions.live.medialoop`) and sets
        :attr:`deliver_loop` to its own loop, where the viewers' sends then happen.
        """
        if self._task is None and not self._stopped:
            self._loop = asyncio.get_running_loop()
            self._task = self._loop.create_task(self._run())
            if self._source is not None:
                self._wake.set()

    async def stop(self) -> None:
        """Stop the loop; subscribers get nothing more."""
        self._source = None
        self._stopped = True  # a start() still on its way to the media loop does nothing
        task, loop = self._task, self._loop
        self._task = None
        if task is None:
            return

        async def cancel() -> None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        if loop is None or loop is asyncio.get_running_loop():
            await cancel()
        elif not loop.is_closed():
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(cancel(), loop))

    def attach(self, track: MediaStreamTrack) -> None:
        """Make ``track`` the source (publish or reconnect); subscribers stay."""
        self._source = track
        loop = self._loop
        if loop is None:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    def detach(self, track: MediaStreamTrack) -> None:
        """Forget ``track`` if it is still the source (its peer dropped)."""
        if self._source is track:
            self._source = None

    def request_keyframe(self) -> None:
        """Ask for a keyframe (a viewer joined or sent PLI/FIR); audio ignores it."""

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            source = self._source
            if source is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                frame = await source.recv()
            except MediaStreamError:
                if self._source is source:
                    self._source = None
                    self._on_source_ended(self, source)
                continue
            if self._source is not source or not isinstance(frame, av.frame.Frame):
                continue
            if not self._keep(source):
                continue
            self.frames_in += 1
            try:
                job = self._prepare(frame)
                encoded = await loop.run_in_executor(self._executor, job)
            except Exception:  # a broken frame must not end the session
                logger.exception("%s pipeline: encoding failed", self.kind)
                continue
            self._deliver(encoded)

    def _deliver(self, encoded: list[tuple[Target, EncodedFrame]]) -> None:
        """Hand encoded frames to the viewers, on the loop their peers live on."""
        loop = self.deliver_loop
        if loop is None or loop is self._loop:
            self._fanout_all(encoded)
            return
        with contextlib.suppress(RuntimeError):  # that loop closed: nobody to send to
            loop.call_soon_threadsafe(self._fanout_all, encoded)

    def _fanout_all(self, encoded: list[tuple[Target, EncodedFrame]]) -> None:
        for target, item in encoded:
            self._fanout(item, target.subscribers)

    def _keep(self, source: MediaStreamTrack) -> bool:
        return True

    def _prepare(self, frame: av.frame.Frame) -> Callable[[], list[tuple[Target, EncodedFrame]]]:
        raise NotImplementedError

    def _fanout(self, frame: EncodedFrame, subscribers: list[Subscriber]) -> None:
        if subscribers is self.subscribers:
            self.frames_out += 1
        started = time.thread_time()
        for subscriber in list(subscribers):
            try:
                subscriber.push(frame)
            except Exception:  # one broken viewer must not stop the others
                logger.exception("%s pipeline: dropping a viewer stream", self.kind)
                self.unsubscribe(subscriber)
        self.send_seconds += time.thread_time() - started

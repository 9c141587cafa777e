"""The live engine's media thread: an event loop of its own for publishers and encoding.

Everything a publisher's picture passes through before it reaches the recording runs
here: the publisher's peer connection (its UDP socket, SRTP, jitter buffer and the
hand-off from aiortc's decoder thread), the pipelines' encode loops, and through the
seats' encoder threads the recording. Viewers' peers (ICE, DTLS handshakes) and the
per-viewer sends stay on the caller's loop (the app's or the worker's). So a burst of
joins, which costs that loop tens of milliseconds per viewer, delays the viewers' packets
at worst, never the encoder or the recording (measured: ``bench/live_join_burst.py``).
Both loops share the GIL; Python switches threads every 5 ms, so a busy viewer loop
still leaves the media thread its turn, and x264, the decoders and SRTP release the GIL.

On a machine also running other work (load generators, other processes, the fan-out
helpers) the media thread asks the OS for a higher priority (:data:`MEDIA_NICE`, Linux
per-thread nice). Threads inherit their creator's nice value, so the seats' encoder
threads and aiortc's decoder threads, which are started from this thread, get it too.
Lowering nice needs ``CAP_SYS_NICE`` (root, or the capability given to the service) or
an ``RLIMIT_NICE`` of at least ``20 - MEDIA_NICE`` (``ulimit -e 30``; docker-compose.yml
sets it, because Docker gives an added capability to the image's non-root ``fair`` user
only in the bounding set); without either nothing fails: the thread runs at normal
priority and only the fan-out helpers' lower priority (:data:`HELPER_NICE_INCREMENT`,
always allowed) keeps them behind it. That fallback is said in one line: in the log
when the media thread starts, at ``fair serve``'s start and in ``fair settings``
(:func:`media_priority_note`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
logger = logging.getLogger(__name__)

#: Nice value of the media thread (and the threads it starts): below the default 0.
MEDIA_NICE = -10

#: How much nicer than the engine a fan-out helper runs: a join burst or a full helper
#: delays its own viewers' packets, never the shared encoder and the recording.
HELPER_NICE_INCREMENT = 5

PRIORITY_FALLBACK = (
    f"live media priority: nice {MEDIA_NICE} refused (needs root, CAP_SYS_NICE or "
    f"RLIMIT_NICE >= {20 - MEDIA_NICE}); the media thread (publishers, encoder, recording) runs "
    f"at normal priority and only the fan-out helpers' nice +{HELPER_NICE_INCREMENT} keeps them "
    f"behind it. Give the service CAP_SYS_NICE or `ulimit -e {20 - MEDIA_NICE}` (docker-compose: "
    f"`ulimits: nice: {20 - MEDIA_NICE}`) for the full priority."
)
PRIORITY_RAISED = f"live media priority: the media thread runs at nice {MEDIA_NICE}."

_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def media_loop() -> asyncio.AbstractEventLoop:
    """The process's media event loop, started on first use in a daemon thread."""
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=_run, args=(loop,), name="live-media", daemon=True).start()
            _loop = loop
        return _loop


_fallback_said = False


def _run(loop: asyncio.AbstractEventLoop) -> None:
    global _fallback_said
    if not set_thread_nice(MEDIA_NICE) and not _fallback_said:
        _fallback_said = True  # once per process, however often the loop is restarted
        logger.warning(PRIORITY_FALLBACK)
    loop.run_forever()


def set_thread_nice(value: int, thread_id: int | None = None) -> bool:
    """Set a thread's nice value (this thread by default); False if the OS refuses.

    ``os.setpriority`` with ``PRIO_PROCESS`` and a thread id is per thread on Linux.
    """
    if not hasattr(os, "setpriority"):
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, thread_id or threading.get_native_id(), value)
    except OSError:
        return False
    return True


def media_priority_allowed() -> bool:
    """Whether this process may give its media thread :data:`MEDIA_NICE`: tried on a
    short-lived thread of its own, so no other thread's priority changes."""
    allowed: list[bool] = []
    probe = threading.Thread(
        target=lambda: allowed.append(set_thread_nice(MEDIA_NICE)), name="live-nice-probe"
    )
    probe.start()
    probe.join()
    return bool(allowed and allowed[0])


def media_priority_note() -> str:
    """One line saying what priority the live media thread gets in this process."""
    return PRIORITY_RAISED if media_priority_allowed() else PRIORITY_FALLBACK


def media_thread_id() -> int | None:
    """The OS thread id of the media loop's thread (None before it started)."""
    loop = _loop
    if loop is None:
        return None
    for thread in threading.enumerate():
        if thread.name == "live-media" and thread.native_id is not None:
            return thread.native_id
    return None


def lower_own_priority(increment: int) -> None:
    """Make this process nicer (always allowed): helpers yield the CPU to the media thread."""
    with contextlib.suppress(OSError):
        os.nice(increment)


async def on_media_loop(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on the media loop and wait for it from the caller's loop."""
    loop = media_loop()
    if asyncio.get_running_loop() is loop:
        return await coro
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))

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
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def media_loop() -> asyncio.AbstractEventLoop:
    """The process's media event loop, started on first use in a daemon thread."""
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="live-media", daemon=True).start()
            _loop = loop
        return _loop


async def on_media_loop(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on the media loop and wait for it from the caller's loop."""
    loop = media_loop()
    if asyncio.get_running_loop() is loop:
        return await coro
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))

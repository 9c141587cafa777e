"""Deliver a channel's events to every local connection: batched, encoded once, one loop.

Why it looks like this (measured, see ``docs/benchmarks-chat.md``): with thousands of
clients in one room the server's cost is the number of frames it sends, and one event loop
does all sends. Gathering events for up to
``interval`` seconds, encoding the batch once as a JSON array and handing the same string to
every connection in one plain ``for`` loop is what keeps 5,000 clients well under a core.
A coroutine or task per client per frame costs about twice as much.

A slow client must not stall that loop. An ASGI ``send`` only suspends when the server's
transport buffer is full (uvicorn waits for ``resume_writing``), so the loop starts each send
by hand (``coro.send(None)``): almost always it completes on the spot and no task is made.
When it does suspend, the rest of that send is finished by a task for that one client and
later batches queue behind it, up to ``max_backlog`` batches (references to the shared batch
strings, so a slow client costs pointers, not copies). Past that it is evicted: its
``on_evicted`` callback gets close code 1013 ("try again later") and a reason, and the owner
of the connection closes it. Everyone else is unaffected.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.types import Message

from .rawframes import RawWriter, raw_writer, text_frame

logger = logging.getLogger(__name__)

#: Close code and reason given to a client whose backlog overflowed.
SLOW_CLIENT_CODE = 1013
SLOW_CLIENT_REASON = "too slow: messages piled up"


class Sink(Protocol):
    """What a fanout sends to: an ASGI WebSocket ``send``. A Starlette ``WebSocket`` is one.

    The fanout hands every member the same ``{"type": "websocket.send", "text": batch}``
    message: one dict per batch rather than one per client, and one coroutine layer less
    than ``send_text``. ASGI servers only read the message.
    """

    async def send(self, message: Message) -> None: ...


EvictCallback = Callable[[int, str], None]


@dataclass(eq=False)
class Member:
    """One local connection in a channel, with its backlog while a send is pending."""

    sink: Sink
    address: str | None = None
    on_evicted: EvictCallback | None = None
    backlog: deque[str] = field(default_factory=deque)
    pending: asyncio.Task[None] | None = None
    gone: bool = False
    raw: RawWriter | None = None  # the prepared-frame path (:mod:`fair.realtime.rawframes`)


class Fanout:
    """The local connections of one channel and the events waiting for the next batch.

    ``push`` takes events already encoded as JSON (the hub encodes each event once, or gets
    it encoded from Redis), so a batch is ``"[" + ",".join(events) + "]"``: no re-encoding.

    Timing: the first event after a quiet spell is flushed on the next loop turn (an idle
    chat gets no added delay); while events keep coming, flushes are at least :attr:`gap`
    apart. The gap follows the room's size: a flush costs one frame per member, so the
    gap is as long as keeps this channel under ``frames_per_second`` frames a second,
    within ``min_interval`` and ``interval``. A busy room of 5,000 waits the full
    ``interval`` (at most ``1 / interval`` frames per client per second, as before); a
    room of 550 waits 27.5 ms, not 100 ms: that wait was most of a
    chat message's delivery time (docs/benchmarks-chat.md, "Delivery time by stage").
    """

    def __init__(
        self,
        channel: str,
        *,
        interval: float = 0.1,
        min_interval: float = 0.02,
        frames_per_second: float = 20_000,
        max_backlog: int = 50,
    ) -> None:
        self.channel = channel
        self.interval = interval
        self.min_interval = min_interval
        self.frames_per_second = frames_per_second
        self.max_backlog = max_backlog
        self._members: dict[Sink, Member] = {}
        self._per_address: dict[str, int] = {}
        self._events: list[str] = []
        self._timer: asyncio.TimerHandle | asyncio.Handle | None = None
        self._last_flush = float("-inf")
        # Counters for monitoring and the benchmark: cheap, one clock read per flush.
        self.batches_sent = 0
        self.frames_sent = 0
        self.evicted = 0
        self.flush_seconds_total = 0.0
        self.flush_seconds_max = 0.0
        self.flush_cpu_seconds_total = 0.0  # CPU of this thread: wall time minus preemption

    def __len__(self) -> int:
        return len(self._members)

    @property
    def blocked(self) -> int:
        """Connections whose send is waiting for the client to read (they have a backlog)."""
        return sum(1 for member in self._members.values() if member.pending is not None)

    @property
    def gap(self) -> float:
        """Least time between two flushes while events keep coming (see the class doc):
        members / ``frames_per_second``, at least ``min_interval``, at most ``interval``.
        ~19 µs of CPU per frame (docs/benchmarks-chat.md): the default 20,000 frames a
        second bound a channel's fan-out to ~40 % of a core however fast events come."""
        wanted = len(self._members) / self.frames_per_second
        return min(self.interval, max(self.min_interval, wanted))

    def count_for(self, address: str) -> int:
        """Connections from ``address`` in this channel on this instance."""
        return self._per_address.get(address, 0)

    def add(
        self, sink: Sink, *, address: str | None = None, on_evicted: EvictCallback | None = None
    ) -> Member:
        """Register a connection; it receives every batch flushed from now on."""
        member = Member(sink=sink, address=address, on_evicted=on_evicted, raw=raw_writer(sink))
        self._members[sink] = member
        if address is not None:
            self._per_address[address] = self._per_address.get(address, 0) + 1
        return member

    def remove(self, sink: Sink) -> bool:
        """Forget a connection (idempotent); True if it was here."""
        member = self._members.pop(sink, None)
        if member is None:
            return False
        member.gone = True
        member.backlog.clear()
        if member.pending is not None and not member.pending.done():
            member.pending.cancel()
        if member.address is not None:
            left = self._per_address.get(member.address, 1) - 1
            if left > 0:
                self._per_address[member.address] = left
            else:
                self._per_address.pop(member.address, None)
        return True

    def push(self, encoded_event: str) -> None:
        """Queue one JSON-encoded event for the next batch."""
        self._events.append(encoded_event)
        if self._timer is not None:
            return
        loop = asyncio.get_running_loop()
        delay = self._last_flush + self.gap - loop.time()
        if delay <= 0:
            # Quiet channel: flush on the next loop turn, which still gathers everything
            # pushed in this turn (e.g. a burst read from Redis in one go).
            self._timer = loop.call_soon(self._flush)
        else:
            self._timer = loop.call_later(delay, self._flush)

    def close(self) -> None:
        """Stop timers and pending sends; used when the hub shuts down."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for sink in list(self._members):
            self.remove(sink)
        self._events.clear()

    def _flush(self) -> None:
        self._timer = None
        loop = asyncio.get_running_loop()
        started = self._last_flush = loop.time()
        if not self._events:
            return
        cpu_started = time.thread_time()
        payload = "[" + ",".join(self._events) + "]"
        self._events.clear()
        self.batches_sent += 1
        self.send_to_all(payload)
        self.flush_cpu_seconds_total += time.thread_time() - cpu_started
        took = loop.time() - started
        self.flush_seconds_total += took
        self.flush_seconds_max = max(self.flush_seconds_max, took)

    def send_to_all(self, payload: str) -> None:
        """Send one text frame to every member in one sequential loop (see module doc)."""
        sent = 0
        message: Message = {"type": "websocket.send", "text": payload}
        frame: bytes | None = None  # built once, on the first member that takes raw frames
        for member in tuple(self._members.values()):
            if member.pending is not None:
                if len(member.backlog) >= self.max_backlog:
                    self._evict(member, SLOW_CLIENT_CODE, SLOW_CLIENT_REASON)
                else:
                    member.backlog.append(payload)
                continue
            if member.raw is not None:
                if frame is None:
                    frame = text_frame(payload)
                if member.raw.write(frame):
                    sent += 1
                    continue
            coro = member.sink.send(message)
            try:
                waiting_on = coro.send(None)
            except StopIteration:
                sent += 1
                continue
            except Exception:
                # Disconnected under us; the connection's own reader will notice and leave.
                self._drop(member)
                continue
            member.pending = asyncio.get_running_loop().create_task(
                self._finish(member, coro, waiting_on)
            )
        self.frames_sent += sent

    async def _finish(
        self, member: Member, coro: Coroutine[Any, Any, None], waiting_on: Any
    ) -> None:
        """Complete a send that suspended, then drain the member's backlog in order."""
        try:
            try:
                await _resume(coro, waiting_on)
                while member.backlog and not member.gone:
                    text = member.backlog.popleft()
                    await member.sink.send({"type": "websocket.send", "text": text})
                    self.frames_sent += 1
            finally:
                member.pending = None
        except asyncio.CancelledError:
            if not member.gone:
                raise
        except Exception:
            self._drop(member)

    def _drop(self, member: Member) -> None:
        if self.remove(member.sink):
            logger.debug(
                "channel %s: dropped a connection whose send failed", self.channel, exc_info=True
            )

    def _evict(self, member: Member, code: int, reason: str) -> None:
        self.remove(member.sink)
        self.evicted += 1
        logger.info("channel %s: evicting a slow connection (%s)", self.channel, reason)
        if member.on_evicted is not None:
            member.on_evicted(code, reason)


async def _resume(coro: Coroutine[Any, Any, None], waiting_on: Any) -> None:
    """Drive ``coro``, already started by hand and suspended on ``waiting_on``, to its end.

    An asyncio coroutine suspends by yielding a future (or ``None`` for a bare loop turn);
    we wait for that future here, then step ``coro`` on. The awaited future's result or
    exception is read by ``coro`` itself when it resumes. This is the step loop of
    ``asyncio.Task`` (Python 3.12 calls it an eager start), without a Task per send.
    """
    try:
        while True:
            if waiting_on is None:
                await asyncio.sleep(0)
            else:
                # What a Task does with a yielded future: clear the "blocking" mark the
                # future set when it was yielded, then wait on it ourselves.
                waiting_on._asyncio_future_blocking = False
                try:
                    await waiting_on
                except asyncio.CancelledError:
                    if asyncio.current_task() is not None and _cancelling():
                        raise
                except Exception:
                    pass
            try:
                waiting_on = coro.send(None)
            except StopIteration:
                return
    except BaseException:
        coro.close()
        raise


def _cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0

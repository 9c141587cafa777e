"""How far apart a channel's batches go out: the gap follows the room's size.

A flush costs one frame per member, so a small room may flush often (its events wait
``min_interval``, not the full ``interval``) while a big room keeps the ``interval`` that
bounds its frames a second. Measured on the fan-out itself with sinks that note the loop
time of each send; the lower bounds are what ``call_later`` guarantees, the upper bound
is half the interval the small room would otherwise wait, so a busy machine cannot turn
one case into the other.
"""

from __future__ import annotations

import asyncio

from starlette.types import Message

from fair.realtime import InProcessHub
from fair.realtime.fanout import Fanout


class Inbox:
    """A member that keeps what it was sent and when (loop time)."""

    def __init__(self) -> None:
        self.received: list[tuple[float, str]] = []
        self.arrived = asyncio.Event()

    async def send(self, message: Message) -> None:
        self.received.append((asyncio.get_running_loop().time(), message["text"]))
        self.arrived.set()


async def second_batch_waits(fanout: Fanout, first: Inbox) -> float:
    """Push an event, let it go out, push the next at once: how far apart the two batches
    went out (the gap is kept from the last flush, not from the second push, which a busy
    machine may run some milliseconds later)."""
    fanout.push('{"n":1}')
    await asyncio.wait_for(first.arrived.wait(), 5)
    first.arrived.clear()
    fanout.push('{"n":2}')
    await asyncio.wait_for(first.arrived.wait(), 5)
    return first.received[-1][0] - first.received[-2][0]


def test_gap_is_the_frame_budget_within_its_bounds() -> None:
    fanout = Fanout("room", interval=0.1, min_interval=0.02, frames_per_second=1_000)
    assert fanout.gap == 0.02  # empty room
    for _ in range(50):
        fanout.add(Inbox())
    assert fanout.gap == 0.05  # 50 members / 1,000 frames a second
    for _ in range(500):
        fanout.add(Inbox())
    assert fanout.gap == 0.1  # capped by the interval


async def test_small_room_does_not_wait_the_full_interval() -> None:
    fanout = Fanout("small", interval=10.0, min_interval=0.05, frames_per_second=1_000)
    first = Inbox()
    fanout.add(first)
    waited = await second_batch_waits(fanout, first)
    assert 0.045 <= waited < 5.0  # not the 10 s interval, even on a saturated machine
    assert [text for _, text in first.received] == ['[{"n":1}]', '[{"n":2}]']
    fanout.close()


async def test_big_room_keeps_the_interval() -> None:
    fanout = Fanout("big", interval=1.0, min_interval=0.05, frames_per_second=100)
    first = Inbox()
    fanout.add(first)
    for _ in range(199):  # 200 members / 100 frames a second: 2 s, capped at 1 s
        fanout.add(Inbox())
    waited = await second_batch_waits(fanout, first)
    assert waited >= 0.99
    fanout.close()


async def test_hub_passes_its_pace_to_each_channel() -> None:
    hub = InProcessHub(batch_interval=0.3, batch_min_interval=0.01, frames_per_second=10)
    await hub.join("room", Inbox())
    fanout = hub.fanouts["room"]
    assert (fanout.interval, fanout.min_interval, fanout.frames_per_second) == (0.3, 0.01, 10)
    assert fanout.gap == 0.1
    await hub.close()

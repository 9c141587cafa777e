"""Instance-directed calls through the hub, against a real redis-server: one instance owns a
thing (a relayed appointment call), the others ask it to act on their behalf."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from fair.realtime import InProcessHub, RedisHub
from fair.realtime.hub import CallFailed
from tests.support.realtime_echo import unique


@pytest_asyncio.fixture
async def hubs(redis_url: str) -> AsyncIterator[tuple[RedisHub, RedisHub]]:
    prefix = unique("t") + ":"
    a = RedisHub(redis_url, prefix=prefix, heartbeat_interval=0.5)
    b = RedisHub(redis_url, prefix=prefix, heartbeat_interval=0.5)
    await a.start()
    await b.start()
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


async def test_the_first_claim_wins_and_others_reach_the_owner(
    hubs: tuple[RedisHub, RedisHub],
) -> None:
    a, b = hubs
    seen: list[dict[str, Any]] = []

    async def echo(payload: dict[str, Any]) -> dict[str, Any]:
        seen.append(payload)
        return {"by": a.instance_id, "n": payload["n"] + 1}

    a.handle("echo", echo)
    assert await b.owner("room:1") is None
    assert await a.claim("room:1", 60) == a.instance_id
    assert await b.claim("room:1", 60) == a.instance_id  # taken: B is sent to A
    assert await b.owner("room:1") == a.instance_id
    assert await b.claim("room:2", 60) == b.instance_id  # another key, another owner

    replies = await asyncio.gather(*(b.call(a.instance_id, "echo", {"n": n}) for n in range(5)))
    assert replies == [{"by": a.instance_id, "n": n + 1} for n in range(5)]
    assert await a.call(a.instance_id, "echo", {"n": 10}) == {"by": a.instance_id, "n": 11}
    assert sorted(p["n"] for p in seen) == [0, 1, 2, 3, 4, 10]


async def test_calls_that_get_no_answer_fail_in_time(hubs: tuple[RedisHub, RedisHub]) -> None:
    a, b = hubs
    b.call_timeout = 1.0
    never = asyncio.Event()

    async def broken(payload: dict[str, Any]) -> dict[str, Any]:
        raise ValueError("boom")

    async def stuck(payload: dict[str, Any]) -> dict[str, Any]:
        await never.wait()
        return {}

    a.handle("broken", broken)
    a.handle("stuck", stuck)
    with pytest.raises(CallFailed, match=r"broken failed on instance .*boom"):
        await b.call(a.instance_id, "broken", {})
    with pytest.raises(CallFailed, match="no handler for 'missing'"):
        await b.call(a.instance_id, "missing", {})
    started = time.monotonic()
    with pytest.raises(CallFailed, match="no reply"):
        await b.call(a.instance_id, "stuck", {})
    assert 0.9 < time.monotonic() - started < 3
    started = time.monotonic()
    with pytest.raises(CallFailed, match="does not listen"):  # nobody has that id
        await b.call("0" * 32, "broken", {})
    assert time.monotonic() - started < 1


async def test_an_owner_that_stops_hands_its_keys_on(redis_url: str) -> None:
    prefix = unique("t") + ":"
    a = RedisHub(redis_url, prefix=prefix, heartbeat_interval=0.2, instance_ttl=1.0)
    b = RedisHub(redis_url, prefix=prefix, heartbeat_interval=0.2, instance_ttl=1.0)
    crashed = RedisHub(redis_url, prefix=prefix, heartbeat_interval=0.2, instance_ttl=1.0)
    for hub in (a, b, crashed):
        await hub.start()
    try:
        assert await a.claim("room:1", 60) == a.instance_id
        await a.close()  # a clean stop withdraws the instance at once
        assert await b.owner("room:1") is None
        assert await b.claim("room:1", 60) == b.instance_id

        assert await crashed.claim("room:2", 60) == crashed.instance_id
        for task in crashed._tasks:  # a crash: its heartbeat stops, nothing is withdrawn
            task.cancel()
        assert await b.claim("room:2", 60) == crashed.instance_id
        await asyncio.sleep(1.3)
        assert await b.claim("room:2", 60) == b.instance_id
    finally:
        await b.close()
        crashed._tasks = []
        await crashed.close()


async def test_one_instance_owns_everything_and_calls_itself() -> None:
    hub = InProcessHub()

    async def double(payload: dict[str, Any]) -> dict[str, Any]:
        return {"n": payload["n"] * 2}

    hub.handle("double", double)
    assert await hub.claim("room:1", 60) == hub.instance_id
    assert await hub.call(hub.instance_id, "double", {"n": 4}) == {"n": 8}
    with pytest.raises(CallFailed):
        await hub.call("elsewhere", "double", {"n": 4})

"""The realtime layer against real servers: uvicorn, websockets clients, redis-server.

Each app instance is a real ``uvicorn.Server`` (with ``UVICORN_WS_OPTIONS``) in its own
thread and event loop on a pre-bound loopback socket; clients are ``websockets`` clients in
the test's loop. The Redis tests run two such instances against one private redis-server.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
from typing import Any

import httpx
import pytest
from starlette.types import Message
from websockets.asyncio.client import ClientConnection, connect

from fair.realtime import (
    ChannelLimits,
    InProcessHub,
    RedisHub,
)
from fair.realtime.rawframes import text_frame
from tests.support.realtime import Instance, closed_with, wait_for
from tests.support.realtime_echo import recv_events, serving, unique
from tests.support.redis_server import RedisServer


async def test_batches_reach_every_client(local: Instance) -> None:
    channel = unique("room")
    clients = [await connect(local.ws(channel), compression=None) for _ in range(5)]
    try:
        await clients[0].send(json.dumps({"text": "hello"}))
        for client in clients:
            assert await recv_events(client, 1) == [{"type": "chat", "text": "hello"}]
        # 50 events published in one go are gathered into one frame, encoded once.
        async with httpx.AsyncClient() as http:
            events = [{"type": "note", "n": n} for n in range(50)]
            response = await http.post(local.http(f"/publish/{channel}"), json=events)
            assert response.status_code == 200
        for client in clients:
            frame = json.loads(await asyncio.wait_for(client.recv(), 5))
            assert frame == events
    finally:
        for client in clients:
            await client.close()


async def test_batches_go_out_as_one_prepared_frame_for_everyone(local: Instance) -> None:
    """Behind uvicorn the fan-out writes one prepared frame to every transport; what a
    client reads is the same text frame the ASGI path would send (umlauts, large batches)."""
    channel = unique("raw")
    clients = [await connect(local.ws(channel), compression=None) for _ in range(3)]
    try:
        async with httpx.AsyncClient() as http:
            state = (await http.get(local.http(f"/presence/{channel}"))).json()
            assert state["local"] == 3 and state["raw"] == 3, state
            events = [{"type": "note", "text": "Grüße ✓" * 200, "n": n} for n in range(40)]
            assert (await http.post(local.http(f"/publish/{channel}"), json=events)).is_success
        for client in clients:
            text = await asyncio.wait_for(client.recv(), 5)
            assert isinstance(text, str)  # a text frame, not binary
            assert json.loads(text) == events
    finally:
        for client in clients:
            await client.close()


def test_prepared_frame_is_what_websockets_sends() -> None:
    """Short, 16-bit and 64-bit length forms of an unmasked text frame."""
    assert text_frame("[1]") == b"\x81\x03[1]"
    assert text_frame("x" * 200)[:4] == b"\x81\x7e\x00\xc8"
    assert text_frame("x" * 70_000)[:10] == b"\x81\x7f" + (70_000).to_bytes(8, "big")


@pytest.mark.parametrize(
    ("frames", "code", "reason"),
    [
        (["not json{"], 1007, "invalid JSON"),
        (["[1, 2]"], 1007, "expected a JSON object"),
        ([b"\x00\x01"], 1003, "text frames only"),
        ([json.dumps({"text": "x" * 5000})], 1009, "message larger than 4096 bytes"),
    ],
    ids=["garbage", "not-object", "binary", "oversized"],
)
async def test_misbehaving_client_closed_others_keep_receiving(
    local: Instance, frames: list[str | bytes], code: int, reason: str
) -> None:
    channel = unique("room")
    async with (
        connect(local.ws(channel), compression=None) as good,
        connect(local.ws(channel), compression=None) as bad,
    ):
        for frame in frames:
            await bad.send(frame)
        assert await closed_with(bad) == (code, reason)
        # Valid messages sent before the bad one were delivered; then the channel goes on.
        await good.send(json.dumps({"text": "still here"}))
        events = await recv_events(good, len(frames))
        assert events[-1] == {"type": "chat", "text": "still here"}


async def test_connections_per_address_are_limited(local: Instance) -> None:
    channel = unique("room")
    clients = [await connect(local.ws(channel), compression=None) for _ in range(20)]
    try:
        extra = await connect(local.ws(channel), compression=None)
        assert await closed_with(extra) == (1008, "too many connections from your address")
        # Another channel is counted apart.
        async with connect(local.ws(unique("other")), compression=None) as other:
            await other.send(json.dumps({"text": "ok"}))
            assert await recv_events(other, 1) == [{"type": "chat", "text": "ok"}]
        await clients[0].send(json.dumps({"text": "all twenty"}))
        for client in clients:
            assert await recv_events(client, 1) == [{"type": "chat", "text": "all twenty"}]
    finally:
        for client in clients:
            await client.close()


async def connect_stalled(instance: Instance, channel: str) -> ClientConnection:
    """A client that stops reading; a tiny receive window makes the server notice soon."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", instance.port))
    client = await connect(
        instance.ws(channel), sock=sock, compression=None, max_queue=1, max_size=None
    )
    client.transport.pause_reading()
    return client


async def _publish_until(
    http: httpx.AsyncClient, instance: Instance, channel: str, batch: list[Any], counter: str
) -> tuple[int, dict[str, Any]]:
    """Publish ``batch`` again and again until the channel's presence reports a client
    ``counter`` ("blocked", "evicted"); how many events that took, and the presence."""
    published = 0
    state: dict[str, Any] = {}
    for _ in range(300):
        await http.post(instance.http(f"/publish/{channel}"), json=batch)
        published += len(batch)
        state = (await http.get(instance.http(f"/presence/{channel}"))).json()
        if state[counter]:
            break
    return published, state


async def test_client_that_catches_up_loses_nothing() -> None:
    """While a client is behind, batches queue for it; when it reads again it gets all."""
    hub = InProcessHub(batch_interval=0.01, max_backlog=1000)
    with serving(hub) as instance:
        channel = unique("stage")
        lagging = await connect_stalled(instance, channel)
        batch = [{"type": "note", "pad": "x" * 2000} for _ in range(100)]
        async with httpx.AsyncClient() as http:
            published, state = await _publish_until(http, instance, channel, batch, "blocked")
            assert state["blocked"] == 1
            for _ in range(3):  # these wait in its backlog
                await http.post(instance.http(f"/publish/{channel}"), json=batch)
                published += len(batch)
        lagging.transport.resume_reading()
        events = await recv_events(lagging, published, timeout=10)
        assert len(events) == published
        await lagging.close()


async def test_slow_client_is_evicted_without_stalling_others() -> None:
    """A client that stops reading fills its buffers, then its backlog, then gets 1013."""
    hub = InProcessHub(batch_interval=0.01, max_backlog=5)
    with serving(hub, ChannelLimits(close_timeout=10)) as instance:
        channel = unique("stage")
        slow = await connect_stalled(instance, channel)
        good = await connect(instance.ws(channel), compression=None, max_size=None)
        received = 0

        async def read_good() -> None:
            nonlocal received
            while True:
                received += len(json.loads(await good.recv()))

        reader = asyncio.create_task(read_good())
        batch = [{"type": "note", "pad": "x" * 2000} for _ in range(100)]  # ~200 KB a frame
        async with httpx.AsyncClient() as http:
            published, state = await _publish_until(http, instance, channel, batch, "evicted")
            assert state["evicted"] == 1 and state["local"] == 1, (state, published)
            # The good client got every event, however much the slow one held up.
            await wait_for(lambda: asyncio.sleep(0, received == published))
            assert received == published
        reader.cancel()
        slow.transport.resume_reading()
        assert await closed_with(slow, timeout=10) == (1013, "too slow: messages piled up")
        await good.close()


async def test_two_instances_share_channels_through_redis(redis_url: str) -> None:
    prefix = unique("t") + ":"
    hub_a = RedisHub(redis_url, prefix=prefix, heartbeat_interval=0.5)
    hub_b = RedisHub(redis_url, prefix=prefix, heartbeat_interval=0.5)
    with serving(hub_a) as a, serving(hub_b) as b:
        channel = unique("booth")
        on_a = await connect(a.ws(channel), compression=None)
        on_b = [await connect(b.ws(channel), compression=None) for _ in range(2)]
        async with httpx.AsyncClient() as http:

            async def presence_everywhere(expected: int) -> bool:
                for instance in (a, b):
                    state = (await http.get(instance.http(f"/presence/{channel}"))).json()
                    if state["presence"] != expected:
                        return False
                return True

            assert await wait_for(lambda: presence_everywhere(3))
            # Published on A (over HTTP), delivered to clients of both instances.
            await http.post(a.http(f"/publish/{channel}"), json=[{"type": "note", "n": 1}])
            for client in [on_a, *on_b]:
                assert await recv_events(client, 1) == [{"type": "note", "n": 1}]
            # Sent by a client of B, delivered to the client of A.
            await on_b[0].send(json.dumps({"text": "from b"}))
            for client in [on_a, *on_b]:
                assert await recv_events(client, 1) == [{"type": "chat", "text": "from b"}]
            await on_b[1].close()
            assert await wait_for(lambda: presence_everywhere(2))
            await on_a.close()
            await on_b[0].close()
            assert await wait_for(lambda: presence_everywhere(0))


async def test_presence_is_announced_across_instances(redis_url: str) -> None:
    prefix = unique("t") + ":"
    hubs = [
        RedisHub(redis_url, prefix=prefix, presence_interval=0.1, heartbeat_interval=0.5)
        for _ in range(2)
    ]
    with serving(hubs[0]) as a, serving(hubs[1]) as b:
        channel = unique("keynote")
        on_a = await connect(a.ws(channel), compression=None)
        on_b = await connect(b.ws(channel), compression=None)

        async def latest_count(client: ClientConnection) -> int:
            count = 0
            async with asyncio.timeout(5):
                while count != 2:
                    for event in json.loads(await client.recv()):
                        if event.get("type") == "presence":
                            count = event["count"]
            return count

        assert await latest_count(on_a) == 2
        assert await latest_count(on_b) == 2
        await on_a.close()
        await on_b.close()


async def test_instances_recover_after_redis_restarts() -> None:
    """Redis goes away and comes back empty: delivery and presence resume by themselves."""
    redis = RedisServer()
    redis.start()
    try:
        hubs = [RedisHub(redis.url, heartbeat_interval=0.3) for _ in range(2)]
        with serving(hubs[0]) as a, serving(hubs[1]) as b:
            channel = unique("hall")
            on_b = await connect(b.ws(channel), compression=None)
            async with httpx.AsyncClient() as http:
                presence = a.http(f"/presence/{channel}")
                assert await wait_for(lambda: _json_equals(http, presence, "presence", 1))
                redis.stop(keep_directory=True)
                # While Redis is away, joining a channel is refused with "try again later".
                refused = await connect(b.ws(unique("new")), compression=None)
                assert await closed_with(refused, timeout=10) == (1013, "try again later")
                redis.start()
                assert await wait_for(lambda: _json_equals(http, presence, "presence", 1))

                async def delivered() -> bool:
                    # Publishing may fail until the publisher has reconnected; retry.
                    response = await http.post(
                        a.http(f"/publish/{channel}"), json=[{"type": "note", "n": 2}]
                    )
                    if response.status_code != 200:
                        return False
                    try:
                        return bool(await recv_events(on_b, 1, timeout=0.5))
                    except TimeoutError:
                        return False

                assert await wait_for(delivered, timeout=10)
            await on_b.close()
    finally:
        redis.stop()


async def test_a_frozen_redis_refuses_joins_in_time_and_they_work_when_it_thaws() -> None:
    """Redis stops answering without closing its sockets (a hung host, here SIGSTOP): a
    visitor's join is refused "try again later" after the hub's join timeout instead of
    hanging, and joins work again once Redis answers."""
    redis = RedisServer()
    redis.start()
    pid = redis.pid
    assert pid is not None
    try:
        hub = RedisHub(redis.url, heartbeat_interval=0.3, join_timeout=1.0)
        with serving(hub) as instance:
            os.kill(pid, signal.SIGSTOP)
            try:
                started = asyncio.get_running_loop().time()
                refused = await connect(instance.ws(unique("frozen")), compression=None)
                assert await closed_with(refused, timeout=10) == (1013, "try again later")
                assert asyncio.get_running_loop().time() - started < 8
            finally:
                os.kill(pid, signal.SIGCONT)

            async def joins() -> bool:
                client = await connect(instance.ws(unique("thawed")), compression=None)
                try:
                    await asyncio.wait_for(client.recv(), 0.5)  # a close frame, if refused
                except TimeoutError:
                    return True  # still open: joined
                except Exception:
                    return False
                finally:
                    await client.close()
                return True

            assert await wait_for(joins, timeout=10)
    finally:
        redis.stop()


async def _json_equals(http: httpx.AsyncClient, url: str, key: str, expected: int) -> bool:
    response = await http.get(url)
    return response.status_code == 200 and response.json()[key] == expected


async def test_presence_of_a_crashed_instance_expires(redis_url: str) -> None:
    prefix = unique("t") + ":"
    channel = unique("hall")
    survivor = RedisHub(redis_url, prefix=prefix, heartbeat_interval=0.2, instance_ttl=1.0)
    crashing = RedisHub(redis_url, prefix=prefix, heartbeat_interval=0.2, instance_ttl=1.0)
    await survivor.start()
    await crashing.start()
    try:
        sinks = [_NullSink() for _ in range(3)]
        await survivor.join(channel, sinks[0])
        for sink in sinks[1:]:
            await crashing.join(channel, sink)
        assert await wait_for(lambda: _equals(survivor.presence(channel), 3))
        # Crash: the heartbeat stops and nobody withdraws the counts.
        for task in crashing._tasks:
            task.cancel()
        assert await wait_for(lambda: _equals(survivor.presence(channel), 1), timeout=4)
    finally:
        await survivor.close()
        crashing._tasks = []
        await crashing.close()


class _NullSink:
    async def send(self, message: Message) -> None:
        return None


async def _equals(value: Any, expected: int) -> bool:
    return bool(await value == expected)

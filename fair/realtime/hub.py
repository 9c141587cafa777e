"""The hub: publish an event to a channel, deliver it to that channel's local connections.

One interface, two backends, picked by :func:`hub_from_settings`:

* :class:`InProcessHub` (no ``FAIR_REDIS_URL``): a single app instance; ``publish`` goes
  straight into the local :class:`~fair.realtime.fanout.Fanout`.
* :class:`RedisHub`: several app instances behind a load balancer. ``publish`` goes through
  Redis pub/sub and every instance (the publisher too) delivers what it receives to its own
  local connections, so all instances see one order of events per channel.

Events are encoded to JSON exactly once, by the publisher; instances pass the encoded string
on and a batch is the JSON array of those strings.

Presence ("people watching now") is the number of connections in a channel across all
instances. Each Redis instance writes its own absolute local counts into a hash per channel
and keeps a liveness score in a sorted set; readers only add up counts of live instances, so
a crashed instance stops counting after ``instance_ttl`` seconds and its fields are cleaned
up lazily. Absolute counts (not INCR/DECR) make a lost write heal itself at the next beat.
With ``presence_interval`` set, each instance also tells its local connections the count
when it changes, as an ordinary event ``{"type": "presence", "count": n}`` in the batches.

Some things live in one process only (a relayed appointment call holds its peer connections
in the instance that answered the first offer). :meth:`Hub.claim` names the instance that
owns such a thing (the first to claim it, for as long as it stays alive) and
:meth:`Hub.call` asks that instance to run a handler registered with :meth:`Hub.handle`:
a request and its reply travel on the instances' own Redis channels.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fair.realtime.fanout import EvictCallback, Fanout, Member, Sink

if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from redis.asyncio.client import PubSub

    from fair.settings import Settings

logger = logging.getLogger(__name__)


class TooManyConnections(Exception):
    """``join`` refused: this client address already holds the allowed connections here."""


class CallFailed(Exception):
    """:meth:`Hub.call` got no answer: the other instance is gone, Redis is away, or its
    handler failed (the handler's own refusals belong in its reply, not here)."""


CallHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
"""Runs a request another instance sent with :meth:`Hub.call`; JSON in, JSON out."""


def encode_event(event: Mapping[str, Any]) -> str:
    """The one JSON encoding of an event (compact, UTF-8 kept as is)."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


class Hub(ABC):
    """Channels of JSON events with local fanouts and a presence count.

    ``batch_interval``, ``batch_min_interval`` and ``frames_per_second`` pace each
    channel's batches (:class:`~fair.realtime.fanout.Fanout`, its ``gap``).
    Lifecycle: ``await hub.start()`` in the app's lifespan startup, ``await hub.close()`` at
    shutdown. ``join``/``leave`` are for connections on this instance (see ``serve_channel``).
    """

    def __init__(
        self,
        *,
        batch_interval: float = 0.1,
        batch_min_interval: float = 0.02,
        frames_per_second: float = 20_000,
        max_backlog: int = 50,
        presence_interval: float | None = None,
    ) -> None:
        self.batch_interval = batch_interval
        self.batch_min_interval = batch_min_interval
        self.frames_per_second = frames_per_second
        self.max_backlog = max_backlog
        self.presence_interval = presence_interval
        self.fanouts: dict[str, Fanout] = {}
        self.instance_id = uuid.uuid4().hex
        self.call_timeout = 15.0
        """Seconds :meth:`call` waits for another instance's reply."""
        self._handlers: dict[str, CallHandler] = {}
        self._presence_task: asyncio.Task[None] | None = None
        self._presence_sent: dict[str, int] = {}
        self._closing = False

    async def start(self) -> None:
        """Start background work: the presence announcer if ``presence_interval`` is set."""
        if self.presence_interval:
            self._presence_task = asyncio.create_task(
                self._announce_presence(self.presence_interval), name="fair-hub-presence"
            )

    async def close(self) -> None:
        """Stop delivering; connections themselves are closed by the server."""
        self._closing = True
        if self._presence_task is not None:
            await _stop_tasks([self._presence_task])
            self._presence_task = None
        for fanout in self.fanouts.values():
            fanout.close()
        self.fanouts.clear()

    async def _announce_presence(self, interval: float) -> None:
        """Every ``interval`` s, tell each local channel its presence count if it changed.

        The event ``{"type": "presence", "count": n}`` is delivered locally only: every
        instance computes the same total itself, so nothing crosses Redis for it and a
        thousand viewers joining cost one event per channel per interval, not a thousand.
        """
        while not self._closing:
            await asyncio.sleep(interval)
            for channel in list(self.fanouts):
                try:
                    count = await self.presence(channel)
                except Exception:
                    if self._closing:
                        return
                    logger.warning("presence count failed for %s", channel, exc_info=True)
                    continue
                if self._presence_sent.get(channel) != count and channel in self.fanouts:
                    self._presence_sent[channel] = count
                    self.deliver(channel, encode_event({"type": "presence", "count": count}))
            for channel in list(self._presence_sent):
                if channel not in self.fanouts:
                    del self._presence_sent[channel]

    @abstractmethod
    async def publish(self, channel: str, event: Mapping[str, Any]) -> None:
        """Deliver ``event`` to every connection in ``channel`` on every instance."""

    async def publish_all(self, channel: str, events: Sequence[Mapping[str, Any]]) -> None:
        """Publish ``events`` in order (a group of chat messages stored together)."""
        for event in events:
            await self.publish(channel, event)

    async def join(
        self,
        channel: str,
        sink: Sink,
        *,
        address: str | None = None,
        max_per_address: int | None = None,
        on_evicted: EvictCallback | None = None,
    ) -> Member:
        """Start delivering ``channel``'s batches to ``sink``.

        Raises :class:`TooManyConnections` when ``address`` already has ``max_per_address``
        connections in this channel on this instance (checked and counted without awaiting,
        so simultaneous connects cannot both slip through).
        """
        fanout = self.fanouts.get(channel)
        if fanout is None:
            fanout = Fanout(
                channel,
                interval=self.batch_interval,
                min_interval=self.batch_min_interval,
                frames_per_second=self.frames_per_second,
                max_backlog=self.max_backlog,
            )
            self.fanouts[channel] = fanout
        if (
            address is not None
            and max_per_address is not None
            and fanout.count_for(address) >= max_per_address
        ):
            if not len(fanout):
                del self.fanouts[channel]
            raise TooManyConnections(f"{max_per_address} connections per address")
        member = fanout.add(sink, address=address, on_evicted=on_evicted)
        try:
            await self._joined(channel)
        except BaseException:
            with contextlib.suppress(Exception):  # e.g. Redis unreachable: do not count it
                await self.leave(channel, sink)
            raise
        return member

    async def leave(self, channel: str, sink: Sink) -> None:
        """Stop delivering to ``sink`` (idempotent; safe after an eviction)."""
        fanout = self.fanouts.get(channel)
        if fanout is None:
            return
        fanout.remove(sink)
        if not len(fanout):
            fanout.close()
            del self.fanouts[channel]
        await self._left(channel)

    def local_count(self, channel: str) -> int:
        """Connections in ``channel`` on this instance."""
        fanout = self.fanouts.get(channel)
        return len(fanout) if fanout is not None else 0

    async def presence(self, channel: str) -> int:
        """Connections in ``channel`` on all instances (people watching now)."""
        return self.local_count(channel)

    def handle(self, name: str, handler: CallHandler) -> None:
        """Answer :meth:`call` requests named ``name`` that reach this instance."""
        self._handlers[name] = handler

    async def claim(self, key: str, ttl: float) -> str:
        """The id of the instance that owns ``key``: whoever claimed it first, as long as
        that instance is alive and ``ttl`` seconds have not passed; else this instance."""
        return self.instance_id

    async def owner(self, key: str) -> str | None:
        """The live instance that holds ``key``, if any (nothing is claimed)."""
        return None

    async def call(self, instance: str, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Run handler ``name`` on ``instance`` and return its reply.

        Raises :class:`CallFailed` when no reply comes within ``call_timeout`` seconds."""
        if instance != self.instance_id:
            raise CallFailed(f"instance {instance} is not reachable from here")
        return await self._run_handler(name, payload)

    async def _run_handler(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        handler = self._handlers.get(name)
        if handler is None:
            raise CallFailed(f"no handler for {name!r} on this instance")
        return await handler(payload)

    def deliver(self, channel: str, encoded_event: str) -> None:
        """Hand an encoded event to the local fanout, if anyone here listens."""
        fanout = self.fanouts.get(channel)
        if fanout is not None:
            fanout.push(encoded_event)

    async def _joined(self, channel: str) -> None:  # noqa: B027 - optional hook
        """Backend hook after a local join."""

    async def _left(self, channel: str) -> None:  # noqa: B027 - optional hook
        """Backend hook after a local leave."""


class InProcessHub(Hub):
    """A single instance: publishing is a direct hand-over to the local fanout."""

    async def publish(self, channel: str, event: Mapping[str, Any]) -> None:
        self.deliver(channel, encode_event(event))


# Sum of live instances' counts; drops fields of instances whose liveness expired.
_PRESENCE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local fields = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #fields, 2 do
  local alive = redis.call('ZSCORE', KEYS[2], fields[i])
  if alive and tonumber(alive) > now then
    total = total + tonumber(fields[i + 1])
  else
    redis.call('HDEL', KEYS[1], fields[i])
  end
end
return total
"""

# Liveness beat on the server's clock, so instance clocks need not agree.
_BEAT_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return now
"""


# Ownership of a key: kept while the owning instance is alive, else taken by the caller.
_CLAIM_SCRIPT = """
local owner = redis.call('GET', KEYS[1])
if owner then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
  local alive = redis.call('ZSCORE', KEYS[2], owner)
  if alive and tonumber(alive) > now then
    return owner
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
"""


class RedisHub(Hub):
    """Instances share channels through Redis pub/sub and presence through hashes.

    Keys (``prefix`` defaults to ``fair:``): ``{prefix}ch:{channel}`` pub/sub channel,
    ``{prefix}presence:{channel}`` hash instance-id → local count, ``{prefix}instances``
    sorted set instance-id → liveness deadline (Redis server time).
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "fair:",
        batch_interval: float = 0.1,
        batch_min_interval: float = 0.02,
        frames_per_second: float = 20_000,
        max_backlog: int = 50,
        presence_interval: float | None = None,
        heartbeat_interval: float = 5.0,
        instance_ttl: float = 15.0,
        join_timeout: float = 5.0,
    ) -> None:
        super().__init__(
            batch_interval=batch_interval,
            batch_min_interval=batch_min_interval,
            frames_per_second=frames_per_second,
            max_backlog=max_backlog,
            presence_interval=presence_interval,
        )
        self.url = url
        self.prefix = prefix
        self.heartbeat_interval = heartbeat_interval
        self.instance_ttl = instance_ttl
        self.join_timeout = join_timeout
        self._redis: aioredis.Redis | None = None
        self._pubsub: PubSub | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._sub_lock = asyncio.Lock()
        self._subscribed: set[str] = set()
        self._confirmed: dict[str, asyncio.Event] = {}
        self._dirty: set[str] = set()
        self._sync_soon: asyncio.TimerHandle | None = None
        self._ch_prefix = prefix + "ch:"
        self._replies: dict[str, asyncio.Future[dict[str, Any]]] = {}

    def _channel_key(self, channel: str) -> str:
        return self._ch_prefix + channel

    def _presence_key(self, channel: str) -> str:
        return f"{self.prefix}presence:{channel}"

    @property
    def _instances_key(self) -> str:
        return self.prefix + "instances"

    def _instance_channel(self, instance: str) -> str:
        return f"{self.prefix}instance:{instance}"

    @property
    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            raise RuntimeError("RedisHub used before start()")
        return self._redis

    async def start(self) -> None:
        """Connect (failing fast if Redis is unreachable), subscribe, start the beat."""
        import redis.asyncio as aioredis

        self._redis = aioredis.Redis.from_url(
            self.url, decode_responses=False, socket_connect_timeout=self.join_timeout
        )
        await self._redis.ping()
        self._beat = self._redis.register_script(_BEAT_SCRIPT)
        self._count = self._redis.register_script(_PRESENCE_SCRIPT)
        self._claim = self._redis.register_script(_CLAIM_SCRIPT)
        await self._beat(keys=[self._instances_key], args=[self.instance_id, self.instance_ttl])
        self._pubsub = self._redis.pubsub()
        # The instance's own channel carries calls from other instances and their replies
        # (and keeps the reader's connection meaningful while no channel has listeners).
        await self._pubsub.subscribe(self._instance_channel(self.instance_id))
        self._tasks = [
            asyncio.create_task(self._read_loop(), name="fair-hub-redis-reader"),
            asyncio.create_task(self._beat_loop(), name="fair-hub-redis-beat"),
        ]
        await super().start()

    async def close(self) -> None:
        """Stop tasks, withdraw this instance's presence, close connections."""
        self._closing = True
        tasks, self._tasks = list(self._tasks), []
        await _stop_tasks(tasks)
        if self._sync_soon is not None:
            self._sync_soon.cancel()
        channels = list(self.fanouts)
        await super().close()
        if self._redis is not None:
            with contextlib.suppress(Exception):
                pipe = self._redis.pipeline(transaction=False)
                for channel in channels:
                    pipe.hdel(self._presence_key(channel), self.instance_id)
                pipe.zrem(self._instances_key, self.instance_id)
                await pipe.execute()
            if self._pubsub is not None:
                with contextlib.suppress(Exception):
                    await self._pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
            await self._redis.aclose()
            self._redis = None

    async def publish(self, channel: str, event: Mapping[str, Any]) -> None:
        """Publish through Redis; local delivery happens when Redis echoes it back."""
        await self.redis.publish(self._channel_key(channel), encode_event(event))

    async def publish_all(self, channel: str, events: Sequence[Mapping[str, Any]]) -> None:
        """One round trip for a group: the publishes pipelined, in order."""
        pipe = self.redis.pipeline(transaction=False)
        for event in events:
            pipe.publish(self._channel_key(channel), encode_event(event))
        await pipe.execute()

    async def presence(self, channel: str) -> int:
        result = await self._count(keys=[self._presence_key(channel), self._instances_key])
        return int(result)

    async def claim(self, key: str, ttl: float) -> str:
        owner = await self._claim(
            keys=[self.prefix + "owner:" + key, self._instances_key],
            args=[self.instance_id, max(int(ttl * 1000), 1)],
        )
        return owner.decode() if isinstance(owner, bytes) else str(owner)

    async def owner(self, key: str) -> str | None:
        found = await self.redis.get(self.prefix + "owner:" + key)
        if found is None:
            return None
        instance = found.decode() if isinstance(found, bytes) else found
        alive = await self.redis.zscore(self._instances_key, instance)
        now, _ = await self.redis.time()
        return instance if alive is not None and alive > now else None

    async def call(self, instance: str, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        timeout = self.call_timeout
        if instance == self.instance_id:
            return await self._run_handler(name, payload)
        request_id = uuid.uuid4().hex
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[request_id] = reply
        request = {"call": name, "id": request_id, "from": self.instance_id, "payload": payload}
        try:
            async with asyncio.timeout(timeout):
                received = await self.redis.publish(
                    self._instance_channel(instance), encode_event(request)
                )
                if not received:
                    raise CallFailed(f"instance {instance} does not listen")
                return await reply
        except TimeoutError:
            raise CallFailed(f"no reply from instance {instance} in {timeout:g} s") from None
        except CallFailed:
            raise
        except Exception as exc:  # Redis away
            raise CallFailed(f"call to instance {instance} failed: {exc}") from exc
        finally:
            self._replies.pop(request_id, None)

    def _on_instance_message(self, data: bytes) -> None:
        """A call from another instance (run it, reply) or the reply to one of ours."""
        try:
            message = json.loads(data)
        except ValueError:
            logger.warning("unreadable message on this instance's channel")
            return
        if "reply" in message:
            future = self._replies.get(message["reply"])
            if future is not None and not future.done():
                if "error" in message:
                    future.set_exception(CallFailed(message["error"]))
                else:
                    future.set_result(message["result"])
        elif "call" in message:
            task = asyncio.get_running_loop().create_task(self._answer_call(message))
            self._tasks.append(task)
            task.add_done_callback(self._forget_task)

    async def _answer_call(self, message: dict[str, Any]) -> None:
        reply: dict[str, Any] = {"reply": message["id"]}
        try:
            reply["result"] = await self._run_handler(message["call"], message["payload"])
        except Exception as exc:
            logger.exception("call %s from instance %s failed", message["call"], message["from"])
            reply["error"] = f"{message['call']} failed on instance {self.instance_id}: {exc}"
        with contextlib.suppress(Exception):
            await self.redis.publish(
                self._instance_channel(str(message["from"])), encode_event(reply)
            )

    async def _joined(self, channel: str) -> None:
        # A frozen or unreachable Redis must not leave the visitor's socket hanging: after
        # ``join_timeout`` the join fails and the connection is closed "try again later".
        async with asyncio.timeout(self.join_timeout):
            await self._sync_subscription(channel)
        self._mark_dirty(channel)

    async def _left(self, channel: str) -> None:
        self._mark_dirty(channel)
        await self._sync_subscription(channel)

    async def _sync_subscription(self, channel: str) -> None:
        """Make the Redis subscription match whether anyone here listens; waits for it.

        Serialised by a lock and re-checked inside, so a leave and a join racing around
        the last connection end in the right state whatever the order.
        """
        assert self._pubsub is not None
        async with self._sub_lock:
            want = channel in self.fanouts
            if want and channel not in self._subscribed:
                confirmed = self._confirmed.setdefault(channel, asyncio.Event())
                await self._pubsub.subscribe(self._channel_key(channel))
                self._subscribed.add(channel)
                # Events published before Redis registered us would be lost; wait briefly.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(confirmed.wait(), 2.0)
            elif not want and channel in self._subscribed:
                await self._pubsub.unsubscribe(self._channel_key(channel))
                self._subscribed.discard(channel)
                self._confirmed.pop(channel, None)

    def _resync(self) -> None:
        self._dirty |= set(self.fanouts)  # presence writes may have failed meanwhile
        for channel in list(self.fanouts):
            self.deliver(channel, RESYNC)

    def _mark_dirty(self, channel: str) -> None:
        """Write presence counts soon, coalescing a burst of joins into one round trip."""
        self._dirty.add(channel)
        if self._sync_soon is None:
            loop = asyncio.get_running_loop()
            self._sync_soon = loop.call_later(0.05, self._schedule_presence_write)

    def _schedule_presence_write(self) -> None:
        self._sync_soon = None
        channels, self._dirty = self._dirty, set()
        task = asyncio.get_running_loop().create_task(self._write_presence(channels))
        self._tasks.append(task)
        task.add_done_callback(self._forget_task)

    def _forget_task(self, task: asyncio.Task[None]) -> None:
        with contextlib.suppress(ValueError):
            self._tasks.remove(task)

    async def _write_presence(self, channels: set[str]) -> None:
        """Write this instance's absolute counts for ``channels`` (0 removes the field)."""
        if not channels or self._redis is None:
            return
        try:
            pipe = self._redis.pipeline(transaction=False)
            for channel in channels:
                count = self.local_count(channel)
                if count:
                    pipe.hset(self._presence_key(channel), self.instance_id, count)
                else:
                    pipe.hdel(self._presence_key(channel), self.instance_id)
            await pipe.execute()
        except Exception:
            logger.warning("could not write presence to Redis; retrying at next beat")
            self._dirty |= channels

    async def _beat_loop(self) -> None:
        """Refresh liveness and rewrite all local counts, healing any lost update."""
        while not self._closing:
            await asyncio.sleep(self.heartbeat_interval)
            try:
                await self._beat(
                    keys=[self._instances_key], args=[self.instance_id, self.instance_ttl]
                )
                await self._write_presence(set(self.fanouts) | self._dirty)
            except Exception as exc:
                if self._closing:
                    return
                logger.warning("Redis heartbeat failed (%s); will retry", exc)

    async def _read_loop(self) -> None:
        """Deliver everything Redis sends us; reconnects (and resubscribes) on errors."""
        assert self._pubsub is not None
        pubsub = self._pubsub
        prefix = self._ch_prefix.encode()
        cut = len(prefix)
        own = self._instance_channel(self.instance_id).encode()
        broken = False
        while not self._closing:
            try:
                message = await pubsub.get_message(timeout=None)
            except Exception as exc:
                if self._closing:
                    return
                if not broken:
                    logger.warning("Redis pub/sub read failed (%s); reconnecting", exc)
                broken = True
                await asyncio.sleep(0.5)
                continue
            if broken:  # reconnected and resubscribed: events of the gap were lost
                broken = False
                logger.warning("Redis pub/sub reconnected; asking local clients to resync")
                self._resync()
            if message is None:
                continue
            kind = message["type"]
            name: bytes = message["channel"]
            if name == own and kind in (b"message", "message"):
                self._on_instance_message(message["data"])
                continue
            if not name.startswith(prefix):
                continue
            channel = name[cut:].decode()
            if kind == b"message" or kind == "message":
                self.deliver(channel, message["data"].decode())
            elif kind in (b"subscribe", "subscribe"):
                event = self._confirmed.get(channel)
                if event is not None:
                    event.set()


RESYNC = encode_event({"type": "resync"})
"""Told to every local connection after the hub lost events (Redis was away): the
client asks for a fresh snapshot (``hello``) with what it missed."""


async def _stop_tasks(tasks: list[asyncio.Task[None]], patience: float = 2.0) -> None:
    """Cancel background tasks and wait for them, but not forever.

    The loops also check ``_closing``: a client library that turns a cancellation into an
    ordinary error (caught and retried by the loop) must not keep shutdown waiting.
    """
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=patience)
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()  # mark retrieved; failures were logged where they happened


def hub_from_settings(settings: Settings, **options: Any) -> Hub:
    """A Redis hub when ``FAIR_REDIS_URL`` is set, else the in-process hub."""
    if settings.redis_url:
        return RedisHub(settings.redis_url, **options)
    return InProcessHub(**options)

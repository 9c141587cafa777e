"""The one protocol between the live engine and its child processes (sessions.live.rpc),
both sides in one process, and the one configuration every part receives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fair.rtc.errors import LiveError
from sessions.live.config import LiveConfig
from sessions.live.registry import LiveRegistry
from sessions.live.rpc import Message, PendingCalls, answer_request


async def _round_trip(handle: Any) -> Any:
    """Parent asks, child answers through :func:`answer_request`, parent resolves."""
    calls = PendingCalls("child stopped")
    _, body, future = calls.request("watch", sdp="v=0")
    replies: list[Message] = []
    await answer_request(json.loads(body), handle, replies.append)
    calls.answer(json.loads(json.dumps(replies[0])))  # as it crosses the pipe
    return await future


async def test_an_answer_a_refusal_and_a_crash_cross_as_the_parent_expects() -> None:
    async def ok(message: Message) -> Message:
        return {"echo": message["sdp"]}

    async def refused(message: Message) -> None:
        raise LiveError(415, "no H.264")

    async def broken(message: Message) -> None:
        raise KeyError("publisher")

    assert await _round_trip(ok) == {"echo": "v=0"}
    with pytest.raises(LiveError) as refusal:
        await _round_trip(refused)
    assert (refusal.value.status_code, refusal.value.message) == (415, "no H.264")
    with pytest.raises(LiveError) as crash:
        await _round_trip(broken)
    assert crash.value.status_code == 500


async def test_waiting_calls_fail_with_503_when_the_child_is_gone() -> None:
    calls = PendingCalls("live media worker stopped")
    _, _, future = calls.request("describe", session="1")
    calls.fail_all()
    with pytest.raises(LiveError) as gone:
        await future
    assert (gone.value.status_code, gone.value.message) == (503, "live media worker stopped")


def test_the_config_crosses_to_a_child_unchanged() -> None:
    for config in (
        LiveConfig(),
        LiveConfig(Path("/tmp/spool"), [{"urls": ["stun:x"]}], False, 2, 500_000, 2, False, True),
    ):
        assert LiveConfig.from_json(config.to_json()) == config
    assert not LiveConfig().records and not LiveConfig(Path("s"), record=False).records


async def test_every_stage_of_a_registry_gets_its_config() -> None:
    config = LiveConfig(max_publishers=2, renditions=False)
    registry = LiveRegistry(config)
    try:
        stage = registry.stage("7", record=True)
        assert stage.config is config and stage.max_publishers == 2
        assert (await registry.describe("8"))["max_seats"] == 2  # no stage yet: idle
        assert stage.describe() == await registry.describe("7")
    finally:
        await registry.close()

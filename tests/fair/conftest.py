"""Fixtures of the core's tests: the realtime echo app on an in-process hub, shared by
the realtime tests of one module (``scope="module"``: one server for its tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fair.realtime import ChannelLimits, InProcessHub
from tests.support.realtime import Instance
from tests.support.realtime_echo import serving


@pytest.fixture(scope="module")
def local() -> Iterator[Instance]:
    """The echo app on an in-process hub, 20 connections per address at most."""
    with serving(InProcessHub(), ChannelLimits(max_per_address=20)) as instance:
        yield instance

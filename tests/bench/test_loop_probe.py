"""The benchmarks' event-loop stall probe runs in a process of its own against a real
``fair serve``: it measures the server's loop, not the stalls of the process that
starts it (a load generator whose hundreds of clients hold its own loop)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.loop_probe import LoopProbe
from tests.support.app_server import start_app_server

BLOCK_SECONDS = 1.5


def test_the_probe_times_the_server_not_the_process_that_started_it(
    database_url: str, tmp_path: Path
) -> None:
    server = start_app_server(tmp_path, database_url)
    try:
        port = urlsplit(server.base_url).port
        assert port is not None
        probe = LoopProbe.start(port, seconds=3.0, every=0.05)
        assert probe.process.pid not in (os.getpid(), server.process.pid)
        time.sleep(0.5)
        time.sleep(BLOCK_SECONDS)  # this process stalls, as a loaded load generator does
        figures = probe.result()
    finally:
        server.stop()
    assert figures["probes"] >= 20, figures
    assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"], figures
    assert figures["max_ms"] < BLOCK_SECONDS * 1000, "the starter's stall was counted"

"""The event-loop stall probe of the benchmarks, in a process of its own.

``/healthz`` needs nothing but the server's event loop, so the time one request takes on
a kept-alive connection is how long something else (a page render, a chat fan-out) held
that loop. Timed from inside the server (a ticker on its loop) the probe would add to the
load it measures and stall with it; timed from a load generator's process it would also
count that process's own stalls, which under hundreds of clients are larger than the
server's. So the probe runs alone: one process, one connection, one request every
``--every`` seconds for ``--seconds``, and prints its figures as one JSON object.

    .venv/bin/python bench/loop_probe.py --port 8000 --seconds 30

Benchmarks start it with :meth:`LoopProbe.start` and read :meth:`LoopProbe.result`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()


async def probe(port: int, seconds: float, every: float = 0.05) -> dict[str, Any]:
    """Time ``GET /healthz`` every ``every`` seconds on one keep-alive connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    times: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        began = time.monotonic()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"(?i)content-length: (\d+)", head)
        await reader.readexactly(int(length.group(1)) if length else 0)
        times.append((time.monotonic() - began) * 1000)
        await asyncio.sleep(max(0.0, every - (time.monotonic() - began)))
    writer.close()
    times.sort()

    def at(q: float) -> float | None:
        return round(times[min(len(times) - 1, int(q * len(times)))], 2) if times else None

    return {
        "probes": len(times),
        "p50_ms": at(0.5),
        "p99_ms": at(0.99),
        "max_ms": round(times[-1], 2) if times else None,
    }


@dataclass
class LoopProbe:
    """A probe process started beside the load generators."""

    process: subprocess.Popen[str]

    @classmethod
    def start(cls, port: int, seconds: float, every: float = 0.05) -> LoopProbe:
        command = [sys.executable, str(SCRIPT), "--port", str(port), "--seconds", str(seconds)]
        command += ["--every", str(every)]
        return cls(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))

    def result(self, timeout: float = 120.0) -> dict[str, Any]:
        """Its figures once it has finished (blocking: call it in a thread from a loop)."""
        out, _ = self.process.communicate(timeout=timeout)
        if self.process.returncode != 0:
            return {"probes": 0, "error": f"probe exited with {self.process.returncode}"}
        figures: dict[str, Any] = json.loads(out)
        return figures

    async def wait(self) -> dict[str, Any]:
        return await asyncio.to_thread(self.result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--every", type=float, default=0.05)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(probe(args.port, args.seconds, args.every))), flush=True)


if __name__ == "__main__":
    main()

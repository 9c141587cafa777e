"""Benchmark: a 1 GiB upload through the app's upload path into S3 (nanio).

Not a test. Starts nanio on a free port, starts a real uvicorn process serving a tiny
Starlette app with two routes shaped like the booths upload route, and posts generated
data with a streaming httpx client:

* ``raw``:  ``request.stream()`` → ``Storage.save_stream``
* ``form``: multipart/form-data → ``stream_upload_form`` → ``checked_stream`` → ``save_stream``
* ``direct``: ``save_stream`` called in the benchmark process, no HTTP (the ceiling)

The server's RSS is sampled every 20 ms from outside (psutil); the figure that matters is
its growth over the idle baseline, which must stay far below the file size (target
< 64 MB) to prove nothing buffers the whole upload.

Run from the repository root::

    .venv/bin/python -m bench.upload_s3 [--size-mb 1024] [--mode all]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import psutil

from tests.support.ports import free_port
from tests.support.s3_server import S3Server

MB = 1024 * 1024
BOUNDARY = "----fairBench9a8b7c6d5e4f"


def create_app() -> object:
    """The server side, built inside the uvicorn process from FAIR_BENCH_* variables."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from fair.storage import S3Storage
    from fair.uploads import checked_stream, filename_for_type, stream_upload_form

    env = os.environ
    storage = S3Storage.connect(
        bucket=env["FAIR_BENCH_BUCKET"],
        endpoint_url=env["FAIR_BENCH_ENDPOINT"],
        access_key=env["FAIR_BENCH_ACCESS_KEY"],
        secret_key=env["FAIR_BENCH_SECRET_KEY"],
        region="us-east-1",
    )
    limit = 2 * 1024 * MB

    async def raw(request: Request) -> JSONResponse:
        stored = await storage.save_stream(
            f"bench/{uuid.uuid4().hex}",
            request.stream(),
            content_type="application/pdf",
            max_bytes=limit,
            filename="bench.pdf",
        )
        return JSONResponse({"key": stored.key, "size": stored.size})

    async def form(request: Request) -> JSONResponse:
        parsed = await stream_upload_form(request, field_name="file", max_bytes=limit)
        content_type, chunks = await checked_stream(parsed.chunks, parsed.filename)
        stored = await storage.save_stream(
            f"bench/{uuid.uuid4().hex}",
            chunks,
            content_type=content_type,
            max_bytes=limit,
            filename=filename_for_type(parsed.filename, content_type),
        )
        return JSONResponse({"key": stored.key, "size": stored.size, "fields": parsed.fields})

    return Starlette(
        routes=[Route("/raw", raw, methods=["POST"]), Route("/form", form, methods=["POST"])]
    )


async def generated(size: int, *, form: bool) -> AsyncIterator[bytes]:
    """``size`` bytes of file content (a PDF header, then random blocks), optionally
    wrapped in a multipart body with a CSRF field before the file."""
    blocks = [os.urandom(256 * 1024) for _ in range(4)]  # the client must not be the bottleneck
    if form:
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\ntok\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="Messe-Präsentation.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
    head = b"%PDF-1.7\n"
    yield head
    sent = len(head)
    n = 0
    while sent < size:
        piece = blocks[n % len(blocks)]
        if size - sent < len(piece):
            piece = piece[: size - sent]
        sent += len(piece)
        n += 1
        yield piece
    if form:
        yield f"\r\n--{BOUNDARY}--\r\n".encode()


def _cpu(proc: psutil.Process | None) -> float:
    """User + system CPU seconds of one process, all its threads (not its children: the
    benchmark process is the parent of nanio and uvicorn)."""
    if proc is None:
        return 0.0
    times = proc.cpu_times()
    return float(times.user + times.system)


class RssSampler:
    """Peak RSS of a process, sampled from a thread."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@asynccontextmanager
async def served_client(
    factory: str, port: int, env: dict[str, str], *, timeout: float
) -> AsyncIterator[tuple[subprocess.Popen[bytes], httpx.AsyncClient]]:
    """``factory`` served by uvicorn on ``port`` and a client to it (``timeout`` seconds a
    request); the server is stopped afterwards."""
    server = uvicorn_server(factory, port, env)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=httpx.Timeout(timeout, connect=5)
        ) as client:
            yield server, client
    finally:
        server.terminate()
        server.wait(10)


def uvicorn_server(factory: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The app from ``factory`` (``module:function``) in its own uvicorn process on
    127.0.0.1, quiet, so its memory is measured apart from the client's."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            factory,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )


async def direct(s3: S3Server, bucket: str, size: int) -> None:
    """The storage layer alone, in this process: the ceiling without the HTTP hop."""
    from fair.storage import S3Storage

    storage = S3Storage.connect(
        bucket=bucket,
        endpoint_url=s3.endpoint_url,
        access_key=s3.access_key,
        secret_key=s3.secret_key,
        region="us-east-1",
    )
    await storage.save_stream("warmup", generated(10, form=False), content_type="x/y", max_bytes=99)
    me = psutil.Process()
    baseline = me.memory_info().rss
    nanio = psutil.Process(s3.proc.pid) if s3.proc else None
    cpu_before = (_cpu(me), _cpu(nanio))
    with RssSampler(me.pid) as rss:
        started = time.perf_counter()
        stored = await storage.save_stream(
            "bench/direct",
            generated(size, form=False),
            content_type="application/pdf",
            max_bytes=size,
        )
        elapsed = time.perf_counter() - started
    assert stored.size == size
    print(
        f"direct {size / MB:5.0f} MiB  {elapsed:6.2f} s  {size / MB / elapsed:7.1f} MiB/s  "
        f"process RSS growth {(rss.peak - baseline) / MB:5.1f} MiB  CPU s "
        f"bench {_cpu(me) - cpu_before[0]:.1f} nanio {_cpu(nanio) - cpu_before[1]:.1f}",
        flush=True,
    )
    await storage.delete("bench/direct")
    storage.close()


async def run(size: int, modes: list[str]) -> None:
    with S3Server() as s3:
        bucket = s3.create_bucket("bench")
        if "direct" in modes:
            await direct(s3, bucket, size)
            modes = [m for m in modes if m != "direct"]
            if not modes:
                return
        port = free_port()
        env = {
            **os.environ,
            "FAIR_BENCH_BUCKET": bucket,
            "FAIR_BENCH_ENDPOINT": s3.endpoint_url,
            "FAIR_BENCH_ACCESS_KEY": s3.access_key,
            "FAIR_BENCH_SECRET_KEY": s3.secret_key,
        }
        async with served_client("bench.upload_s3:create_app", port, env, timeout=600) as (
            server,
            client,
        ):
            for _ in range(100):
                try:
                    # Warm up: imports, boto3 client, connection pools.
                    await client.post("/raw", content=b"%PDF-1.7 warmup")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            for mode in modes:
                await asyncio.sleep(0.5)
                baseline = psutil.Process(server.pid).memory_info().rss
                headers = (
                    {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
                    if mode == "form"
                    else {"Content-Type": "application/pdf"}
                )
                procs = {
                    "server": psutil.Process(server.pid),
                    "nanio": psutil.Process(s3.proc.pid) if s3.proc else None,
                    "client": psutil.Process(),
                }
                cpu_before = {k: _cpu(p) for k, p in procs.items()}
                with RssSampler(server.pid) as rss:
                    started = time.perf_counter()
                    response = await client.post(
                        f"/{mode}",
                        content=generated(size, form=mode == "form"),
                        headers=headers,
                    )
                    elapsed = time.perf_counter() - started
                cpu = {k: _cpu(p) - cpu_before[k] for k, p in procs.items()}
                response.raise_for_status()
                result = response.json()
                head = s3.client().head_object(Bucket=bucket, Key=result["key"])
                assert result["size"] == size == head["ContentLength"], (result, head)
                etag = head["ETag"].strip('"')
                print(
                    f"{mode:4}  {size / MB:7.0f} MiB  {elapsed:6.2f} s  "
                    f"{size / MB / elapsed:7.1f} MiB/s  server RSS baseline "
                    f"{baseline / MB:6.1f} MiB  peak {rss.peak / MB:6.1f} MiB  "
                    f"growth {(rss.peak - baseline) / MB:5.1f} MiB  etag …{etag[-6:]}  CPU s "
                    + " ".join(f"{k} {v:.1f}" for k, v in cpu.items()),
                    flush=True,
                )
                s3.client().delete_object(Bucket=bucket, Key=result["key"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--mode", choices=["direct", "raw", "form", "all"], default="all")
    args = parser.parse_args()
    modes = ["direct", "raw", "form"] if args.mode == "all" else [args.mode]
    print(f"python {platform.python_version()}  cpus {os.cpu_count()}  {platform.machine()}")
    asyncio.run(run(args.size_mb * MB, modes))


if __name__ == "__main__":
    main()

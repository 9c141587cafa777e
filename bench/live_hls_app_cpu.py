"""App-process CPU with 0 and with 1,000 HLS clients fetching from storage directly.

With ``FAIR_MEDIA_BASE_URL`` set the page hands players the storage (or CDN) URL, so the
app should not be in the HLS path at all. This runs a real app server (uvicorn, SQLite,
storage on a real S3 server: nanio on loopback) with a talk's live HLS in the bucket
(written by the production recorder and archive), checks that the page's status names
the storage URL, and measures the app process's CPU time (psutil, the process and its
children) over the same window twice: with no client, and with ``--clients`` concurrent
HLS fetch loops in another process (httpx async; each loop fetches the media playlist
and the next segment every 2 s, like a player at the live edge, through presigned GET
URLs straight from nanio). CPU seconds are the process's own, robust to a shared machine.

    .venv/bin/python bench/live_hls_app_cpu.py --clients 1000 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import psutil

from sessions.live.archive import MEDIA_PLAYLIST_NAME, RecordingArchive, live_prefix
from tests.support.app import _prepare
from tests.support.app_server import start_app_server
from tests.support.hls_helpers import SpoolWriter, s3_storage
from tests.support.s3_server import S3Server
from tests.support.stage import speaker_session

SPEAKER = "henning.wiebusch@example.org"
SEAT = "0-bench-20261202T120000"
CYCLE_SECONDS = 2.0  # one new segment per 2 s at the live edge


def _cpu_seconds(process: psutil.Process) -> float:
    total = 0.0
    for proc in [process, *process.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


async def _client_loops(urls: dict[str, Any], clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` players fetching playlist + segment every 2 s for ``seconds``."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    counts = {"requests": 0, "errors": 0, "bytes": 0}
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def player(index: int) -> None:
            segment = index % len(urls["segments"])
            await asyncio.sleep(CYCLE_SECONDS * index / clients)  # spread the starts
            while time.monotonic() < deadline:
                started = time.monotonic()
                for url in (urls["playlist"], urls["segments"][segment]):
                    try:
                        response = await client.get(url)
                        counts["requests"] += 1
                        counts["bytes"] += len(response.content)
                        if response.status_code != 200:
                            counts["errors"] += 1
                    except httpx.HTTPError:
                        counts["errors"] += 1
                segment = (segment + 1) % len(urls["segments"])
                await asyncio.sleep(max(0.0, CYCLE_SECONDS - (time.monotonic() - started)))

        await asyncio.gather(*(player(index) for index in range(clients)))
    return counts


def _publish_talk(s3: S3Server, bucket: str, work: Path, session_id: int) -> list[str]:
    """A 20 s live talk (EVENT playlist) in the bucket; returns the segment keys."""
    spool = work / "bench-spool"
    writer = SpoolWriter(spool / str(session_id) / SEAT)
    writer.advance(20)
    storage = s3_storage(s3, bucket, fail_fast=False)
    archive = RecordingArchive(None, storage, spool)  # type: ignore[arg-type]  # live: no DB
    asyncio.run(archive.sync(force=True))
    storage.close()
    prefix = f"{live_prefix(session_id)}/{SEAT}"
    return sorted(k for k in s3.list_keys(bucket) if k.startswith(prefix) and k.endswith(".m4s"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--load-only", help=argparse.SUPPRESS)  # the client process
    args = parser.parse_args()
    if args.load_only:
        urls = json.loads(Path(args.load_only).read_text())
        counts = asyncio.run(_client_loops(urls, args.clients, args.seconds))
        print(json.dumps(counts))
        return

    print(f"machine: {os.cpu_count()} cores, {platform.platform()}, load {os.getloadavg()}")
    work = Path(tempfile.mkdtemp(prefix="fair-bench-hls-cpu-"))
    s3 = S3Server().start()
    bucket = s3.create_bucket("fair-media")
    url = f"sqlite+aiosqlite:///{work / 'fair.db'}"
    asyncio.run(_prepare(url, seeded=True))
    session_id = speaker_session(work / "fair.db", SPEAKER)
    server = start_app_server(
        work,
        url,
        extra_env={
            "FAIR_STORAGE_URL": f"s3://{bucket}",
            "FAIR_S3_ENDPOINT_URL": s3.endpoint_url,
            "FAIR_S3_ACCESS_KEY": s3.access_key,
            "FAIR_S3_SECRET_KEY": s3.secret_key,
            "FAIR_MEDIA_BASE_URL": f"{s3.endpoint_url}/{bucket}",
        },
    )
    try:
        segments = _publish_talk(s3, bucket, work, session_id)
        client = s3.client()
        expiry = int(args.seconds * 4 + 600)

        def presign(key: str) -> str:
            return str(
                client.generate_presigned_url(
                    "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expiry
                )
            )

        playlist_key = f"{live_prefix(session_id)}/{SEAT}/{MEDIA_PLAYLIST_NAME}"
        urls = {"playlist": presign(playlist_key), "segments": [presign(k) for k in segments]}
        assert httpx.get(urls["playlist"]).text.startswith("#EXTM3U")
        status = httpx.get(f"{server.base_url}/sessions/{session_id}/live").json()
        assert status["hls_url"].startswith(s3.endpoint_url), status  # players go to storage
        print(f"page's HLS URL: {status['hls_url']}; {len(segments)} segments")
        urls_file = work / "urls.json"
        urls_file.write_text(json.dumps(urls))
        app = psutil.Process(server.process.pid)
        time.sleep(3)  # start-up work (migrations check, archive recovery) is over

        results = []
        for clients in (0, args.clients):
            load = None
            if clients:
                load = subprocess.Popen(
                    [
                        sys.executable,
                        __file__,
                        "--load-only",
                        str(urls_file),
                        "--clients",
                        str(clients),
                        "--seconds",
                        str(args.seconds),
                    ],
                    stdout=subprocess.PIPE,
                )
            before = _cpu_seconds(app)
            started = time.monotonic()
            time.sleep(args.seconds)
            cpu = _cpu_seconds(app) - before
            window = time.monotonic() - started
            counts: dict[str, Any] = {}
            if load is not None:
                out, _ = load.communicate(timeout=args.seconds * 4 + 60)
                counts = json.loads(out.decode().strip().splitlines()[-1])
            results.append((clients, cpu, window, counts, os.getloadavg()))
            print(
                f"{clients:5d} HLS clients: app CPU {cpu:.2f} s in {window:.1f} s "
                f"({100 * cpu / window:.2f} % of a core) {counts} load {os.getloadavg()}"
            )
    finally:
        server.stop()
        s3.cleanup()


if __name__ == "__main__":
    main()

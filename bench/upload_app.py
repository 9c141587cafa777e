"""Benchmark: a 1 GiB material upload through the real fair app into S3 (nanio).

Not a test. Unlike ``bench/upload_s3.py`` (the storage path in a minimal app), this runs
the whole product: ``fair.app:create_app`` in a uvicorn process with settings from
``FAIR_*`` variables (seeded demo fair on SQLite, ``s3://`` storage on a throwaway nanio),
logs in as an exhibitor over HTTP and posts the file to the booth's material upload
route (``POST /booths/{slug}/materials``) with CSRF token and title before the file,
exactly as the edit form does. Everything on the way counts: middleware (body limit,
sessions, security headers), authorisation, the streaming multipart parser, content
sniffing, the S3 multipart upload and the database write of the new material.

The server's RSS is sampled every 20 ms from outside; the figure that matters is its
growth over the idle baseline (target < 64 MB).

Run from the repository root::

    .venv/bin/python -m bench.upload_app [--size-mb 1024] [--runs 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import psutil

from bench.upload_s3 import BOUNDARY, MB, RssSampler, _cpu, generated, served_client
from tests.support.ports import free_port
from tests.support.s3_server import S3Server

BOOTH = "owl-schueler-online"
EXHIBITOR = "aussteller.krz@example.org"
PASSWORD = "bench-passwort"


async def seed(database_url: str) -> None:
    from fair.app import demo_seeders
    from fair.db import Database
    from fair.migrate import upgrade_database
    from fair.seed import seed_demo_fair

    database = Database(database_url)
    try:
        await upgrade_database(database)
        await seed_demo_fair(database, password=PASSWORD, seeders=demo_seeders())
    finally:
        await database.dispose()


def _csrf_token(html: str) -> str:
    """The CSRF token a page carries in its ``<meta name="csrf-token">``."""
    token = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert token is not None
    return token.group(1)


async def body(size: int, token: str) -> AsyncIterator[bytes]:
    """The edit form's multipart body: csrf_token and title, then the file."""
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\nMessevideo\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="Messe-Präsentation.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode()
    async for chunk in generated(size, form=False):
        yield chunk
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


async def run(size: int, runs: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="fair-bench-app-"))
    database_url = f"sqlite+aiosqlite:///{workdir / 'fair.db'}"
    await seed(database_url)
    with S3Server() as s3:
        bucket = s3.create_bucket("bench")
        port = free_port()
        env = {
            **os.environ,
            "FAIR_DATABASE_URL": database_url,
            "FAIR_STORAGE_URL": f"s3://{bucket}",
            "FAIR_S3_ENDPOINT_URL": s3.endpoint_url,
            "FAIR_S3_ACCESS_KEY": s3.access_key,
            "FAIR_S3_SECRET_KEY": s3.secret_key,
            "FAIR_SPOOL_DIR": str(workdir / "spool"),
            "FAIR_SECRET_KEY": "bench-secret",
            "FAIR_MAX_UPLOAD_BYTES": str(size + 16 * MB),
        }
        async with served_client("fair.app:create_app", port, env, timeout=900) as (server, client):
            for _ in range(200):
                try:
                    await client.get("/healthz")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            login_page = await client.get("/login")
            response = await client.post(
                "/login",
                data={
                    "email": EXHIBITOR,
                    "password": PASSWORD,
                    "csrf_token": _csrf_token(login_page.text),
                },
            )
            assert response.status_code == 303, response.text
            csrf = _csrf_token((await client.get(f"/booths/{BOOTH}/edit")).text)
            # Warm up: imports, boto3 client, connection pools, a small real upload.
            warm = await client.post(
                f"/booths/{BOOTH}/materials",
                content=body(64 * 1024, csrf),
                headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
            )
            assert warm.status_code == 303, warm.text[:500]
            for run_no in range(1, runs + 1):
                await asyncio.sleep(0.5)
                proc = psutil.Process(server.pid)
                baseline = proc.memory_info().rss
                nanio = psutil.Process(s3.proc.pid) if s3.proc else None
                cpu_before = (_cpu(proc), _cpu(nanio), _cpu(psutil.Process()))
                with RssSampler(server.pid) as rss:
                    started = time.perf_counter()
                    response = await client.post(
                        f"/booths/{BOOTH}/materials",
                        content=body(size, csrf),
                        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
                    )
                    elapsed = time.perf_counter() - started
                assert response.status_code == 303, response.text[:500]
                cpu = (
                    _cpu(proc) - cpu_before[0],
                    _cpu(nanio) - cpu_before[1],
                    _cpu(psutil.Process()) - cpu_before[2],
                )
                sizes = [
                    o["Size"]
                    for o in s3.client().list_objects_v2(Bucket=bucket).get("Contents", [])
                ]
                assert size in sizes, sizes
                print(
                    f"app upload run {run_no}: {size / MB:.0f} MiB in {elapsed:.2f} s = "
                    f"{size / MB / elapsed:.1f} MiB/s; server RSS baseline "
                    f"{baseline / MB:.0f} MiB, peak {rss.peak / MB:.0f} MiB, growth "
                    f"{(rss.peak - baseline) / MB:.1f} MiB; CPU s server {cpu[0]:.1f} "
                    f"nanio {cpu[1]:.1f} client {cpu[2]:.1f}",
                    flush=True,
                )
    print(
        f"machine: {platform.machine()}, {psutil.cpu_count()} CPUs, "
        f"{psutil.virtual_memory().total / 2**30:.1f} GiB RAM, Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(run(args.size_mb * MB, args.runs))


if __name__ == "__main__":
    main()

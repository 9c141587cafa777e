"""A throwaway nanio S3 server for tests and benchmarks.

Real S3 semantics (multipart, presigned expiry, signature checks) without Docker: nanio
starts in ~0.2 s on a free loopback port with its data in a temp dir. Use it as a context
manager, or through a pytest fixture (``with S3Server() as s3: yield s3``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.support.ports import free_port

ACCESS_KEY = "fair-test-access"


class S3Server:
    """One nanio process; ``start()``/``stop()`` or ``with``. Not shared between tests
    that stop it on purpose (the 'unavailable' test uses its own)."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self._own_dir = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="fair-nanio-"))
        self.access_key = ACCESS_KEY
        self.secret_key = secrets.token_urlsafe(24)
        self.region = "us-east-1"
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10, *, same_port: bool = False) -> S3Server:
        """``same_port``: come back where it was (a restart, not a fail-over)."""
        if not (same_port and self.port):
            self.port = free_port()
        env = {
            **os.environ,
            "NANIO_ACCESS_KEY": self.access_key,
            "NANIO_SECRET_KEY": self.secret_key,
        }
        nanio = Path(sys.executable).with_name("nanio")
        self.proc = subprocess.Popen(
            [
                str(nanio),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"nanio exited with {self.proc.returncode}: {err}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nanio did not listen on {self.port} within {timeout} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stderr:
            self.proc.stderr.close()
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def client(self, *, secret_key: str | None = None, **config: Any) -> Any:
        """A boto3 S3 client for this server (for setup and for checking results)."""
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            region_name=self.region,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                retries={"max_attempts": 1, "mode": "standard"},
                **config,
            ),
        )

    def create_bucket(self, name: str | None = None) -> str:
        """A fresh bucket, so tests never see each other's objects."""
        bucket = name or f"fair-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=bucket)
        return bucket

    def list_keys(self, bucket: str) -> list[str]:
        response = self.client().list_objects_v2(Bucket=bucket)
        return [item["Key"] for item in response.get("Contents", [])]

    def list_uploads(self, bucket: str) -> list[str]:
        """Multipart uploads still open (an aborted upload must not be listed)."""
        response = self.client().list_multipart_uploads(Bucket=bucket)
        return [item["Key"] for item in response.get("Uploads", [])]

    def __enter__(self) -> S3Server:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cleanup()

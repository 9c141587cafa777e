"""A free loopback port for the servers the tests start (PostgreSQL, Redis, nanio, SMTP,
uvicorn, nginx): one way to ask the kernel for one."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nobody listens on right now (a tiny race until the server binds it, which
    the tests accept)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

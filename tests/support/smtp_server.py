"""A real SMTP server (aiosmtpd) on a private loopback port, for tests of outgoing mail.

It runs in its own thread (aiosmtpd's ``Controller``), so the app under test talks to it
over a real socket exactly as it would to a mail relay. Received mails are parsed into
``email.message.EmailMessage`` objects; :meth:`SmtpServer.wait_for` waits for them.
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from email.message import EmailMessage
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.ports import free_port


class _Collect:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, smtp_server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if self.server.refuse:
            return "554 Transaction failed: refused by the test server"
        with self.server.lock:
            self.server.messages.append(message)
            self.server.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class SmtpServer:
    """``with SmtpServer() as smtp: … smtp.url … smtp.wait_for(1)``."""

    def __init__(self, port: int | None = None, *, refuse: bool = False) -> None:
        self.port = port or free_port()
        self.refuse = refuse
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.lock = threading.Lock()
        self._controller = Controller(_Collect(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The first ``count`` messages, once that many have arrived (or AssertionError)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages[:count])
            time.sleep(0.02)
        raise AssertionError(f"expected {count} mails, got {len(self.messages)}")

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

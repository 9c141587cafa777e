"""Outgoing mail: queued in memory and delivered in the background.

Features call :meth:`Mailer.send` while handling a request; it only puts the mail on a
queue and returns, so a slow, refusing or absent SMTP server never slows a page or fails
a form. A background task delivers over SMTP (``smtplib`` in a worker thread) and retries
a few times with growing pauses; a mail that still cannot be delivered is logged with the
reason. Without ``FAIR_SMTP_URL`` nothing is sent, and start-up says so once.

Mail bodies are rendered by the features themselves (Jinja templates, text plus HTML in
the recipient's language); this module only builds the MIME message and delivers it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger("fair.mail")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    # May carry parameters: "text/calendar; method=REQUEST".
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    reply_to: str | None = None


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str = ""
    password: str = ""
    use_ssl: bool = False
    starttls: bool = False


class MailConfigError(ValueError):
    """``FAIR_SMTP_URL`` cannot be used; the message says why."""


def parse_smtp_url(url: str) -> SmtpConfig | None:
    """``smtp://user:pw@host:port``, ``smtps://…`` or ``smtp://…?starttls=1``; empty → None."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise MailConfigError("FAIR_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise MailConfigError("FAIR_SMTP_URL names no host")
    use_ssl = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if use_ssl else 25)
    except ValueError as exc:
        raise MailConfigError(f"FAIR_SMTP_URL has an invalid port: {exc}") from exc
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes", "on")
    return SmtpConfig(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_ssl=use_ssl,
        starttls=starttls,
    )


def build_message(mail: Mail, sender: str) -> EmailMessage:
    """A MIME message: plain text, an HTML alternative if given, then the attachments."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    if mail.reply_to:
        message["Reply-To"] = mail.reply_to
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    for attachment in mail.attachments:
        main_type, _, rest = attachment.content_type.partition("/")
        sub_type, *params = (p.strip() for p in rest.split(";"))
        message.add_attachment(
            attachment.content,
            maintype=main_type,
            subtype=sub_type,
            filename=attachment.filename,
            params=dict(p.split("=", 1) for p in params if "=" in p),
        )
    return message


class Mailer:
    """Delivers queued mails in one background task; see the module docstring."""

    def __init__(
        self,
        smtp_url: str,
        sender: str,
        *,
        attempts: int = 4,
        retry_delay: float = 5.0,
        queue_size: int = 10_000,
        timeout: float = 15.0,
    ) -> None:
        self.config = parse_smtp_url(smtp_url)
        self.sender = sender
        self.attempts = attempts
        self.retry_delay = retry_delay
        self.timeout = timeout
        self.delivered = 0
        self.failed = 0
        self._queue: asyncio.Queue[Mail] = asyncio.Queue(maxsize=queue_size)
        self._task: asyncio.Task[None] | None = None

    @property
    def enabled(self) -> bool:
        return self.config is not None

    async def start(self) -> None:
        if self.config is None:
            log.info("FAIR_SMTP_URL is not set: fair sends no mail")
            return
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="fair-mailer")

    async def send(self, mail: Mail) -> None:
        """Queue ``mail`` and return at once; without SMTP configured, drop it silently."""
        if self.config is None:
            return
        if self._task is None:
            await self.start()
        try:
            self._queue.put_nowait(mail)
        except asyncio.QueueFull:
            self.failed += 1
            log.error("mail queue full: mail to %s (%s) not sent", mail.to, mail.subject)

    async def drain(self) -> None:
        """Wait until every queued mail was delivered or given up (tests, shutdown)."""
        await self._queue.join()

    async def close(self) -> None:
        """Give queued mails a few seconds, then stop; what is left is logged as lost."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await self.drain()
        if not self._queue.empty():
            log.error("%d mails not delivered at shutdown", self._queue.qsize())
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            mail = await self._queue.get()
            try:
                await self._deliver_with_retries(mail)
            finally:
                self._queue.task_done()

    async def _deliver_with_retries(self, mail: Mail) -> None:
        message = build_message(mail, self.sender)
        for attempt in range(1, self.attempts + 1):
            try:
                await asyncio.to_thread(self._deliver, message)
            except (OSError, smtplib.SMTPException) as exc:
                if attempt == self.attempts:
                    self.failed += 1
                    log.error(
                        "mail to %s (%s) not delivered after %d attempts: %s",
                        mail.to, mail.subject, attempt, exc,
                    )  # fmt: skip
                    return
                log.warning("mail to %s: attempt %d failed (%s); retrying", mail.to, attempt, exc)
                await asyncio.sleep(self.retry_delay * attempt)
            else:
                self.delivered += 1
                return

    def _deliver(self, message: EmailMessage) -> None:
        config = self.config
        assert config is not None
        smtp: smtplib.SMTP
        if config.use_ssl:
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, timeout=self.timeout,
                context=ssl.create_default_context(),
            )  # fmt: skip
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=self.timeout)
        with smtp:
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password)
            smtp.send_message(message)

"""Outgoing mail against a real SMTP server: delivery, retries, refusals, no blocking."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from fair.app_services import app_services
from fair.mail import Attachment, Mail, MailConfigError, Mailer, parse_smtp_url
from fair.settings import Settings, SettingsError
from tests.support.app import make_settings, running_app
from tests.support.ports import free_port
from tests.support.smtp_server import SmtpServer


def test_smtp_url_forms() -> None:
    assert parse_smtp_url("") is None
    plain = parse_smtp_url("smtp://mail.example.org")
    assert plain is not None
    assert (plain.host, plain.port, plain.use_ssl) == ("mail.example.org", 25, False)
    secure = parse_smtp_url("smtps://user%40x:p%3Ass@mail.example.org")
    assert secure is not None
    assert (secure.port, secure.use_ssl, secure.username, secure.password) == (
        465, True, "user@x", "p:ss",
    )  # fmt: skip
    tls = parse_smtp_url("smtp://mail.example.org:587?starttls=1")
    assert tls is not None and tls.starttls and tls.port == 587
    for bad in ("http://mail.example.org", "smtp://", "smtp://host:99999"):
        with pytest.raises(MailConfigError):
            parse_smtp_url(bad)


def test_bad_smtp_setting_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="FAIR_SMTP_URL"):
        Settings.from_env({"FAIR_SMTP_URL": "mailto:someone"})


async def test_mail_with_html_and_calendar_arrives(smtp_server: SmtpServer) -> None:
    mailer = Mailer(smtp_server.url, "Messe <noreply@fair.example>")
    await mailer.start()
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    await mailer.send(
        Mail(
            to="besucherin@example.org",
            subject="Ihr Termin am Stand – Bestätigung",
            text="Guten Tag, Ihr Termin ist gebucht.",
            html="<p>Guten Tag, Ihr Termin ist <strong>gebucht</strong>.</p>",
            attachments=(Attachment("termin.ics", ics, "text/calendar; method=REQUEST"),),
        )
    )
    await mailer.drain()
    await mailer.close()
    (message,) = smtp_server.wait_for(1)
    assert smtp_server.recipients == [["besucherin@example.org"]]
    assert message["Subject"] == "Ihr Termin am Stand – Bestätigung"
    assert message["From"] == "Messe <noreply@fair.example>"
    text = message.get_body(("plain",)).get_content()
    assert text.strip() == "Guten Tag, Ihr Termin ist gebucht."
    assert "<strong>gebucht</strong>" in message.get_body(("html",)).get_content()
    (calendar,) = list(message.iter_attachments())
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_filename() == "termin.ics"
    assert calendar.get_content().encode() == ics
    assert mailer.delivered == 1 and mailer.failed == 0


async def test_without_smtp_nothing_is_sent() -> None:
    mailer = Mailer("", "noreply@fair.example")
    await mailer.start()
    assert not mailer.enabled
    await mailer.send(Mail(to="a@example.org", subject="s", text="t"))
    assert mailer.delivered == 0 and mailer.failed == 0
    await mailer.close()


async def test_server_down_neither_blocks_nor_loses_the_mail() -> None:
    """send() returns at once while SMTP is down; the mail arrives once the server is up."""
    port = free_port()
    mailer = Mailer(f"smtp://127.0.0.1:{port}", "noreply@fair.example", retry_delay=0.3, attempts=6)
    await mailer.start()
    started = time.perf_counter()
    await mailer.send(Mail(to="a@example.org", subject="Kontaktanfrage", text="t"))
    assert time.perf_counter() - started < 0.05
    await asyncio.sleep(0.2)  # the first attempt fails: nothing listens yet
    with SmtpServer(port=port) as server:
        await asyncio.wait_for(mailer.drain(), 15)
        (message,) = server.wait_for(1)
    assert message["Subject"] == "Kontaktanfrage"
    assert mailer.delivered == 1
    await mailer.close()


async def test_refusing_server_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    with SmtpServer(refuse=True) as server:
        mailer = Mailer(server.url, "noreply@fair.example", retry_delay=0.01, attempts=2)
        await mailer.start()
        await mailer.send(Mail(to="a@example.org", subject="Kontaktanfrage", text="t"))
        await asyncio.wait_for(mailer.drain(), 10)
        await mailer.close()
    assert mailer.failed == 1 and mailer.delivered == 0
    assert "not delivered after 2 attempts" in caplog.text
    assert "554" in caplog.text


async def test_app_builds_its_mailer_from_settings(
    smtp_server: SmtpServer, database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(database_url, tmp_path, smtp_url=smtp_server.url)
    async for app in running_app(settings):
        mailer = app_services(app).mailer
        assert mailer.enabled
        await mailer.send(Mail(to="orga@example.org", subject="Hallo", text="Test"))
        await mailer.drain()
    assert smtp_server.wait_for(1)[0]["To"] == "orga@example.org"

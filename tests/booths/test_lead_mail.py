"""Exhibitors hear about their visitors, visitors can withdraw: mails to a real SMTP
server (aiosmtpd on a loopback port), the withdrawal link followed over HTTP, unread
markers in the inbox, and SMTP servers that are down or refuse."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
from sqlalchemy import delete, select, update
from starlette.applications import Starlette

from booths import services
from booths.lead_mail import Postman, send_daily_digests
from booths.models import ContactRequest
from booths.queries import get_booth
from fair.app_services import app_services
from fair.db import utcnow
from fair.models import User
from tests.support.app import csrf_of, login
from tests.support.booth_helpers import KRZ, OWN, app_with, booth_ids, client_of, contact_booth
from tests.support.smtp_server import SmtpServer

WITHDRAW_RE = re.compile(r"http://testserver/contact-requests/withdraw/[A-Za-z0-9_-]{40,}")


async def _contact(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    data = {
        "name": "Eva Muster",
        "email": "eva@example.org",
        "message": "Bitte um Rückruf zu Schüler Online.",
        "consent": "yes",
    }
    return await contact_booth(client, OWN, **(data | fields))


@asynccontextmanager
async def _mailing(
    database_url: str, tmp_path: Path, smtp: SmtpServer
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The app sending its mail to ``smtp``, and a visitor's client."""
    async with (
        app_with(database_url, tmp_path, smtp_url=smtp.url) as app,
        client_of(app) as client,
    ):
        yield app, client


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None, "plain text plus HTML"
    return text.get_content(), html.get_content()


def _by_recipient(messages: list[EmailMessage]) -> dict[str, EmailMessage]:
    return {str(m["To"]): m for m in messages}


async def _contact_person(app: Starlette) -> tuple[int, str]:
    _booth, _materials, contacts = await booth_ids(app, OWN)
    from booths.models import ContactPerson

    async with app_services(app).db.session() as db:
        person = await db.get(ContactPerson, contacts[0])
        assert person is not None
        return person.id, person.name


async def test_contact_request_mails_name_the_person_and_the_link_withdraws_it(
    demo_database_url: str, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    async with _mailing(demo_database_url, tmp_path, smtp_server) as (app, client):
        person_id, person_name = await _contact_person(app)
        response = await _contact(client, contact_person=str(person_id))
        assert response.status_code == 303
        await app_services(app).mailer.drain()
        mails = _by_recipient(smtp_server.wait_for(2))
        assert set(mails) == {"eva@example.org", KRZ}

        visitor = mails["eva@example.org"]
        assert "Ihre Anfrage an" in str(visitor["Subject"])
        text, html = _parts(visitor)
        assert person_name in text and person_name in html
        link = WITHDRAW_RE.search(text)
        assert link is not None and link.group(0) in html
        assert "widerrufen" in text

        exhibitor = mails[KRZ]
        assert "Neue Kontaktanfrage" in str(exhibitor["Subject"])
        assert exhibitor["Reply-To"] == "eva@example.org"
        text, html = _parts(exhibitor)
        assert person_name in text and person_name in html
        assert "Eva Muster" in text and "eva@example.org" in text
        assert "Bitte um Rückruf zu Schüler Online." in html

        # The booth page (shared by all visitors, cached) only says the link comes by mail.
        page = await client.get(f"/booths/{OWN}?sent=1")
        assert "Bestätigung per E-Mail" in page.text and "/contact-requests/" not in page.text
        path = link.group(0).removeprefix("http://testserver")

        # The exhibitor sees it with the chosen person, marked new once.
        await login(client, KRZ)
        inbox = (await client.get("/exhibitor")).text
        assert person_name in inbox.split('id="inbox"', 1)[1]
        assert 'class="badge unread"' in inbox
        assert 'class="badge unread"' not in (await client.get("/exhibitor")).text

        # Following the link: GET only asks (mail scanners open links), POST withdraws.
        confirm = await client.get(path)
        assert confirm.status_code == 200 and confirm.headers["cache-control"] == "no-store"
        # the booth's (German) name inside the English sentence says its language
        assert "„<span" not in confirm.text
        english = (await client.get(f"{path}?lang=en")).text
        assert re.search(r"the booth “<span lang=\"de\">[^<&]+</span>”", english), english
        await client.get("/lang/de")
        async with app_services(app).db.session() as db:
            assert len((await db.scalars(select(ContactRequest))).all()) == 1
        token = await csrf_of(client, path)
        done = await client.post(path, data={"csrf_token": token})
        assert done.status_code == 200
        assert "gelöscht" in done.text
        async with app_services(app).db.session() as db:
            assert (await db.scalars(select(ContactRequest))).all() == []
        assert "Eva Muster" not in (await client.get("/exhibitor")).text
        again = await client.post(path, data={"csrf_token": token})
        assert again.status_code == 404
        assert (await client.get(path[:-3] + "xyz")).status_code == 404
        assert (await client.get("/contact-requests/withdraw/kurz")).status_code == 404


async def test_mails_follow_the_languages(
    demo_database_url: str, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    """The visitor's mail in the language they used; the exhibitor's in the default."""
    async with _mailing(demo_database_url, tmp_path, smtp_server) as (app, client):
        await client.get("/lang/en")
        assert (await _contact(client)).status_code == 303
        await app_services(app).mailer.drain()
        mails = _by_recipient(smtp_server.wait_for(2))
        visitor_text, visitor_html = _parts(mails["eva@example.org"])
        assert "Your request to" in str(mails["eva@example.org"]["Subject"])
        assert "Withdraw your consent" in visitor_text
        assert "Neue Kontaktanfrage" in str(mails[KRZ]["Subject"])
        # the booth's German name in the English mail says its language, in German it needs not
        assert re.search(r"the booth “<span lang=\"de\">[^<&]+</span>”", visitor_html)
        assert "<span lang" not in _parts(mails[KRZ])[1] and "<span" not in visitor_text


async def test_exhibitor_chooses_daily_digest_or_no_mail(
    demo_database_url: str, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    async with _mailing(demo_database_url, tmp_path, smtp_server) as (app, client):
        await login(client, KRZ)
        token = await csrf_of(client, "/exhibitor")
        bad = await client.post(
            "/exhibitor/notifications", data={"csrf_token": token, "lead_mail": "hourly"}
        )
        assert bad.status_code == 400 and "lead_mail" in bad.text
        saved = await client.post(
            "/exhibitor/notifications", data={"csrf_token": token, "lead_mail": "daily"}
        )
        assert saved.status_code == 303
        assert 'value="daily" checked' in (await client.get("/exhibitor")).text

        async with client_of(app) as visitor:
            assert (await _contact(visitor)).status_code == 303
            assert (await _contact(visitor, name="Jan Beispiel")).status_code == 303
        await app_services(app).mailer.drain()
        assert [str(m["To"]) for m in smtp_server.messages] == ["eva@example.org"] * 2

        postman = Postman(
            app_services(app).mailer, app_services(app).templates, "http://fair.test", "de"
        )
        async with app_services(app).db.session() as db:
            assert await send_daily_digests(db, postman) == 1
            await db.commit()
        async with app_services(app).db.session() as db:
            assert await send_daily_digests(db, postman) == 0  # nothing new since
            await db.commit()
        await app_services(app).mailer.drain()
        digest = smtp_server.wait_for(3)[2]
        assert digest["To"] == KRZ
        text, html = _parts(digest)
        assert "2 neue Kontaktanfragen" in text
        assert "Eva Muster" in html and "Jan Beispiel" in html

        token = await csrf_of(client, "/exhibitor")
        await client.post(
            "/exhibitor/notifications", data={"csrf_token": token, "lead_mail": "off"}
        )
        async with client_of(app) as visitor:
            assert (await _contact(visitor)).status_code == 303
        await app_services(app).mailer.drain()
        assert [str(m["To"]) for m in smtp_server.messages][3:] == ["eva@example.org"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_smtp_down_or_refusing_neither_slows_nor_loses_the_request(
    demo_database_url: str, tmp_path: Path
) -> None:
    """Closed port, a server that refuses every mail, and one that accepts the connection
    but never speaks (smtplib would wait its whole 15 s timeout): the visitor's request
    returns at once, the lead is stored, the mails are counted as failed."""
    with (
        SmtpServer(refuse=True) as refuser,
        socket.create_server(("127.0.0.1", 0)) as silent,
    ):
        silent_url = f"smtp://127.0.0.1:{silent.getsockname()[1]}"
        for url in (f"smtp://127.0.0.1:{_closed_port()}", refuser.url, silent_url):
            async with (
                app_with(demo_database_url, tmp_path, smtp_url=url) as app,
                client_of(app) as client,
            ):
                app_services(app).mailer.retry_delay = 0.01
                app_services(app).mailer.attempts = 1
                app_services(app).mailer.timeout = 8.0
                token = await csrf_of(client, f"/booths/{OWN}")
                started = time.monotonic()
                response = await client.post(
                    f"/booths/{OWN}/contact",
                    data={
                        "csrf_token": token, "name": "Eva Muster", "email": "eva@example.org",
                        "message": "Hallo", "consent": "yes",
                    },
                )  # fmt: skip
                elapsed = time.monotonic() - started
                assert response.status_code == 303
                assert elapsed < 4, (url, elapsed)  # not the SMTP timeout (8 s here)
                async with app_services(app).db.session() as db:
                    stored = (await db.scalars(select(ContactRequest))).all()
                    assert [r.name for r in stored] == ["Eva Muster"]
                    await db.execute(delete(ContactRequest))
                    await db.commit()
                await app_services(app).mailer.drain()
                assert app_services(app).mailer.failed == 2, url  # visitor's and exhibitor's mail
        assert refuser.messages == []


async def test_no_smtp_no_mail_and_still_stored(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    assert not app_services(demo_app).mailer.enabled
    assert (await _contact(client)).status_code == 303
    async with app_services(demo_app).db.session() as db:
        assert len((await db.scalars(select(ContactRequest))).all()) == 1


async def test_expired_withdrawal_link_is_refused(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    async with app_services(demo_app).db.session() as db:
        booth = await get_booth(db, OWN)
        new = await services.create_contact_request(
            db, booth, services.ContactRequestInput("Eva", "eva@example.org", "Hallo", True, None)
        )
        await db.commit()
    path = f"/contact-requests/withdraw/{new.withdraw_token}"
    assert (await client.get(path)).status_code == 200
    async with app_services(demo_app).db.session() as db:
        await db.execute(update(ContactRequest).values(expires_at=utcnow() - timedelta(days=1)))
        await db.commit()
    assert (await client.get(path)).status_code == 404
    async with app_services(demo_app).db.session() as db:
        assert (await db.scalar(select(User.lead_mail).where(User.email == KRZ))) == "each"

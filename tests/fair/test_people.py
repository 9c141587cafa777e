"""People of an install: invitations by link or mail, roles, removal, password reset and
the audit trail, over real HTTP. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.audit import purge_expired
from fair.db import utcnow
from fair.models import AuditEntry, Invitation, User
from sessions.models import Speaker
from tests.support.app import (
    NEW_PASSWORD,
    csrf_of,
    login,
    make_client,
    make_settings,
    post_form,
    running_app,
)
from tests.support.form_errors import error_at


async def _invite(client: httpx.AsyncClient, **data: str) -> httpx.Response:
    return await post_form(client, "/organiser/people", **data)


def _link_path(page: str) -> str:
    match = re.search(
        r'class="invitation-link" readonly value="http://testserver(/invite/[^"]+)"', page
    )
    assert match, page
    return match.group(1)


async def _accept(invited: httpx.AsyncClient, path: str, name: str) -> None:
    token = await csrf_of(invited, path)
    accepted = await invited.post(
        path,
        data={
            "csrf_token": token,
            "name": name,
            "password": NEW_PASSWORD,
            "password_repeat": NEW_PASSWORD,
        },
    )
    assert accepted.status_code == 303, accepted.text


async def test_invitations_by_link_revoke_resend_roles_and_removal(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    await login(client, "orga@example.org")
    people = await client.get("/organiser/people")
    org_id = re.search(r'<option value="(\d+)">Kommunales Rechenzentrum', people.text)
    assert org_id, "the demo has the KRZ"
    taken = await _invite(
        client,
        email="aussteller.krz@example.org",
        role="exhibitor",
        organisation_id=org_id.group(1),
    )
    assert taken.status_code == 409
    assert "hat bereits ein Konto" in taken.text
    no_org = await _invite(client, email="neu@example.org", role="exhibitor")
    assert no_org.status_code == 400
    assert "organisation_id" in no_org.text
    invited = await _invite(
        client,
        email="neu@example.org",
        name="Nora Neu",
        role="exhibitor",
        organisation_id=org_id.group(1),
    )
    assert invited.status_code == 200
    first_link = _link_path(invited.text)
    assert "neu@example.org" in invited.text
    twice = await _invite(
        client, email="neu@example.org", role="exhibitor", organisation_id=org_id.group(1)
    )
    assert twice.status_code == 409
    invitation_id = re.search(r'action="/organiser/people/invitations/(\d+)"', invited.text)
    assert invitation_id
    resent = await post_form(
        client, f"/organiser/people/invitations/{invitation_id.group(1)}", action="resend"
    )
    assert resent.status_code == 200
    second_link = _link_path(resent.text)
    assert second_link != first_link
    async with make_client(demo_app) as stranger:
        assert (await stranger.get(first_link)).status_code == 404  # the old link died
    async with make_client(demo_app) as nora:
        await _accept(nora, second_link, "Nora Neu")
        dashboard = await nora.get("/exhibitor")
        assert dashboard.status_code == 200
        async with make_client(demo_app) as stranger:
            assert (await stranger.get(second_link)).status_code == 404  # used once
        # Revoke another invitation: its link stops working.
        other = await _invite(client, email="zweite@example.org", role="organiser")
        other_link = _link_path(other.text)
        other_id = re.findall(r'action="/organiser/people/invitations/(\d+)"', other.text)[0]
        revoked = await post_form(
            client, f"/organiser/people/invitations/{other_id}", action="revoke"
        )
        assert revoked.status_code == 303
        async with make_client(demo_app) as stranger:
            assert (await stranger.get(other_link)).status_code == 404
        async with app_services(demo_app).db.session() as db:
            nora_id = await db.scalar(select(User.id).where(User.email == "neu@example.org"))
        role = await post_form(
            client, f"/organiser/people/{nora_id}", action="role", role="speaker"
        )
        assert role.status_code == 303
        removed = await post_form(client, f"/organiser/people/{nora_id}", action="remove")
        assert removed.status_code == 303
        assert (await nora.get("/exhibitor")).status_code == 401  # access ended at once
    audit = await client.get("/organiser/audit")
    for text in ("neu@example.org", "exhibitor → speaker", "Einladung zurückgezogen"):
        assert text in audit.text
    # What the organisation published stays.
    hall = await client.get("/booths")
    assert "Kommunales Rechenzentrum" in hall.text


async def test_new_routes_by_role(demo_app: Starlette) -> None:
    """The route × role table of the new pages: anonymous 401, others 403, organiser 200."""
    paths = [
        "/organiser/series",
        "/organiser/stages",
        "/organiser/topics",
        "/organiser/organisations",
        "/organiser/people",
        "/organiser/audit",
    ]
    async with make_client(demo_app) as anonymous:
        for path in paths:
            assert (await anonymous.get(path)).status_code == 401, path
        token = await csrf_of(anonymous)
        for path in [
            "/organiser/stages",
            "/organiser/people",
            "/organiser/people/1",
            "/organiser/people/invitations/1",
            "/organiser/topics/1",
            "/organiser/organisations/1",
            "/organiser/series/1/days",
        ]:
            response = await anonymous.post(path, data={"csrf_token": token, "name": "x"})
            assert response.status_code == 401, path
    for email in ("aussteller.krz@example.org", "henning.wiebusch@example.org"):
        async with make_client(demo_app) as other:
            await login(other, email)
            for path in paths:
                assert (await other.get(path)).status_code == 403, (email, path)
            token = await csrf_of(other)
            response = await other.post(
                "/organiser/stages", data={"csrf_token": token, "name": "x"}
            )
            assert response.status_code == 403
    async with make_client(demo_app) as organiser:
        await login(organiser, "orga@example.org")
        for path in paths:
            assert (await organiser.get(path)).status_code == 200, path
    async with make_client(demo_app) as anyone:
        assert (await anyone.get("/password/forgot")).status_code == 200
        assert (await anyone.get("/reset/nonsense")).status_code == 404
        assert (await anyone.get("/setup/nonsense")).status_code == 404


async def test_invitation_and_password_reset_by_mail(
    demo_database_url: str, tmp_path: Path, smtp_server: Any
) -> None:
    settings = make_settings(demo_database_url, tmp_path, smtp_url=smtp_server.url)
    async for app in running_app(settings):
        async with make_client(app) as organiser:
            await login(organiser, "orga@example.org")
            sent = await _invite(
                organiser, email="referentin@example.org", name="Rita", role="speaker"
            )
            assert sent.status_code == 200
            assert "per E-Mail verschickt" in sent.text
            assert "invitation-link" not in sent.text
            await app_services(app).mailer.drain()
            smtp_server.wait_for(1, timeout=10)
            mail = smtp_server.messages[-1]
            assert mail["To"] == "referentin@example.org"
            body = mail.get_body(("plain",)).get_content()
            path = re.search(r"http://testserver(/invite/\S+)", body)
            assert path, body
            async with make_client(app) as rita:
                await _accept(rita, path.group(1), "Rita Referentin")
        async with make_client(app) as forgetful:
            token = await csrf_of(forgetful, "/password/forgot")
            asked = await forgetful.post(
                "/password/forgot", data={"csrf_token": token, "email": "referentin@example.org"}
            )
            assert asked.status_code == 200
            unknown = await forgetful.post(
                "/password/forgot", data={"csrf_token": token, "email": "niemand@example.org"}
            )
            assert unknown.text.count("unterwegs") == asked.text.count("unterwegs")
            blank = await forgetful.post(
                "/password/forgot", data={"csrf_token": token, "email": "  "}
            )  # the form again, the reason at the field
            assert blank.status_code == 400 and error_at(blank, "email") == "Pflichtfeld"
            await app_services(app).mailer.drain()
            smtp_server.wait_for(2, timeout=10)
            assert len(smtp_server.messages) == 2  # none for the unknown address
            body = smtp_server.messages[-1].get_body(("plain",)).get_content()
            reset_path = re.search(r"http://testserver(/reset/\S+)", body)
            assert reset_path, body
            new_password = "ganz-neues-passwort"
            token = await csrf_of(forgetful, reset_path.group(1))
            done = await forgetful.post(
                reset_path.group(1),
                data={
                    "csrf_token": token,
                    "password": new_password,
                    "password_repeat": new_password,
                },
            )
            assert done.status_code == 303
            assert (await forgetful.get(reset_path.group(1))).status_code == 404  # once
        async with make_client(app) as again:
            await login(again, "referentin@example.org", new_password)
        async with app_services(app).db.session() as db:
            used = await db.scalar(
                select(Invitation.used_at).where(Invitation.email == "referentin@example.org")
            )
            assert used is not None
            # The speaker invitation made a programme speaker now linked to the account.
            linked = await db.scalar(
                select(Speaker.name)
                .join(User, User.id == Speaker.user_id)
                .where(User.email == "referentin@example.org")
            )
            assert linked == "Rita"


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_removed_person_keeps_no_password(demo_app: Starlette) -> None:
    async with make_client(demo_app) as organiser:
        await login(organiser, "orga@example.org")
        async with app_services(demo_app).db.session() as db:
            speaker_id = await db.scalar(
                select(User.id).where(User.email == "henning.wiebusch@example.org")
            )
        assert (
            await post_form(organiser, f"/organiser/people/{speaker_id}", action="remove")
        ).status_code == 303
    async with make_client(demo_app) as removed:
        token = await csrf_of(removed)
        response = await removed.post(
            "/login",
            data={
                "email": "henning.wiebusch@example.org",
                "password": "demo-passwort",
                "csrf_token": token,
            },
        )
        assert response.status_code == 400


async def test_audit_entries_are_kept_for_the_retention_period(empty_app: Starlette) -> None:
    async with app_services(empty_app).db.session() as db:
        for days_ago, name in ((40, "alt"), (20, "neu")):
            db.add(
                AuditEntry(
                    at=utcnow() - timedelta(days=days_ago),
                    actor_name=name,
                    action="edit",
                    subject_type="stage",
                    summary=name,
                )
            )
        await db.commit()
        await purge_expired(db, 30)
        await db.commit()
        kept = list(await db.scalars(select(AuditEntry.summary)))
    assert kept == ["neu"]


def test_cli_invitation_for_an_existing_account_is_refused(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = dict(os.environ)
    env.update(
        FAIR_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        FAIR_STORAGE_URL=f"file://{tmp_path / 'storage'}",
        FAIR_SECRET_KEY="cli-test-secret",
    )
    fair = [sys.executable, "-m", "fair.cli", "user"]
    created = subprocess.run(
        [*fair, "create", "--email", "chefin@example.org", "--name", "Chefin",
         "--role", "organiser", "--password", NEW_PASSWORD],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    invited = subprocess.run(
        [*fair, "invite", "--email", "Chefin@example.org", "--role", "speaker"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert invited.returncode == 1
    assert "chefin@example.org hat bereits ein Konto" in invited.stderr
    assert "Traceback" not in invited.stderr
